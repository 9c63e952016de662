//! `underwrite test [PATH...]`: run every policy's own `tests:` and print a summary.
//!
//! Files a test names are read relative to the policy's directory, through the
//! `--max-input-bytes` cap. Only regular files are read (a symlink to one is fine): a test naming
//! a FIFO, `/dev/stdin` or `/dev/zero` fails at once with "not a regular file", since the cap
//! bounds a read's size but not how long it waits. A panic inside the libraries fails that test
//! and the run goes on. Every line printed is escaped for the terminal: file and test names come
//! from the policy.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use underwrite_core::policy::{InputSource, Policy, TestReport};

use crate::error::{CliError, EXIT_BAD_INPUT, EXIT_FAILED};
use crate::input::{read_named, read_policy, InputName};
use crate::limits::InputLimit;
use crate::output::print_line;
use crate::panic;

/// Arguments of `underwrite test`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Policy files or directories of them (`*.yaml`, `*.yml`); default `rules/`.
    pub paths: Vec<PathBuf>,
    /// The size cap on each file a test reads.
    #[command(flatten)]
    pub limit: InputLimit,
}

/// Collect policy files: files as given, directories searched (sorted, not recursively).
fn policy_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, CliError> {
    let mut out = Vec::new();
    for path in paths {
        if path.is_dir() {
            let entries = std::fs::read_dir(path)
                .map_err(|e| CliError::bad_input(path.display(), format!("cannot list: {e}")))?;
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

/// Read a file a test names: a regular file only, checked before it is opened (opening a FIFO
/// blocks until a writer comes), then read under the cap.
fn read_test_file(path: &Path, limit: InputLimit) -> Result<Vec<u8>, String> {
    let metadata = std::fs::metadata(path).map_err(|e| format!("cannot read: {e}"))?;
    if !metadata.is_file() {
        return Err("not a regular file".to_string());
    }
    read_named(&InputName::File(path.to_path_buf()), limit)
}

/// Read a test input: inline JSON, or a file relative to the policy's directory.
fn read_source(source: &InputSource, dir: &Path, limit: InputLimit) -> Result<Vec<u8>, String> {
    match source {
        InputSource::Path(rel) => {
            let path = dir.join(rel);
            read_test_file(&path, limit).map_err(|message| format!("{}: {message}", path.display()))
        }
        InputSource::Inline(_) => source
            .inline_bytes()
            .ok_or_else(|| "inline value missing".to_string()),
    }
}

fn run_policy(path: &Path, limit: InputLimit) -> Result<Vec<TestReport>, String> {
    let bytes = read_policy(path).map_err(|e| e.to_string())?;
    let policy = Policy::load(&bytes).map_err(|e| format!("{}: {e}", path.display()))?;
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut reports = Vec::new();
    for case in policy.tests() {
        let inputs = read_source(&case.signals, dir, limit).and_then(|signals| {
            let kyc = case
                .kyc
                .as_ref()
                .map(|k| read_source(k, dir, limit))
                .transpose()?;
            Ok((signals, kyc))
        });
        let fail = |message: String| TestReport {
            name: case.name.clone(),
            failures: vec![message],
        };
        reports.push(match inputs {
            Ok((signals, kyc)) => panic::catch(|| policy.run_test(case, &signals, kyc.as_deref()))
                .unwrap_or_else(|panicked| {
                    fail(format!(
                        "internal error while running this test; please report it ({panicked})"
                    ))
                }),
            Err(message) => fail(message),
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
        match run_policy(file, args.limit) {
            Err(message) => {
                failed += 1;
                print_line(&format!(
                    "FAIL {}: policy does not load: {message}",
                    file.display()
                ))?;
            }
            Ok(reports) => {
                for report in reports {
                    if report.passed() {
                        passed += 1;
                        print_line(&format!("ok   {}: {}", file.display(), report.name))?;
                    } else {
                        failed += 1;
                        print_line(&format!("FAIL {}: {}", file.display(), report.name))?;
                        for f in &report.failures {
                            print_line(&format!("       {f}"))?;
                        }
                    }
                }
            }
        }
    }
    print_line(&format!("{passed} passed, {failed} failed"))?;
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_FAILED)
    })
}
