//! `POST /v1/decisions` and `POST /v1/decisions/batch`.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, Uri};
use axum::response::{IntoResponse, Response};
use underwrite_core::application::is_blank_line;
use underwrite_log::Lines;

use crate::api::{BatchLine, LineError};
use crate::body::{self, Media};
use crate::decide::{decide, DecideRequest, Made};
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

/// `POST /v1/decisions/batch`: JSON Lines in, JSON Lines out in input order. A bad line is that
/// line's error (the message `underwrite batch` gives) and the rest go on.
pub async fn batch(
    State(state): State<Arc<AppState>>,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let result = batch_inner(&state, &uri, &headers, body).await;
    answer(&state, result)
}

async fn batch_inner(
    state: &Arc<AppState>,
    uri: &Uri,
    headers: &HeaderMap,
    body: Body,
) -> Result<Response, Problem> {
    let query = DecideQuery::from_uri(uri)?;
    let bytes = body::read(
        headers,
        body,
        Media::JsonLines,
        state.limits.max_batch_bytes,
    )
    .await?;
    let worker = Arc::clone(state);
    let (lines, records) =
        tokio::task::spawn_blocking(move || decide_lines(&worker, query, &bytes))
            .await
            .map_err(|e| {
                Problem::internal(format!("internal error while deciding the batch: {e}"))
            })?;
    if let Some(log) = &state.log {
        if !records.is_empty() {
            log.append(records).await.map_err(|e| {
                Problem::unavailable(format!(
                    "the decisions were not logged, so none is given: {e}"
                ))
            })?;
        }
    }
    let mut out = Vec::with_capacity(lines.len() * 512);
    for line in &lines {
        serde_json::to_writer(&mut out, line)
            .map_err(|e| Problem::internal(format!("cannot encode a line: {e}")))?;
        out.push(b'\n');
    }
    let mut response = out.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/x-ndjson"),
    );
    Ok(response)
}

/// Decide every line of a batch body (blocking: runs on a blocking thread).
fn decide_lines(state: &AppState, query: DecideQuery, bytes: &[u8]) -> (Vec<BatchLine>, Lines) {
    let arms = state.live.current();
    let request = DecideRequest {
        trace: query.trace,
        log: state.log.as_ref().map(|_| &state.masking),
        signals_fetch: None,
    };
    let mut lines = Vec::new();
    let mut records = Lines::new();
    let body = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    for (index, raw) in body.split(|b| *b == b'\n').enumerate() {
        let number = index + 1;
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        if is_blank_line(raw) {
            continue;
        }
        if raw.len() > state.limits.max_line_bytes {
            lines.push(failed(
                number,
                format!(
                    "line is {} bytes, longer than {} bytes",
                    raw.len(),
                    state.limits.max_line_bytes
                ),
            ));
            continue;
        }
        // The message `underwrite batch` gives for the same line.
        let Ok(text) = std::str::from_utf8(raw).map_err(|e| {
            lines.push(failed(
                number,
                format!(
                    "line is not UTF-8 (invalid byte at column {})",
                    e.valid_up_to() + 1
                ),
            ))
        }) else {
            continue;
        };
        // A panic (a bug) while deciding one line is that line's error, as in `underwrite batch`.
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            decide(&arms, text, request).map_err(Problem::from)
        }))
        .unwrap_or_else(|_| {
            Err(Problem::internal(
                "internal error while deciding this line; please report it",
            ))
        });
        match outcome {
            Ok(mut made) => {
                if let Some(line) = made.record.take() {
                    records.append(line);
                }
                state.metrics.decided(&made);
                lines.push(decided(number, made));
            }
            Err(problem) => {
                state.metrics.refused(&problem);
                lines.push(failed(number, problem.detail));
            }
        }
    }
    (lines, records)
}

fn decided(line: usize, made: Made) -> BatchLine {
    BatchLine {
        line,
        id: made.response.id.clone(),
        decision: Some(made.response),
        error: None,
    }
}

fn failed(line: usize, message: String) -> BatchLine {
    BatchLine {
        line,
        id: None,
        decision: None,
        error: Some(LineError { line, message }),
    }
}
