//! What one HTTP answer from the provider means: pure, so that it can be fuzzed and tested
//! without a network, and so that an answer received some other way (a webhook, a stored
//! body) is read exactly as the client reads it.
//!
//! The payload itself is read by the signals parser of `underwrite-signals`, the one every decision uses,
//! so the client never accepts a payload a decision would refuse.

use std::borrow::Cow;
use std::time::Duration;

use bytes::Bytes;
use serde::de::IgnoredAny;
use serde::Deserialize;
use underwrite_signals::signals::{self, SignalError};

use crate::outcome::{Payload, Rejected};
use crate::redact::Redactor;

/// A `Retry-After` longer than this is read as this: no fetch waits an hour anyway (its deadline
/// ends it first), and a huge value must not overflow a clock.
const MAX_RETRY_AFTER_SECS: u64 = 3600;

/// At most this many characters of a provider's message are kept.
const MESSAGE_CHARS: usize = 300;

/// What an answer means for the fetch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// A final result: `SUCCESS`, `NO_DATA`, or `SYSTEM_ERROR` / `SERVICE_UNAVAILABLE` (which
    /// is not billed, so the client may ask again).
    Done {
        /// The payload; its [`Payload::status`] says which.
        payload: Payload,
        /// The ids it carried.
        ids: Ids,
    },
    /// `PROCESSING`: ask again with `GET /signals/{id}`.
    Pending {
        /// The ids; `signal_id` is always there (an answer without one is [`Reply::Broken`]).
        ids: Ids,
    },
    /// HTTP 408, 429, 500 or 503, or an envelope `code` `SERVICE_UNAVAILABLE` / `SYSTEM_ERROR`:
    /// the provider did not process the request (nor bill it); it may be sent again.
    Retry {
        /// The HTTP status.
        status: u16,
        /// The provider's message, if any.
        message: Option<String>,
        /// How long the provider asked us to wait (`Retry-After` in seconds).
        retry_after: Option<Duration>,
    },
    /// The provider refused the request (4xx): sending it again would fail the same way.
    Refused(Rejected),
    /// A success status whose body is not a usable signals answer.
    Broken {
        /// The HTTP status.
        status: u16,
        /// What is wrong.
        problem: String,
    },
}

/// The ids an answer carries, and its `resultMessage`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ids {
    /// `data.id`: the signal request, for `GET /signals/{id}`.
    pub signal_id: Option<String>,
    /// The envelope's `requestId`.
    pub request_id: Option<String>,
    /// `data.resultMessage` (shortened, escaped), if any.
    pub result_message: Option<String>,
}

/// Read one answer: its HTTP status, `Content-Type` and `Retry-After` headers, and body.
///
/// Everything the answer says passes through `redactor` first (the body, JSON escapes
/// included, and the content type) and every text of the [`Reply`] once more at the end (what
/// escaping and shortening made of it): no form of the credentials is in anything it returns,
/// the payload's bytes included. A payload is otherwise the body as received.
///
/// ```
/// use underwrite_signals_client::{interpret, Credentials, Redactor, Reply};
/// let redactor = Redactor::new(&Credentials::new("key-1", "s3cret"));
/// let body = br#"{"code":"OK","requestId":"r1","data":{"id":"s1","status":"PROCESSING"}}"#;
/// let reply = interpret(200, Some("application/json"), None, body.to_vec().into(), &redactor);
/// assert!(matches!(reply, Reply::Pending { ids } if ids.signal_id.as_deref() == Some("s1")));
///
/// let body = br#"{"code":"UNAUTHORIZED","message":"denied for Basic a2V5LTE6czNjcmV0"}"#;
/// let reply = interpret(401, Some("application/json"), None, body.to_vec().into(), &redactor);
/// let Reply::Refused(refused) = reply else { unreachable!() };
/// assert_eq!(refused.message, "denied for Basic [redacted]");
/// ```
pub fn interpret(
    status: u16,
    content_type: Option<&str>,
    retry_after: Option<&str>,
    body: Bytes,
    redactor: &Redactor,
) -> Reply {
    let clean = match redactor.redact_json(&body) {
        Cow::Borrowed(_) => None,
        Cow::Owned(clean) => Some(clean),
    };
    let body = clean.map_or(body, Bytes::from);
    let content_type = content_type.map(|t| redactor.redact(t));
    read(status, content_type.as_deref(), retry_after, body).redacted(status, redactor)
}

