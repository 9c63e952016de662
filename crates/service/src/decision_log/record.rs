//! One line of the decision log: format version 1.
//!
//! The line holds what re-deciding needs and no more: the signals payload as the client sent
//! it (with the applicant's phone masked), the KYC **result** (codes and per-field outcomes, no
//! submitted names or dates of birth), and what was decided, by which policy sha and arm.
//! Readers must check `v`; fields are only ever added.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use underwrite_core::policy::{Outcome, PolicyId, Reason};
use underwrite_kyc::KycResult;

use crate::api::SignalsFetched;
use crate::live::Arm;

/// The log line format's version, the `v` of every line.
pub const LOG_FORMAT_VERSION: u32 = 1;

/// One logged decision.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Record {
    /// The format version ([`LOG_FORMAT_VERSION`]).
    pub v: u32,
    /// The decision's id (UUIDv7, time-ordered), as answered to the client.
    pub decision_id: String,
    /// When the decision was made (RFC 3339, UTC).
    pub time: String,
    /// The policy that made the answered decision.
    pub policy: Arc<PolicyId>,
    /// The arm that answered.
    pub arm: Arm,
    /// The application's id, when it had one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<Box<RawValue>>,
    /// SHA-256 of the request body (of the line, for a batch), as answered to the client.
    pub input_sha256: String,
    /// The signals payload as sent, with the phone masked.
    pub signals: Box<RawValue>,
    /// The KYC result the decision read, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
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
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shadow: Option<ShadowDecision>,
    /// How the signals were fetched, for `POST /v1/applications` (added to format 1: readers
    /// that do not know it skip it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
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
