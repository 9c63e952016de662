//! `Policy`: load, identify, test and decide.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use pyo3::exceptions::{
    PyFileNotFoundError, PyOSError, PyPermissionError, PyTypeError, PyValueError,
};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString, PyTuple};
use rayon::prelude::*;
use underwrite_core::application::decide_parts;
use underwrite_core::policy::{DecideError, DecideOptions, Decision, Policy, MAX_POLICY_BYTES};

use crate::decision::{PyDecision, PyPolicyId};
use crate::errors::{self, catch};
use crate::input::{JsonInput, Role};
use crate::pool;
use crate::testing::{self, read_capped, ReadFailure};

/// A loaded, compiled policy. Safe to share between threads; deciding releases the GIL.
///
/// >>> import underwrite
/// >>> policy = underwrite.Policy.load("rules/starter.yaml")
/// >>> policy.name
/// 'starter'
#[pyclass(name = "Policy", module = "underwrite", frozen)]
pub(crate) struct PyPolicy {
    policy: Arc<Policy>,
    /// The YAML it was loaded from, for pickling (at most `MAX_POLICY_BYTES`).
    source: Arc<[u8]>,
    /// Where files its tests name are read from.
    base_dir: Option<PathBuf>,
    /// The file it was read from, for `repr`.
    file: Option<String>,
}

/// What `decide_many` does with an item that cannot be decided.
#[derive(Clone, Copy)]
enum OnError {
    /// Raise the first failure's exception.
    Raise,
    /// Put the exception in the failed item's place.
    Return,
}

#[pymethods]
impl PyPolicy {
    /// Load a policy from a YAML file. Raises `PolicyError` (with every diagnostic) when it does
    /// not load, `FileNotFoundError` / `OSError` when it cannot be read.
    #[staticmethod]
    fn load(py: Python<'_>, path: PathBuf) -> PyResult<PyPolicy> {
        let file = path.display().to_string();
        let bytes = read_policy_file(py, &path, &file)?;
        let policy = compile(py, &bytes, Some(&file))?;
        Ok(PyPolicy {
            policy,
            source: bytes.into(),
            base_dir: Some(path.parent().unwrap_or(Path::new(".")).to_path_buf()),
            file: Some(file),
        })
    }

    /// Load a policy from YAML text (`str` or `bytes`). Files its tests name are read relative
    /// to `base_dir`, when given.
    #[staticmethod]
    #[pyo3(signature = (text, base_dir = None))]
    fn from_yaml(
        py: Python<'_>,
        text: &Bound<'_, PyAny>,
        base_dir: Option<PathBuf>,
    ) -> PyResult<PyPolicy> {
        let bytes: Vec<u8> = if let Ok(b) = text.cast::<PyBytes>() {
            b.as_bytes().to_vec()
        } else if let Ok(s) = text.cast::<PyString>() {
            s.to_cow()?.as_bytes().to_vec()
        } else {
            return Err(pyo3::exceptions::PyTypeError::new_err(
                "text must be str or bytes (the YAML of a policy)",
            ));
        };
        let policy = compile(py, &bytes, None)?;
        Ok(PyPolicy {
            policy,
            source: bytes.into(),
            base_dir,
            file: None,
        })
    }

    /// The policy's name.
    #[getter]
    fn name(&self) -> &str {
        &self.policy.id().name
    }

    /// The policy's version.
    #[getter]
    fn version(&self) -> &str {
        &self.policy.id().version
    }

    /// SHA-256 of the policy file's bytes (lower-case hex): what every decision records.
    #[getter]
    fn sha256(&self) -> &str {
        &self.policy.id().hash
    }

    /// Name, version and sha256 together.
    #[getter]
    fn id(&self) -> PyPolicyId {
        PyPolicyId::from(self.policy.id())
    }

    /// The policy's description.
    #[getter]
    fn description(&self) -> &str {
        self.policy.description()
    }

    /// The policy's owner.
    #[getter]
    fn owner(&self) -> &str {
        self.policy.owner()
    }

    /// Run the policy's own `tests:` and compute their coverage, as `underwrite test` does.
    fn test(&self, py: Python<'_>) -> testing::PyTestRun {
        let policy = &self.policy;
        let base_dir = self.base_dir.as_deref();
        py.detach(|| testing::run(policy, base_dir))
    }

