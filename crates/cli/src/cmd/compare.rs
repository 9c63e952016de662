//! `underwrite compare --champion A --challenger B INPUT`: champion and challenger over the
//! same past applications — the 3×3 swap matrix, swap-ins and swap-outs with their bad rates
//! and the challenger's reasons behind the swap-outs, approval- and bad-rate deltas, each
//! policy's bad rate at the other's approval rate, both policies' backtest figures, and with
//! `--split 90/10 --salt S` each arm of a live split routed by a stable hash of the id.
//! `--swapped FILE` writes one JSON line per swapped application.
//!
//! Lines without a decision are counted by kind and side, never dropped; the exit status is 0
//! once the report is written.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use serde::Serialize;
use serde_json::value::RawValue;
use underwrite_analysis::report::{html, tables};
use underwrite_analysis::{Compare, Direction};
use underwrite_core::policy::Outcome;
use underwrite_core::split::Split;

use super::analysis::history::{self, Seen};
use super::analysis::outputs::{self, OutputArgs, Rendered};
use crate::error::{CliError, EXIT_BAD_INPUT};
use crate::input::{load_policy, InputName};
use crate::json;
use crate::limits::LineLimit;

/// Arguments of `underwrite compare`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The live policy's YAML file.
    #[arg(long)]
    pub champion: PathBuf,
    /// The candidate policy's YAML file.
    #[arg(long)]
    pub challenger: PathBuf,
    /// Also report a live split, champion's share first (e.g. `90/10`), routing each
    /// application by a stable hash of its id and `--salt`, as `underwrite serve --split`
    /// routes it.
    #[arg(long, value_name = "A/B")]
    pub split: Option<Split>,
    /// The salt of the split's hash: the same salt as `serve --split-salt` routes the same ids
    /// to the same arms.
    #[arg(long, default_value = "", requires = "split")]
    pub salt: String,
    /// Write the swapped applications here, one JSON line each:
    /// `{"line", "id", "direction": "in"|"out", "champion", "challenger"}`.
    #[arg(long, value_name = "FILE")]
    pub swapped: Option<PathBuf>,
    /// Where the report goes.
    #[command(flatten)]
    pub output: OutputArgs,
    /// The size cap on one input line.
    #[command(flatten)]
    pub limit: LineLimit,
    /// The history (JSON Lines, optionally gzip-compressed), or `-` / nothing for stdin.
    pub input: Option<PathBuf>,
}

#[derive(Serialize)]
struct SwappedLine<'a> {
    line: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<&'a RawValue>,
    direction: Direction,
    champion: Outcome,
    challenger: Outcome,
}

/// Run the subcommand.
pub fn run(args: Args) -> Result<ExitCode, CliError> {
    let champion = load_policy(&args.champion)?;
    let challenger = load_policy(&args.challenger)?;
    let split = args.split.clone().map(|s| s.with_salt(args.salt.clone()));
    let mut swapped = match &args.swapped {
        Some(path) => Some((
            path,
            BufWriter::new(File::create(path).map_err(|e| cannot_write(path, &e))?),
        )),
        None => None,
    };
    let source = InputName::from_arg(args.input.as_deref());
    let mut compare = Compare::new(&champion, &challenger, split);
    let observer = compare.observer();
    let mut encoded = Vec::with_capacity(256);
    history::for_each(&source, args.limit, &observer, |line, seen| {
        let swap = match seen {
            Seen::Observed(o) => compare.add(line, &o),
            Seen::Unreadable(f) => {
                compare.add_unreadable(line, &f);
                None
            }
        };
        if let (Some(s), Some((path, out))) = (swap, swapped.as_mut()) {
            encoded.clear();
            json::to_writer_compact(
                &mut encoded,
                &SwappedLine {
                    line: s.line,
                    id: s.id,
                    direction: s.direction,
                    champion: s.champion,
                    challenger: s.challenger,
                },
            )
            .map_err(|e| CliError::with_status(EXIT_BAD_INPUT, format!("cannot encode: {e}")))?;
            encoded.push(b'\n');
            out.write_all(&encoded)
                .map_err(|e| cannot_write(path, &e))?;
        }
        Ok(())
    })?;
    if let Some((path, out)) = swapped.as_mut() {
        out.flush().map_err(|e| cannot_write(path, &e))?;
    }
    let report = compare.report();
    outputs::warn_failures(
        "",
        &report.input,
        &[
            ("champion", &report.champion.failures),
            ("challenger", &report.challenger.failures),
        ],
    );
    outputs::write(
        &args.output,
        Rendered {
            report: &report,
            tables: tables::compare(&report),
            html: args.output.html.as_ref().map(|_| html::compare(&report)),
        },
    )?;
    Ok(ExitCode::SUCCESS)
}

fn cannot_write(path: &std::path::Path, e: &std::io::Error) -> CliError {
    CliError::with_status(
        EXIT_BAD_INPUT,
        format!("{}: cannot write: {e}", path.display()),
    )
}