/// [`interpret`] on an answer already redacted.
fn read(status: u16, content_type: Option<&str>, retry_after: Option<&str>, body: Bytes) -> Reply {
    match status {
        200..=299 => success(status, content_type, body),
        408 | 429 | 500 | 503 => Reply::Retry {
            status,
            message: provider_message(&body).1,
            retry_after: retry_after
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map(|secs| Duration::from_secs(secs.min(MAX_RETRY_AFTER_SECS))),
        },
        400..=499 => {
            let (code, message) = provider_message(&body);
            Reply::Refused(Rejected {
                status,
                code,
                message: message.unwrap_or_default(),
            })
        }
        // A gateway's answer: the provider behind it may have processed (and billed) the
        // request, so it is not sent again.
        501..=599 => Reply::Broken {
            status,
            problem: format!(
                "a gateway answered HTTP {status}{}; the request may have reached the provider, \
                 so it is not sent again",
                provider_message(&body)
                    .1
                    .map(|m| format!(" ({m})"))
                    .unwrap_or_default()
            ),
        },
        300..=399 => Reply::Broken {
            status,
            problem: "the provider redirected the request; set the base URL to the address it redirects to".into(),
        },
        _ => Reply::Broken {
            status,
            problem: "not an HTTP status a request can end with".into(),
        },
    }
}

fn success(status: u16, content_type: Option<&str>, body: Bytes) -> Reply {
    if !is_json(content_type) {
        return Reply::Broken {
            status,
            problem: format!(
                "the answer is {}, not JSON",
                content_type.map_or_else(|| "without a Content-Type".to_owned(), shorten)
            ),
        };
    }
    if std::str::from_utf8(&body).is_err() {
        return Reply::Broken {
            status,
            problem: "the answer is not UTF-8".into(),
        };
    }
    let ids = ids(&body);
    match signals::parse(&body).map(|p| p.status) {
        Ok(signal_status) => Reply::Done {
            payload: Payload::new(body, signal_status),
            ids,
        },
        Err(SignalError::NotReady) if ids.signal_id.is_some() => Reply::Pending { ids },
        Err(SignalError::NotReady) => Reply::Broken {
            status,
            problem: "the request is PROCESSING but the answer has no data.id to ask about it with"
                .into(),
        },
        Err(SignalError::Provider { code, message })
            if matches!(code.as_str(), "SERVICE_UNAVAILABLE" | "SYSTEM_ERROR") =>
        {
            Reply::Retry {
                status,
                message: Some(format!("{code}: {message}")),
                retry_after: None,
            }
        }
        // The parser shortens both and escapes the message, not the code: a code is shown too.
        Err(SignalError::Provider { code, message }) => Reply::Refused(Rejected {
            status,
            code: Some(shorten(&code)),
            message: shorten(&message),
        }),
        Err(e) => Reply::Broken {
            status,
            problem: e.to_string(),
        },
    }
}

impl Reply {
    /// Every text redacted once more, and an id that carries a credential dropped (a pending
    /// answer without its id cannot be followed: it is broken).
    fn redacted(self, status: u16, redactor: &Redactor) -> Reply {
        let text = |text: String| match redactor.redact(&text) {
            Cow::Borrowed(_) => text,
            Cow::Owned(clean) => clean,
        };
        match self {
            Reply::Done { payload, ids } => Reply::Done {
                payload,
                ids: ids.redacted(redactor),
            },
            Reply::Pending { ids } => {
                let ids = ids.redacted(redactor);
                if ids.signal_id.is_some() {
                    Reply::Pending { ids }
                } else {
                    Reply::Broken {
                        status,
                        problem: "the request is PROCESSING but its data.id is not usable".into(),
                    }
                }
            }
            Reply::Retry {
                status,
                message,
                retry_after,
            } => Reply::Retry {
                status,
                message: message.map(text),
                retry_after,
            },
            Reply::Refused(rejected) => Reply::Refused(Rejected {
                status: rejected.status,
                code: rejected.code.map(text),
                message: text(rejected.message),
            }),
            Reply::Broken { status, problem } => Reply::Broken {
                status,
                problem: text(problem),
            },
        }
    }
}

impl Ids {
    /// Ids that carry a credential dropped; the message redacted.
    fn redacted(self, redactor: &Redactor) -> Ids {
        let id = |id: Option<String>| id.filter(|id| !redactor.finds(id.as_bytes()));
        Ids {
            signal_id: id(self.signal_id),
            request_id: id(self.request_id),
            result_message: self
                .result_message
                .map(|m| redactor.redact(&m).into_owned()),
        }
    }
}

