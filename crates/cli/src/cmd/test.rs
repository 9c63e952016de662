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

use underwrite_core::policy::{InputSource, Policy, TestFailure, TestInput, TestReport, TestSpec};

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
fn read_source(
    source: &InputSource,
    input: TestInput,
    dir: &Path,
    limit: InputLimit,
) -> Result<Vec<u8>, TestFailure> {
    match source {
        InputSource::Path(rel) => {
            let path = dir.join(rel);
            read_test_file(&path, limit).map_err(|message| TestFailure::InputUnreadable {
                input,
                source: path.display().to_string(),
                message,
            })
        }
        // Inline values are JSON the policy holds: nothing to read.
        InputSource::Inline(_) => Ok(source.inline_bytes().unwrap_or_default()),
    }
}

/// Read a test's inputs: the signals bytes and the KYC text, if any.
fn read_inputs(
    case: &TestSpec,
    dir: &Path,
    limit: InputLimit,
) -> Result<(Vec<u8>, Option<String>), TestFailure> {
    let signals = read_source(&case.signals, TestInput::Signals, dir, limit)?;
    let kyc = match &case.kyc {
        None => None,
        Some(k) => {
            let bytes = read_source(k, TestInput::Kyc, dir, limit)?;
            let text = String::from_utf8(bytes).map_err(|e| TestFailure::InputUnreadable {
                input: TestInput::Kyc,
                // Inline values are serialized JSON, always UTF-8: only a file gets here.
                source: match k {
                    InputSource::Path(rel) => dir.join(rel).display().to_string(),
                    InputSource::Inline(_) => "inline kyc".to_string(),
                },
                message: format!("not UTF-8: {e}"),
            })?;
            Some(text)
        }
    };
    Ok((signals, kyc))
}

fn run_policy(path: &Path, limit: InputLimit) -> Result<Vec<TestReport>, String> {
    let bytes = read_policy(path).map_err(|e| e.to_string())?;
    let policy = Policy::load(&bytes).map_err(|e| format!("{}: {e}", path.display()))?;
    let dir = path.parent().unwrap_or(Path::new("."));
    let reports = policy
        .tests()
        .iter()
        .map(|case| match read_inputs(case, dir, limit) {
            Ok((signals, kyc)) => panic::catch(|| policy.run_test(case, &signals, kyc.as_deref()))
                .unwrap_or_else(|panicked| {
                    TestReport::failed(
                        case.name.clone(),
                        TestFailure::Panicked {
                            detail: panicked.to_string(),
                        },
                    )
                }),
            Err(failure) => TestReport::failed(case.name.clone(), failure),
        })
        .collect();
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
