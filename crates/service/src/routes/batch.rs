//! `POST /v1/decisions/batch`: JSON Lines in, JSON Lines out in input order, streamed both ways.
//!
//! The body is read as it arrives, never whole: cut into lines by core's `LineSplitter` (the
//! splitter `underwrite batch` uses) and taken in chunks of at most 1,024 lines or about 1 MiB
//! (`batch_lines`), each chunk decided on a blocking thread in parts whose answers reach
//! 256 KiB, each part's log lines appended (and synced) and only then its answer lines sent,
//! in input order. So an answer line
//! is sent only once its record is durable, and a batch holds one chunk and a few pieces of
//! answer at a time, whatever its length. Every batch first reserves its share of the batch
//! memory budget (`batch_budget`); one that finds no room within half the request timeout is
//! refused with 503 `batch-busy` before any of its body is read.
//!
//! A bad line is that line's error (the message of its [`LineFailure`], as `underwrite batch`
//! writes it) and the rest go on. When the batch itself cannot go on, its answer ends with one
//! line `{"line": N, "aborted": <problem>}`, N the first input line without an answer, and the
//! body is cut off without its last chunk so that an HTTP client reports it incomplete:
//!
//! * the decision log fails: the part whose lines were being logged is not answered (503
//!   `unavailable`); lines answered before were logged;
//! * the body breaks (a malformed chunked encoding, the client closing mid-body: 400
//!   `malformed`), stalls past the header timeout or passes the request timeout (408 `timeout`),
//!   or passes `--max-batch-bytes` (413 `too-large`): the lines of the chunk being read are not
//!   decided;
//! * the client does not read its answer until the request timeout: the batch stops (408),
//!   the part waiting to be handed over was decided and logged but is not answered;
//! * the client goes away: nothing more is decided; what was decided was logged.
//!
//! The headers (200) are sent before the body is read, so these can only be told in the
//! answer's last line; problems found from the headers alone (the query, the media type, an
//! encoding, a declared length over the cap, no budget) are still answered as problems.

use std::future::Future;
use std::panic::{self, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};
use std::time::Duration;

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use bytes::{Buf, Bytes};
use http_body_util::{BodyExt, Limited};
use hyper::body::{Body as HttpBody, Frame};
use serde_json::value::RawValue;
use tokio::sync::{mpsc, OwnedSemaphorePermit};
use tokio::time::{Instant, Sleep};
use underwrite_core::application::Application;
use underwrite_core::line::{LineFailure, LineSplitter};
use underwrite_log::Lines;

use crate::api::{BatchLine, LineError};
use crate::batch_budget::{Reservation, ANSWER_PIECES, ANSWER_PIECE_BYTES, CHUNK};
use crate::batch_lines::Chunk;
use crate::body::{self, Media};
use crate::decide::{decide, DecideRequest, Made, NotDecided};
use crate::live::Arms;
use crate::metrics::Metrics;
use crate::problem::Problem;
use crate::routes::query::DecideQuery;
use crate::routes::respond::answer;
use crate::state::AppState;

/// How long the answer's last line is given to reach the connection before the body is cut.
const ABORT_GRACE: Duration = Duration::from_millis(100);

/// How long the answer's last line may wait for room among the pieces a slow client has not
/// read.
const LAST_LINE_WAIT: Duration = Duration::from_secs(1);

/// `POST /v1/decisions/batch`.
pub async fn batch(
    State(state): State<Arc<AppState>>,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let result = start(&state, &uri, &headers, body).await;
    answer(&state, result)
}

