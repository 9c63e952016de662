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

use underwrite_analysis::report::{html, tables};
use underwrite_analysis::{Backtest, Observer, Reference, MAX_REFERENCE_BYTES};

use super::analysis::history::{self, Seen};
use super::analysis::outputs::{self, OutputArgs, Rendered};
use crate::error::CliError;
use crate::input::{load_policy, InputName};
use crate::limits::LineLimit;
use crate::term;

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
    warn_failures(&report.input, &[("policy", &report.policy.failures)]);
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
    let observer = Observer::new(vec![policy]);
    let mut backtest = Backtest::new(policy);
    history::for_each(source, limit, &observer, |line, seen| {
        match seen {
            Seen::Observed(o) => backtest.add(line, &o),
            Seen::Unreadable(f) => backtest.add_unreadable(line, &f),
        }
        Ok(())
    })?;
    Ok(backtest)
}

/// A reference: a saved report when the file is one, else a history decided with `policy`.
fn load_reference(
    path: &std::path::Path,
    policy: &underwrite_core::policy::Policy,
    limit: LineLimit,
) -> Result<Reference, CliError> {
    let name = InputName::File(path.to_path_buf());
    if is_history(&name)? {
        return Ok(run_over(&name, policy, limit)?.reference());
    }
    let text = history::read_small(path, MAX_REFERENCE_BYTES)?;
    Reference::from_json(&text).map_err(|e| CliError::bad_input(&name, e))
}

/// Whether a file is history (its first line an application, or gzip) rather than a report.
fn is_history(name: &InputName) -> Result<bool, CliError> {
    use std::io::BufRead;
    let reader = history::open(name)?;
    let mut first = Vec::new();
    std::io::Read::take(reader, 1 << 20)
        .read_until(b'\n', &mut first)
        .map_err(|e| CliError::bad_input(name, format!("cannot read: {e}")))?;
    let first = String::from_utf8_lossy(&first);
    let value: Option<serde_json::Value> = serde_json::from_str(first.trim()).ok();
    Ok(value.is_some_and(|v| v.get("signals").is_some()))
}

/// Say on stderr how many lines had no decision, and the first of each kind: the lines no
/// policy could read, then each policy's own failures under its role.
pub fn warn_failures(
    input: &underwrite_analysis::report::InputSummary,
    policies: &[(&str, &[underwrite_analysis::report::FailureCount])],
) {
    let all = input.failures.iter().map(|f| ("", f)).chain(
        policies
            .iter()
            .flat_map(|(who, fs)| fs.iter().map(move |f| (*who, f))),
    );
    for (who, f) in all {
        let by = if who.is_empty() {
            String::new()
        } else {
            format!(" by the {who}")
        };
        term::eprint_line(&format!(
            "underwrite: {} line(s) without a decision{by} ({}), first at line {}: {}",
            f.count, f.kind, f.first_line, f.first_message
        ));
    }
}
