//! `underwrite test [PATH...]`: run every policy's own `tests:` and print a summary.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use underwrite_core::policy::{InputSource, Policy, TestReport};

use crate::input::{read_all, CliError, InputName, EXIT_BAD_INPUT};

/// Arguments of `underwrite test`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Policy files or directories of them (`*.yaml`, `*.yml`); default `rules/`.
    pub paths: Vec<PathBuf>,
}

/// Collect policy files: files as given, directories searched (sorted, not recursively).
fn policy_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, CliError> {
    let mut out = Vec::new();
    for path in paths {
        if path.is_dir() {
            let name = InputName::File(path.clone());
            let entries = std::fs::read_dir(path)
                .map_err(|e| CliError::bad_input(&name, format!("cannot list: {e}")))?;
            let mut found: Vec<PathBuf> = entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
                .collect();
            found.sort();
            out.extend(found);
        } else {
            out.push(path.clone());
        }
    }
    Ok(out)
}

/// Read a test input: inline JSON, or a file relative to the policy's directory.
fn read_source(source: &InputSource, dir: &Path) -> Result<Vec<u8>, String> {
    match source {
        InputSource::Path(rel) => {
            let path = dir.join(rel);
            std::fs::read(&path).map_err(|e| format!("{}: cannot read: {e}", path.display()))
        }
        InputSource::Inline(_) => source
            .inline_bytes()
            .ok_or_else(|| "inline value missing".to_string()),
    }
}

fn run_policy(path: &Path) -> Result<Vec<TestReport>, String> {
    let name = InputName::File(path.to_path_buf());
    let bytes = read_all(&name).map_err(|e| e.to_string())?;
    let policy = Policy::load(&bytes).map_err(|e| format!("{}: {e}", path.display()))?;
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut reports = Vec::new();
    for case in policy.tests() {
        let inputs = read_source(&case.signals, dir).and_then(|signals| {
            let kyc = case
                .kyc
                .as_ref()
                .map(|k| {
                    read_source(k, dir).and_then(|b| {
                        String::from_utf8(b).map_err(|e| format!("kyc input is not UTF-8: {e}"))
                    })
                })
                .transpose()?;
            Ok((signals, kyc))
        });
        reports.push(match inputs {
            Ok((signals, kyc)) => policy.run_test(case, &signals, kyc.as_deref()),
            Err(message) => TestReport {
                name: case.name.clone(),
                failures: vec![message],
            },
        });
    }
    Ok(reports)
}

/// Run the subcommand.
pub fn run(args: Args) -> Result<ExitCode, CliError> {
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from("rules")]
    } else {
        args.paths
    };
    let files = policy_files(&paths)?;
    if files.is_empty() {
        return Err(CliError::with_status(
            EXIT_BAD_INPUT,
            "no policy files (*.yaml, *.yml) found",
        ));
    }
    let (mut passed, mut failed) = (0usize, 0usize);
    for file in &files {
        match run_policy(file) {
            Err(message) => {
                failed += 1;
                println!("FAIL {}: policy does not load: {message}", file.display());
            }
            Ok(reports) => {
                for report in reports {
                    if report.passed() {
                        passed += 1;
                        println!("ok   {}: {}", file.display(), report.name);
                    } else {
                        failed += 1;
                        println!("FAIL {}: {}", file.display(), report.name);
                        for f in &report.failures {
                            println!("       {f}");
                        }
                    }
                }
            }
        }
    }
    println!("{passed} passed, {failed} failed");
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
