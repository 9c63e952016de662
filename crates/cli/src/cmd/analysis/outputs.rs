//! Where a report goes: readable tables on stdout (or JSON with `--json`), plus a directory
//! of CSV files (`--csv DIR`, one per table) and a self-contained HTML page (`--html FILE`).

use std::fs;
use std::path::PathBuf;

use serde::Serialize;
use underwrite_analysis::report::tables::Table;

use crate::error::{CliError, EXIT_BAD_INPUT};
use crate::output::{print_json, print_line};
use crate::term;

/// The output flags both commands take.
#[derive(Debug, Clone, clap::Args)]
pub struct OutputArgs {
    /// Print the report as one JSON document (its schema: docs/backtest.md) instead of tables.
    #[arg(long)]
    pub json: bool,
    /// Also write every table as a CSV file into this directory (created if needed).
    #[arg(long, value_name = "DIR")]
    pub csv: Option<PathBuf>,
    /// Also write the report as one self-contained HTML page.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
}

/// A report in its three forms.
pub struct Rendered<'a, R> {
    /// The report (for `--json`).
    pub report: &'a R,
    /// Its tables (text and CSV).
    pub tables: Vec<Table>,
    /// Its HTML page, rendered only when asked for.
    pub html: Option<String>,
}

/// Write `rendered` where `args` say.
pub fn write<R: Serialize>(args: &OutputArgs, rendered: Rendered<'_, R>) -> Result<(), CliError> {
    if let Some(dir) = &args.csv {
        write_csv(dir, &rendered.tables)?;
    }
    if let (Some(path), Some(html)) = (&args.html, &rendered.html) {
        fs::write(path, html).map_err(|e| {
            CliError::with_status(
                EXIT_BAD_INPUT,
                format!("{}: cannot write: {e}", path.display()),
            )
        })?;
    }
    if args.json {
        return print_json(rendered.report);
    }
    for table in &rendered.tables {
        // Each line escaped on its own: names and messages come from inputs.
        for line in table.to_text().lines() {
            print_line(line)?;
        }
        print_line("")?;
    }
    Ok(())
}

fn write_csv(dir: &std::path::Path, tables: &[Table]) -> Result<(), CliError> {
    let fail = |path: &std::path::Path, e: &dyn std::fmt::Display| {
        CliError::with_status(
            EXIT_BAD_INPUT,
            format!("{}: cannot write: {e}", path.display()),
        )
    };
    fs::create_dir_all(dir).map_err(|e| fail(dir, &e))?;
    for table in tables {
        let path = dir.join(format!("{}.csv", table.name));
        let mut w = csv::Writer::from_path(&path).map_err(|e| fail(&path, &e))?;
        w.write_record(&table.columns)
            .map_err(|e| fail(&path, &e))?;
        for row in &table.rows {
            w.write_record(row.iter().map(|c| c.raw()))
                .map_err(|e| fail(&path, &e))?;
        }
        w.flush().map_err(|e| fail(&path, &e))?;
    }
    Ok(())
}

/// Say on stderr how many lines had no decision, and the first of each kind: the lines no
/// policy could read, then each policy's own failures under its role.
pub fn warn_failures(
    prefix: &str,
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
            "underwrite: {prefix}{} line(s) without a decision{by} ({}), first at line {}: {}",
            f.count, f.kind, f.first_line, f.first_message
        ));
    }
}
