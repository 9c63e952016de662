//! What a fetch ends in: every outcome typed, with the provider's bytes when it sent any.

use std::fmt;
use std::time::Duration;

use bytes::Bytes;
use underwrite_signals::signals::{SignalStatus, UnavailableReason};

/// A signals payload as the provider sent it: a JSON document the `underwrite-signals` parser
/// accepted. Decide on [`Payload::as_str`] and log it: nothing was re-encoded, except that a
/// JSON string carrying a form of the API credentials was written again with the form
/// replaced by [`crate::REDACTED`] (see [`crate::Redactor`]).
#[derive(Clone, PartialEq, Eq)]
pub struct Payload {
    text: Bytes,
    status: SignalStatus,
}

impl Payload {
    /// Wrap bytes already checked as UTF-8 and parsed to `status`.
    pub(crate) fn new(text: Bytes, status: SignalStatus) -> Payload {
        Payload { text, status }
    }

    /// The bytes as received (redacted).
    pub fn bytes(&self) -> &Bytes {
        &self.text
    }

    /// The payload as text (it is UTF-8: it parsed as JSON).
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.text).unwrap_or_default()
    }

    /// The provider's `resultCode` for it.
    pub fn status(&self) -> SignalStatus {
        self.status
    }
}

impl fmt::Debug for Payload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Payload")
            .field("status", &self.status)
            .field("bytes", &self.text.len())
            .finish()
    }
}

/// The provider refused the request: sending it again would fail the same way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejected {
    /// The HTTP status (4xx; or 200 with an envelope `code` other than `OK`).
    pub status: u16,
    /// The envelope's `code`, when the answer had one (`UNAUTHORIZED`, `BAD_REQUEST`, ...).
    pub code: Option<String>,
    /// The provider's message (redacted, shortened, control characters escaped).
    pub message: String,
}

impl fmt::Display for Rejected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HTTP {}", self.status)?;
        if let Some(code) = &self.code {
            write!(f, " {code}")?;
        }
        if !self.message.is_empty() {
            write!(f, ": {}", self.message)?;
        }
        Ok(())
    }
}

/// Why the signals are unavailable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UnavailableCause {
    /// The provider answered `SYSTEM_ERROR` or `SERVICE_UNAVAILABLE` to every attempt.
    #[error("the provider answered {}{}", .result_code.as_str(), message_suffix(.message))]
    Provider {
        /// Its `resultCode`.
        result_code: UnavailableReason,
        /// Its `resultMessage`, if any.
        message: Option<String>,
    },
    /// HTTP 429 or 5xx to every attempt.
    #[error("the provider answered HTTP {status}{}", message_suffix(.message))]
    Status {
        /// The last HTTP status.
        status: u16,
        /// The provider's message, if any.
        message: Option<String>,
    },
    /// No connection could be made.
    #[error("could not connect to the provider: {error}")]
    Connect {
        /// The transport's description.
        error: String,
    },
    /// The request may have reached the provider, but no answer came: it is not sent again,
    /// because each POST is billed and a second one could be billed twice.
    #[error("the request was sent but no answer came ({error}); it is not sent again, as each POST is billed")]
    NoAnswer {
        /// What happened.
        error: String,
    },
    /// The answer was not a signals payload: wrong content type, malformed JSON, status
    /// `ERROR`, a redirect. Not sent again: the provider may have billed it.
    #[error("the provider's answer (HTTP {status}) is unusable: {problem}")]
    BadAnswer {
        /// The HTTP status.
        status: u16,
        /// What is wrong with it.
        problem: String,
    },
    /// The fetch's deadline passed.
    #[error("the deadline of {} passed{}{}", humantime::format_duration(*.deadline),
        .pending.as_deref().map(|id| format!(" with signal request {id} still PROCESSING")).unwrap_or_default(),
        .last.as_deref().map(|c| format!(" (last: {c})")).unwrap_or_default())]
    Deadline {
        /// The deadline.
        deadline: Duration,
        /// The id of the request still `PROCESSING`, if it got that far.
        pending: Option<String>,
        /// The last failure before it, if any.
        last: Option<Box<UnavailableCause>>,
    },
}

fn message_suffix(message: &Option<String>) -> String {
    message
        .as_deref()
        .filter(|m| !m.is_empty())
        .map(|m| format!(": {m}"))
        .unwrap_or_default()
}

impl UnavailableCause {
    /// A short, stable name for metrics and logs (`provider`, `status`, `connect`, `no_answer`,
    /// `bad_answer`, `deadline`).
    pub fn kind(&self) -> &'static str {
        match self {
            UnavailableCause::Provider { .. } => "provider",
            UnavailableCause::Status { .. } => "status",
            UnavailableCause::Connect { .. } => "connect",
            UnavailableCause::NoAnswer { .. } => "no_answer",
            UnavailableCause::BadAnswer { .. } => "bad_answer",
            UnavailableCause::Deadline { .. } => "deadline",
        }
    }
}

/// How a fetch ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FetchOutcome {
    /// `COMPLETED` / `SUCCESS`: the signals.
    Completed(Payload),
    /// `COMPLETED` / `NO_DATA`: a valid, empty result (a thin file).
    NoData(Payload),
    /// The signals could not be had. `payload` is the provider's last answer when it was a
    /// payload (`SYSTEM_ERROR`, `SERVICE_UNAVAILABLE`).
    Unavailable {
        /// Why.
        cause: UnavailableCause,
        /// The provider's payload saying so, if it sent one.
        payload: Option<Payload>,
    },
    /// The provider refused the request (4xx, with its message).
    Rejected(Rejected),
}

impl FetchOutcome {
    /// A short, stable name: `completed`, `no_data`, `unavailable`, `rejected`.
    pub fn kind(&self) -> &'static str {
        match self {
            FetchOutcome::Completed(_) => "completed",
            FetchOutcome::NoData(_) => "no_data",
            FetchOutcome::Unavailable { .. } => "unavailable",
            FetchOutcome::Rejected(_) => "rejected",
        }
    }

    /// The provider's payload, when it sent one.
    pub fn payload(&self) -> Option<&Payload> {
        match self {
            FetchOutcome::Completed(p) | FetchOutcome::NoData(p) => Some(p),
            FetchOutcome::Unavailable { payload, .. } => payload.as_ref(),
            FetchOutcome::Rejected(_) => None,
        }
    }
}

/// The result of [`crate::SignalsClient::fetch`]: the outcome and how it was reached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetch {
    /// How it ended.
    pub outcome: FetchOutcome,
    /// The signal request's id (`data.id`), once the provider gave one.
    pub signal_id: Option<String>,
    /// The provider's `requestId` of its last answer, for its support.
    pub request_id: Option<String>,
    /// POSTs tried, those that could not connect included.
    pub attempts: u32,
    /// POSTs that reached the provider, or may have (each one billable).
    pub posts: u32,
    /// GETs sent polling a pending request (free).
    pub polls: u32,
    /// Time from the start of the fetch to its end.
    pub elapsed: Duration,
}
