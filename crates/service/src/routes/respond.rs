//! What the decision routes share once a decision is made: logging it, and answering JSON.

use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};

use crate::app::AppState;
use crate::decide::Made;
use crate::problem::Problem;

/// Append `made`'s line to the decision log, if one is kept; a decision that cannot be logged
/// is not given (503).
pub async fn log_one(state: &AppState, made: &mut Made) -> Result<(), Problem> {
    if let (Some(log), Some(line)) = (&state.log, made.record.take()) {
        log.append(line).await.map_err(|e| {
            Problem::unavailable(format!(
                "the decision was not logged, so it is not given: {e}"
            ))
        })?;
    }
    Ok(())
}

/// A handler's answer: its response, or its problem counted in the metrics and answered.
pub fn answer(state: &AppState, result: Result<Response, Problem>) -> Response {
    result.unwrap_or_else(|problem| {
        state.metrics.refused(&problem);
        problem.into_response()
    })
}

/// A JSON answer.
pub fn json_response<T: serde::Serialize>(value: &T) -> Result<Response, Problem> {
    let body = serde_json::to_vec(value)
        .map_err(|e| Problem::internal(format!("cannot encode the answer: {e}")))?;
    let mut response = body.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    Ok(response)
}
