//! Errors as RFC 9457 problem details (`application/problem+json`).
//!
//! Every error the service answers is a [`Problem`]: the handlers' own, and (through
//! [`problem_for_bare_errors`]) the ones axum and tower-http produce without a body of this
//! kind: 404, 405, 408, 413 from a `Content-Length`, 500 from a caught panic. The `detail`
//! carries the same message the CLI prints for the same input.

use axum::body::Body;
use axum::http::{header, HeaderValue, Request, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use underwrite_core::policy::RuleErrorKind;

/// The media type of a problem.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// A problem details object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Problem {
    /// A URI naming the kind of problem (`urn:underwrite:problem:<kind>`).
    #[serde(rename = "type", serialize_with = "problem_uri")]
    #[schemars(with = "String")]
    pub kind: &'static str,
    /// A short summary of the kind.
    pub title: &'static str,
    /// The HTTP status.
    pub status: u16,
    /// What went wrong with this request (the CLI's message for the same input).
    pub detail: String,
    /// The field, rule or line at fault, when one is known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
    /// The kind of a rule's run-time failure (`missing_used`, ...), when a rule failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>")]
    pub rule_error: Option<RuleErrorKind>,
}

/// The kinds of problem are URNs: `urn:underwrite:problem:<kind>`.
fn problem_uri<S: serde::Serializer>(
    kind: &&'static str,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.collect_str(&format_args!("urn:underwrite:problem:{kind}"))
}

impl Problem {
    /// A problem of `status` with a kind slug and detail; the title is the status's reason.
    pub fn new(status: StatusCode, kind: &'static str, detail: impl Into<String>) -> Problem {
        Problem {
            kind,
            title: status.canonical_reason().unwrap_or("Error"),
            status: status.as_u16(),
            detail: detail.into(),
            at: None,
            rule_error: None,
        }
    }

    /// Name the field, rule or line at fault.
    pub fn at(mut self, at: impl Into<String>) -> Problem {
        self.at = Some(at.into());
        self
    }

    /// 400: the body is not the JSON the route reads.
    pub fn malformed(detail: impl Into<String>) -> Problem {
        Problem::new(StatusCode::BAD_REQUEST, "malformed", detail)
    }

    /// 422: well-formed, but the signals, the KYC input or a rule refused it.
    pub fn unprocessable(kind: &'static str, detail: impl Into<String>) -> Problem {
        Problem::new(StatusCode::UNPROCESSABLE_ENTITY, kind, detail)
    }

    /// 413: the body is larger than the route allows.
    pub fn too_large(limit: usize) -> Problem {
        Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too-large",
            format!("the body is larger than {limit} bytes"),
        )
    }

    /// 415: the body is not of a media type the route reads.
    pub fn unsupported_media(expected: &str) -> Problem {
        Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-media-type",
            format!("send the body as {expected}"),
        )
    }

    /// 500: a bug, caught.
    pub fn internal(detail: impl Into<String>) -> Problem {
        Problem::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", detail)
    }

    /// 503: the service cannot take the request now.
    pub fn unavailable(detail: impl Into<String>) -> Problem {
        Problem::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", detail)
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_vec(&self).unwrap_or_default();
        let mut response = (status, body).into_response();
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        response
    }
}

/// Middleware: an error response that is not already a problem (axum's 404 and 405,
/// tower-http's 408 and 413, a caught panic's 500) becomes one, keeping its status and headers
/// (`Allow` on a 405).
pub async fn problem_for_bare_errors(request: Request<Body>, next: Next) -> Response {
    let response = next.run(request).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    // A problem already, or one of the service's own JSON answers (`/readyz`'s 503 `draining`).
    let answered = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes() == PROBLEM_JSON.as_bytes() || v == "application/json");
    if answered {
        return response;
    }
    let (kind, detail) = match status {
        StatusCode::NOT_FOUND => ("not-found", "no such route (see GET /openapi.json)"),
        StatusCode::METHOD_NOT_ALLOWED => (
            "method-not-allowed",
            "this route does not take that method (see the Allow header)",
        ),
        StatusCode::REQUEST_TIMEOUT => (
            "timeout",
            "the request was not received and answered in time",
        ),
        StatusCode::PAYLOAD_TOO_LARGE => ("too-large", "the body is larger than the route allows"),
        StatusCode::INTERNAL_SERVER_ERROR => (
            "internal",
            "internal error (a bug; please report it with the request)",
        ),
        _ => ("error", "the request failed"),
    };
    let (mut parts, _) = response.into_parts();
    let fresh = Problem::new(status, kind, detail).into_response();
    parts.headers.remove(header::CONTENT_LENGTH);
    parts
        .headers
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
    Response::from_parts(parts, fresh.into_body())
}
