//! `GET /v1/policy`: what is live, and how reloads went.

use std::sync::Arc;

use axum::extract::State;
use axum::response::{IntoResponse, Response};

use crate::api::{LivePolicy, PolicyStatus, ReloadCounts, TestCounts};
use crate::config::ChallengerMode;
use crate::policy_file::LoadedPolicy;
use crate::routes::respond::json_response;
use crate::state::AppState;
use crate::time::rfc3339;

/// The live policies and the reload record.
pub async fn status(State(state): State<Arc<AppState>>) -> Response {
    let arms = state.live.current();
    let reloads = state.live.status();
    let (challenger, mode, champion_percent) = match &arms.challenger {
        None => (None, None, None),
        Some((policy, ChallengerMode::Shadow)) => (Some(live(policy)), Some("shadow"), None),
        Some((policy, ChallengerMode::Split(split))) => (
            Some(live(policy)),
            Some("split"),
            Some(split.champion_percent()),
        ),
    };
    let status = PolicyStatus {
        champion: live(&arms.champion),
        challenger,
        mode: mode.map(str::to_string),
        champion_percent,
        reloads: ReloadCounts {
            succeeded: reloads.succeeded,
            failed: reloads.failed,
            last_at: reloads.last.as_ref().map(|last| rfc3339(last.at)),
            last_error: reloads
                .last
                .and_then(|last| last.refused)
                .map(|refused| refused.to_string()),
        },
    };
    json_response(&status).unwrap_or_else(IntoResponse::into_response)
}

fn live(policy: &LoadedPolicy) -> LivePolicy {
    let id = policy.id();
    LivePolicy {
        name: id.name.clone(),
        version: id.version.clone(),
        sha256: id.hash.clone(),
        path: policy.path.display().to_string(),
        loaded_at: rfc3339(policy.loaded_at),
        tests: TestCounts {
            passed: policy.tests_passed,
            failed: 0,
        },
    }
}
