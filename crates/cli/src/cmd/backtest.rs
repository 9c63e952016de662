//! `underwrite backtest --policy P [--reference OTHER] INPUT`: what a policy does to a
//! portfolio of past applications — decision mix, score distribution and power (KS, AUC/Gini),
//! the cut-off strategy table, knock-out and reason incidence, lines without a decision by
//! kind, and with `--reference` the PSI of the score and of each input.
//!
//! Lines that cannot be decided are counted and reported by kind with their first line (on
//! stderr too), never dropped; they do not change the exit status, which is 0 once the report
//! is written (2 when the policy, the reference or the input cannot be read at all).

use std::path::PathBuf;
use std::process::ExitCode;

use std::io::Read;
use underwrite_analysis::report::{html, tables};

use underwrite_analysis::{is_saved_report, Backtest, Reference, MAX_REFERENCE_BYTES};

use super::analysis::history::{self, Seen};
use super::analysis::outputs::{self, OutputArgs, Rendered};
use crate::error::CliError;
use crate::input::{load_policy, InputName};
use crate::limits::LineLimit;

/// Arguments of `underwrite backtest`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The policy YAML file.
    #[arg(long, short)]
    pub policy: PathBuf,
    /// What PSI compares with: another history file (decided with the same policy) or a
    /// report saved with `backtest --json`.
    #[arg(long, value_name = "OTHER")]
    pub reference: Option<PathBuf>,
    /// Where the report goes.
    #[command(flatten)]
    pub output: OutputArgs,
    /// The size cap on one input line.
    #[command(flatten)]
    pub limit: LineLimit,
    /// The history (JSON Lines, optionally gzip-compressed), or `-` / nothing for stdin.
    pub input: Option<PathBuf>,
}

/// Run the subcommand.
pub fn run(args: Args) -> Result<ExitCode, CliError> {
    let policy = load_policy(&args.policy)?;
    let reference = match &args.reference {
        Some(path) => Some(load_reference(path, &policy, args.limit)?),
        None => None,
    };
    let source = InputName::from_arg(args.input.as_deref());
    let backtest = run_over(&source, &policy, args.limit)?;
    let report = backtest.report(reference.as_ref());
    outputs::warn_failures("", &report.input, &[("policy", &report.policy.failures)]);
    outputs::write(
        &args.output,
        Rendered {
            report: &report,
            tables: tables::backtest(&report),
            html: args.output.html.as_ref().map(|_| html::backtest(&report)),
        },
    )?;
    Ok(ExitCode::SUCCESS)
}

fn run_over<'p>(
    source: &InputName,
    policy: &'p underwrite_core::policy::Policy,
    limit: LineLimit,
) -> Result<Backtest<'p>, CliError> {
    let mut backtest = Backtest::new(policy);
    let observer = backtest.observer();
    history::for_each(source, limit, &observer, |line, seen| {
        match seen {
            Seen::Observed(o) => backtest.add(line, &o),
            Seen::Unreadable(f) => backtest.add_unreadable(line, &f),
        }
        Ok(())
    })?;
    Ok(backtest)
}

/// A reference: a saved report when the file is one (one JSON document with a `format`),
/// else history decided with `policy`, its bad lines named on stderr like the input's.
fn load_reference(
    path: &std::path::Path,
    policy: &underwrite_core::policy::Policy,
    limit: LineLimit,
) -> Result<Reference, CliError> {
    let name = InputName::File(path.to_path_buf());
    if let Some(text) = saved_report_text(&name)? {
        return Reference::from_json(&text).map_err(|e| CliError::bad_input(&name, e));
    }
    let backtest = run_over(&name, policy, limit)?;
    let report = backtest.report(None);
    if report.policy.decided == 0 {
        let first = report
            .input
            .failures
            .iter()
            .chain(&report.policy.failures)
            .min_by_key(|f| f.first_line)
            .map_or_else(String::new, |f| {
                format!(" (line {}: {})", f.first_line, f.first_message)
            });
        return Err(CliError::bad_input(
            &name,
            format!(
                "neither a saved report nor history: none of its {} line(s) could be decided{first}",
                report.input.lines
            ),
        ));
    }
    outputs::warn_failures(
        &format!("reference {name}: "),
        &report.input,
        &[("policy", &report.policy.failures)],
    );
    Ok(backtest.reference())
}

/// The text of `name` when it is a saved report: at most [`MAX_REFERENCE_BYTES`], UTF-8, and
/// one JSON document with a `format` (a history file, even one whose first line is blank or
/// malformed, is none of these).
fn saved_report_text(name: &InputName) -> Result<Option<String>, CliError> {
    let file = name
        .open()
        .map_err(|e| CliError::bad_input(name, format!("cannot read: {e}")))?;
    let mut bytes = Vec::new();
    file.take(MAX_REFERENCE_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| CliError::bad_input(name, format!("cannot read: {e}")))?;
    if bytes.len() > MAX_REFERENCE_BYTES {
        return Ok(None);
    }
    Ok(String::from_utf8(bytes)
        .ok()
        .filter(|text| is_saved_report(text)))
}
