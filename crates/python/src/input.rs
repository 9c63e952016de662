//! JSON inputs from Python: `bytes`, `str`, or any value `json.dumps` accepts (a dict).

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyByteArray, PyBytes, PyString};

/// JSON text taken out of a Python value, owned so deciding can run without the GIL.
pub(crate) struct JsonInput(Vec<u8>);

impl JsonInput {
    /// The bytes as given (`bytes`, `bytearray`, the UTF-8 of a `str`) or `json.dumps(value)`
    /// for anything else. `what` names the argument in a `TypeError`.
    pub fn extract(value: &Bound<'_, PyAny>, what: &str) -> PyResult<JsonInput> {
        if let Ok(bytes) = value.cast::<PyBytes>() {
            return Ok(JsonInput(bytes.as_bytes().to_vec()));
        }
        if let Ok(bytes) = value.cast::<PyByteArray>() {
            return Ok(JsonInput(bytes.to_vec()));
        }
        if let Ok(text) = value.cast::<PyString>() {
            return Ok(JsonInput(text.to_cow()?.as_bytes().to_vec()));
        }
        let dumped = dumps(value.py())?.call1((value,)).map_err(|e| {
            PyTypeError::new_err(format!(
                "{what} must be bytes, str or a JSON-serializable value such as a dict \
                 ({e})"
            ))
        })?;
        Ok(JsonInput(
            dumped.cast::<PyString>()?.to_cow()?.as_bytes().to_vec(),
        ))
    }

    /// `None` stays `None`; anything else is [`JsonInput::extract`]ed.
    pub fn extract_optional(
        value: Option<&Bound<'_, PyAny>>,
        what: &str,
    ) -> PyResult<Option<JsonInput>> {
        match value {
            Some(v) if !v.is_none() => JsonInput::extract(v, what).map(Some),
            _ => Ok(None),
        }
    }

    /// The JSON bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.0
    }
}

/// `json.dumps`, with `allow_nan=False` (NaN is not JSON), looked up once.
fn dumps(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    static DUMPS: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    let dumps = DUMPS.get_or_try_init(py, || -> PyResult<Py<PyAny>> {
        let functools = py.import("functools")?;
        let json = py.import("json")?;
        let kwargs = pyo3::types::PyDict::new(py);
        kwargs.set_item("allow_nan", false)?;
        Ok(functools
            .getattr("partial")?
            .call((json.getattr("dumps")?,), Some(&kwargs))?
            .unbind())
    })?;
    Ok(dumps.bind(py).clone())
}

/// `json.loads(text, parse_float=decimal.Decimal)`: JSON the library wrote, back as Python
/// values with every number exact (amounts are decimals, never floats).
pub(crate) fn loads<'py>(py: Python<'py>, text: &str) -> PyResult<Bound<'py, PyAny>> {
    static LOADS: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    let loads = LOADS.get_or_try_init(py, || -> PyResult<Py<PyAny>> {
        let functools = py.import("functools")?;
        let json = py.import("json")?;
        let kwargs = pyo3::types::PyDict::new(py);
        kwargs.set_item("parse_float", py.import("decimal")?.getattr("Decimal")?)?;
        Ok(functools
            .getattr("partial")?
            .call((json.getattr("loads")?,), Some(&kwargs))?
            .unbind())
    })?;
    loads.bind(py).call1((text,))
}
