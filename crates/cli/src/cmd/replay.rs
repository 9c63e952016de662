//! `underwrite replay LOG... --policy P [--format text|json]`: decide every logged application
//! again with P.
//!
//! Records that P itself made (the same sha256) must come out exactly as logged: each
//! difference in outcome, score or reasons is a defect, listed, and the exit status is 1. Every
//! record also counts in the swap matrix (logged outcome × outcome now, plus failures), which
//! is the report when P is another policy. A torn last line (a write a crash cut short) is a
//! warning; any other bad line is named (`file:line`) and makes the exit status 2. See
//! `docs/decision-log.md`.

use std::path::PathBuf;
use std::process::ExitCode;

use rayon::prelude::*;
use serde::Serialize;
use underwrite_core::policy::{Decision, Outcome};
use underwrite_service::decision_log::read::{read, Entry, LineAt, ReadError};
use underwrite_service::decision_log::replay::{redecide, Replay, ReplayReport, SwapRow};
use underwrite_service::decision_log::Record;

use crate::error::{CliError, EXIT_BAD_INPUT, EXIT_FAILED};
use crate::input::load_policy;
use crate::output::{print_json, print_line};
use crate::term;

/// Records decided in parallel at a time (bounded memory: a record is a few KB).
const CHUNK: usize = 4096;
/// Bad lines named one by one on stderr; the rest are counted.
const SHOWN_BAD_LINES: usize = 100;

/// Arguments of `underwrite replay`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The policy YAML file to decide with.
    #[arg(long, short)]
    pub policy: PathBuf,
    /// Output: `text` (a summary, the defects and the swap matrix) or `json` (one document).
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
    /// Decision log segments, or directories of them (read in name order).
    #[arg(required = true, value_name = "LOG")]
    pub logs: Vec<PathBuf>,
}

/// `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Human-readable lines.
    Text,
    /// One JSON document.
    Json,
}

/// A torn last line, as reported.
#[derive(Debug, Serialize)]
struct Torn {
    file: String,
    line: u64,
    offset: u64,
    bytes: u64,
}

/// The JSON output: the replay's report, plus what could not be read.
#[derive(Debug, Serialize)]
struct Output<'a> {
    #[serde(flatten)]
    report: &'a ReplayReport,
    torn: Vec<Torn>,
    bad_lines: Vec<String>,
}

/// Run the subcommand.
pub fn run(args: Args) -> Result<ExitCode, CliError> {
    let policy = load_policy(&args.policy)?;
    let mut entries =
        read(&args.logs).map_err(|e| CliError::with_status(EXIT_BAD_INPUT, e.to_string()))?;
    let mut replay = Replay::new(&policy);
    let mut torn = Vec::new();
    let mut bad_lines = Vec::new();
    let mut chunk: Vec<(LineAt, Box<Record>)> = Vec::with_capacity(CHUNK);
    loop {
        chunk.clear();
        for entry in entries.by_ref() {
            match entry {
                Ok(Entry::Record { at, record }) => {
                    chunk.push((at, record));
                    if chunk.len() == CHUNK {
                        break;
                    }
                }
                Ok(Entry::Torn { at, len }) => {
                    term::eprint_line(&format!(
                        "underwrite: warning: {at}: torn last line ({len} bytes at offset {}): \
                         a write cut short, not a record",
                        at.offset
                    ));
                    torn.push(Torn {
                        file: at.file.display().to_string(),
                        line: at.line,
                        offset: at.offset,
                        bytes: len,
                    });
                }
                Err(e) => {
                    if bad_lines.len() < SHOWN_BAD_LINES {
                        term::eprint_line(&format!("underwrite: {e}"));
                    }
                    bad_lines.push(bad_line(&e));
                }
            }
        }
        if chunk.is_empty() {
            break;
        }
        let decided: Vec<Result<Decision, String>> = chunk
            .par_iter()
            .map(|(_, record)| redecide(record, &policy))
            .collect();
        for ((at, record), now) in chunk.iter().zip(decided) {
            replay.add_decided(at, record, now);
        }
    }
    let report = replay.finish();
    match args.format {
        Format::Json => print_json(&Output {
            report: &report,
            torn,
            bad_lines: bad_lines.clone(),
        })?,
        Format::Text => print_text(&report, torn.len())?,
    }
    if !bad_lines.is_empty() {
        if bad_lines.len() > SHOWN_BAD_LINES {
            term::eprint_line(&format!(
                "underwrite: ... and {} more bad lines",
                bad_lines.len() - SHOWN_BAD_LINES
            ));
        }
        return Err(CliError::with_status(
            EXIT_BAD_INPUT,
            format!("{} line(s) of the log could not be read", bad_lines.len()),
        ));
    }
    if !report.defects.is_empty() {
        return Ok(ExitCode::from(EXIT_FAILED));
    }
    Ok(ExitCode::SUCCESS)
}

/// A bad line (or unreadable file) as `file:line: what`.
fn bad_line(e: &ReadError) -> String {
    e.to_string()
}

fn print_text(report: &ReplayReport, torn: usize) -> Result<(), CliError> {
    let p = &report.policy;
    print_line(&format!(
        "replayed {} record(s) with {} {} (sha256 {})",
        report.records, p.name, p.version, p.hash
    ))?;
    print_line(&format!(
        "same policy: {} record(s) and {} shadow decision(s) checked exactly: {} defect(s)",
        report.same_sha,
        report.shadow_same_sha,
        report.defects.len()
    ))?;
    for d in &report.defects {
        print_line(&format!(
            "defect: {} ({}): {}: logged {}, now {}",
            d.decision_id,
            d.at,
            d.field.as_str(),
            d.logged,
            d.now
        ))?;
    }
    print_line("swap matrix (rows: logged, columns: now):")?;
    print_line(&format!(
        "  {:<8} {:>9} {:>9} {:>9} {:>9}",
        "", "approve", "review", "reject", "failed"
    ))?;
    for outcome in [Outcome::Approve, Outcome::Review, Outcome::Reject] {
        let SwapRow {
            approve,
            review,
            reject,
            failed,
        } = *report.matrix.row(outcome);
        print_line(&format!(
            "  {:<8} {approve:>9} {review:>9} {reject:>9} {failed:>9}",
            outcome.as_str()
        ))?;
    }
    print_line(&format!(
        "{} record(s) changed outcome or failed to decide; {} torn line(s)",
        report.matrix.swapped(),
        torn
    ))
}
