//! `POST /v1/decisions`: one application in, one decision out (the batch route is `batch`).

use std::sync::Arc;

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, Uri};
use axum::response::Response;

use crate::body::{self, Media};
use crate::decide::{decide, DecideRequest};
use crate::problem::Problem;
use crate::routes::query::DecideQuery;
use crate::routes::respond::{answer, json_response, log_one};
use crate::state::AppState;

/// `POST /v1/decisions`: one application in, one decision out.
pub async fn one(
    State(state): State<Arc<AppState>>,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let result = one_inner(&state, &uri, &headers, body).await;
    answer(&state, result)
}

async fn one_inner(
    state: &AppState,
    uri: &Uri,
    headers: &HeaderMap,
    body: Body,
) -> Result<Response, Problem> {
    let query = DecideQuery::from_uri(uri)?;
    let bytes = body::read(headers, body, Media::Json, state.limits.max_body_bytes).await?;
    let arms = state.live.current();
    let request = DecideRequest {
        trace: query.trace,
        log: state.log.as_ref().map(|_| &state.masking),
        signals_fetch: None,
    };
    let text = std::str::from_utf8(&bytes).map_err(|e| {
        Problem::malformed(format!(
            "the body is not UTF-8 (invalid byte at offset {})",
            e.valid_up_to()
        ))
    })?;
    let mut made = decide(&arms, text, request)?;
    log_one(state, &mut made).await?;
    state.metrics.decided(&made);
    json_response(&made.response)
}