    /// Decide one application. `signals` is the provider's payload (bytes, str or dict); `kyc`
    /// a KYC request (`submitted` / `authority`) or result, or `None` when no KYC was run.
    /// Raises `SignalsError`, `KycError` or `DecisionError` when no decision can be made.
    #[pyo3(signature = (signals, kyc = None, trace = false))]
    fn decide(
        &self,
        py: Python<'_>,
        signals: &Bound<'_, PyAny>,
        kyc: Option<&Bound<'_, PyAny>>,
        trace: bool,
    ) -> PyResult<PyDecision> {
        let signals = JsonInput::extract(signals, Role::Signals, None)?;
        let kyc = JsonInput::extract_optional(kyc, Role::Kyc, None)?;
        let policy = &self.policy;
        let outcome = py.detach(|| catch(|| decide_one(policy, &signals, kyc.as_ref(), trace)));
        match outcome {
            Ok(Ok(decision)) => Ok(PyDecision::new(decision)),
            Ok(Err(error)) => Err(errors::decide_error(py, &error, None)),
            Err(detail) => Err(errors::internal(py, &detail)),
        }
    }

    /// Decide many applications on all cores, the GIL released: `payloads` is a sequence of
    /// signals payloads, `kycs` (optional) a sequence of the same length of KYC inputs or
    /// `None`s. Returns the decisions in order. With `errors="raise"` (the default) the first
    /// item that cannot be decided raises its exception (its message starts `item N:` and it
    /// has an `index`); with `errors="return"` that item's place holds the exception instead.
    #[pyo3(signature = (payloads, kycs = None, trace = false, errors = "raise"))]
    fn decide_many(
        &self,
        py: Python<'_>,
        payloads: &Bound<'_, PyAny>,
        kycs: Option<&Bound<'_, PyAny>>,
        trace: bool,
        errors: &str,
    ) -> PyResult<Vec<Py<PyAny>>> {
        let on_error = match errors {
            "raise" => OnError::Raise,
            "return" => OnError::Return,
            other => {
                return Err(PyValueError::new_err(format!(
                    "errors must be \"raise\" or \"return\", not {other:?}"
                )))
            }
        };
        if is_one_document(payloads) {
            return Err(PyTypeError::new_err(
                "payloads must be a sequence of payloads (a list), not one payload",
            ));
        }
        // Each item's inputs, or the exception it raises: a bad item is that item's failure.
        let mut items: Vec<PyResult<Item>> = payloads
            .try_iter()?
            .enumerate()
            .map(|(i, payload)| {
                JsonInput::extract(&payload?, Role::Signals, Some(i))
                    .map(|signals| Item { signals, kyc: None })
            })
            .collect();
        if let Some(kycs) = kycs.filter(|k| !k.is_none()) {
            if is_one_document(kycs) {
                return Err(PyTypeError::new_err(
                    "kycs must be a sequence with one KYC input (or None) per payload",
                ));
            }
            let kycs: Vec<Bound<'_, PyAny>> = kycs.try_iter()?.collect::<PyResult<_>>()?;
            if kycs.len() != items.len() {
                return Err(PyValueError::new_err(format!(
                    "kycs has {} items and payloads {}: give one KYC input (or None) per payload",
                    kycs.len(),
                    items.len()
                )));
            }
            for (i, (item, kyc)) in items.iter_mut().zip(&kycs).enumerate() {
                let kyc = JsonInput::extract_optional(Some(kyc), Role::Kyc, Some(i));
                match (item.as_mut(), kyc) {
                    (Ok(item), Ok(kyc)) => item.kyc = kyc,
                    (Ok(_), Err(refused)) => *item = Err(refused),
                    (Err(_), _) => {}
                }
            }
        }
        let policy = &self.policy;
        let outcomes: Vec<Option<Result<Result<Decision, DecideError>, String>>> =
            py.detach(|| {
                pool::run(|| {
                    items
                        .par_iter()
                        .map(|item| {
                            let item = item.as_ref().ok()?;
                            Some(catch(|| {
                                decide_one(policy, &item.signals, item.kyc.as_ref(), trace)
                            }))
                        })
                        .collect()
                })
            });
        let mut out = Vec::with_capacity(outcomes.len());
        for (index, (item, outcome)) in items.into_iter().zip(outcomes).enumerate() {
            let error = match (item, outcome) {
                (Err(refused), _) => refused,
                (Ok(_), Some(Ok(Ok(decision)))) => {
                    out.push(Py::new(py, PyDecision::new(decision))?.into_any());
                    continue;
                }
                (Ok(_), Some(Ok(Err(error)))) => errors::decide_error(py, &error, Some(index)),
                (Ok(_), Some(Err(detail))) => errors::internal_at(py, &detail, Some(index)),
                (Ok(_), None) => errors::internal_at(py, "an item was not decided", Some(index)),
            };
            match on_error {
                OnError::Raise => return Err(error),
                OnError::Return => out.push(error.into_value(py).into_any()),
            }
        }
        Ok(out)
    }

