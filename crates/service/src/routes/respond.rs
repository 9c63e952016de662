//! What the decision routes share once a decision is made (or refused): a refusal as a
//! problem, logging, and answering JSON.

use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use underwrite_core::application::ApplicationError;
use underwrite_core::policy::DecideError;

use crate::decide::{Made, NotDecided};
use crate::problem::Problem;
use crate::state::AppState;

impl From<NotDecided> for Problem {
    fn from(e: NotDecided) -> Problem {
        Problem::of(&e)
    }
}

impl Problem {
    /// A refusal as a problem: the CLI's message, with the field or rule at fault in `at`. Not
    /// an application: 400 `malformed` (`at` is `id` for a bad id); refused by the signals, the
    /// KYC input or a rule: 422 `bad-signals`, `bad-kyc`, `rule-failed` (with `rule_error`) or
    /// `refused`; a rule's internal error or a line that cannot be logged: 500 `internal`.
    pub fn of(e: &NotDecided) -> Problem {
        let detail = e.to_string();
        match e {
            NotDecided::NotApplication(ApplicationError::BadId) => {
                Problem::malformed(detail).at("id")
            }
            NotDecided::NotApplication(_) => Problem::malformed(detail),
            NotDecided::Refused(DecideError::Signals(_)) => {
                Problem::unprocessable("bad-signals", detail).at("signals")
            }
            NotDecided::Refused(DecideError::Kyc(e)) => {
                Problem::unprocessable("bad-kyc", detail).at(format!("kyc.{}", e.field))
            }
            NotDecided::Refused(DecideError::Rule { rule, kind, .. }) => {
                let mut p = Problem::unprocessable("rule-failed", detail).at(rule.clone());
                p.rule_error = Some(*kind);
                p
            }
            NotDecided::Refused(DecideError::Internal { rule }) => {
                Problem::internal(detail).at(rule.clone())
            }
            NotDecided::Refused(_) => Problem::unprocessable("refused", detail),
            NotDecided::NotLoggable(_) => Problem::internal(detail),
        }
    }
}

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
