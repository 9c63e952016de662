//! `underwrite kyc`: match KYC requests (submitted vs authority record) and print the results.
//!
//! One request (the default) prints one pretty JSON result. `--jsonl` streams: one request per
//! input line, one compact result per output line, in order; a bad line (too long, not UTF-8,
//! not a request, refused, or a panic inside the matcher) prints
//! `{"error": {"line": N, "message": "..."}}` in its place, the rest go on, and the exit status
//! is 1 at the end. Blank lines follow the rule in [`crate::lines`]: skipped, but counted. Lines
//! run through [`crate::pipeline`] as `batch`'s do: read in chunks bounded by lines and bytes,
//! matched and encoded on all cores (requests parsed borrowing from the chunk's buffer),
//! written in input order. A line's error is its [`LineFailure`]'s message.

use std::io::{BufReader, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use underwrite_core::line::{InputLine, LineFailure};
use underwrite_kyc::{match_request, Aggregation, KycRequest, MatchConfig};

use crate::error::{CliError, EXIT_BAD_INPUT, EXIT_FAILED};
use crate::input::{read_input, InputName};
use crate::json;
use crate::limits::{InputLimit, LineLimit};
use crate::lines::JsonLines;
use crate::output::print_json;
use crate::panic;
use crate::pipeline::{self, ChunkLimits, LineSource};

/// Arguments of `underwrite kyc`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Input file, or `-` / nothing for stdin.
    pub input: Option<PathBuf>,
    /// One request per line in, one result per line out.
    #[arg(long)]
    pub jsonl: bool,
    /// 1022 only when no field matches at all (default: any No Match field gives 1022).
    #[arg(long)]
    pub lenient: bool,
    /// Largest edit distance for a Partial Match of a name component (0 to 8: beyond that
    /// nearly any two names match, and matching slows down).
    #[arg(
        long,
        default_value_t = 2,
        value_name = "N",
        value_parser = clap::builder::RangedU64ValueParser::<usize>::new()
            .range(0..=underwrite_kyc::MAX_DISTANCE_LIMIT as u64)
    )]
    pub max_distance: usize,
    /// Scale the distance down for short names (1-2 letters must be equal, 3-5 may differ by 1).
    #[arg(long)]
    pub length_scaled: bool,
    /// The size cap on a single request.
    #[command(flatten)]
    pub input_limit: InputLimit,
    /// The size cap on one `--jsonl` line.
    #[command(flatten)]
    pub line_limit: LineLimit,
}

impl Args {
    fn config(&self) -> MatchConfig {
        MatchConfig {
            max_distance: self.max_distance,
            length_scaled: self.length_scaled,
            aggregation: if self.lenient {
                Aggregation::Lenient
            } else {
                Aggregation::Strict
            },
        }
    }
}

/// Run the subcommand.
pub fn run(args: Args) -> Result<ExitCode, CliError> {
    let name = InputName::from_arg(args.input.as_deref());
    let config = args.config();
    if args.jsonl {
        return run_jsonl(&name, &config, args.line_limit);
    }
    let bytes = read_input(&name, args.input_limit)?;
    let request = KycRequest::from_json_slice(&bytes)
        .map_err(|e| CliError::bad_input(&name, format!("invalid request: {e}")))?;
    let result = match_request(&request, &config).map_err(|e| CliError::bad_input(&name, e))?;
    print_json(&result)?;
    Ok(ExitCode::SUCCESS)
}

/// Match one JSONL line: its result, encoded.
fn match_line(text: &str, config: &MatchConfig) -> Result<Vec<u8>, LineFailure> {
    let request = KycRequest::from_json_slice(text.as_bytes())
        .map_err(|e| LineFailure::NotJson(format!("invalid request: {e}")))?;
    let result =
        match_request(&request, config).map_err(|e| LineFailure::Refused(e.to_string()))?;
    let mut out = Vec::with_capacity(1024);
    json::to_writer_compact(&mut out, &result)
        .map_err(|e| LineFailure::Refused(format!("cannot encode result: {e}")))?;
    Ok(out)
}

/// Match one line of a chunk whose text is in `buf`; a panic inside the matcher is that line's
/// error.
fn match_chunk_line(
    line: &InputLine,
    buf: &[u8],
    config: &MatchConfig,
) -> Result<Vec<u8>, LineFailure> {
    let text = line.text(buf)?;
    panic::catch(|| match_line(text, config))
        .unwrap_or_else(|panicked| Err(LineFailure::Internal(panicked.to_string())))
}

fn run_jsonl(
    name: &InputName,
    config: &MatchConfig,
    limit: LineLimit,
) -> Result<ExitCode, CliError> {
    let stdout = std::io::stdout();
    let mut writer = BufWriter::with_capacity(1 << 16, stdout.lock());
    let (mut matched, mut failed) = (0usize, 0usize);
    let open = || {
        let source = name
            .open()
            .map_err(|e| CliError::bad_input(name, format!("cannot read: {e}")))?;
        let lines = JsonLines::new(BufReader::with_capacity(1 << 16, source), limit);
        Ok(lines.map_err(|e| CliError::bad_input(name, e)))
    };
    let result = pipeline::run(open, ChunkLimits::default(), |chunk| {
        chunk.map_in_order(
            |line, buf| match_chunk_line(line, buf, config),
            |line, outcome| {
                matched += 1;
                let mut out = match outcome {
                    Ok(out) => out,
                    Err(failure) => {
                        failed += 1;
                        let error = serde_json::json!(
                            {"error": {"line": line.number, "message": failure.to_string()}}
                        );
                        let mut out = Vec::with_capacity(256);
                        json::to_writer_compact(&mut out, &error).map_err(|e| {
                            CliError::with_status(
                                EXIT_BAD_INPUT,
                                format!("cannot encode output: {e}"),
                            )
                        })?;
                        out
                    }
                };
                out.push(b'\n');
                writer.write_all(&out).map_err(|e| CliError::output(&e))
            },
        )
    });
    // Lines matched before a read error are written before it is reported.
    let flushed = writer.flush().map_err(|e| CliError::output(&e));
    result?;
    flushed?;
    if failed > 0 {
        return Err(CliError::with_status(
            EXIT_FAILED,
            format!("{name}: {failed} of {matched} lines failed"),
        ));
    }
    Ok(ExitCode::SUCCESS)
}
