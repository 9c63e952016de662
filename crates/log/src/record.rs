//! One line of the decision log, format version 1, as a reader gets it back, and the types a
//! line shares with the service's answers (`Arm`, `SignalsFetched`).
//!
//! The line holds what re-deciding needs and no more: the signals payload (compact, with the
//! applicant's phone masked), the KYC **result** (codes and per-field outcomes, no submitted
//! names or dates of birth), and what was decided, by which policy sha and arm. Readers must
//! check `v`; fields are only ever added. Lines are written by [`crate::line`], never by
//! serializing a [`Record`].

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use underwrite_core::policy::{Outcome, PolicyId, Reason};
use underwrite_kyc::KycResult;

/// The log line format's version, the `v` of every line.
pub const LOG_FORMAT_VERSION: u32 = 1;

/// Which arm made (or answered) a decision: the one champion/challenger `Arm` of
/// `underwrite_core::split`, so a logged arm and a routed arm are one type.
pub use underwrite_core::split::Arm;

/// One logged decision, as read back.
#[derive(Debug, Clone, Deserialize)]
pub struct Record {
    /// The format version ([`LOG_FORMAT_VERSION`]).
    pub v: u32,
    /// The decision's id (UUIDv7, time-ordered), as answered to the client.
    pub decision_id: String,
    /// When the decision was made (RFC 3339, UTC).
    pub time: String,
    /// The policy that made the answered decision.
    pub policy: PolicyId,
    /// The arm that answered.
    pub arm: Arm,
    /// The application's id, when it had one.
    #[serde(default)]
    pub id: Option<Box<RawValue>>,
    /// SHA-256 of the request body (of the line, for a batch), as answered to the client.
    pub input_sha256: String,
    /// The signals payload, compact, with the phone masked.
    pub signals: Box<RawValue>,
    /// The KYC result the decision read, if any.
    #[serde(default)]
    pub kyc: Option<KycResult>,
    /// approve / review / reject.
    pub decision: Outcome,
    /// The score, when the scorecard ran.
    #[serde(default)]
    pub score: Option<i64>,
    /// The reasons, in order.
    pub reasons: Vec<Reason>,
    /// Microseconds from the body being read to the decision being made (the log write
    /// excluded).
    pub latency_us: u64,
    /// The challenger's decision in shadow mode.
    #[serde(default)]
    pub shadow: Option<ShadowDecision>,
    /// How the signals were fetched, for `POST /v1/applications` (added to format 1: readers
    /// that do not know it skip it).
    #[serde(default)]
    pub signals_fetch: Option<SignalsFetched>,
}

/// What the shadow challenger decided.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShadowDecision {
    /// The challenger policy.
    pub policy: PolicyId,
    /// Its outcome, or `None` when it could not decide (see `error`).
    #[serde(default)]
    pub decision: Option<Outcome>,
    /// Its score.
    #[serde(default)]
    pub score: Option<i64>,
    /// Its reasons.
    #[serde(default)]
    pub reasons: Vec<Reason>,
    /// Why it could not decide.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// How a fetch of signals ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FetchOutcomeKind {
    /// The provider completed the request with signals.
    Completed,
    /// The provider completed the request: no data for this phone (a thin file).
    NoData,
    /// No signals could be had; the policy's `signals_unavailable` fallback decided.
    Unavailable,
    /// The provider refused the request (HTTP 4xx); the fallback decided.
    Rejected,
}

/// Why signals could not be had: a stable name for dashboards and alerts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CauseKind {
    /// The provider answered `SYSTEM_ERROR` or `SERVICE_UNAVAILABLE` to every attempt.
    Provider,
    /// HTTP 408, 429, 500 or 503 to every attempt.
    Status,
    /// No connection could be made.
    Connect,
    /// A POST got no answer; not sent again (it may have been billed).
    NoAnswer,
    /// An answer that is not a signals payload (HTML, malformed JSON, a gateway's 502 / 504,
    /// status `ERROR`, over the size cap).
    BadAnswer,
    /// The deadline passed.
    Deadline,
    /// The provider refused our credentials (HTTP 401 / 403): a configuration problem.
    RejectedAuth,
    /// The provider refused the request (another 4xx).
    RejectedRequest,
    /// The provider's payload failed the core's checks.
    RefusedPayload,
}

impl CauseKind {
    /// The snake_case name (as in JSON and the metrics' `cause` label).
    pub fn as_str(self) -> &'static str {
        match self {
            CauseKind::Provider => "provider",
            CauseKind::Status => "status",
            CauseKind::Connect => "connect",
            CauseKind::NoAnswer => "no_answer",
            CauseKind::BadAnswer => "bad_answer",
            CauseKind::Deadline => "deadline",
            CauseKind::RejectedAuth => "rejected_auth",
            CauseKind::RejectedRequest => "rejected_request",
            CauseKind::RefusedPayload => "refused_payload",
        }
    }
}

/// How the signals were fetched for an application: in its answer and its log line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct SignalsFetched {
    /// How the fetch ended.
    pub outcome: FetchOutcomeKind,
    /// The provider's id of the signal request (`data.id`), once it gave one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signal_id: Option<String>,
    /// The provider's `requestId` of its last answer, for its support.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// Why the signals were not had, when they were not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cause: Option<String>,
    /// A stable name for the cause.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cause_kind: Option<CauseKind>,
    /// `true` when no usable payload came and the decision rests on a payload underwrite wrote
    /// (`resultCode` `SERVICE_UNAVAILABLE`, the cause as `resultMessage`), so the policy's
    /// `signals_unavailable` fallback decided.
    pub synthesized: bool,
    /// POSTs tried, those that could not connect included.
    pub attempts: u32,
    /// POSTs that reached the provider, or may have (each one billable).
    pub posts: u32,
    /// Polls of a `PROCESSING` request.
    pub polls: u32,
    /// Time spent fetching, in milliseconds.
    pub elapsed_ms: u64,
}
