//! `POST /v1/kyc`: one KYC match, the same result `underwrite kyc` prints.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use underwrite_kyc::{match_request, KycRequest, MatchConfig};

use crate::body::{self, Media};
use crate::problem::Problem;
use crate::routes::respond::{answer, json_response};
use crate::state::AppState;

/// Match the KYC request in the body with the default configuration.
pub async fn one(State(state): State<Arc<AppState>>, headers: HeaderMap, body: Body) -> Response {
    let result = async {
        let bytes = body::read(&headers, body, Media::Json, state.limits.max_body_bytes).await?;
        let request = KycRequest::from_json_slice(&bytes)
            .map_err(|e| Problem::malformed(format!("not a KYC request: {e}")))?;
        let result = match_request(&request, &MatchConfig::default()).map_err(|e| {
            Problem::unprocessable("bad-kyc", e.to_string()).at(e.field().to_string())
        })?;
        json_response(&result)
    }
    .await;
    answer(&state, result)
}
