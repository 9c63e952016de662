//! Request bodies read under a cap, after their media type and content coding are checked.
//!
//! Only unencoded bodies are read: a `Content-Encoding` other than `identity` is refused with
//! 415 (`unsupported-encoding`, and `Accept-Encoding: identity` in the answer, RFC 9110 section
//! 12.5.3) before a byte is read. Decoding gzip would let a body of a few kilobytes inflate to
//! gigabytes unless every decoder were capped; a service on a LAN gains little from compressed
//! requests, so none is read.
//!
//! A declared `Content-Length` over the cap is refused before a byte of the body is read; a body
//! without one (chunked) is read through [`http_body_util::Limited`] and refused as soon as it
//! passes the cap. Either way at most `cap` bytes are ever held.

use axum::body::Body;
use axum::http::{header, HeaderMap, StatusCode};
use bytes::{Bytes, BytesMut};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use tower::BoxError;
use tower_http::timeout::TimeoutError;

use crate::problem::Problem;

/// The media types a route reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Media {
    /// `application/json` (or any `application/*+json`).
    Json,
    /// JSON Lines: `application/x-ndjson`, `application/jsonl`, `application/json-lines`.
    JsonLines,
}

impl Media {
    fn accepts(self, essence: &str) -> bool {
        match self {
            Media::Json => {
                essence == "application/json"
                    || (essence.starts_with("application/") && essence.ends_with("+json"))
            }
            Media::JsonLines => matches!(
                essence,
                "application/x-ndjson" | "application/jsonl" | "application/json-lines"
            ),
        }
    }

    fn name(self) -> &'static str {
        match self {
            Media::Json => "application/json",
            Media::JsonLines => "application/x-ndjson (JSON Lines)",
        }
    }
}

/// Check the media type, then read the whole body under `cap` bytes.
pub async fn read(
    headers: &HeaderMap,
    body: Body,
    media: Media,
    cap: usize,
) -> Result<Bytes, Problem> {
    let declared = check(headers, media, cap)?;
    collect(body, cap, declared)
        .await
        .map_err(|e| read_failed(&*e, cap))
}

/// Check what the headers say of a body before any of it is read: its media type, that it is
/// not encoded, and that a declared length is within `cap`. The declared length, if any.
pub fn check(headers: &HeaderMap, media: Media, cap: usize) -> Result<Option<u64>, Problem> {
    let essence = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        });
    if !essence.as_deref().is_some_and(|e| media.accepts(e)) {
        return Err(Problem::unsupported_media(media.name()));
    }
    if let Some(coding) = content_coding(headers) {
        return Err(Problem::unsupported_encoding(&coding));
    }
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > cap as u64) {
        return Err(Problem::too_large(cap));
    }
    Ok(declared)
}

/// Why a body could not be read to its end, as a problem: past `cap` (413), not received in
/// time (408), or broken (400: a malformed chunked encoding, a connection closed mid-body).
pub fn read_failed(error: &(dyn std::error::Error + 'static), cap: usize) -> Problem {
    if caused_by::<LengthLimitError>(error) {
        Problem::too_large(cap)
    } else if caused_by::<TimeoutError>(error) {
        Problem::new(
            StatusCode::REQUEST_TIMEOUT,
            "timeout",
            "the body was not received in time",
        )
    } else {
        Problem::malformed(format!("cannot read the body: {error}"))
    }
}

/// The content codings of the body other than `identity`, as sent (`None` when it has none).
fn content_coding(headers: &HeaderMap) -> Option<String> {
    let mut codings = Vec::new();
    for value in headers.get_all(header::CONTENT_ENCODING) {
        let Ok(text) = value.to_str() else {
            return Some(String::from_utf8_lossy(value.as_bytes()).into_owned());
        };
        codings.extend(
            text.split(',')
                .map(str::trim)
                .filter(|c| !c.is_empty() && !c.eq_ignore_ascii_case("identity")),
        );
    }
    (!codings.is_empty()).then(|| codings.join(", "))
}

/// A body's data in one buffer, refused (with `LengthLimitError`) once it passes `cap`.
///
/// Not `BodyExt::collect` + `Collected::to_bytes`: that keeps every frame until the end and then
/// copies them into one buffer, so a body cost twice its size at its peak (measured: 48 MiB of
/// RSS for a 24 MiB batch). Here each frame is copied in as it comes and dropped, into a buffer
/// sized from the declared length when there is one, so the body is held once. A body that
/// arrives in one frame (most single decisions) is kept as it is, without a copy.
async fn collect(body: Body, cap: usize, declared: Option<u64>) -> Result<Bytes, BoxError> {
    let mut body = Limited::new(body, cap);
    let mut first: Option<Bytes> = None;
    let mut joined = BytesMut::new();
    while let Some(frame) = body.frame().await {
        // Trailers carry nothing a route reads.
        let Ok(data) = frame?.into_data() else {
            continue;
        };
        if data.is_empty() {
            continue;
        }
        if joined.is_empty() {
            let Some(head) = first.take() else {
                first = Some(data);
                continue;
            };
            let expected = declared
                .and_then(|n| usize::try_from(n).ok())
                .unwrap_or(0)
                .max(head.len() + data.len());
            joined.reserve(expected.min(cap));
            joined.extend_from_slice(&head);
        }
        joined.extend_from_slice(&data);
    }
    Ok(if joined.is_empty() {
        first.unwrap_or_default()
    } else {
        joined.freeze()
    })
}

/// Whether a body error is, or wraps, an `E`. The body reaches a handler wrapped several times
/// (the router's own `Limited` backstop, tower-http's body timeout, axum's `Body`), so the error
/// that ended it may be any number of sources deep: when the route's cap equals the router's
/// backstop (the batch route with the default limits), the backstop's `LengthLimitError` fires
/// first and arrives inside an `axum::Error`.
fn caused_by<E: std::error::Error + 'static>(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut current = Some(error);
    while let Some(e) = current {
        if e.is::<E>() {
            return true;
        }
        current = e.source();
    }
    false
}
