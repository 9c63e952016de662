//! The JSON the routes read and write. These types are the service's contract (extend, never
//! break) and the source of `GET /openapi.json`'s schemas.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use underwrite_core::policy::Decision;

use crate::live::Arm;
use crate::request_schema::{
    ApplicationId, ConsentDoc, CountryCode, KycInput, PhoneNumber, SignalsPayload, TemplateId,
};

/// The body of `POST /v1/decisions`, and one line of `POST /v1/decisions/batch`: the same
/// application `underwrite batch` reads.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // Read by `underwrite_core::application`; this type describes it.
pub struct DecisionRequest {
    /// The application's id (a string of at most 256 characters or a number of at most 40),
    /// echoed back, logged, and hashed to choose the arm of a split.
    #[serde(default)]
    #[schemars(with = "ApplicationId")]
    pub id: Option<serde_json::Value>,
    /// The risk-signals payload exactly as the provider returned it (envelope or bare `data`).
    #[schemars(with = "SignalsPayload")]
    pub signals: serde_json::Map<String, serde_json::Value>,
    /// A KYC request (`submitted` / `authority`) to match, or a KYC result in the reference's
    /// shape.
    #[serde(default)]
    #[schemars(with = "KycInput")]
    pub kyc: Option<serde_json::Map<String, serde_json::Value>>,
}

/// A decision as the service answers it: the same object `underwrite decide` prints, plus the
/// decision's id, the request's hash and the arm that answered.
#[derive(Debug, Serialize, JsonSchema)]
pub struct DecisionResponse {
    /// The decision's id: a UUIDv7, so ids sort by time.
    pub decision_id: String,
    /// SHA-256 of the request body as received (of the line, in a batch), lower-case hex.
    pub input_sha256: String,
    /// The arm whose policy made this decision.
    pub arm: Arm,
    /// The application's id, when it had one.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "ApplicationId")]
    pub id: Option<Box<RawValue>>,
    /// The decision.
    #[serde(flatten)]
    pub decision: Decision,
}

/// One output line of `POST /v1/decisions/batch`, in input order.
#[derive(Debug, Serialize, JsonSchema)]
pub struct BatchLine {
    /// The 1-based input line (blank lines count, and give no output line).
    pub line: usize,
    /// The application's id, when it was read.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "ApplicationId")]
    pub id: Option<Box<RawValue>>,
    /// The decision, when one was made.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decision: Option<DecisionResponse>,
    /// Why this line has no decision.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<LineError>,
}

/// A batch line's failure: the message `underwrite batch` gives for it.
#[derive(Debug, Serialize, JsonSchema)]
pub struct LineError {
    /// The 1-based input line.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

/// `GET /v1/policy`: what is live, and how reloads went.
#[derive(Debug, Serialize, JsonSchema)]
pub struct PolicyStatus {
    /// The champion.
    pub champion: LivePolicy,
    /// The challenger, when one runs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub challenger: Option<LivePolicy>,
    /// `shadow` or `split`, when a challenger runs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
    /// The champion's share of applications in a split, 0 to 100.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub champion_percent: Option<u8>,
    /// Reloads so far.
    pub reloads: ReloadCounts,
}

/// One live policy.
#[derive(Debug, Serialize, JsonSchema)]
pub struct LivePolicy {
    /// The policy's name.
    pub name: String,
    /// The policy's version.
    pub version: String,
    /// SHA-256 of the policy file, lower-case hex: every decision names it.
    pub sha256: String,
    /// The file it was loaded from.
    pub path: String,
    /// When it was loaded (RFC 3339, UTC).
    pub loaded_at: String,
    /// Its own tests: all passed, or it would not be live.
    pub tests: TestCounts,
}

/// Policy test counts.
#[derive(Debug, Serialize, JsonSchema)]
pub struct TestCounts {
    /// Tests that passed.
    pub passed: usize,
    /// Tests that failed (0 for a live policy).
    pub failed: usize,
}

/// Reload history.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ReloadCounts {
    /// Reloads that replaced the live policies.
    pub succeeded: u64,
    /// Reloads refused.
    pub failed: u64,
    /// When the last reload was tried (RFC 3339, UTC).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_at: Option<String>,
    /// Why the last reload was refused; absent when it succeeded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
}

/// `POST /v1/admin/reload`'s answer when the new files are live (a refusal is a 409 problem).
#[derive(Debug, Serialize, JsonSchema)]
pub struct ReloadAnswer {
    /// Always `true`: the new files are live.
    pub replaced: bool,
    /// The champion's sha256 now live.
    pub sha256: String,
}

/// `GET /healthz` and `GET /readyz`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Health {
    /// `ok`, or `draining` while shutting down.
    pub status: String,
}

/// The body of `POST /v1/applications`: the applicant, their consent and their KYC request;
/// the service fetches the risk signals itself.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplicationRequest {
    /// The application's id (as in `POST /v1/decisions`): echoed back, logged, and hashed to
    /// choose the arm of a split.
    #[serde(default)]
    #[schemars(with = "ApplicationId")]
    pub id: Option<Box<RawValue>>,
    /// The applicant's mobile number: international (`+639171234567`), or national with
    /// `country` (or the service's default country); a number libphonenumber holds valid for
    /// its country (a 422 naming `phone` otherwise, before the provider is called).
    #[schemars(with = "PhoneNumber")]
    pub phone: String,
    /// The ISO 3166-1 alpha-2 country of a national `phone` (`PH`), any case.
    #[serde(default)]
    #[schemars(with = "CountryCode")]
    pub country: Option<String>,
    /// The applicant's consent, as the provider defines it: `consentedAt` (ISO 8601 UTC)
    /// always, and `consentTemplateId` or all of `type`, `version` and `consentedWith`.
    #[schemars(with = "ConsentDoc")]
    pub consent: serde_json::Value,
    /// The provider's signal template id (the service's default when absent).
    #[serde(default)]
    #[schemars(with = "TemplateId")]
    pub template_id: Option<String>,
    /// A KYC request (`submitted` / `authority`) to match, or a KYC result in the reference's
    /// shape.
    #[serde(default)]
    #[schemars(with = "KycInput")]
    pub kyc: Option<Box<RawValue>>,
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

/// `POST /v1/applications`' answer: the decision as `POST /v1/decisions` gives it, and how the
/// signals were fetched.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ApplicationResponse {
    /// The decision.
    #[serde(flatten)]
    pub decision: DecisionResponse,
    /// How the signals were fetched.
    pub signals: SignalsFetched,
}
