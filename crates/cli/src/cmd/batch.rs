//! `underwrite batch --policy FILE [APPLICATIONS.jsonl|-]`: decide many applications in parallel.
//!
//! Each input line is `{"id": <any, optional>, "signals": <payload>, "kyc": <request or result,
//! optional>}`. Each output line, in input order, is `{"line": N, "id": ..., "decision": {...}}`
//! or `{"line": N, "id": ..., "error": {"line": N, "message": "..."}}`; a bad line does not stop
//! the rest, and the exit status is 1 at the end if any line failed. Lines are read and decided
//! in chunks (bounded memory) on all cores with one shared `Policy`; a progress bar goes to
//! stderr when it is a terminal.

use std::io::{BufRead, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use underwrite_core::policy::kyc::KycFacts;
use underwrite_core::policy::{DecideOptions, Decision, Policy};

use crate::cmd::decide::load_policy;
use crate::input::{CliError, InputName, EXIT_BAD_INPUT};

/// Lines decided per parallel chunk.
const CHUNK: usize = 4096;

/// Arguments of `underwrite batch`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The policy YAML file.
    #[arg(long, short)]
    pub policy: PathBuf,
    /// Include each decision's trace.
    #[arg(long)]
    pub trace: bool,
    /// The applications (JSON Lines), or `-` / nothing for stdin.
    pub input: Option<PathBuf>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Application<'a> {
    #[serde(borrow, default)]
    id: Option<&'a RawValue>,
    #[serde(borrow)]
    signals: &'a RawValue,
    #[serde(borrow, default)]
    kyc: Option<&'a RawValue>,
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

fn decide_line<'a>(
    policy: &Policy,
    options: DecideOptions,
    line: usize,
    text: &'a str,
) -> Output<'a> {
    let fail = |id, message: String| Output {
        line,
        id,
        decision: None,
        error: Some(LineError { line, message }),
    };
    let app: Application<'a> = match serde_json::from_str(text) {
        Ok(app) => app,
        Err(e) => return fail(None, format!("not an application: {e}")),
    };
    let kyc = match app.kyc.map(|k| KycFacts::from_json(k.get())).transpose() {
        Ok(kyc) => kyc,
        Err(e) => return fail(app.id, e.to_string()),
    };
    match policy.decide_payload(app.signals.get().as_bytes(), kyc.as_ref(), options) {
        Ok(decision) => Output {
            line,
            id: app.id,
            decision: Some(decision),
            error: None,
        },
        Err(e) => fail(app.id, e.to_string()),
    }
}

/// Run the subcommand.
pub fn run(args: Args) -> Result<ExitCode, CliError> {
    let policy = load_policy(&args.policy)?;
    let options = DecideOptions { trace: args.trace };
    let source = InputName::from_arg(args.input.as_deref());
    let reader: Box<dyn BufRead> = match &source {
        InputName::Stdin => Box::new(std::io::stdin().lock()),
        InputName::File(path) => Box::new(std::io::BufReader::new(
            std::fs::File::open(path).map_err(|e| CliError::bad_input(&source, e))?,
        )),
    };
    let bar = ProgressBar::new_spinner();
    bar.set_style(
        ProgressStyle::with_template("{spinner} {pos} decided ({per_sec}) {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let write_err = |e: std::io::Error| {
        CliError::with_status(EXIT_BAD_INPUT, format!("cannot write output: {e}"))
    };
    let mut failed = 0usize;
    let mut lines = reader.lines().enumerate();
    loop {
        let mut chunk: Vec<(usize, String)> = Vec::with_capacity(CHUNK);
        for (i, line) in lines.by_ref().take(CHUNK) {
            let line =
                line.map_err(|e| CliError::bad_input(&source, format!("line {}: {e}", i + 1)))?;
            if !line.trim().is_empty() {
                chunk.push((i + 1, line));
            }
        }
        if chunk.is_empty() {
            break;
        }
        let results: Vec<Output<'_>> = chunk
            .par_iter()
            .map(|(n, text)| {
                let r = decide_line(&policy, options, *n, text);
                bar.inc(1);
                r
            })
            .collect();
        for r in &results {
            failed += usize::from(r.error.is_some());
            serde_json::to_writer(&mut out, r).map_err(|e| {
                CliError::with_status(EXIT_BAD_INPUT, format!("cannot encode output: {e}"))
            })?;
            out.write_all(b"\n").map_err(write_err)?;
        }
    }
    out.flush().map_err(write_err)?;
    bar.finish_and_clear();
    if failed > 0 {
        eprintln!("underwrite: {source}: {failed} line(s) failed");
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}