/// Check what the headers say, reserve the batch's share of the budget, start reading and
/// deciding, and answer with the stream of answer lines.
async fn start(
    state: &Arc<AppState>,
    uri: &Uri,
    headers: &HeaderMap,
    body: Body,
) -> Result<Response, Problem> {
    let started = Instant::now();
    let query = DecideQuery::from_uri(uri)?;
    body::check(headers, Media::JsonLines, state.limits.max_batch_bytes)?;
    let wait = state.limits.request_timeout / 2;
    let Reservation { work, answers } = state
        .batch_budget
        .reserve(wait)
        .await
        .ok_or_else(|| Problem::batch_busy(wait))?;
    // The body's first piece before the answer's head: a client's `Expect: 100-continue` is
    // answered before the final status, and a body that fails at once is a problem, not a 200.
    let cap = state.limits.max_batch_bytes;
    let mut body = Limited::new(body, cap);
    let (first, ended) = match body.frame().await {
        None => (Bytes::new(), true),
        Some(Err(e)) => return Err(body::read_failed(&*e, cap)),
        // Trailers carry nothing a batch reads.
        Some(Ok(frame)) => (frame.into_data().unwrap_or_default(), false),
    };
    let (pieces, received) = mpsc::channel(ANSWER_PIECES);
    let batch = Batch {
        state: Arc::clone(state),
        trace: query.trace,
        deadline: started + state.limits.request_timeout,
        pieces,
    };
    tokio::spawn(batch.run(Reading { body, first, ended }, work));
    let mut response = Body::new(Answer {
        pieces: received,
        _answers: answers,
        ending: Ending::Open,
    })
    .into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/x-ndjson"),
    );
    Ok(response)
}

/// A batch body being read: what is left of it, and its first piece.
struct Reading {
    body: Limited<Body>,
    first: Bytes,
    ended: bool,
}

/// What the batch's task hands the answer's body.
#[derive(Debug)]
enum Piece {
    /// Answer lines, each logged.
    Lines(Bytes),
    /// The last line of a batch that stopped: the body is cut after it.
    Aborted(Bytes),
    /// Every line was answered.
    Done,
}

/// Why a batch stopped before its body's end.
#[derive(Debug)]
enum Stop {
    /// The answer's body is gone (the client went away): no one to tell.
    Gone,
    /// `line` and those after it have no answer, for this reason.
    Aborted {
        /// The first input line without an answer.
        line: usize,
        /// Why.
        problem: Problem,
    },
}

/// One batch being read, decided, logged and answered.
struct Batch {
    state: Arc<AppState>,
    trace: bool,
    /// The request timeout's end.
    deadline: Instant,
    pieces: mpsc::Sender<Piece>,
}

impl Batch {
    /// The batch's task. `work` (its share of the budget for the work) is released when the
    /// task ends, after everything it held.
    async fn run(self, reading: Reading, work: OwnedSemaphorePermit) {
        let last = match self.stream(reading).await {
            Ok(()) => Piece::Done,
            Err(Stop::Gone) => {
                tracing::debug!("a batch's client went away");
                return;
            }
            Err(Stop::Aborted { line, problem }) => {
                tracing::warn!(
                    line,
                    kind = problem.kind,
                    detail = %problem.detail,
                    "a batch stopped before its end"
                );
                self.state.metrics.refused(&problem);
                let mut text = encode(&BatchLine {
                    line,
                    id: None,
                    decision: None,
                    error: None,
                    aborted: Some(problem),
                });
                text.push(b'\n');
                Piece::Aborted(text.into())
            }
        };
        // Without room among the unread pieces, the body is cut without the last line (or
        // ends, if the client never reads): the channel closing without `Done` cuts it too.
        let _ = tokio::time::timeout(LAST_LINE_WAIT, self.pieces.send(last)).await;
        drop(work);
    }