/// `application/json` or any `+json` type, parameters aside.
fn is_json(content_type: Option<&str>) -> bool {
    let Some(t) = content_type else { return false };
    let essence = t
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// The ids of an envelope (`requestId`, `data.id`) or of a bare `data` object (`id`).
fn ids(body: &[u8]) -> Ids {
    #[derive(Deserialize)]
    struct Top {
        #[serde(rename = "requestId")]
        request_id: Option<IdText>,
        data: Option<DataIds>,
        id: Option<IdText>,
        #[serde(rename = "resultMessage")]
        result_message: Option<IdText>,
        #[serde(flatten)]
        _rest: IgnoredMap,
    }
    #[derive(Deserialize)]
    struct DataIds {
        id: Option<IdText>,
        #[serde(rename = "resultMessage")]
        result_message: Option<IdText>,
        #[serde(flatten)]
        _rest: IgnoredMap,
    }
    type IgnoredMap = std::collections::BTreeMap<String, IgnoredAny>;
    match serde_json::from_slice::<Top>(body) {
        Ok(top) => {
            let (data_id, data_message) =
                top.data.map_or((None, None), |d| (d.id, d.result_message));
            Ids {
                signal_id: data_id.or(top.id).and_then(IdText::usable),
                request_id: top.request_id.and_then(IdText::usable),
                result_message: data_message.or(top.result_message).and_then(IdText::text),
            }
        }
        Err(_) => Ids::default(),
    }
}

/// An id as sent: a string, or anything else (ignored).
#[derive(Deserialize)]
#[serde(untagged)]
enum IdText {
    Text(String),
    Other(IgnoredAny),
}

impl IdText {
    /// A non-empty string, shortened and escaped for a message.
    fn text(self) -> Option<String> {
        match self {
            IdText::Text(s) if !s.trim().is_empty() => Some(shorten(&s)),
            _ => None,
        }
    }

    /// An id usable in a URL path segment and a log: 1..=128 characters of `[A-Za-z0-9._-]`.
    fn usable(self) -> Option<String> {
        match self {
            IdText::Text(s)
                if !s.is_empty()
                    && s.len() <= 128
                    && s.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.')) =>
            {
                Some(s)
            }
            _ => None,
        }
    }
}

/// The envelope's `code` and `message` of an error answer, or a short excerpt of a body that
/// is not JSON.
fn provider_message(body: &[u8]) -> (Option<String>, Option<String>) {
    #[derive(Deserialize)]
    struct ErrorBody {
        code: Option<IdText>,
        message: Option<IdText>,
    }
    // An object only: a derived reader would take `["UNAUTHORIZED", "…"]` by position.
    let read = underwrite_kyc::object::from_json(
        serde_json::Deserializer::from_slice(body),
        "an error answer (a JSON object)",
    );
    if let Ok::<ErrorBody, _>(e) = read {
        return (
            e.code.and_then(IdText::text),
            e.message.and_then(IdText::text),
        );
    }
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    (None, (!text.is_empty()).then(|| shorten(text)))
}

/// `text` with control characters escaped, cut to at most [`MESSAGE_CHARS`] characters (the
/// escapes counted) plus `…`.
fn shorten(text: &str) -> String {
    let mut out = String::new();
    let mut count = 0;
    for c in text.chars() {
        let piece: String = if c.is_control() {
            c.escape_default().collect()
        } else {
            c.to_string()
        };
        let len = piece.chars().count();
        if count + len > MESSAGE_CHARS {
            out.push('…');
            break;
        }
        count += len;
        out.push_str(&piece);
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::panic)]
    use super::*;
    use crate::config::Credentials;
    use underwrite_signals::signals::{SignalStatus, UnavailableReason};

    /// Credentials none of the answers below mention.
    fn redactor() -> Redactor {
        Redactor::new(&Credentials::new("test-key", "test-secret-0815"))
    }

    fn json(status: u16, body: &str) -> Reply {
        interpret(
            status,
            Some("application/json; charset=utf-8"),
            None,
            Bytes::copy_from_slice(body.as_bytes()),
            &redactor(),
        )
    }

    #[test]
    fn an_error_answer_is_read_as_an_object_never_by_position() {
        assert_eq!(
            provider_message(br#"{"code":"UNAUTHORIZED","message":"bad key"}"#),
            (Some("UNAUTHORIZED".into()), Some("bad key".into()))
        );
        // An array is not the envelope: shown as an excerpt of the body, not as code and message.
        let (code, message) = provider_message(br#"["UNAUTHORIZED","bad key"]"#);
        assert_eq!(code, None);
        assert_eq!(message.as_deref(), Some(r#"["UNAUTHORIZED","bad key"]"#));
    }

    #[test]
    fn completed_answers_carry_the_exact_bytes_and_ids() {
        let body = r#"{"code":"OK","message":"Success!","requestId":"r-1","data":{"id":"signal-1","status":"COMPLETED","resultCode":"SUCCESS","result":{"events_overdue_day30":1.50}}}"#;
        let Reply::Done { payload, ids } = json(200, body) else {
            panic!("not done")
        };
        assert_eq!(payload.as_str(), body);
        assert_eq!(payload.status(), SignalStatus::Success);
        assert_eq!(ids.signal_id.as_deref(), Some("signal-1"));
        assert_eq!(ids.request_id.as_deref(), Some("r-1"));
        let Reply::Done { payload, .. } =
            json(200, r#"{"status":"COMPLETED","resultCode":"SYSTEM_ERROR"}"#)
        else {
            panic!("not done")
        };
        assert_eq!(
            payload.status(),
            SignalStatus::Unavailable(UnavailableReason::SystemError)
        );
    }

    #[test]
    fn status_codes_decide_retry_or_refusal() {
        assert!(
            matches!(json(503, r#"{"code":"SERVICE_UNAVAILABLE","message":"busy"}"#),
            Reply::Retry { status: 503, message: Some(m), .. } if m == "busy")
        );
        let r = interpret(429, None, Some("2"), Bytes::new(), &redactor());
        assert_eq!(
            r,
            Reply::Retry {
                status: 429,
                message: None,
                retry_after: Some(Duration::from_secs(2))
            }
        );
        let huge = interpret(
            503,
            None,
            Some("18446744073709551615"),
            Bytes::new(),
            &redactor(),
        );
        assert!(
            matches!(huge, Reply::Retry { retry_after: Some(d), .. } if d == Duration::from_secs(3600))
        );
        let Reply::Refused(r) = json(
            401,
            r#"{"code":"UNAUTHORIZED","message":"Invalid API key or secret"}"#,
        ) else {
            panic!("not refused")
        };
        assert_eq!(
            r.to_string(),
            "HTTP 401 UNAUTHORIZED: Invalid API key or secret"
        );
        let Reply::Refused(r) = json(200, r#"{"code":"INVALID_PHONE","message":"bad"}"#) else {
            panic!("not refused")
        };
        assert_eq!((r.status, r.code.as_deref()), (200, Some("INVALID_PHONE")));
        // An envelope code is shown: its control characters are escaped.
        let Reply::Refused(r) = json(200, r#"{"code":"BAD\u007f","message":"x"}"#) else {
            panic!("not refused")
        };
        assert_eq!(r.code.as_deref(), Some("BAD\\u{7f}"));
        assert!(matches!(json(302, ""), Reply::Broken { status: 302, .. }));
        // A gateway's 502 / 504 may hide a billed answer: never retried.
        assert!(matches!(json(502, ""), Reply::Broken { status: 502, .. }));
        assert!(matches!(json(504, ""), Reply::Broken { status: 504, .. }));
        assert!(matches!(json(500, ""), Reply::Retry { status: 500, .. }));
        // A 200 whose envelope says the provider is down is not a refusal.
        assert!(matches!(
            json(
                200,
                r#"{"code":"SERVICE_UNAVAILABLE","message":"maintenance"}"#
            ),
            Reply::Retry { status: 200, .. }
        ));
    }

    #[test]
    fn unusable_success_answers_are_broken_not_retried() {
        let html = interpret(
            200,
            Some("text/html"),
            None,
            Bytes::from_static(b"<html>Gateway</html>"),
            &redactor(),
        );
        assert!(
            matches!(&html, Reply::Broken { problem, .. } if problem == "the answer is text/html, not JSON"),
            "{html:?}"
        );
        assert!(matches!(
            json(200, r#"{"code":"OK","data":{"#),
            Reply::Broken { .. }
        ));
        assert!(matches!(
            json(200, r#"{"code":"OK","data":{"status":"ERROR"}}"#),
            Reply::Broken { .. }
        ));
        // PROCESSING without an id cannot be followed.
        assert!(matches!(
            json(200, r#"{"code":"OK","data":{"status":"PROCESSING"}}"#),
            Reply::Broken { .. }
        ));
        // An id that is not a plain token is not put into a URL.
        assert!(matches!(
            json(
                200,
                r#"{"code":"OK","data":{"id":"../admin","status":"PROCESSING"}}"#
            ),
            Reply::Broken { .. }
        ));
    }

    #[test]
    fn messages_are_short_and_escaped() {
        let long = format!(r#"{{"code":"X","message":"{}\n"}}"#, "a".repeat(1000));
        let Reply::Refused(r) = json(400, &long) else {
            panic!("not refused")
        };
        assert_eq!(r.message.chars().count(), MESSAGE_CHARS + 1);
        // Escapes count: a body of NULs does not make a message five times the limit.
        let Reply::Retry { message, .. } = interpret(
            503,
            Some("text/plain"),
            None,
            Bytes::from(vec![0u8; 1000]),
            &redactor(),
        ) else {
            panic!()
        };
        assert!(message.unwrap().chars().count() <= MESSAGE_CHARS + 1);
        let Reply::Retry { message, .. } = interpret(
            503,
            Some("text/plain"),
            None,
            Bytes::from_static(b"bad\x1bgateway"),
            &redactor(),
        ) else {
            panic!()
        };
        assert_eq!(message.as_deref(), Some("bad\\u{1b}gateway"));
    }
}
