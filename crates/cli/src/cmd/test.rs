//! `underwrite test [--coverage] [--min-coverage PCT] [--format text|json] [PATH...]`: run every
//! policy's own `tests:` and print a summary, and with `--coverage` which rules they exercise.
//!
//! The tests run through core's one runner (`Policy::run_tests`), as the service's reload gate
//! and Python's `Policy.test()` run them. Files a test names are read relative to the policy's
//! directory, through the `--max-input-bytes` cap (by default the runner's, 8 MiB). Only
//! regular files are read (a symlink to one is fine): a test naming a FIFO, `/dev/stdin` or
//! `/dev/zero` fails at once with "not a regular file", since the cap bounds a read's size but
//! not how long it waits. A panic inside the libraries fails that test and the run goes on. Every line printed is escaped for the terminal: file and test names come
//! from the policy. The output (text or one JSON document) is written by [`render`].
//!
//! Exit status 1 when a test failed, a policy did not load, or a policy's coverage is below
//! `--min-coverage`.

mod render;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use rust_decimal::Decimal;
use underwrite_core::policy::{
    Coverage, Policy, PolicyId, TestFiles, TestReport, Unreadable, UnreadableReason,
};

use crate::error::{CliError, EXIT_BAD_INPUT, EXIT_FAILED};
use crate::input::{read_capped, read_policy, ReadError};
use crate::limits::{ByteSize, InputLimit};

/// Arguments of `underwrite test`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Policy files or directories of them (`*.yaml`, `*.yml`); default `rules/`.
    pub paths: Vec<PathBuf>,
    /// Also report, per policy, which knock-outs fired, which bins matched, which cut-off bands
    /// and fallbacks were reached, and list everything no test covers.
    #[arg(long)]
    pub coverage: bool,
    /// Fail (exit status 1) when a policy's coverage is below PCT percent (0 to 100, e.g. 100 or
    /// 87.5); implies --coverage.
    #[arg(long, value_name = "PCT", value_parser = parse_percent)]
    pub min_coverage: Option<Decimal>,
    /// `text` for people, `json` for CI: one JSON document with every test result and coverage.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// The size cap on each file a test reads.
    #[command(flatten)]
    pub limit: InputLimit,
}

/// How `underwrite test` prints its results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Lines for people: `ok`/`FAIL` per test, coverage, `N passed, N failed`.
    Text,
    /// One JSON document (see docs/policy-guide.md, "Test coverage").
    Json,
}

/// A percentage from 0 to 100, exact (`87.5`, `100`, `99.95`).
fn parse_percent(text: &str) -> Result<Decimal, String> {
    let value: Decimal = text
        .trim()
        .trim_end_matches('%')
        .trim_end()
        .parse()
        .map_err(|_| format!("`{text}` is not a percentage (try 100 or 87.5)"))?;
    if value < Decimal::ZERO || value > Decimal::ONE_HUNDRED {
        return Err(format!("{value} is not between 0 and 100"));
    }
    Ok(value.normalize())
}

/// One policy file's results.
pub(crate) struct PolicyRun {
    /// The file as given.
    pub file: PathBuf,
    /// The results, or why the policy could not be run.
    pub outcome: Result<Tested, String>,
}

/// A loaded policy's test results.
pub(crate) struct Tested {
    /// Which policy.
    pub id: PolicyId,
    /// One report per test case, in file order.
    pub reports: Vec<TestReport>,
    /// Coverage of the policy by its tests, when asked for.
    pub coverage: Option<Coverage>,
}

impl PolicyRun {
    /// Tests passed and failed; a policy that does not load counts as one failure.
    pub fn counts(&self) -> (usize, usize) {
        match &self.outcome {
            Err(_) => (0, 1),
            Ok(t) => {
                let passed = t.reports.iter().filter(|r| r.passed()).count();
                (passed, t.reports.len() - passed)
            }
        }
    }

    /// Whether the policy's coverage is below `min` (never, when coverage was not computed).
    pub fn below(&self, min: Option<Decimal>) -> bool {
        match (&self.outcome, min) {
            (
                Ok(Tested {
                    coverage: Some(c), ..
                }),
                Some(min),
            ) => !c.at_least(min),
            _ => false,
        }
    }
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

/// The files a policy's tests name: relative to the policy's directory, under
/// `--max-input-bytes`.
struct PolicyDir<'a> {
    dir: &'a Path,
    limit: InputLimit,
}

impl TestFiles for PolicyDir<'_> {
    fn cap(&self) -> u64 {
        self.limit.bytes.0
    }

    /// A regular file only, checked before it is opened (opening a FIFO blocks until a writer
    /// comes), then read under the cap.
    fn read(&self, relative: &str, cap: u64) -> Result<Vec<u8>, Unreadable> {
        let path = self.dir.join(relative);
        let unreadable = |reason| Unreadable {
            source: path.display().to_string(),
            reason,
        };
        let io = |e: std::io::Error| UnreadableReason::Io {
            error: e.to_string(),
        };
        let metadata = std::fs::metadata(&path).map_err(|e| unreadable(io(e)))?;
        if !metadata.is_file() {
            return Err(unreadable(UnreadableReason::NotAFile));
        }
        let file = std::fs::File::open(&path).map_err(|e| unreadable(io(e)))?;
        read_capped(file, ByteSize(cap)).map_err(|e| match e {
            ReadError::TooLarge => unreadable(UnreadableReason::TooLarge { cap }),
            ReadError::Io(e) => unreadable(io(e)),
        })
    }
}

fn run_policy(path: &Path, limit: InputLimit, coverage: bool) -> Result<Tested, String> {
    let bytes = read_policy(path).map_err(|e| e.to_string())?;
    let policy = Policy::load(&bytes).map_err(|e| format!("{}: {e}", path.display()))?;
    let dir = path.parent().unwrap_or(Path::new("."));
    let reports = policy.run_tests(&PolicyDir { dir, limit });
    let coverage =
        coverage.then(|| policy.coverage(reports.iter().filter_map(|r| r.decision.as_ref())));
    Ok(Tested {
        id: policy.id().clone(),
        reports,
        coverage,
    })
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
    let coverage = args.coverage || args.min_coverage.is_some();
    let mut out = render::Output::new(args.format, args.min_coverage);
    for file in files {
        let outcome = run_policy(&file, args.limit, coverage);
        out.policy(PolicyRun { file, outcome })?;
    }
    Ok(if out.finish()? {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_FAILED)
    })
}

#[cfg(test)]
mod tests {
    use super::parse_percent;
    use rust_decimal::Decimal;

    #[test]
    fn percentages_are_exact_and_bounded() {
        assert_eq!(parse_percent("100"), Ok(Decimal::ONE_HUNDRED));
        assert_eq!(parse_percent("100.00"), Ok(Decimal::ONE_HUNDRED));
        assert_eq!(parse_percent("87.5 %"), Ok(Decimal::new(875, 1)));
        assert_eq!(parse_percent("0"), Ok(Decimal::ZERO));
        assert!(parse_percent("100.01").is_err());
        assert!(parse_percent("-0.5").is_err());
        assert!(parse_percent("ninety").is_err());
    }
}