    /// Read the body chunk by chunk, and decide, log and answer each.
    async fn stream(&self, reading: Reading) -> Result<(), Stop> {
        let limits = &self.state.limits;
        let arms = self.state.live.current();
        let Reading {
            mut body,
            first: mut rest,
            mut ended,
        } = reading;
        let mut splitter = LineSplitter::new(limits.max_line_bytes as u64);
        // One buffer for every chunk of the batch: its limit plus the line that crosses it.
        let mut chunk = Chunk::with_capacity(CHUNK.bytes + limits.max_line_bytes.min(CHUNK.bytes));
        while !ended || !rest.is_empty() {
            chunk.clear();
            while !chunk.is_full(CHUNK) {
                if !rest.is_empty() {
                    let used = chunk.fill(&mut splitter, &rest, CHUNK);
                    rest.advance(used);
                    continue;
                }
                if ended {
                    break;
                }
                let first_open = || {
                    chunk
                        .lines()
                        .first()
                        .map_or(splitter.next_number(), |l| l.number)
                };
                // Lines in hand are decided as soon as the body has nothing more ready: a client
                // sending slowly gets its answers as it goes, not once a chunk fills.
                let next = if chunk.lines().is_empty() {
                    tokio::time::timeout_at(self.deadline, body.frame()).await
                } else {
                    let mut frame = body.frame();
                    match std::future::poll_fn(|cx| Poll::Ready(Pin::new(&mut frame).poll(cx)))
                        .await
                    {
                        Poll::Ready(next) => Ok(next),
                        Poll::Pending => break,
                    }
                };
                match next {
                    Err(_) => return Err(self.timed_out(first_open())),
                    Ok(None) => {
                        ended = true;
                        chunk.finish(&mut splitter);
                    }
                    Ok(Some(Err(e))) => {
                        return Err(Stop::Aborted {
                            line: first_open(),
                            problem: body::read_failed(&*e, limits.max_batch_bytes),
                        })
                    }
                    // Trailers carry nothing a batch reads.
                    Ok(Some(Ok(frame))) => rest = frame.into_data().unwrap_or_default(),
                }
            }
            chunk = self.answer_chunk(&arms, chunk).await?;
        }
        Ok(())
    }

    /// Decide `chunk` part by part; log each part's decisions, then send its answers. The chunk
    /// is given back to be filled again.
    async fn answer_chunk(&self, arms: &Arc<Arms>, chunk: Chunk) -> Result<Chunk, Stop> {
        let chunk = Arc::new(chunk);
        let mut from = 0;
        while let Some(first) = chunk.lines().get(from).map(|l| l.number) {
            if Instant::now() >= self.deadline {
                return Err(self.timed_out(first));
            }
            let (state, arms, lines) = (
                Arc::clone(&self.state),
                Arc::clone(arms),
                Arc::clone(&chunk),
            );
            let trace = self.trace;
            let part = tokio::task::spawn_blocking(move || {
                decide_part(&state, &arms, &lines, from, trace)
            })
            .await
            .map_err(|e| Stop::Aborted {
                line: first,
                problem: Problem::internal(format!(
                    "internal error while deciding the batch (a bug; please report it): \
                             {e}"
                )),
            })?;
            if let Some(log) = &self.state.log {
                if !part.records.is_empty() {
                    log.append(part.records).await.map_err(|e| Stop::Aborted {
                        line: first,
                        problem: Problem::unavailable(format!(
                            "the decisions were not logged, so they are not given: {e}"
                        )),
                    })?;
                }
            }
            // A client that does not read its answer holds the batch here, until the request
            // timeout ends it.
            match tokio::time::timeout_at(
                self.deadline,
                self.pieces.send(Piece::Lines(part.answers.into())),
            )
            .await
            {
                Ok(Ok(())) => {}
                Ok(Err(_)) => return Err(Stop::Gone),
                Err(_) => return Err(self.timed_out(first)),
            }
            from = part.next;
        }
        // The blocking threads dropped their handles when they finished.
        Ok(Arc::try_unwrap(chunk).unwrap_or_default())
    }

    fn timed_out(&self, line: usize) -> Stop {
        Stop::Aborted {
            line,
            problem: Problem::new(
                StatusCode::REQUEST_TIMEOUT,
                "timeout",
                format!(
                    "the batch was not received and answered within the request timeout ({} s)",
                    self.state.limits.request_timeout.as_secs()
                ),
            ),
        }
    }
}

/// A part of a chunk decided: its answer lines, its log lines, and where the next part starts.
struct Part {
    answers: Vec<u8>,
    records: Lines,
    next: usize,
}

