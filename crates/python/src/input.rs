//! JSON inputs from Python: `bytes`, `str`, or a value made of dicts, lists, strings, numbers
//! (`int`, finite `float`, finite `decimal.Decimal`, written with its exact digits), booleans
//! and `None`, encoded here; and JSON back to Python with exact decimals.

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{
    PyBool, PyByteArray, PyBytes, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple,
};

use crate::errors::{self, Kind};

/// Deepest nesting of lists and dicts encoded (the provider's payload is 4 deep).
pub(crate) const MAX_DEPTH: usize = 64;

/// JSON text taken out of a Python value, owned so deciding can run without the GIL.
pub(crate) struct JsonInput(Vec<u8>);

/// Which argument a value was given as: it picks the exception a bad value raises.
#[derive(Clone, Copy)]
pub(crate) enum Role {
    /// A signals payload (`SignalsError`).
    Signals,
    /// A KYC request or result (`KycError`).
    Kyc,
}

impl Role {
    fn name(self) -> &'static str {
        match self {
            Role::Signals => "signals",
            Role::Kyc => "kyc",
        }
    }

    fn kind(self) -> Kind {
        match self {
            Role::Signals => Kind::Signals,
            Role::Kyc => Kind::Kyc,
        }
    }
}

/// Why a value is not JSON input.
enum Refusal {
    /// A type JSON has no form for (`TypeError`).
    Type(String),
    /// A value of a usable type that is not valid JSON (NaN, a lone surrogate, too deep).
    Value(String),
}

impl JsonInput {
    /// The bytes as given (`bytes`, `bytearray`, the UTF-8 of a `str`) or the value encoded as
    /// JSON. A type JSON cannot hold raises `TypeError`; a value it cannot hold (NaN, a lone
    /// surrogate, nesting past [`MAX_DEPTH`]) raises the role's error (`SignalsError` or
    /// `KycError`). `index` is the item's position in `decide_many`, for the exception.
    pub fn extract(
        value: &Bound<'_, PyAny>,
        role: Role,
        index: Option<usize>,
    ) -> PyResult<JsonInput> {
        let py = value.py();
        let refused = |refusal: Refusal| -> PyErr {
            let prefix = index.map(|i| format!("item {i}: ")).unwrap_or_default();
            match refusal {
                Refusal::Type(m) => {
                    let err = PyTypeError::new_err(format!("{prefix}{}: {m}", role.name()));
                    if let Some(i) = index {
                        let _ = err.value(py).setattr("index", i);
                    }
                    err
                }
                Refusal::Value(m) => errors::exception(
                    py,
                    role.kind(),
                    &format!("{prefix}{}: {m}", role.name()),
                    &errors::index_attribute(py, index),
                ),
            }
        };
        if let Ok(bytes) = value.cast::<PyBytes>() {
            return Ok(JsonInput(bytes.as_bytes().to_vec()));
        }
        if let Ok(bytes) = value.cast::<PyByteArray>() {
            return Ok(JsonInput(bytes.to_vec()));
        }
        let mut out = String::new();
        encode(value, &mut out, 0).map_err(refused)?;
        Ok(JsonInput(out.into_bytes()))
    }

    /// `None` stays `None`; anything else is [`JsonInput::extract`]ed.
    pub fn extract_optional(
        value: Option<&Bound<'_, PyAny>>,
        role: Role,
        index: Option<usize>,
    ) -> PyResult<Option<JsonInput>> {
        match value {
            Some(v) if !v.is_none() => JsonInput::extract(v, role, index).map(Some),
            _ => Ok(None),
        }
    }

    /// The JSON bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.0
    }
}

