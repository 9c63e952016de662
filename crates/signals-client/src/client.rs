//! The fetch: POST, retry what certainly did not complete, poll what is pending, all within
//! one deadline.

use std::time::Duration;

use backon::{BackoffBuilder, ExponentialBuilder};
use bytes::{Bytes, BytesMut};
use reqwest::header::{HeaderValue, CONTENT_TYPE, RETRY_AFTER};
use reqwest::{Method, Url};
use tokio::time::{sleep, timeout, timeout_at, Instant};
use underwrite_signals::signals::SignalStatus;

use crate::config::{ClientConfig, ConfigError, RetryPolicy};
use crate::outcome::{Fetch, FetchOutcome, Payload, UnavailableCause};
use crate::redact::Redactor;
use crate::reply::{interpret, Ids, Reply};
use crate::request::SignalsRequest;

/// A client for the signals API. Cheap to clone (the connection pool is shared); build one per
/// process and share it.
#[derive(Debug, Clone)]
pub struct SignalsClient {
    http: reqwest::Client,
    config: std::sync::Arc<ClientConfig>,
    signals_url: Url,
    /// Every text about an answer passes through it before it leaves the client.
    redactor: Redactor,
}

/// One HTTP answer, read to the end (within the size cap).
struct Answer {
    status: u16,
    content_type: Option<String>,
    retry_after: Option<String>,
    body: Bytes,
}

/// A request that got no answer.
enum Transport {
    /// No connection: the request was certainly not sent.
    Connect(String),
    /// The answer's body was over the cap.
    TooLarge { status: u16, limit: usize },
    /// Anything after the connection was made: the request may have arrived.
    Lost(String),
}

/// How the POST phase left off, for the outcome when it gives up.
struct Last {
    cause: UnavailableCause,
    payload: Option<Payload>,
}

