//! Bearer-token authentication: decision tokens and admin tokens.
//!
//! * **Decision routes** (`/v1/decisions*`, `/v1/kyc`, `/v1/policy`) are open when the service
//!   runs without decision tokens; with them, a request needs `Authorization: Bearer <token>`
//!   with a decision token or an admin token.
//! * **Admin routes** (`/v1/admin/*`) need an admin token. Without admin tokens they are
//!   refused (403), never open: changing what decides must be something an operator turned on.
//! * **Health, readiness, metrics and the OpenAPI document** are always open.
//!
//! The token sets and their constant-time comparison are `tokens`; this module is the
//! middleware that reads the `Authorization` header and refuses with a problem. No token
//! appears in a log line or a problem.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, Request, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::problem::Problem;
use crate::state::AppState;
use crate::tokens::{Grant, Tokens};

/// The route class a middleware guards.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Need {
    Decide,
    Admin,
}

/// Whether a request with these headers may use a route of this class.
fn authorize(tokens: Option<&Tokens>, headers: &HeaderMap, need: Need) -> Result<(), Refusal> {
    let tokens = match (tokens, need) {
        (Some(t), Need::Decide) if t.decisions_need_token() => t,
        (_, Need::Decide) => return Ok(()),
        (Some(t), Need::Admin) if t.admin_enabled() => t,
        (_, Need::Admin) => return Err(Refusal::AdminOff),
    };
    let token = bearer(headers).ok_or(Refusal::Missing)?;
    match (tokens.grant(token), need) {
        (Grant::Admin, _) | (Grant::Decide, Need::Decide) => Ok(()),
        (Grant::Decide, Need::Admin) => Err(Refusal::NotAdmin),
        (Grant::None, _) => Err(Refusal::Invalid),
    }
}

/// The token of an `Authorization: Bearer <token>` header (the scheme in any case).
fn bearer(headers: &HeaderMap) -> Option<&[u8]> {
    let value = headers.get(header::AUTHORIZATION)?.as_bytes();
    let (scheme, rest) = value.split_at_checked(6)?;
    if !scheme.eq_ignore_ascii_case(b"bearer") {
        return None;
    }
    let token = rest.strip_prefix(b" ")?.trim_ascii();
    (!token.is_empty()).then_some(token)
}

/// Why a request was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Refusal {
    /// No bearer token.
    Missing,
    /// A token that is not accepted.
    Invalid,
    /// A decision token on an admin route.
    NotAdmin,
    /// An admin route on a service without admin tokens.
    AdminOff,
}

