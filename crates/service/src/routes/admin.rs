//! `POST /v1/admin/reload`: load the policy files again (admin token).

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::api::ReloadAnswer;
use crate::live::{ReloadError, ReloadOutcome};
use crate::problem::Problem;
use crate::routes::respond::json_response;
use crate::state::AppState;

/// Reload: 200 with the live champion's sha when the new files are live; when they were
/// refused and the old ones stay, 409 as a problem (`urn:underwrite:problem:reload-refused`)
/// whose `detail` names every failing file and why, and whose `at` is the first such file.
pub async fn reload(State(state): State<Arc<AppState>>) -> Response {
    match state.reload().await {
        ReloadOutcome::Replaced(arms) => json_response(&ReloadAnswer {
            replaced: true,
            sha256: arms.champion.id().hash.clone(),
        })
        .unwrap_or_else(IntoResponse::into_response),
        ReloadOutcome::Refused(e @ ReloadError::Internal(_)) => {
            Problem::internal(e.to_string()).into_response()
        }
        ReloadOutcome::Refused(refusal) => {
            let mut problem =
                Problem::new(StatusCode::CONFLICT, "reload-refused", refusal.to_string());
            problem.at = refusal.first_file().map(str::to_string);
            problem.into_response()
        }
    }
}
