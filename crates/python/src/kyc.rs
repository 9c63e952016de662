//! `underwrite.kyc.match`: one KYC request matched, as `underwrite kyc` matches it.

use pyo3::prelude::*;
use underwrite_kyc::{match_request as match_kyc, Aggregation, KycError, KycRequest, MatchConfig};

use crate::errors::{self, catch, Kind};
use crate::input::{loads, JsonInput, Role};

/// Match a KYC request (`{"submitted": {...}, "authority": {...}}`, as bytes, str or dict) and
/// return the result as a dict (the reference shape: `ResultCode`, `ResultText`, `Actions`, ...).
///
/// `lenient`: 1022 (No Match) only when no field matches at all. `max_distance` (0 to 8): the
/// largest edit distance for a Partial Match of a name component. `length_scaled`: scale the
/// distance down for short names.
#[pyfunction]
#[pyo3(name = "match_kyc", signature = (request, *, lenient = false, max_distance = 2, length_scaled = false))]
pub(crate) fn match_request<'py>(
    py: Python<'py>,
    request: &Bound<'py, PyAny>,
    lenient: bool,
    max_distance: usize,
    length_scaled: bool,
) -> PyResult<Bound<'py, PyAny>> {
    let input = JsonInput::extract(request, Role::Kyc, None)?;
    let config = MatchConfig {
        max_distance,
        length_scaled,
        aggregation: if lenient {
            Aggregation::Lenient
        } else {
            Aggregation::Strict
        },
    };
    let outcome = py.detach(|| catch(|| matched(input.bytes(), &config)));
    match outcome {
        Ok(Ok(json)) => loads(py, &json),
        Ok(Err(Failure::Refused(error))) => Err(errors::kyc_error(py, &error)),
        Ok(Err(Failure::Invalid(message))) => Err(errors::exception(py, Kind::Kyc, &message, &[])),
        Err(detail) => Err(errors::internal(py, &detail)),
    }
}

/// Why a request has no result.
enum Failure {
    /// Not a request (JSON or shape).
    Invalid(String),
    /// A request the matcher refused, naming the field.
    Refused(KycError),
}

/// The result's JSON text.
fn matched(request: &[u8], config: &MatchConfig) -> Result<String, Failure> {
    let request = KycRequest::from_json_slice(request)
        .map_err(|e| Failure::Invalid(format!("invalid request: {e}")))?;
    let result = match_kyc(&request, config).map_err(Failure::Refused)?;
    serde_json::to_string(&result)
        .map_err(|e| Failure::Invalid(format!("cannot encode result: {e}")))
}
