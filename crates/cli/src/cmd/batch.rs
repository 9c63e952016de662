//! `underwrite batch --policy FILE [APPLICATIONS.jsonl|-]`: decide many applications in parallel.
//!
//! Each input line is `{"id": <string or number, optional>, "signals": <payload>, "kyc":
//! <request or result, optional>}`. Each output line, in input order, is
//! `{"line": N, "id": ..., "decision": {...}}` or `{"line": N, "id": ..., "error": {"line": N,
//! "message": "..."}}`. A bad line — too long, not UTF-8, not an application, a bad `id`, a
//! decide error, or a panic inside the libraries — is that line's error and the rest go on; the
//! exit status is 1 at the end if any line failed. Blank lines follow the rule in
//! [`crate::lines`]: skipped, but counted.
//!
//! Memory is bounded by bytes, not lines: lines are read by [`crate::pipeline`] in chunks of at
//! most 4,096 lines and about 16 MiB (a chunk always takes at least one line, itself at most
//! `--max-line-bytes`), one chunk ahead on a reader thread, decided on all cores with one shared
//! `Policy`, written in input order, and dropped. A line's error is its
//! [`LineFailure`]'s message. A progress bar goes to stderr
//! when it is a terminal.

use std::io::{BufReader, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;
use serde_json::value::RawValue;
use underwrite_core::application::Application;
use underwrite_core::line::{InputLine, LineFailure};
use underwrite_core::policy::{DecideOptions, Decision, Policy};

use crate::error::{CliError, EXIT_BAD_INPUT, EXIT_FAILED};
use crate::input::{load_policy, InputName};
use crate::json;
use crate::limits::LineLimit;
use crate::lines::JsonLines;
use crate::panic;
use crate::pipeline::{self, ChunkLimits, LineSource};

/// Arguments of `underwrite batch`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The policy YAML file.
    #[arg(long, short)]
    pub policy: PathBuf,
    /// Include each decision's trace.
    #[arg(long)]
    pub trace: bool,
    /// The size cap on one input line.
    #[command(flatten)]
    pub limit: LineLimit,
    /// The applications (JSON Lines), or `-` / nothing for stdin.
    pub input: Option<PathBuf>,
}

#[derive(Serialize)]
struct LineError {
    line: usize,
    message: String,
}

#[derive(Serialize)]
struct Output<'a> {
    line: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<&'a RawValue>,
    #[serde(skip_serializing_if = "Option::is_none")]
    decision: Option<Decision>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<LineError>,
}

/// A line's id (when it is echoed) and its decision or failure.
struct Outcome<'a> {
    id: Option<&'a RawValue>,
    result: Result<Decision, LineFailure>,
}

impl<'a> Outcome<'a> {
    fn failed(failure: LineFailure) -> Self {
        Self {
            id: None,
            result: Err(failure),
        }
    }

    fn into_output(self, line: usize) -> Output<'a> {
        let (decision, error) = match self.result {
            Ok(decision) => (Some(decision), None),
            Err(failure) => (
                None,
                Some(LineError {
                    line,
                    message: failure.to_string(),
                }),
            ),
        };
        Output {
            line,
            id: self.id,
            decision,
            error,
        }
    }
}

/// Decide one application from its JSON text.
fn decide_text<'a>(policy: &Policy, options: DecideOptions, text: &'a str) -> Outcome<'a> {
    let app = match Application::from_json(text) {
        Ok(app) => app,
        Err(e) => return Outcome::failed(LineFailure::from(e)),
    };
    let result = app
        .decide(policy, options)
        .map(|decided| decided.decision)
        .map_err(LineFailure::from);
    Outcome {
        id: app.id_raw(),
        result,
    }
}

/// Decide one line of a chunk whose text is in `buf`; a panic inside the libraries is that
/// line's error.
fn decide_line<'a>(
    policy: &Policy,
    options: DecideOptions,
    line: &InputLine,
    buf: &'a [u8],
) -> Output<'a> {
    let outcome = match line.text(buf) {
        Ok(text) => panic::catch(|| decide_text(policy, options, text))
            .unwrap_or_else(|p| Outcome::failed(LineFailure::Internal(p.to_string()))),
        Err(failure) => Outcome::failed(failure),
    };
    outcome.into_output(line.number)
}

/// Run the subcommand.
pub fn run(args: Args) -> Result<ExitCode, CliError> {
    let policy = load_policy(&args.policy)?;
    let options = DecideOptions { trace: args.trace };
    let source = InputName::from_arg(args.input.as_deref());
    let bar = ProgressBar::new_spinner();
    bar.set_style(
        ProgressStyle::with_template("{spinner} {pos} decided ({per_sec}) {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let mut failed = 0usize;
    let mut encoded: Vec<u8> = Vec::with_capacity(4096);
    let open = || {
        let reader = source
            .open()
            .map_err(|e| CliError::bad_input(&source, format!("cannot read: {e}")))?;
        let lines = JsonLines::new(BufReader::with_capacity(1 << 16, reader), args.limit);
        Ok(lines.map_err(|e| CliError::bad_input(&source, e)))
    };
    let result = pipeline::run(open, ChunkLimits::default(), |chunk| {
        chunk.map_in_order(
            |line, buf| decide_line(&policy, options, line, buf),
            |_, output| {
                bar.inc(1);
                failed += usize::from(output.error.is_some());
                // Encode first, then write: a write error stays an io::Error (a closed stdout).
                encoded.clear();
                json::to_writer_compact(&mut encoded, &output).map_err(|e| {
                    CliError::with_status(EXIT_BAD_INPUT, format!("cannot encode output: {e}"))
                })?;
                encoded.push(b'\n');
                out.write_all(&encoded).map_err(|e| CliError::output(&e))
            },
        )
    });
    // Lines decided before a read error are written before it is reported.
    let flushed = out.flush().map_err(|e| CliError::output(&e));
    bar.finish_and_clear();
    result?;
    flushed?;
    if failed > 0 {
        return Err(CliError::with_status(
            EXIT_FAILED,
            format!("{source}: {failed} line(s) failed"),
        ));
    }
    Ok(ExitCode::SUCCESS)
}
