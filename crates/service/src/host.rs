//! The `Host` header rule of RFC 9112, section 3.2: "A server MUST respond with a 400 (Bad
//! Request) status code to any HTTP/1.1 request message that lacks a Host header field and to any
//! request message that contains more than one Host header field line or a Host header field
//! with an invalid field value." hyper leaves this to the application.
//!
//! A valid value is `uri-host [":" port]`, or empty (what a client sends for a target without
//! an authority). The answer is a 400 problem of kind `bad-host`, counted like any refusal.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::State;
use axum::http::uri::Authority;
use axum::http::{header, HeaderMap, Request, StatusCode, Version};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::problem::{shown, Problem};
use crate::state::AppState;

/// Middleware: refuse a request whose `Host` breaks RFC 9112's rule; pass the others on.
pub async fn require_host(
    State(state): State<Arc<AppState>>,
    request: Request<Body>,
    next: Next,
) -> Response {
    match check(request.version(), request.headers()) {
        Ok(()) => next.run(request).await,
        Err(problem) => {
            state.metrics.refused(&problem);
            problem.into_response()
        }
    }
}

/// Whether a request of `version` with these headers keeps the `Host` rule.
fn check(version: Version, headers: &HeaderMap) -> Result<(), Problem> {
    let mut hosts = headers.get_all(header::HOST).iter();
    let bad = |detail: String| Problem::new(StatusCode::BAD_REQUEST, "bad-host", detail).at("Host");
    match (hosts.next(), hosts.next()) {
        (None, _) if version == Version::HTTP_11 => Err(bad(
            "an HTTP/1.1 request needs a Host header (RFC 9112, section 3.2)".into(),
        )),
        (None, _) => Ok(()),
        (Some(_), Some(_)) => Err(bad("the request has more than one Host header".into())),
        (Some(value), None) => {
            let text = value.to_str().unwrap_or("\u{fffd}");
            if valid_host(value.as_bytes()) {
                Ok(())
            } else {
                Err(bad(format!(
                    "the Host header {} is not a host[:port]",
                    shown(text)
                )))
            }
        }
    }
}

/// `uri-host [":" port]` (no user info, no path, a port of digits only), or empty.
fn valid_host(value: &[u8]) -> bool {
    if value.is_empty() {
        return true;
    }
    // The port is what follows the last `:` after an IPv6 literal's `]`, if any.
    let after_literal = match value.iter().rposition(|b| *b == b']') {
        Some(end) => &value[end + 1..],
        None => value,
    };
    let port_ok = match after_literal.iter().rposition(|b| *b == b':') {
        Some(colon) => after_literal[colon + 1..].iter().all(u8::is_ascii_digit),
        None => true,
    };
    port_ok
        && !value.contains(&b'@')
        && Authority::try_from(value).is_ok_and(|a| a.as_str().len() == value.len())
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn with_hosts(values: &[&[u8]]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for v in values {
            headers.append(
                header::HOST,
                HeaderValue::from_bytes(v).expect("header value"),
            );
        }
        headers
    }

    #[test]
    fn http_1_1_needs_exactly_one_valid_host() {
        let ok = |v: &[&[u8]]| check(Version::HTTP_11, &with_hosts(v)).is_ok();
        assert!(ok(&[b"example.com"]));
        assert!(ok(&[b"127.0.0.1:8080"]));
        assert!(ok(&[b"[::1]:8080"]));
        assert!(ok(&[b""]));
        assert!(!ok(&[]));
        assert!(!ok(&[b"a.example", b"b.example"]));
        assert!(!ok(&[b"user@example.com"]));
        assert!(!ok(&[b"example.com/path"]));
        assert!(!ok(&[b"example.com:port"]));
        assert!(!ok(&[b"exa mple.com"]));
        let problem = check(Version::HTTP_11, &HeaderMap::new()).expect_err("no host");
        assert_eq!((problem.status, problem.kind), (400, "bad-host"));
    }

    #[test]
    fn http_1_0_may_omit_host_but_not_send_a_bad_one() {
        assert!(check(Version::HTTP_10, &HeaderMap::new()).is_ok());
        assert!(check(Version::HTTP_10, &with_hosts(&[b"a b"])).is_err());
    }
}
