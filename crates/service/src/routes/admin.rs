//! `POST /v1/admin/reload`: load the policy files again (admin token).

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::api::ReloadAnswer;
use crate::app::AppState;
use crate::live::ReloadOutcome;
use crate::routes::decisions::json_response;

/// Reload; 200 when the new files are live, 409 (with the reason) when they were refused and the
/// old ones stay.
pub async fn reload(State(state): State<Arc<AppState>>) -> Response {
    let (status, answer) = match state.reload().await {
        ReloadOutcome::Replaced(arms) => (
            StatusCode::OK,
            ReloadAnswer {
                replaced: true,
                sha256: arms.champion.id().hash.clone(),
                error: None,
            },
        ),
        ReloadOutcome::Refused(e) => (
            StatusCode::CONFLICT,
            ReloadAnswer {
                replaced: false,
                sha256: state.live.current().champion.id().hash.clone(),
                error: Some(e.to_string()),
            },
        ),
    };
    let mut response = json_response(&answer).unwrap_or_else(IntoResponse::into_response);
    *response.status_mut() = status;
    response
}