    /// Decide every row of an Arrow batch on all cores, the GIL released; see the stubs for
    /// the columns. A bad row fills its `error` column; a batch of the wrong shape raises
    /// `ColumnError`.
    #[pyo3(signature = (data, signals = "signals", kyc = None, id = None))]
    fn decide_arrow<'py>(
        &self,
        py: Python<'py>,
        data: &Bound<'py, PyAny>,
        signals: &str,
        kyc: Option<&str>,
        id: Option<&str>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let columns = underwrite_arrow::Columns { signals, kyc, id };
        crate::arrow::decide(py, &self.policy, data, columns)
    }

    /// Pickling (Spark closures, multiprocessing, joblib): a policy travels as its YAML and
    /// `base_dir`, and is compiled again where it is unpickled (same sha256).
    fn __reduce__<'py>(
        &self,
        py: Python<'py>,
    ) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyTuple>)> {
        let from_yaml = py.get_type::<PyPolicy>().getattr("from_yaml")?;
        let args = (
            PyBytes::new(py, &self.source),
            self.base_dir.as_ref().map(|d| d.display().to_string()),
        )
            .into_pyobject(py)?;
        Ok((from_yaml, args))
    }

    fn __repr__(&self) -> String {
        let id = self.policy.id();
        let short = id.hash.get(..12).unwrap_or(&id.hash);
        match &self.file {
            Some(file) => format!(
                "Policy(name={:?}, version={:?}, sha256={short:?}…, file={file:?})",
                id.name, id.version
            ),
            None => format!(
                "Policy(name={:?}, version={:?}, sha256={short:?}…)",
                id.name, id.version
            ),
        }
    }
}

/// One item of `decide_many`, its inputs taken out of Python.
struct Item {
    signals: JsonInput,
    kyc: Option<JsonInput>,
}

/// Whether `value` is one JSON document (text, bytes or a dict) given where a sequence of them
/// belongs: iterating it would decide its characters or keys.
fn is_one_document(value: &Bound<'_, PyAny>) -> bool {
    value.cast::<PyString>().is_ok()
        || value.cast::<PyBytes>().is_ok()
        || value.cast::<pyo3::types::PyByteArray>().is_ok()
        || value.cast::<pyo3::types::PyDict>().is_ok()
}

/// Decide one application: `Application::decide`'s own body, from separate inputs.
fn decide_one(
    policy: &Policy,
    signals: &JsonInput,
    kyc: Option<&JsonInput>,
    trace: bool,
) -> Result<Decision, DecideError> {
    decide_parts(
        policy,
        signals.bytes(),
        kyc.map(JsonInput::bytes),
        DecideOptions { trace },
    )
    .map(|decided| decided.decision)
}

fn compile(py: Python<'_>, bytes: &[u8], file: Option<&str>) -> PyResult<Arc<Policy>> {
    match py.detach(|| catch(|| Policy::load(bytes))) {
        Ok(Ok(policy)) => Ok(Arc::new(policy)),
        Ok(Err(error)) => Err(errors::load_error(py, &error, file)),
        Err(detail) => Err(errors::internal(py, &detail)),
    }
}

/// The policy file's bytes: one byte over the limit is read, so the library can refuse it.
fn read_policy_file(py: Python<'_>, path: &Path, file: &str) -> PyResult<Vec<u8>> {
    match std::fs::metadata(path) {
        Err(e) => {
            let message = format!("{file}: {e}");
            return Err(match e.kind() {
                std::io::ErrorKind::NotFound => PyFileNotFoundError::new_err(message),
                std::io::ErrorKind::PermissionDenied => PyPermissionError::new_err(message),
                _ => PyOSError::new_err(message),
            });
        }
        Ok(m) if !m.is_file() => {
            return Err(PyOSError::new_err(format!("{file}: not a regular file")))
        }
        Ok(_) => {}
    }
    match read_capped(path, MAX_POLICY_BYTES as u64) {
        Ok(bytes) => Ok(bytes),
        Err(ReadFailure::TooLarge) => Err(errors::policy_too_large(py, file, MAX_POLICY_BYTES)),
        Err(ReadFailure::NotAFile) => {
            Err(PyOSError::new_err(format!("{file}: not a regular file")))
        }
        Err(ReadFailure::Io(why)) => Err(PyOSError::new_err(format!("{file}: cannot read: {why}"))),
    }
}