/// Decide the lines of `chunk` from index `from` until their answers reach a piece's size
/// (blocking: runs on a blocking thread).
fn decide_part(state: &AppState, arms: &Arms, chunk: &Chunk, from: usize, trace: bool) -> Part {
    let request = DecideRequest {
        trace,
        log: state.log.as_ref().map(|_| &state.masking),
        signals_fetch: None,
    };
    let mut part = Part {
        answers: Vec::with_capacity(ANSWER_PIECE_BYTES + ANSWER_PIECE_BYTES / 4),
        records: Lines::new(),
        next: from,
    };
    for line in chunk.lines().get(from..).unwrap_or_default() {
        part.next += 1;
        let answer = match line
            .text(chunk.buf())
            .and_then(|text| decide_line(state, arms, text, request))
        {
            Ok(mut made) => {
                if let Some(record) = made.record.take() {
                    part.records.append(record);
                }
                state.metrics.decided(&made);
                BatchLine {
                    line: line.number,
                    id: made.response.id.clone(),
                    decision: Some(made.response),
                    error: None,
                    aborted: None,
                }
            }
            Err(failure) => {
                match &failure {
                    LineFailure::TooLong { .. } => state
                        .metrics
                        .refused(&Problem::too_large(state.limits.max_line_bytes)),
                    LineFailure::NotUtf8 { .. } => {
                        state.metrics.refused(&Problem::malformed(String::new()));
                    }
                    // Counted by `decide_line`, by the problem the single route would give.
                    _ => {}
                }
                // A line that was an application but was refused echoes its id, as
                // `underwrite batch` does for the same line.
                let id = match (&failure, line.text(chunk.buf())) {
                    (LineFailure::Refused(_), Ok(text)) => refused_id(text),
                    _ => None,
                };
                BatchLine {
                    line: line.number,
                    id,
                    decision: None,
                    error: Some(LineError {
                        line: line.number,
                        message: failure.to_string(),
                    }),
                    aborted: None,
                }
            }
        };
        encode_into(&answer, &mut part.answers);
        part.answers.push(b'\n');
        if part.answers.len() >= ANSWER_PIECE_BYTES {
            break;
        }
    }
    part
}

/// The id of a line that was read as an application and then refused (the failure path only:
/// the same reader as the decision, read again rather than carried through every refusal).
fn refused_id(text: &str) -> Option<Box<RawValue>> {
    Application::from_json(text)
        .ok()
        .and_then(|app| app.id_raw().map(ToOwned::to_owned))
}

/// Decide one line's text with the batch's arms.
fn decide_line(
    state: &AppState,
    arms: &Arms,
    text: &str,
    request: DecideRequest<'_>,
) -> Result<Made, LineFailure> {
    line_outcome(&state.metrics, || decide(arms, text, request))
}

/// Run `work` (one line's decision); a refusal or a panic (a bug, caught) is the line's
/// failure, counted by the problem the single route would answer.
fn line_outcome(
    metrics: &Metrics,
    work: impl FnOnce() -> Result<Made, NotDecided>,
) -> Result<Made, LineFailure> {
    match panic::catch_unwind(AssertUnwindSafe(work)) {
        Ok(Ok(made)) => Ok(made),
        Ok(Err(refused)) => {
            metrics.refused(&Problem::of(&refused));
            Err(LineFailure::from(refused))
        }
        Err(payload) => {
            let detail = underwrite_core::panic::panic_detail(payload.as_ref());
            metrics.refused(&Problem::internal(String::new()));
            Err(LineFailure::Internal(detail))
        }
    }
}

/// One answer line's JSON (without its newline).
fn encode(line: &BatchLine) -> Vec<u8> {
    let mut out = Vec::new();
    encode_into(line, &mut out);
    out
}

