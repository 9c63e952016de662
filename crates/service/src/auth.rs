//! Bearer-token authentication. PLACEHOLDER: lets every request through.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::State;
use axum::http::Request;
use axum::middleware::Next;
use axum::response::Response;

use crate::app::AppState;

/// The accepted tokens.
#[derive(Debug, Clone, Default)]
pub struct Tokens {
    /// Tokens for the decision routes.
    pub decide: Vec<String>,
    /// Tokens for the admin routes.
    pub admin: Vec<String>,
}

/// Middleware for the decision routes.
pub async fn require_decide(
    State(_state): State<Arc<AppState>>,
    request: Request<Body>,
    next: Next,
) -> Response {
    next.run(request).await
}

/// Middleware for the admin routes.
pub async fn require_admin(
    State(_state): State<Arc<AppState>>,
    request: Request<Body>,
    next: Next,
) -> Response {
    next.run(request).await
}
