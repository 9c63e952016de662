//! `underwrite kyc`: match KYC requests (submitted vs authority record) and print the results.
//!
//! One request (the default) prints one pretty JSON result. `--jsonl` streams: one request per
//! input line, one compact result per output line, in order; a bad line prints
//! `{"error": {"line": N, "message": "..."}}` in its place, the rest go on, and the exit status
//! is 1 at the end. Requests are parsed borrowing from a reused line buffer and results are
//! serialized straight into a buffered stdout, so throughput is bounded by JSON, not matching.

use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use underwrite_kyc::{match_request, Aggregation, KycRequest, MatchConfig};

use crate::input::{self, CliError, InputName, EXIT_BAD_INPUT};

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
    /// Largest edit distance for a Partial Match of a name component.
    #[arg(long, default_value_t = 2, value_name = "N")]
    pub max_distance: usize,
    /// Scale the distance down for short names (1-2 letters must be equal, 3-5 may differ by 1).
    #[arg(long)]
    pub length_scaled: bool,
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
        return run_jsonl(&name, &config);
    }
    let bytes = input::read_all(&name)?;
    let request = KycRequest::from_json_slice(&bytes)
        .map_err(|e| CliError::bad_input(&name, format!("invalid request: {e}")))?;
    let result = match_request(&request, &config).map_err(|e| CliError::bad_input(&name, e))?;
    input::print_json(&result)?;
    Ok(ExitCode::SUCCESS)
}

/// Match one JSONL line, writing the result (or nothing) into `out`.
fn match_line(line: &[u8], config: &MatchConfig, out: &mut Vec<u8>) -> Result<(), String> {
    let request = KycRequest::from_json_slice(line).map_err(|e| format!("invalid request: {e}"))?;
    let result = match_request(&request, config).map_err(|e| e.to_string())?;
    serde_json::to_writer(&mut *out, &result).map_err(|e| format!("cannot encode result: {e}"))
}

fn run_jsonl(name: &InputName, config: &MatchConfig) -> Result<ExitCode, CliError> {
    let source: Box<dyn Read> = match name {
        InputName::Stdin => Box::new(std::io::stdin().lock()),
        InputName::File(path) => Box::new(
            std::fs::File::open(path)
                .map_err(|e| CliError::bad_input(name, format!("cannot read: {e}")))?,
        ),
    };
    let mut reader = BufReader::with_capacity(1 << 16, source);
    let stdout = std::io::stdout();
    let mut writer = BufWriter::with_capacity(1 << 16, stdout.lock());
    let write_err = |e: std::io::Error| {
        CliError::with_status(EXIT_BAD_INPUT, format!("cannot write output: {e}"))
    };

    let mut line = Vec::with_capacity(1024);
    let mut out = Vec::with_capacity(2048);
    let (mut number, mut failed) = (0usize, 0usize);
    loop {
        line.clear();
        let read = reader.read_until(b'\n', &mut line).map_err(|e| {
            CliError::bad_input(name, format!("line {}: cannot read: {e}", number + 1))
        })?;
        if read == 0 {
            break;
        }
        number += 1;
        let text = trim_line_end(&line);
        out.clear();
        let outcome = if text.iter().all(u8::is_ascii_whitespace) {
            Err("empty line (expected one JSON request per line)".to_owned())
        } else {
            match_line(text, config, &mut out)
        };
        if let Err(message) = outcome {
            failed += 1;
            out.clear();
            let error = serde_json::json!({"error": {"line": number, "message": message}});
            serde_json::to_writer(&mut out, &error).map_err(|e| {
                CliError::with_status(EXIT_BAD_INPUT, format!("cannot encode output: {e}"))
            })?;
        }
        out.push(b'\n');
        writer.write_all(&out).map_err(write_err)?;
    }
    writer.flush().map_err(write_err)?;
    if failed > 0 {
        return Err(CliError::with_status(
            1,
            format!("{name}: {failed} of {number} lines failed"),
        ));
    }
    Ok(ExitCode::SUCCESS)
}

/// The line without its `\n` / `\r\n` terminator.
fn trim_line_end(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}
