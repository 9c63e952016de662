//! `Policy.test()`: the policy's own `tests:`, run as `underwrite test` runs them.

use std::io::Read;
use std::path::Path;

use pyo3::prelude::*;
use underwrite_core::policy::{
    NoFiles, Policy, TestFailure, TestFiles, TestReport, Unreadable, UnreadableReason,
};

use crate::errors::catch;
use crate::input::loads;

/// The results of a policy's own tests.
#[pyclass(name = "TestRun", module = "underwrite", frozen)]
pub(crate) struct PyTestRun {
    /// Whether every test passed.
    #[pyo3(get)]
    passed: bool,
    /// One result per test, in file order.
    #[pyo3(get)]
    results: Vec<PyTestResult>,
    coverage: String,
}

#[pymethods]
impl PyTestRun {
    /// Coverage of the policy by its tests, as `underwrite test --coverage --format json`
    /// gives it: `percent`, `covered`, `total`, per-kind tallies and every item.
    #[getter]
    fn coverage<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        loads(py, &self.coverage)
    }

    /// The tests that failed.
    #[getter]
    fn failed(&self) -> Vec<PyTestResult> {
        self.results.iter().filter(|r| !r.passed).cloned().collect()
    }

    fn __len__(&self) -> usize {
        self.results.len()
    }

    fn __repr__(&self) -> String {
        let failed = self.results.iter().filter(|r| !r.passed).count();
        format!(
            "TestRun(passed={}, tests={}, failed={failed})",
            if self.passed { "True" } else { "False" },
            self.results.len()
        )
    }
}

/// One test's result: its `name`, whether it `passed`, and each `failure` as one line.
#[pyclass(
    name = "TestResult",
    module = "underwrite",
    frozen,
    skip_from_py_object
)]
#[derive(Clone)]
pub(crate) struct PyTestResult {
    /// The test's name.
    #[pyo3(get)]
    name: String,
    /// Whether it passed.
    #[pyo3(get)]
    passed: bool,
    /// What did not match, one line each (empty when it passed).
    #[pyo3(get)]
    failures: Vec<String>,
}

#[pymethods]
impl PyTestResult {
    fn __repr__(&self) -> String {
        format!(
            "TestResult(name={:?}, passed={}, failures={:?})",
            self.name,
            if self.passed { "True" } else { "False" },
            self.failures
        )
    }
}

/// Run every test of `policy` with the library's one runner (as `underwrite test` and the
/// service run them); files a test names are read relative to `base_dir`.
pub(crate) fn run(policy: &Policy, base_dir: Option<&Path>) -> PyTestRun {
    let run = || match base_dir {
        Some(dir) => policy.run_tests(&BaseDir(dir)),
        None => policy.run_tests(&NoFiles),
    };
    // The runner catches a panic in a test; this catches one outside them.
    let reports: Vec<TestReport> = catch(run).unwrap_or_else(|detail| {
        policy
            .tests()
            .iter()
            .map(|case| {
                TestReport::failed(
                    case.name.clone(),
                    TestFailure::Panicked {
                        detail: detail.clone(),
                    },
                )
            })
            .collect()
    });
    let coverage = policy.coverage(reports.iter().filter_map(|r| r.decision.as_ref()));
    PyTestRun {
        passed: reports.iter().all(TestReport::passed),
        results: reports
            .iter()
            .map(|r| PyTestResult {
                name: r.name.clone(),
                passed: r.passed(),
                failures: r.failures.iter().map(ToString::to_string).collect(),
            })
            .collect(),
        coverage: serde_json::to_string(&coverage).unwrap_or_else(|_| "null".to_string()),
    }
}

/// The files a policy's tests name, relative to its `base_dir`.
struct BaseDir<'a>(&'a Path);

impl TestFiles for BaseDir<'_> {
    fn read(&self, relative: &str, cap: u64) -> Result<Vec<u8>, Unreadable> {
        let path = self.0.join(relative);
        read_capped(&path, cap).map_err(|failure| Unreadable {
            source: path.display().to_string(),
            reason: match failure {
                ReadFailure::NotAFile => UnreadableReason::NotAFile,
                ReadFailure::TooLarge => UnreadableReason::TooLarge { cap },
                ReadFailure::Io(error) => UnreadableReason::Io { error },
            },
        })
    }
}

/// Why a file could not be read.
pub(crate) enum ReadFailure {
    /// Not a regular file.
    NotAFile,
    /// Larger than the cap.
    TooLarge,
    /// The read failed: the system's message.
    Io(String),
}

/// Read a regular file (checked before it is opened: a FIFO would block) of at most `cap`
/// bytes (one byte more is read to tell).
pub(crate) fn read_capped(path: &Path, cap: u64) -> Result<Vec<u8>, ReadFailure> {
    let io = |e: std::io::Error| ReadFailure::Io(e.to_string());
    let metadata = std::fs::metadata(path).map_err(io)?;
    if !metadata.is_file() {
        return Err(ReadFailure::NotAFile);
    }
    let file = std::fs::File::open(path).map_err(io)?;
    let mut bytes = Vec::new();
    file.take(cap.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > cap {
        return Err(ReadFailure::TooLarge);
    }
    Ok(bytes)
}
