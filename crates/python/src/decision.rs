//! Decisions as Python objects: `Decision`, `Reason`, `PolicyId`.

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use underwrite_core::policy::{Decision, PolicyId, Reason};

use crate::input::loads;

/// A credit decision: `decision`, `score`, `reasons`, `policy`, `signals_status`, `trace`.
///
/// `to_dict()` and `to_json()` give exactly the JSON object `underwrite decide` prints.
#[pyclass(name = "Decision", module = "underwrite", frozen, eq)]
#[derive(PartialEq)]
pub(crate) struct PyDecision {
    decision: Decision,
}

impl PyDecision {
    pub fn new(decision: Decision) -> PyDecision {
        PyDecision { decision }
    }
}

#[pymethods]
impl PyDecision {
    /// `"approve"`, `"review"` or `"reject"`.
    #[getter]
    fn decision(&self) -> &'static str {
        self.decision.decision.as_str()
    }

    /// The scorecard score, or `None` when the scorecard did not run.
    #[getter]
    fn score(&self) -> Option<i64> {
        self.decision.score
    }

    /// The reasons, in order: fired knock-outs, then fallback, then scorecard reasons.
    #[getter]
    fn reasons(&self) -> Vec<PyReason> {
        self.decision.reasons.iter().map(PyReason::from).collect()
    }

    /// The reasons' codes, in order.
    #[getter]
    fn reason_codes(&self) -> Vec<&str> {
        self.decision.reason_codes()
    }

    /// The policy that decided.
    #[getter]
    fn policy(&self) -> PyPolicyId {
        PyPolicyId::from(self.decision.policy.as_ref())
    }

    /// The provider's status for the signals, as the JSON gives it (`"SUCCESS"`, `"NO_DATA"`,
    /// or `{"UNAVAILABLE": ...}`).
    #[getter]
    fn signals_status<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let text = serde_json::to_string(&self.decision.signals_status)
            .map_err(|e| PyValueError::new_err(e.to_string()))?;
        loads(py, &text)
    }

    /// Every rule, bin and derived feature evaluated, in order (a list of dicts), or `None`
    /// when the decision was made without `trace=True`.
    #[getter]
    fn trace<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        match &self.decision.trace {
            None => Ok(None),
            Some(trace) => {
                let text = serde_json::to_string(trace)
                    .map_err(|e| PyValueError::new_err(e.to_string()))?;
                loads(py, &text).map(Some)
            }
        }
    }

    /// The decision as a dict: the JSON object `underwrite decide` prints, with decimals as
    /// `decimal.Decimal` (never floats).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        loads(py, &self.to_json()?)
    }

    /// The decision as compact JSON text, as `underwrite decide` and `batch` write it.
    fn to_json(&self) -> PyResult<String> {
        serde_json::to_string(&self.decision).map_err(|e| PyValueError::new_err(e.to_string()))
    }

    fn __repr__(&self) -> String {
        let d = &self.decision;
        let score = d
            .score
            .map_or_else(|| "None".to_string(), |s| s.to_string());
        format!(
            "Decision(decision={:?}, score={score}, reason_codes={:?}, policy={:?})",
            d.decision.as_str(),
            d.reason_codes(),
            format!("{}@{}", d.policy.name, d.policy.version)
        )
    }
}

/// One reason for a decision: a stable `code` and a human-readable `text`.
#[pyclass(
    name = "Reason",
    module = "underwrite",
    frozen,
    eq,
    hash,
    skip_from_py_object
)]
#[derive(Clone, PartialEq, Eq, Hash)]
pub(crate) struct PyReason {
    /// Stable code, e.g. `"OVERDUE_30D"`.
    #[pyo3(get)]
    code: String,
    /// Human-readable text.
    #[pyo3(get)]
    text: String,
}

impl From<&Reason> for PyReason {
    fn from(r: &Reason) -> Self {
        PyReason {
            code: r.code.clone(),
            text: r.text.clone(),
        }
    }
}

#[pymethods]
impl PyReason {
    fn __repr__(&self) -> String {
        format!("Reason(code={:?}, text={:?})", self.code, self.text)
    }
}

/// Which policy made a decision: `name`, `version` and `sha256` (of the policy file's bytes).
#[pyclass(
    name = "PolicyId",
    module = "underwrite",
    frozen,
    eq,
    hash,
    skip_from_py_object
)]
#[derive(Clone, PartialEq, Eq, Hash)]
pub(crate) struct PyPolicyId {
    /// The policy's name.
    #[pyo3(get)]
    name: String,
    /// The policy's version.
    #[pyo3(get)]
    version: String,
    /// SHA-256 of the policy file's bytes, lower-case hex.
    #[pyo3(get)]
    sha256: String,
}

impl From<&PolicyId> for PyPolicyId {
    fn from(id: &PolicyId) -> Self {
        PyPolicyId {
            name: id.name.clone(),
            version: id.version.clone(),
            sha256: id.hash.clone(),
        }
    }
}

#[pymethods]
impl PyPolicyId {
    fn __repr__(&self) -> String {
        format!(
            "PolicyId(name={:?}, version={:?}, sha256={:?})",
            self.name, self.version, self.sha256
        )
    }
}
