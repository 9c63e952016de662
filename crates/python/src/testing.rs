//! `Policy.test()`: the policy's own `tests:`, run as `underwrite test` runs them.

use std::io::Read;
use std::path::Path;

use pyo3::prelude::*;
use underwrite_core::policy::{Policy, TestFailure, TestReport, Unreadable};

use crate::errors::catch;
use crate::input::loads;

/// Largest file a test may name, in bytes (the CLI's default `--max-input-bytes`).
const MAX_TEST_FILE_BYTES: u64 = 16 << 20;

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

/// Run every test of `policy`; files a test names are read relative to `base_dir`.
pub(crate) fn run(policy: &Policy, base_dir: Option<&Path>) -> PyTestRun {
    let reports: Vec<TestReport> = policy
        .tests()
        .iter()
        .map(
            |case| match case.inputs(|path| read_relative(base_dir, path)) {
                Ok((signals, kyc)) => catch(|| policy.run_test(case, &signals, kyc.as_deref()))
                    .unwrap_or_else(|detail| {
                        TestReport::failed(case.name.clone(), TestFailure::Panicked { detail })
                    }),
                Err(failure) => TestReport::failed(case.name.clone(), failure),
            },
        )
        .collect();
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

/// Read a file a test names: relative to `base_dir`, which a policy from text may lack.
fn read_relative(base_dir: Option<&Path>, relative: &str) -> Result<Vec<u8>, Unreadable> {
    let Some(dir) = base_dir else {
        return Err(Unreadable {
            source: relative.to_string(),
            message: "the test names a file, and this policy was not loaded from one: use \
                      Policy.load(path), or Policy.from_yaml(text, base_dir=...)"
                .to_string(),
        });
    };
    let path = dir.join(relative);
    read_file(&path).map_err(|message| Unreadable {
        source: path.display().to_string(),
        message,
    })
}

/// Why a file could not be read.
pub(crate) enum ReadFailure {
    /// Larger than the cap.
    TooLarge,
    /// Not a regular file, or the read failed.
    Io(String),
}

/// A regular file (checked before it is opened: a FIFO would block), at most
/// [`MAX_TEST_FILE_BYTES`].
pub(crate) fn read_file(path: &Path) -> Result<Vec<u8>, String> {
    read_capped(path, MAX_TEST_FILE_BYTES).map_err(|failure| match failure {
        ReadFailure::TooLarge => format!("larger than {MAX_TEST_FILE_BYTES} bytes"),
        ReadFailure::Io(why) => why,
    })
}

/// Read a regular file of at most `cap` bytes (one byte more is read to tell).
pub(crate) fn read_capped(path: &Path, cap: u64) -> Result<Vec<u8>, ReadFailure> {
    let io = |e: std::io::Error| ReadFailure::Io(format!("cannot read: {e}"));
    let metadata = std::fs::metadata(path).map_err(io)?;
    if !metadata.is_file() {
        return Err(ReadFailure::Io("not a regular file".to_string()));
    }
    let file = std::fs::File::open(path).map_err(io)?;
    let mut bytes = Vec::new();
    file.take(cap + 1).read_to_end(&mut bytes).map_err(io)?;
    if bytes.len() as u64 > cap {
        return Err(ReadFailure::TooLarge);
    }
    Ok(bytes)
}
