//! The JSON the routes read and write. These types are the service's contract (extend, never
//! break) and the source of `GET /openapi.json`'s schemas.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use underwrite_core::policy::Decision;
use underwrite_core::split::Arm;

use crate::problem::Problem;
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

/// One output line of `POST /v1/decisions/batch`, in input order: a decision, a line's error,
/// or (last, when the batch stopped before the body's end) why it stopped.
#[derive(Debug, Serialize, JsonSchema)]
pub struct BatchLine {
    /// The 1-based input line (blank lines count, and give no output line). On an `aborted`
    /// line: the first input line without an answer.
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
    /// Only on the last line of an answer cut short: why the batch stopped (the decision log
    /// failed, the body broke, passed its cap or its time), as a problem. `line` is the first
    /// input line without an answer: it and every later line have none (those decided and
    /// logged are in the log, not in the answer), and the answer's body ends without its last
    /// chunk, so an HTTP client reports it incomplete.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aborted: Option<Problem>,
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

/// The log's types the answers share: defined with the log line they are part of.
pub use underwrite_log::{CauseKind, FetchOutcomeKind, SignalsFetched};

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