/// `line` as JSON at the end of `out` (no copy through a buffer of its own).
fn encode_into(line: &BatchLine, out: &mut Vec<u8>) {
    // The answer types serialize to a `Vec` without fail (no map with non-string keys, no
    // failing `Serialize`); were one to fail, the line says so rather than vanish.
    let mark = out.len();
    if let Err(e) = serde_json::to_writer(&mut *out, line) {
        out.truncate(mark);
        out.extend_from_slice(
            format!(
                r#"{{"line":{n},"error":{{"line":{n},"message":"cannot encode the answer: {e}"}}}}"#,
                n = line.line,
                e = e.to_string().replace(['"', '\\'], "'")
            )
            .as_bytes(),
        );
    }
}

/// The answer's body: the pieces the batch's task sends, cut off (an error, so hyper ends the
/// connection without the last chunk) when the batch stopped before its end.
struct Answer {
    pieces: mpsc::Receiver<Piece>,
    /// The batch's share of the budget for unread answers, released with the body.
    _answers: OwnedSemaphorePermit,
    ending: Ending,
}

enum Ending {
    Open,
    /// The last line was handed over; the body is cut once the grace has passed.
    Aborting(Pin<Box<Sleep>>),
    Done,
}

/// The error that cuts a stopped batch's answer: its last line says why.
#[derive(Debug, thiserror::Error)]
#[error("the batch stopped before the end of its body (its last answer line says why)")]
struct Cut;

impl HttpBody for Answer {
    type Data = Bytes;
    type Error = Cut;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Cut>>> {
        let this = self.get_mut();
        match &mut this.ending {
            Ending::Done => return Poll::Ready(None),
            Ending::Aborting(grace) => {
                // Pending until then, so the connection (and a compressor) flushes the last
                // line before the cut.
                ready!(grace.as_mut().poll(cx));
                this.ending = Ending::Done;
                return Poll::Ready(Some(Err(Cut)));
            }
            Ending::Open => {}
        }
        match ready!(this.pieces.poll_recv(cx)) {
            Some(Piece::Lines(lines)) => Poll::Ready(Some(Ok(Frame::data(lines)))),
            Some(Piece::Aborted(last)) => {
                this.ending = Ending::Aborting(Box::pin(tokio::time::sleep(ABORT_GRACE)));
                Poll::Ready(Some(Ok(Frame::data(last))))
            }
            Some(Piece::Done) => {
                this.ending = Ending::Done;
                Poll::Ready(None)
            }
            // The task ended without a last word (it could not hand it over, or a bug).
            None => {
                this.ending = Ending::Done;
                Poll::Ready(Some(Err(Cut)))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        matches!(self.ending, Ending::Done)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A panic while deciding a line is that line's `LineFailure::Internal`, with its message,
    /// counted as the single route's 500.
    #[test]
    fn a_panic_deciding_a_line_is_that_line_s_internal_failure() {
        let metrics = Metrics::new();
        let failure = line_outcome(&metrics, || panic!("boom {}", 7)).expect_err("a failure");
        assert_eq!(failure, LineFailure::Internal("boom 7".into()));
        assert_eq!(
            failure.to_string(),
            "internal error while deciding this line; please report it (boom 7)"
        );
        let long = "é".repeat(500);
        let failure = line_outcome(&metrics, || panic!("{long}")).expect_err("a failure");
        assert_eq!(
            failure,
            LineFailure::Internal("é".repeat(underwrite_core::panic::MAX_PANIC_DETAIL_CHARS))
        );
        assert!(metrics
            .render()
            .lines()
            .any(|l| l == r#"underwrite_errors_total{kind="internal",status="500"} 2"#));
    }

    #[test]
    fn an_encoded_line_that_fails_still_says_which_line() {
        let line = BatchLine {
            line: 7,
            id: None,
            decision: None,
            error: Some(LineError {
                line: 7,
                message: "x".into(),
            }),
            aborted: None,
        };
        let text = String::from_utf8(encode(&line)).expect("utf-8");
        assert_eq!(text, r#"{"line":7,"error":{"line":7,"message":"x"}}"#);
    }
}
