//! `underwrite replay LOG... --policy P [--format text|json]`: decide every logged application
//! again with P.
//!
//! Records that P itself made (the same sha256) must come out exactly as logged: each
//! difference in outcome, score or reasons is a defect, listed, and the exit status is 1. Every
//! record also counts in the swap matrix (logged outcome × outcome now, plus failures), which
//! is the report when P is another policy. A torn last line (a write a crash cut short) is a
//! warning; any other bad line is named (`file:line`) and makes the exit status 2. Memory is
//! bounded whatever the logs hold: records are decided in chunks bounded by count and bytes,
//! bad lines and defects are all counted but only the first kept. The reading, re-deciding and
//! comparing are `underwrite_log`'s (no service linked); the swap matrix is
//! `underwrite_analysis`'s, the one `compare` folds. See `docs/decision-log.md`.

use std::path::PathBuf;
use std::process::ExitCode;

use rayon::prelude::*;
use serde::Serialize;
use underwrite_analysis::{Label, SwapMatrix};
use underwrite_core::policy::Outcome;
use underwrite_log::read::{fill_chunk, read, BadLines, Skipped, CHUNK_LIMITS};
use underwrite_log::replay::{redecide, Replay, ReplayReport};

use crate::error::{CliError, EXIT_BAD_INPUT, EXIT_FAILED};
use crate::input::load_policy;
use crate::output::{print_json, print_line};
use crate::term;

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

/// One logged outcome's records, by their outcome now.
#[derive(Debug, Clone, Copy, Serialize)]
struct SwapRow {
    approve: u64,
    review: u64,
    reject: u64,
    failed: u64,
}

/// The swap matrix as `--format json` writes it: rows logged, columns now.
#[derive(Debug, Serialize)]
struct Matrix {
    approve: SwapRow,
    review: SwapRow,
    reject: SwapRow,
}

fn row(matrix: &SwapMatrix, logged: Outcome) -> SwapRow {
    let now = |outcome: Option<Outcome>| matrix.cell(Some(logged), outcome).total();
    SwapRow {
        approve: now(Some(Outcome::Approve)),
        review: now(Some(Outcome::Review)),
        reject: now(Some(Outcome::Reject)),
        failed: now(None),
    }
}

/// The JSON output: the replay's report, the swap matrix, plus what could not be read.
#[derive(Debug, Serialize)]
struct Output<'a> {
    #[serde(flatten)]
    report: &'a ReplayReport,
    matrix: Matrix,
    torn: &'a [Torn],
    /// The first bad lines' messages.
    bad_lines: Vec<String>,
    /// Every bad line counted.
    bad_lines_total: u64,
}

/// What a replay read and found.
struct Replayed {
    report: ReplayReport,
    matrix: SwapMatrix,
    torn: Vec<Torn>,
    bad: BadLines,
}

/// Run the subcommand.
pub fn run(args: Args) -> Result<ExitCode, CliError> {
    let policy = load_policy(&args.policy)?;
    let mut entries =
        read(&args.logs).map_err(|e| CliError::with_status(EXIT_BAD_INPUT, e.to_string()))?;
    let Replayed {
        report,
        matrix,
        torn,
        bad,
    } = replay(&mut entries, &policy);
    match args.format {
        Format::Json => print_json(&Output {
            report: &report,
            matrix: Matrix {
                approve: row(&matrix, Outcome::Approve),
                review: row(&matrix, Outcome::Review),
                reject: row(&matrix, Outcome::Reject),
            },
            torn: &torn,
            bad_lines: bad.kept().iter().map(ToString::to_string).collect(),
            bad_lines_total: bad.total(),
        })?,
        Format::Text => print_text(&report, &matrix, torn.len())?,
    }
    if bad.total() > 0 {
        let shown = bad.kept().len() as u64;
        if bad.total() > shown {
            term::eprint_line(&format!(
                "underwrite: ... and {} more bad lines",
                bad.total() - shown
            ));
        }
        return Err(CliError::with_status(
            EXIT_BAD_INPUT,
            format!("{} line(s) of the log could not be read", bad.total()),
        ));
    }
    if report.defects_total > 0 {
        return Ok(ExitCode::from(EXIT_FAILED));
    }
    Ok(ExitCode::SUCCESS)
}

/// Decide every record of `entries` again with `policy`, a bounded chunk at a time on all
/// cores, folding in input order; torn and bad lines are reported on stderr as they come (the
/// first bad lines only) and counted.
fn replay<I>(entries: &mut I, policy: &underwrite_core::policy::Policy) -> Replayed
where
    I: Iterator<Item = Result<underwrite_log::read::Entry, underwrite_log::read::ReadError>>,
{
    let mut replay = Replay::new(policy);
    let mut matrix = SwapMatrix::default();
    let mut torn = Vec::new();
    let mut bad = BadLines::new();
    let mut chunk = Vec::new();
    loop {
        let more = fill_chunk(entries, &mut chunk, CHUNK_LIMITS, |skipped| match skipped {
            Skipped::Torn { at, len } => {
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
            Skipped::Bad(e) => {
                if let Some(e) = bad.add(e) {
                    term::eprint_line(&format!("underwrite: {e}"));
                }
            }
        });
        if !more {
            break;
        }
        let decided: Vec<_> = chunk
            .par_iter()
            .map(|(_, record)| redecide(record, policy))
            .collect();
        for ((at, record), now) in chunk.iter().zip(&decided) {
            let replayed = replay.add_decided(at, record, now);
            matrix.add(Some(replayed.logged), replayed.now, Label::Unknown);
        }
    }
    Replayed {
        report: replay.finish(),
        matrix,
        torn,
        bad,
    }
}

fn print_text(report: &ReplayReport, matrix: &SwapMatrix, torn: usize) -> Result<(), CliError> {
    let p = &report.policy;
    print_line(&format!(
        "replayed {} record(s) with {} {} (sha256 {})",
        report.records, p.name, p.version, p.hash
    ))?;
    print_line(&format!(
        "same policy: {} record(s) and {} shadow decision(s) checked exactly: {} defect(s)",
        report.same_sha, report.shadow_same_sha, report.defects_total
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
    let unlisted = report.defects_total - report.defects.len() as u64;
    if unlisted > 0 {
        print_line(&format!("... and {unlisted} more defect(s)"))?;
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
        } = row(matrix, outcome);
        print_line(&format!(
            "  {:<8} {approve:>9} {review:>9} {reject:>9} {failed:>9}",
            outcome.as_str()
        ))?;
    }
    print_line(&format!(
        "{} record(s) changed outcome or failed to decide; {} torn line(s)",
        matrix.changed(),
        torn
    ))
}