impl Refusal {
    /// The problem to answer, and the `WWW-Authenticate` challenge to send with it.
    fn answer(self) -> (Problem, Option<&'static str>) {
        match self {
            Refusal::Missing => (
                Problem::new(
                    StatusCode::UNAUTHORIZED,
                    "unauthorized",
                    "this route needs a bearer token (Authorization: Bearer <token>)",
                ),
                Some(r#"Bearer realm="underwrite""#),
            ),
            Refusal::Invalid => (
                Problem::new(
                    StatusCode::UNAUTHORIZED,
                    "unauthorized",
                    "the bearer token is not one this service accepts",
                ),
                Some(r#"Bearer realm="underwrite", error="invalid_token""#),
            ),
            Refusal::NotAdmin => (
                Problem::new(
                    StatusCode::FORBIDDEN,
                    "forbidden",
                    "this route needs an admin token; the token given is a decision token",
                ),
                Some(r#"Bearer realm="underwrite", error="insufficient_scope""#),
            ),
            Refusal::AdminOff => (
                Problem::new(
                    StatusCode::FORBIDDEN,
                    "admin-disabled",
                    "admin routes need --admin-tokens (the service runs without admin tokens)",
                ),
                None,
            ),
        }
    }
}

async fn guard(state: &AppState, request: Request<Body>, next: Next, need: Need) -> Response {
    let refusal = match authorize(state.tokens.as_ref(), request.headers(), need) {
        Ok(()) => return next.run(request).await,
        Err(refusal) => refusal,
    };
    tracing::debug!(
        ?refusal,
        path = request.uri().path(),
        "request refused by authentication"
    );
    let (problem, challenge) = refusal.answer();
    state.metrics.refused(&problem);
    let mut response = problem.into_response();
    if let Some(challenge) = challenge {
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static(challenge),
        );
    }
    response
}

/// Middleware for the decision routes: open without decision tokens; else a decision or an
/// admin token.
pub async fn require_decide(
    State(state): State<Arc<AppState>>,
    request: Request<Body>,
    next: Next,
) -> Response {
    guard(&state, request, next, Need::Decide).await
}

/// Middleware for the admin routes: an admin token; refused when there are no admin tokens.
pub async fn require_admin(
    State(state): State<Arc<AppState>>,
    request: Request<Body>,
    next: Next,
) -> Response {
    guard(&state, request, next, Need::Admin).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tokens::TokenSet;

    const DECIDE: &str = "decide-token-0123456789";
    const ADMIN: &str = "admin-token-0123456789ab";

    fn tokens() -> Tokens {
        Tokens::new(
            Some(TokenSet::from_list(DECIDE).expect("decide")),
            Some(TokenSet::from_list(ADMIN).expect("admin")),
        )
    }

    fn with(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_str(value).expect("header"),
        );
        headers
    }

    #[test]
    fn each_class_of_token_opens_what_it_should() {
        let t = tokens();
        let decide = with(&format!("Bearer {DECIDE}"));
        let admin = with(&format!("bearer {ADMIN}"));
        assert_eq!(authorize(Some(&t), &decide, Need::Decide), Ok(()));
        assert_eq!(authorize(Some(&t), &admin, Need::Decide), Ok(()));
        assert_eq!(authorize(Some(&t), &admin, Need::Admin), Ok(()));
        assert_eq!(
            authorize(Some(&t), &decide, Need::Admin),
            Err(Refusal::NotAdmin)
        );
        assert_eq!(
            authorize(Some(&t), &HeaderMap::new(), Need::Decide),
            Err(Refusal::Missing)
        );
        for wrong in [
            format!("Bearer {DECIDE}x"),
            format!("Bearer {}", &DECIDE[..DECIDE.len() - 1]),
            format!("Bearer {}", "a".repeat(64)),
        ] {
            assert_eq!(
                authorize(Some(&t), &with(&wrong), Need::Decide),
                Err(Refusal::Invalid),
                "{wrong}"
            );
        }
        for not_bearer in [
            format!("Basic {DECIDE}"),
            format!("Bearer{DECIDE}"),
            "Bearer".into(),
        ] {
            assert_eq!(
                authorize(Some(&t), &with(&not_bearer), Need::Decide),
                Err(Refusal::Missing),
                "{not_bearer}"
            );
        }
    }

    #[test]
    fn without_sets_decisions_are_open_and_admin_is_refused() {
        let anything = with("Bearer whatever-it-is-0000000");
        assert_eq!(authorize(None, &anything, Need::Decide), Ok(()));
        assert_eq!(
            authorize(None, &anything, Need::Admin),
            Err(Refusal::AdminOff)
        );
        let admin_only = Tokens::new(None, Some(TokenSet::from_list(ADMIN).expect("admin")));
        assert_eq!(
            authorize(Some(&admin_only), &HeaderMap::new(), Need::Decide),
            Ok(())
        );
        assert_eq!(
            authorize(
                Some(&admin_only),
                &with(&format!("Bearer {ADMIN}")),
                Need::Admin
            ),
            Ok(())
        );
        let decide_only = Tokens::new(Some(TokenSet::from_list(DECIDE).expect("d")), None);
        assert_eq!(
            authorize(
                Some(&decide_only),
                &with(&format!("Bearer {DECIDE}")),
                Need::Admin
            ),
            Err(Refusal::AdminOff)
        );
    }
}
