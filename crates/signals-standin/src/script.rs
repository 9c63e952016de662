//! What the stand-in is told to do: the credentials it accepts and the ways it misbehaves.
//!
//! [`Script`] is plain data; [`Script::check`] turns the parts that must be valid HTTP (the
//! failure status, the content type) into their typed form once, at start, so that answering a
//! request never fails on the script.

use std::time::Duration;

use axum::http::{HeaderValue, StatusCode};

/// How the stand-in behaves: the credentials it accepts and the failures it fakes.
///
/// Every switch is off in [`Script::default`], which makes a well-behaved provider accepting
/// key `standin-key` and secret `standin-secret`.
///
/// POSTs are numbered from 1 in arrival order, counting only those that passed authentication.
/// The first [`drop_first`](Script::drop_first) of them are dropped, the next
/// [`fail_first`](Script::fail_first) fail, and the rest are served; a dropped or failed POST
/// creates no signal request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Script {
    /// The API key a request must carry (`Authorization: Basic base64(key:secret)`).
    pub key: String,
    /// The API secret a request must carry.
    pub secret: String,
    /// Every answer (including refusals) is delayed this long after the request was read.
    pub delay: Duration,
    /// The first this many POSTs are answered with [`fail_status`](Script::fail_status) and a
    /// `SERVICE_UNAVAILABLE` error body.
    pub fail_first: u32,
    /// The HTTP status of the failed POSTs (503 by default; 429, 500, 502 ... also make sense).
    pub fail_status: u16,
    /// When set, the failed POSTs carry `Retry-After` with this many seconds.
    pub retry_after: Option<u32>,
    /// The first this many answers about each new signal request (its POST's answer is the
    /// first) say `PROCESSING`; later ones say `COMPLETED` with the payload.
    pub processing_first: u32,
    /// When set, every new signal request completes with this `resultCode` (`SYSTEM_ERROR`,
    /// `SERVICE_UNAVAILABLE`, `NO_DATA`, ...) and no signals.
    pub result_code: Option<String>,
    /// Successful answers (HTTP 200) carry truncated JSON.
    pub malformed: bool,
    /// When set, successful answers (HTTP 200) carry this content type and an HTML body, as
    /// from a misconfigured proxy. Wins over [`malformed`](Script::malformed).
    pub content_type: Option<String>,
    /// Every request is refused with 401, whatever its credentials.
    pub reject_auth: bool,
    /// The first this many POSTs are read in full and then their connection is closed without
    /// an answer: the request reached the provider, the answer was lost.
    pub drop_first: u32,
    /// Every message the stand-in writes quotes the credentials, as a careless provider or a
    /// gateway in front of it might: a 401's message the `Authorization` header it received
    /// (`denied for Basic …`), the failed POSTs' message and every `resultMessage` the key and
    /// secret in the forms [`credential_forms`](crate::credential_forms) lists. For testing that
    /// a client shows none of them.
    pub echo_credentials: bool,
}

impl Default for Script {
    fn default() -> Self {
        Script {
            key: "standin-key".to_owned(),
            secret: "standin-secret".to_owned(),
            delay: Duration::ZERO,
            fail_first: 0,
            fail_status: 503,
            retry_after: None,
            processing_first: 0,
            result_code: None,
            malformed: false,
            content_type: None,
            reject_auth: false,
            drop_first: 0,
            echo_credentials: false,
        }
    }
}

/// A script value that cannot be used.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ScriptError {
    /// `fail_status` is not an HTTP status code.
    #[error("fail_status {0} is not an HTTP status code (100 to 999)")]
    FailStatus(u16),
    /// `content_type` cannot be sent as a header value.
    #[error("content_type {0:?} is not a valid header value")]
    ContentType(String),
}

/// What happens to the n-th authenticated POST.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PostFate {
    /// Read it, then close the connection without answering.
    Drop,
    /// Answer with the scripted failure status.
    Fail,
    /// Answer as the provider would.
    Serve,
}

/// How a successful answer is spoiled on its way back, if at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Garble {
    /// Sent as it is.
    None,
    /// Cut short.
    Truncate,
    /// Replaced by an HTML page with this content type.
    Html(HeaderValue),
}

/// The parts of a [`Script`] the server uses, in their typed form.
#[derive(Debug, Clone)]
pub(crate) struct Checked {
    /// The script itself.
    pub script: Script,
    /// `fail_status` as a status code.
    pub fail_status: StatusCode,
    /// What happens to successful answers.
    pub garble: Garble,
}

impl Script {
    /// Check the parts that must be valid HTTP.
    pub(crate) fn check(self) -> Result<Checked, ScriptError> {
        let fail_status = StatusCode::from_u16(self.fail_status)
            .map_err(|_| ScriptError::FailStatus(self.fail_status))?;
        let garble = match (&self.content_type, self.malformed) {
            (Some(content_type), _) => Garble::Html(
                HeaderValue::from_str(content_type)
                    .map_err(|_| ScriptError::ContentType(content_type.clone()))?,
            ),
            (None, true) => Garble::Truncate,
            (None, false) => Garble::None,
        };
        Ok(Checked {
            script: self,
            fail_status,
            garble,
        })
    }

    /// What happens to the authenticated POST number `ordinal` (counted from 1).
    pub(crate) fn fate(&self, ordinal: u32) -> PostFate {
        if ordinal <= self.drop_first {
            PostFate::Drop
        } else if ordinal <= self.drop_first.saturating_add(self.fail_first) {
            PostFate::Fail
        } else {
            PostFate::Serve
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drops_come_before_failures() {
        let script = Script {
            drop_first: 1,
            fail_first: 2,
            ..Script::default()
        };
        let fates: Vec<PostFate> = (1..=4).map(|n| script.fate(n)).collect();
        assert_eq!(
            fates,
            [
                PostFate::Drop,
                PostFate::Fail,
                PostFate::Fail,
                PostFate::Serve
            ]
        );
        assert_eq!(Script::default().fate(1), PostFate::Serve);
    }

    #[test]
    fn check_rejects_what_http_cannot_carry() {
        let bad_status = Script {
            fail_status: 42,
            ..Script::default()
        };
        assert!(matches!(
            bad_status.check(),
            Err(ScriptError::FailStatus(42))
        ));
        let bad_type = Script {
            content_type: Some("text/html\nX: y".to_owned()),
            ..Script::default()
        };
        assert!(matches!(bad_type.check(), Err(ScriptError::ContentType(_))));
        let both = Script {
            content_type: Some("text/html".to_owned()),
            malformed: true,
            ..Script::default()
        };
        assert!(matches!(
            both.check().map(|c| c.garble),
            Ok(Garble::Html(_))
        ));
    }
}
