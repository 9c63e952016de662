//! Library errors as the package's exceptions (defined in `underwrite/_errors.py`).

use std::panic::{self, AssertUnwindSafe};

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyList, PyType};
use underwrite_core::panic::panic_detail;
use underwrite_core::policy::{DecideError, DiagnosticKind, LoadError};
use underwrite_kyc::KycError;

/// The exception classes, by name.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Kind {
    Policy,
    Signals,
    Kyc,
    Decision,
    Internal,
    Column,
    Base,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Policy => "PolicyError",
            Kind::Signals => "SignalsError",
            Kind::Kyc => "KycError",
            Kind::Decision => "DecisionError",
            Kind::Internal => "InternalError",
            Kind::Column => "ColumnError",
            Kind::Base => "UnderwriteError",
        }
    }
}

/// The `underwrite._errors` module, imported once.
fn module(py: Python<'_>) -> PyResult<&Bound<'_, PyModule>> {
    static MODULE: PyOnceLock<Py<PyModule>> = PyOnceLock::new();
    MODULE
        .get_or_try_init(py, || Ok(py.import("underwrite._errors")?.unbind()))
        .map(|m| m.bind(py))
}

fn class(py: Python<'_>, kind: Kind) -> PyResult<Bound<'_, PyType>> {
    Ok(module(py)?.getattr(kind.name())?.cast_into::<PyType>()?)
}

/// An exception of `kind` with `message` and keyword attributes.
pub(crate) fn exception(
    py: Python<'_>,
    kind: Kind,
    message: &str,
    attributes: &[(&str, Py<PyAny>)],
) -> PyErr {
    let build = || -> PyResult<PyErr> {
        let kwargs = PyDict::new(py);
        for (key, value) in attributes {
            kwargs.set_item(*key, value)?;
        }
        let instance = class(py, kind)?.call((message,), Some(&kwargs))?;
        Ok(PyErr::from_value(instance))
    };
    build().unwrap_or_else(|e| e)
}

/// A decide error as its exception; for an item of `decide_many`, `index` says which (the
/// message starts `item N: ` and the exception has an `index` attribute).
pub(crate) fn decide_error(py: Python<'_>, error: &DecideError, index: Option<usize>) -> PyErr {
    let message = match index {
        Some(i) => format!("item {i}: {error}"),
        None => error.to_string(),
    };
    let mut attributes = index_attribute(py, index);
    let kind = match error {
        DecideError::Signals(_) => Kind::Signals,
        DecideError::Kyc(k) => {
            attributes.push(("field", text(py, &k.field)));
            Kind::Kyc
        }
        DecideError::Rule { rule, kind, .. } => {
            let kind = serde_json::to_value(kind)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default();
            attributes.push(("rule", text(py, rule)));
            attributes.push(("kind", text(py, &kind)));
            Kind::Decision
        }
        DecideError::Internal { rule } => {
            attributes.push(("rule", text(py, rule)));
            Kind::Internal
        }
        _ => Kind::Base,
    };
    exception(py, kind, &message, &attributes)
}

/// The `index` keyword of an item of `decide_many` (none for a single call).
pub(crate) fn index_attribute(
    py: Python<'_>,
    index: Option<usize>,
) -> Vec<(&'static str, Py<PyAny>)> {
    index
        .and_then(|i| i.into_pyobject(py).ok())
        .map(|i| vec![("index", i.into_any().unbind())])
        .unwrap_or_default()
}

/// A KYC match error as a `KycError` naming the field.
pub(crate) fn kyc_error(py: Python<'_>, error: &KycError) -> PyErr {
    exception(
        py,
        Kind::Kyc,
        &error.to_string(),
        &[("field", text(py, error.field()))],
    )
}

/// A policy that did not load, as a `PolicyError` with every diagnostic. `file` is the path it
/// was read from, when it was.
pub(crate) fn load_error(py: Python<'_>, error: &LoadError, file: Option<&str>) -> PyErr {
    let build = || -> PyResult<PyErr> {
        let diagnostic = module(py)?.getattr("Diagnostic")?;
        let list = PyList::empty(py);
        for d in &error.diagnostics {
            let kwargs = PyDict::new(py);
            kwargs.set_item("file", file)?;
            kwargs.set_item("kind", d.kind.as_str())?;
            kwargs.set_item("line", d.line)?;
            kwargs.set_item("column", d.column)?;
            kwargs.set_item("rule", d.rule.as_deref())?;
            list.append(diagnostic.call((d.message.as_str(),), Some(&kwargs))?)?;
        }
        let count = error.diagnostics.len();
        let mut message = match file {
            Some(file) => format!("policy {file} did not load ({count} problem(s)):"),
            None => format!("the policy did not load ({count} problem(s)):"),
        };
        // Each line as `str(Diagnostic)` gives it: `file:line:column: `rule`: message`.
        for d in list.iter() {
            message.push_str("\n  ");
            message.push_str(&d.str()?.to_cow()?);
        }
        Ok(exception(
            py,
            Kind::Policy,
            &message,
            &[("diagnostics", list.into_any().unbind())],
        ))
    };
    build().unwrap_or_else(|e| e)
}

/// A `PolicyError` for a policy file that is too large to load, with one diagnostic naming
/// the file.
pub(crate) fn policy_too_large(py: Python<'_>, file: &str, limit: usize) -> PyErr {
    let build = || -> PyResult<PyErr> {
        let why = format!("policy file is larger than the limit of {limit} bytes");
        let kwargs = PyDict::new(py);
        kwargs.set_item("file", file)?;
        kwargs.set_item("kind", DiagnosticKind::File.as_str())?;
        let diagnostic = module(py)?
            .getattr("Diagnostic")?
            .call((why.as_str(),), Some(&kwargs))?;
        let list = PyList::new(py, [diagnostic])?;
        Ok(exception(
            py,
            Kind::Policy,
            &format!("policy {file} did not load: {why}"),
            &[("diagnostics", list.into_any().unbind())],
        ))
    };
    build().unwrap_or_else(|e| e)
}

fn text(py: Python<'_>, value: &str) -> Py<PyAny> {
    pyo3::types::PyString::new(py, value).into_any().unbind()
}

/// Run `work`, turning a panic inside it into `Err` with its message: the caller makes it an
/// `InternalError` (or a row's error) so no panic crosses into Python.
pub(crate) fn catch<T>(work: impl FnOnce() -> T) -> Result<T, String> {
    panic::catch_unwind(AssertUnwindSafe(work)).map_err(|payload| panic_detail(payload.as_ref()))
}

/// An `InternalError` for a caught panic.
pub(crate) fn internal(py: Python<'_>, detail: &str) -> PyErr {
    internal_at(py, detail, None)
}

/// An `InternalError` for a caught panic in item `index` of `decide_many`.
pub(crate) fn internal_at(py: Python<'_>, detail: &str, index: Option<usize>) -> PyErr {
    let prefix = index.map(|i| format!("item {i}: ")).unwrap_or_default();
    exception(
        py,
        Kind::Internal,
        &format!(
            "{prefix}internal error in underwrite; please report it with the input ({detail})"
        ),
        &index_attribute(py, index),
    )
}
