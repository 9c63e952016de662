//! `underwrite replay LOG... --policy P [--format text|json]`: decide every logged application
//! again with P.
//!
//! Records that P itself made (the same sha256) must come out exactly as logged: each
//! difference in outcome, score or reasons is a defect, listed, and the exit status is 1. Every
//! record also counts in the swap matrix (logged outcome × outcome now, plus failures), which
//! is the report when P is another policy. A torn last line (a write a crash cut short) is a
//! warning; any other bad line is named (`file:line`) and makes the exit status 2. Memory is
//! bounded whatever the logs hold: the log is read through [`crate::pipeline`], the one
//! reading pipeline of `batch`, `kyc --jsonl` and the history reader, with `batch`'s chunk
//! limits (lines and bytes), its lines parsed and decided again on all cores and folded in log
//! order; bad lines and defects are all counted but only the first kept. The reading,
//! re-deciding and comparing are `underwrite_log`'s (no service linked); the swap matrix is
//! `underwrite_analysis`'s, the one `compare` folds. See `docs/decision-log.md`.

use std::convert::Infallible;
use std::path::PathBuf;
use std::process::ExitCode;

use serde::Serialize;
use underwrite_analysis::{Label, SwapMatrix};
use underwrite_core::policy::{Outcome, Policy};
use underwrite_log::read::{read, BadLines, LineAt, LogReader, ReadError};
use underwrite_log::replay::{redecide, Replay, ReplayReport};

use crate::error::{CliError, EXIT_BAD_INPUT, EXIT_FAILED};
use crate::input::load_policy;
use crate::log_lines::{LogLine, LogLines};
use crate::output::{print_json, print_line};
use crate::pipeline::{self, Chunk, ChunkLimits};
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
    let reader =
        read(&args.logs).map_err(|e| CliError::with_status(EXIT_BAD_INPUT, e.to_string()))?;
    let Replayed {
        report,
        matrix,
        torn,
        bad,
    } = replay(reader, &policy, |_| {});
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

/// Decide every record `reader` reads again with `policy`, through the pipeline in chunks of
/// `batch`'s limits (each chunk shown to `chunk_read` first: a hook for tests), parsed and
/// decided on all cores, folded in log order; torn and bad lines are reported on stderr in
/// their place (the first bad lines only) and counted.
fn replay(
    reader: LogReader,
    policy: &Policy,
    mut chunk_read: impl FnMut(&Chunk<LogLine>),
) -> Replayed {
    let mut replay = Replay::new(policy);
    let mut matrix = SwapMatrix::default();
    let mut torn = Vec::new();
    let mut bad = BadLines::new();
    let mut add_bad = |e: ReadError| {
        if let Some(e) = bad.add(e) {
            term::eprint_line(&format!("underwrite: {e}"));
        }
    };
    // Nothing stops the reading (an unreadable file is a bad line), so the run cannot fail.
    let Ok(()) = pipeline::run(
        || Ok(LogLines::new(reader)),
        ChunkLimits::default(),
        |chunk| {
            chunk_read(chunk);
            chunk.map_in_order(
                |line, buf| {
                    line.record(buf).map(|record| {
                        record.map(|record| {
                            let now = redecide(&record, policy);
                            (record, now)
                        })
                    })
                },
                |line, decided| {
                    match (line, decided) {
                        (LogLine::Text { at, .. }, Some(Ok((record, now)))) => {
                            let replayed = replay.add_decided(&at, &record, &now);
                            matrix.add(Some(replayed.logged), replayed.now, Label::Unknown);
                        }
                        (LogLine::Torn { at, len }, _) => torn.push(torn_line(at, len)),
                        (LogLine::Unreadable(e), _) | (LogLine::Text { .. }, Some(Err(e))) => {
                            add_bad(e);
                        }
                        // Every line with text has its record or its error.
                        (LogLine::Text { .. }, None) => {}
                    }
                    Ok::<(), Infallible>(())
                },
            )
        },
    );
    Replayed {
        report: replay.finish(),
        matrix,
        torn,
        bad,
    }
}

/// A torn last line, warned about on stderr and kept for the report.
fn torn_line(at: LineAt, len: u64) -> Torn {
    term::eprint_line(&format!(
        "underwrite: warning: {at}: torn last line ({len} bytes at offset {}): \
         a write cut short, not a record",
        at.offset
    ));
    Torn {
        file: at.file.display().to_string(),
        line: at.line,
        offset: at.offset,
        bytes: len,
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

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::path::Path;

    use super::*;

    fn root() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
    }

    #[test]
    fn replay_holds_at_most_the_pipelines_byte_bound_of_a_log_of_large_records() {
        let policy = load_policy(&root().join("rules/starter.yaml")).unwrap();
        let clean = std::fs::read(root().join("testdata/signals/clean.json")).unwrap();
        let mut signals: serde_json::Value = serde_json::from_slice(&clean).unwrap();
        // An unknown key of 2 MiB: the payload is accepted, its line is large.
        signals["pad"] = "x".repeat(2 << 20).into();
        let line = format!(
            r#"{{"v":1,"decision_id":"d","time":"t","policy":{{"name":"p","version":"1","hash":"h"}},"arm":"champion","input_sha256":"s","signals":{signals},"decision":"approve","score":null,"reasons":[],"latency_us":1}}"#
        );
        let records = 20;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("large.jsonl");
        let mut file = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
        for _ in 0..records {
            writeln!(file, "{line}").unwrap();
        }
        file.flush().unwrap();
        drop(file);

        let mut chunks = Vec::new();
        let replayed = replay(read(&[path]).unwrap(), &policy, |chunk| {
            chunks.push((chunk.lines().len(), chunk.buf().len()));
        });
        assert_eq!(replayed.report.records, records);
        assert_eq!(replayed.report.failed, 0);
        assert_eq!(replayed.bad.total(), 0);

        // batch's chunk limits: a chunk takes lines until it holds 16 MiB of text, so it ends
        // with the line that reaches the bound, never holding a whole line more.
        let bound = ChunkLimits::default().bytes;
        assert_eq!(bound, 16 << 20);
        let per_chunk = bound.div_ceil(line.len()) as u64;
        assert_eq!(per_chunk, 8);
        let expected: Vec<(usize, usize)> = [per_chunk, per_chunk, records - 2 * per_chunk]
            .into_iter()
            .map(|lines| (lines as usize, lines as usize * line.len()))
            .collect();
        assert_eq!(chunks, expected);
        assert!(chunks.iter().all(|&(_, bytes)| bytes < bound + line.len()));
    }
}