impl SignalsClient {
    /// A client for `config` (checked with [`ClientConfig::validate`]).
    pub fn new(config: ClientConfig) -> Result<SignalsClient, ConfigError> {
        config.validate()?;
        let http = reqwest::Client::builder()
            .connect_timeout(config.deadlines.connect)
            .redirect(reqwest::redirect::Policy::none())
            // Below the idle timeouts of common load balancers (60 s and up), so a pooled
            // connection is dropped here before the far side closes it under a request (which
            // would be a POST that may have arrived: not re-sent).
            .pool_idle_timeout(Duration::from_secs(20))
            .tcp_nodelay(true)
            .user_agent(concat!("underwrite/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ConfigError::Http(error_chain(&e)))?;
        let signals_url = format!(
            "{}/{}/signals",
            config.base_url.as_str().trim_end_matches('/'),
            config.api.as_str()
        );
        let signals_url = Url::parse(&signals_url).map_err(|e| ConfigError::BaseUrl {
            name: "base_url",
            value: config.base_url.to_string(),
            reason: e.to_string(),
        })?;
        Ok(SignalsClient {
            http,
            redactor: Redactor::new(&config.credentials),
            config: std::sync::Arc::new(config),
            signals_url,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// Request `request`'s signals and wait for the result, within the total deadline.
    ///
    /// A POST is sent again only when it certainly did not complete: no connection, HTTP 408,
    /// 429 or 5xx, or a `SYSTEM_ERROR` / `SERVICE_UNAVAILABLE` result (none is billed). A POST
    /// that may have reached the provider and got no usable answer is never sent again; a
    /// `PROCESSING` result is polled with `GET /signals/{id}` until it completes or the
    /// deadline passes. Never fails: every end is a [`FetchOutcome`].
    pub async fn fetch(&self, request: &SignalsRequest) -> Fetch {
        let started = Instant::now();
        let mut run = Run {
            deadline: started + self.config.deadlines.total,
            attempts: 0,
            posts: 0,
            polls: 0,
            ids: Ids::default(),
        };
        let request = request.with_default_template(self.config.default_template.as_deref());
        let body = Bytes::from(serde_json::to_vec(&request).unwrap_or_default());
        let outcome = self.post_phase(&mut run, body).await;
        Fetch {
            outcome,
            signal_id: run.ids.signal_id,
            request_id: run.ids.request_id,
            attempts: run.attempts,
            posts: run.posts,
            polls: run.polls,
            elapsed: started.elapsed(),
        }
    }

    async fn post_phase(&self, run: &mut Run, body: Bytes) -> FetchOutcome {
        let retry = self.config.retry;
        let mut delays = backoff(retry);
        loop {
            run.attempts += 1;
            run.posts += 1;
            let sent = self.send(Method::POST, &self.signals_url, Some(body.clone()));
            let (last, asked_wait) = match timeout_at(run.deadline, sent).await {
                Err(_) => {
                    return self.deadline(
                        None,
                        Some(UnavailableCause::NoAnswer {
                            error: "the POST had no answer by the deadline".into(),
                        }),
                    )
                }
                Ok(Err(Transport::Connect(error))) => {
                    // Never sent: not a POST the provider saw.
                    run.posts -= 1;
                    (
                        Last {
                            cause: UnavailableCause::Connect { error },
                            payload: None,
                        },
                        None,
                    )
                }
                Ok(Err(Transport::TooLarge { status, limit })) => return too_large(status, limit),
                Ok(Err(Transport::Lost(error))) => {
                    return unavailable(UnavailableCause::NoAnswer { error })
                }
                Ok(Ok(answer)) => {
                    match interpret(
                        answer.status,
                        answer.content_type.as_deref(),
                        answer.retry_after.as_deref(),
                        answer.body,
                        &self.redactor,
                    ) {
                        Reply::Done { payload, ids } => {
                            let message = ids.result_message.clone();
                            run.ids.absorb(ids);
                            match final_outcome(payload, message) {
                                Ok(outcome) => return outcome,
                                Err(last) => (last, None),
                            }
                        }
                        Reply::Pending { ids } => {
                            run.ids.absorb(ids);
                            return self.poll_phase(run).await;
                        }
                        Reply::Retry {
                            status,
                            message,
                            retry_after,
                        } => (
                            Last {
                                cause: UnavailableCause::Status { status, message },
                                payload: None,
                            },
                            retry_after,
                        ),
                        Reply::Refused(rejected) => return FetchOutcome::Rejected(rejected),
                        Reply::Broken { status, problem } => {
                            return unavailable(UnavailableCause::BadAnswer { status, problem })
                        }
                    }
                }
            };
            tracing::debug!(attempts = run.attempts, cause = %last.cause, "signals POST failed");
            if run.attempts >= retry.max_posts {
                return FetchOutcome::Unavailable {
                    cause: last.cause,
                    payload: last.payload,
                };
            }
            let backoff = delays.next().unwrap_or(retry.max_delay);
            let wait = asked_wait.map_or(backoff, |asked| asked.max(backoff));
            if ends_after(wait, run.deadline) {
                return FetchOutcome::Unavailable {
                    cause: self.deadline_cause(None, Some(last.cause)),
                    payload: last.payload,
                };
            }
            sleep(wait).await;
        }
    }

    async fn poll_phase(&self, run: &mut Run) -> FetchOutcome {
        let Some(id) = run.ids.signal_id.clone() else {
            return unavailable(UnavailableCause::BadAnswer {
                status: 200,
                problem: "PROCESSING without an id".into(),
            });
        };
        let mut url = self.signals_url.clone();
        if let Ok(mut segments) = url.path_segments_mut() {
            segments.push(&id);
        }
        let poll = self.config.poll;
        let mut wait = poll.first_interval;
        let mut last = None;
        loop {
            if ends_after(wait, run.deadline) {
                return self.deadline(Some(id), last);
            }
            sleep(wait).await;
            wait = (wait * 3 / 2).min(poll.max_interval);
            run.polls += 1;
            let limit = self
                .config
                .deadlines
                .poll_request
                .min(run.deadline.saturating_duration_since(Instant::now()));
            match timeout(limit, self.send(Method::GET, &url, None)).await {
                Err(_) => {
                    last = Some(UnavailableCause::NoAnswer {
                        error: format!(
                            "a poll had no answer within {}",
                            humantime::format_duration(limit)
                        ),
                    })
                }
                Ok(Err(Transport::Connect(error))) => {
                    last = Some(UnavailableCause::Connect { error })
                }
                Ok(Err(Transport::Lost(error))) => {
                    last = Some(UnavailableCause::NoAnswer { error })
                }
                Ok(Err(Transport::TooLarge { status, limit })) => return too_large(status, limit),
                Ok(Ok(answer)) => match interpret(
                    answer.status,
                    answer.content_type.as_deref(),
                    answer.retry_after.as_deref(),
                    answer.body,
                    &self.redactor,
                ) {
                    Reply::Done { payload, ids } => {
                        let message = ids.result_message.clone();
                        run.ids.absorb(ids);
                        return final_outcome(payload, message).unwrap_or_else(|last| {
                            FetchOutcome::Unavailable {
                                cause: last.cause,
                                payload: last.payload,
                            }
                        });
                    }
                    Reply::Pending { ids } => {
                        run.ids.absorb(ids);
                        last = None;
                    }
                    Reply::Retry {
                        status,
                        message,
                        retry_after,
                    } => {
                        last = Some(UnavailableCause::Status { status, message });
                        if let Some(asked) = retry_after {
                            wait = wait.max(asked);
                        }
                    }
                    Reply::Refused(rejected) => return FetchOutcome::Rejected(rejected),
                    Reply::Broken { status, problem } => {
                        return unavailable(UnavailableCause::BadAnswer { status, problem })
                    }
                },
            }
            if let Some(cause) = &last {
                tracing::debug!(polls = run.polls, %cause, "signals poll failed");
            }
        }
    }

    fn deadline(&self, pending: Option<String>, last: Option<UnavailableCause>) -> FetchOutcome {
        unavailable(self.deadline_cause(pending, last))
    }

    fn deadline_cause(
        &self,
        pending: Option<String>,
        last: Option<UnavailableCause>,
    ) -> UnavailableCause {
        UnavailableCause::Deadline {
            deadline: self.config.deadlines.total,
            pending,
            last: last.map(Box::new),
        }
    }

    /// A transport error's text, redacted: it can quote what the far side sent.
    fn error_text(&self, error: &reqwest::Error) -> String {
        self.redactor.redact(&error_chain(error)).into_owned()
    }

    /// Send one request and read its answer to the end, within the size cap.
    async fn send(
        &self,
        method: Method,
        url: &Url,
        body: Option<Bytes>,
    ) -> Result<Answer, Transport> {
        let credentials = &self.config.credentials;
        let mut request = self
            .http
            .request(method, url.clone())
            .basic_auth(credentials.key(), Some(credentials.secret()));
        if let Some(body) = body {
            request = request
                .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
                .body(body);
        }
        let mut response = request.send().await.map_err(|e| {
            if e.is_connect() {
                Transport::Connect(self.error_text(&e))
            } else {
                Transport::Lost(self.error_text(&e))
            }
        })?;
        let status = response.status().as_u16();
        let header = |name| {
            response
                .headers()
                .get(name)
                .and_then(|v: &HeaderValue| v.to_str().ok())
                .map(str::to_owned)
        };
        let content_type = header(CONTENT_TYPE);
        let retry_after = header(RETRY_AFTER);
        let limit = self.config.max_response_bytes;
        if response.content_length().is_some_and(|n| n > limit as u64) {
            return Err(Transport::TooLarge { status, limit });
        }
        let mut body = BytesMut::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| Transport::Lost(self.error_text(&e)))?
        {
            if body.len() + chunk.len() > limit {
                return Err(Transport::TooLarge { status, limit });
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Answer {
            status,
            content_type,
            retry_after,
            body: body.freeze(),
        })
    }
}

/// What a fetch has learnt so far.
struct Run {
    deadline: Instant,
    attempts: u32,
    posts: u32,
    polls: u32,
    ids: Ids,
}

impl Ids {
    /// Keep the newest of each id.
    fn absorb(&mut self, newer: Ids) {
        if newer.signal_id.is_some() {
            self.signal_id = newer.signal_id;
        }
        if newer.request_id.is_some() {
            self.request_id = newer.request_id;
        }
        self.result_message = newer.result_message;
    }
}

/// The waits between POSTs: exponential (factor 2) from `min_delay`, capped at `max_delay`,
/// each plus a random jitter of up to itself (backon).
fn backoff(retry: RetryPolicy) -> impl Iterator<Item = Duration> {
    ExponentialBuilder::default()
        .with_min_delay(retry.min_delay)
        .with_max_delay(retry.max_delay)
        .with_factor(2.0)
        .with_jitter()
        .without_max_times()
        .build()
}

/// A completed payload's outcome, or, for `SYSTEM_ERROR` / `SERVICE_UNAVAILABLE`, what to give
/// up with if no later attempt does better.
fn final_outcome(payload: Payload, message: Option<String>) -> Result<FetchOutcome, Last> {
    match payload.status() {
        SignalStatus::Success => Ok(FetchOutcome::Completed(payload)),
        SignalStatus::NoData => Ok(FetchOutcome::NoData(payload)),
        SignalStatus::Unavailable(result_code) => Err(Last {
            cause: UnavailableCause::Provider {
                result_code,
                message,
            },
            payload: Some(payload),
        }),
    }
}

/// Whether a wait of `wait` from now would end at or past `deadline` (an overflowing clock
/// counts as past).
fn ends_after(wait: Duration, deadline: Instant) -> bool {
    Instant::now()
        .checked_add(wait)
        .is_none_or(|end| end >= deadline)
}

fn unavailable(cause: UnavailableCause) -> FetchOutcome {
    FetchOutcome::Unavailable {
        cause,
        payload: None,
    }
}

fn too_large(status: u16, limit: usize) -> FetchOutcome {
    unavailable(UnavailableCause::BadAnswer {
        status,
        problem: format!("the answer is larger than {limit} bytes"),
    })
}

/// An error and its sources, `": "`-separated: reqwest's own message is only "error sending
/// request"; the cause (connection refused, TLS, ...) is in the chain.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(e) = source {
        let next = e.to_string();
        if !text.contains(&next) {
            text.push_str(": ");
            text.push_str(&next);
        }
        source = e.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_the_minimum_with_jitter_up_to_itself_and_is_capped() {
        let retry = RetryPolicy {
            max_posts: 10,
            min_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(1000),
        };
        let mut jittered = 0;
        for _ in 0..500 {
            for (n, wait) in backoff(retry).take(8).enumerate() {
                let base = (retry.min_delay * 2u32.pow(n as u32)).min(retry.max_delay);
                assert!(
                    wait >= base && wait < base * 2,
                    "wait {n}: {wait:?} against {base:?}"
                );
                jittered += usize::from(wait != base);
            }
        }
        assert!(jittered > 3_000, "jitter is applied ({jittered} of 4,000)");
    }
}