/// Append `value` as JSON to `out`; a `str` at the top is its own text (already JSON).
fn encode(value: &Bound<'_, PyAny>, out: &mut String, depth: usize) -> Result<(), Refusal> {
    let py_error = |e: PyErr| Refusal::Value(e.to_string());
    if let Ok(text) = value.cast::<PyString>() {
        let text = text.to_cow().map_err(|_| {
            Refusal::Value("text that is not valid Unicode (a lone surrogate)".into())
        })?;
        if depth == 0 {
            out.push_str(&text);
        } else {
            out.push_str(
                &serde_json::to_string(text.as_ref()).map_err(|e| Refusal::Value(e.to_string()))?,
            );
        }
        return Ok(());
    }
    if depth > MAX_DEPTH {
        return Err(Refusal::Value(format!("nested more than {MAX_DEPTH} deep")));
    }
    if value.is_none() {
        out.push_str("null");
    } else if let Ok(b) = value.cast::<PyBool>() {
        out.push_str(if b.is_true() { "true" } else { "false" });
    } else if value.cast::<PyInt>().is_ok() {
        out.push_str(&value.str().map_err(py_error)?.to_cow().map_err(py_error)?);
    } else if let Ok(f) = value.cast::<PyFloat>() {
        if !f.value().is_finite() {
            return Err(Refusal::Value(format!(
                "{} is not a JSON number",
                f.value()
            )));
        }
        out.push_str(&value.repr().map_err(py_error)?.to_cow().map_err(py_error)?);
    } else if is_decimal(value).map_err(py_error)? {
        let finite: bool = value
            .call_method0("is_finite")
            .and_then(|f| f.extract())
            .map_err(py_error)?;
        let text = value.str().map_err(py_error)?;
        let text = text.to_cow().map_err(py_error)?;
        if !finite {
            return Err(Refusal::Value(format!(
                "Decimal {text} is not a JSON number"
            )));
        }
        out.push_str(&text);
    } else if let Ok(dict) = value.cast::<PyDict>() {
        out.push('{');
        for (i, (key, item)) in dict.iter().enumerate() {
            let key = key.cast::<PyString>().map_err(|_| {
                Refusal::Type(format!("a dict key must be str, not {}", type_name(&key)))
            })?;
            if i > 0 {
                out.push(',');
            }
            encode(key.as_any(), out, depth + 1)?;
            out.push(':');
            encode(&item, out, depth + 1)?;
        }
        out.push('}');
    } else if value.cast::<PyList>().is_ok() || value.cast::<PyTuple>().is_ok() {
        out.push('[');
        for (i, item) in value.try_iter().map_err(py_error)?.enumerate() {
            if i > 0 {
                out.push(',');
            }
            encode(&item.map_err(py_error)?, out, depth + 1)?;
        }
        out.push(']');
    } else {
        return Err(Refusal::Type(format!(
            "must be bytes, str or a JSON value (dict, list, str, int, float, Decimal, bool, \
             None), not {}",
            type_name(value)
        )));
    }
    Ok(())
}

fn type_name(value: &Bound<'_, PyAny>) -> String {
    value
        .get_type()
        .name()
        .and_then(|n| n.extract::<String>())
        .unwrap_or_else(|_| "an unknown type".to_string())
}

/// Whether `value` is a `decimal.Decimal`.
fn is_decimal(value: &Bound<'_, PyAny>) -> PyResult<bool> {
    static DECIMAL: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    let py = value.py();
    let class = DECIMAL.get_or_try_init(py, || -> PyResult<Py<PyAny>> {
        Ok(py.import("decimal")?.getattr("Decimal")?.unbind())
    })?;
    value.is_instance(class.bind(py))
}

/// `json.loads(text, parse_float=decimal.Decimal)`: JSON the library wrote, back as Python
/// values with every number exact (amounts are decimals, never floats).
pub(crate) fn loads<'py>(py: Python<'py>, text: &str) -> PyResult<Bound<'py, PyAny>> {
    static LOADS: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    let loads = LOADS.get_or_try_init(py, || -> PyResult<Py<PyAny>> {
        let functools = py.import("functools")?;
        let json = py.import("json")?;
        let kwargs = PyDict::new(py);
        kwargs.set_item("parse_float", py.import("decimal")?.getattr("Decimal")?)?;
        Ok(functools
            .getattr("partial")?
            .call((json.getattr("loads")?,), Some(&kwargs))?
            .unbind())
    })?;
    loads.bind(py).call1((text,))
}
