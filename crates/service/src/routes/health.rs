//! `GET /healthz` (the process answers), `GET /readyz` (it takes decisions), `GET /metrics`,
//! `GET /openapi.json`. None needs a token.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::api::Health;
use crate::routes::respond::json_response;
use crate::state::AppState;

/// Always `ok` while the process serves.
pub async fn healthz() -> Response {
    health(StatusCode::OK, "ok")
}

/// `ok` while decisions are taken; 503 `draining` once shutdown has begun.
pub async fn readyz(State(state): State<Arc<AppState>>) -> Response {
    if state.draining.load(Ordering::Acquire) {
        health(StatusCode::SERVICE_UNAVAILABLE, "draining")
    } else {
        health(StatusCode::OK, "ok")
    }
}

fn health(status: StatusCode, text: &str) -> Response {
    let mut response = json_response(&Health {
        status: text.to_string(),
    })
    .unwrap_or_else(IntoResponse::into_response);
    *response.status_mut() = status;
    response
}

/// Prometheus text exposition.
pub async fn metrics(State(state): State<Arc<AppState>>) -> Response {
    let mut response = state.metrics.render().into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(crate::metrics::CONTENT_TYPE),
    );
    response
}

/// The OpenAPI 3.1 document of this service as configured.
pub async fn openapi(State(state): State<Arc<AppState>>) -> Response {
    let mut response = state.openapi.clone().into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}
