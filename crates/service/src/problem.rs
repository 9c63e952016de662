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

/// One kind of problem: its slug (the `type` is `urn:underwrite:problem:<slug>`) and when it is
/// given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProblemKind {
    /// The slug.
    pub slug: &'static str,
    /// When it is given.
    pub when: &'static str,
}

/// Every kind of problem the service answers: the OpenAPI document's `Problem.type` lists
/// exactly these, docs/service.md's table names each, and the metrics count refusals by them.
pub const KINDS: &[ProblemKind] = &[
    ProblemKind {
        slug: "malformed",
        when: "400: the body is not UTF-8, not JSON, or not the object the route reads",
    },
    ProblemKind {
        slug: "bad-query",
        when: "400: a query parameter the route does not take, one given twice, or a value it \
               cannot read (`at` names the parameter)",
    },
    ProblemKind {
        slug: "bad-host",
        when: "400: an HTTP/1.1 request without a `Host` header, with two, or with one that is \
               not a host[:port] (RFC 9112, section 3.2)",
    },
    ProblemKind {
        slug: "unauthorized",
        when: "401: no bearer token, or one the service does not accept",
    },
    ProblemKind {
        slug: "forbidden",
        when: "403: a decision token on an admin route",
    },
    ProblemKind {
        slug: "admin-disabled",
        when: "403: an admin route on a service started without admin tokens",
    },
    ProblemKind {
        slug: "not-found",
        when: "404: no such route",
    },
    ProblemKind {
        slug: "method-not-allowed",
        when: "405: the route does not take that method",
    },
    ProblemKind {
        slug: "timeout",
        when: "408: the request was not received and answered in time",
    },
    ProblemKind {
        slug: "reload-refused",
        when: "409: the policy files were refused; the live policies stay",
    },
    ProblemKind {
        slug: "too-large",
        when: "413: the body is larger than the route allows",
    },
    ProblemKind {
        slug: "unsupported-media-type",
        when: "415: the body is not of a media type the route reads",
    },
    ProblemKind {
        slug: "unsupported-encoding",
        when: "415: the body has a `Content-Encoding` other than `identity`",
    },
    ProblemKind {
        slug: "bad-signals",
        when: "422: the signals payload was refused",
    },
    ProblemKind {
        slug: "bad-kyc",
        when: "422: the KYC input was refused",
    },
    ProblemKind {
        slug: "rule-failed",
        when: "422: a rule failed at run time",
    },
    ProblemKind {
        slug: "bad-request",
        when: "422: an application's phone, country, consent or template id was refused",
    },
    ProblemKind {
        slug: "refused",
        when: "422: the decision was refused for another reason",
    },
    ProblemKind {
        slug: "internal",
        when: "500: a bug, caught",
    },
    ProblemKind {
        slug: "signals-not-configured",
        when: "501: the service has no signals provider",
    },
    ProblemKind {
        slug: "unavailable",
        when: "503: the decision could not be logged, so it is not given",
    },
    ProblemKind {
        slug: "batch-busy",
        when: "503: the batches in flight hold the whole batch memory budget; retry later",
    },
    ProblemKind {
        slug: "signals-busy",
        when: "503: too many applications already wait on the signals provider",
    },
    ProblemKind {
        slug: "error",
        when: "any other refused request (a status no other kind covers)",
    },
];

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
    /// A header answered with the problem.
    #[serde(skip)]
    #[schemars(skip)]
    pub header: Option<ProblemHeader>,
}

/// A header a problem is answered with (kept small: problems travel in `Result`s).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProblemHeader {
    /// `Accept-Encoding: identity`: the codings a 415 for a content coding accepts.
    AcceptIdentity,
    /// `Retry-After: 1`: a 503 that will likely pass in a moment.
    RetryAfter,
}

/// Longest piece of a client's text quoted in a detail, in characters.
const SHOWN_CHARS: usize = 64;

/// A client's text made safe to quote in a detail: control characters (and quotes and
/// backslashes) escaped, cut after [`SHOWN_CHARS`] characters.
pub fn escaped(text: &str) -> String {
    let mut out = String::new();
    for (i, c) in text.chars().enumerate() {
        if i == SHOWN_CHARS {
            out.push('…');
            break;
        }
        out.extend(c.escape_debug());
    }
    out
}

/// [`escaped`] text in double quotes.
pub fn shown(text: &str) -> String {
    format!("\"{}\"", escaped(text))
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
            header: None,
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

    /// 415: the body has a content coding the service does not decode. The answer says
    /// `Accept-Encoding: identity` (RFC 9110, section 12.5.3).
    pub fn unsupported_encoding(coding: &str) -> Problem {
        let mut problem = Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-encoding",
            format!(
                "the body's Content-Encoding {} is not read: send the body unencoded \
                 (identity)",
                shown(coding)
            ),
        );
        problem.header = Some(ProblemHeader::AcceptIdentity);
        problem
    }

    /// 500: a bug, caught.
    pub fn internal(detail: impl Into<String>) -> Problem {
        Problem::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", detail)
    }

    /// 503: the batches in flight hold the batch memory budget (`Retry-After: 1`).
    pub fn batch_busy(waited: std::time::Duration) -> Problem {
        let mut problem = Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "batch-busy",
            format!(
                "the batches in flight hold the whole batch memory budget (--batch-memory); \
                 none finished within {} ms: retry later",
                waited.as_millis()
            ),
        );
        problem.header = Some(ProblemHeader::RetryAfter);
        problem
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
        match self.header {
            Some(ProblemHeader::AcceptIdentity) => {
                response.headers_mut().insert(
                    header::ACCEPT_ENCODING,
                    HeaderValue::from_static("identity"),
                );
            }
            Some(ProblemHeader::RetryAfter) => {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            }
            None => {}
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// docs/service.md's table of errors names every kind, and no kind twice here.
    #[test]
    fn every_kind_is_listed_once_and_documented() {
        let doc = include_str!("../../../docs/service.md");
        let table = doc.split("## Errors").nth(1).unwrap_or_default();
        for (i, kind) in KINDS.iter().enumerate() {
            assert!(
                table.contains(&format!("`{}`", kind.slug)),
                "docs/service.md's errors do not name `{}`",
                kind.slug
            );
            assert!(
                KINDS[i + 1..].iter().all(|k| k.slug != kind.slug),
                "{} twice",
                kind.slug
            );
        }
    }
}
