//! What a decision is: outcome, score, reasons, the policy it came from, and its trace.

use std::fmt;
use std::sync::Arc;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::features::FeatureValue;
use crate::signals::SignalStatus;

/// The three outcomes, ordered by severity: `Approve < Review < Reject`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Grant the credit.
    Approve,
    /// Send to a human.
    Review,
    /// Decline.
    Reject,
}

impl Outcome {
    /// The lower-case name (`"approve"`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Approve => "approve",
            Outcome::Review => "review",
            Outcome::Reject => "reject",
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A reason given for a decision.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub struct Reason {
    /// Stable code.
    pub code: String,
    /// Human-readable text.
    pub text: String,
}

/// Which policy made a decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PolicyId {
    /// Policy name.
    pub name: String,
    /// Policy version.
    pub version: String,
    /// SHA-256 of the policy file bytes, lower-case hex.
    pub hash: String,
}

/// One evaluated rule, bin or derived feature, with the inputs it read.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct TraceEntry {
    /// What was evaluated: `knockout`, `bin`, `derived`, `fallback`.
    pub kind: TraceKind,
    /// Rule id, `characteristic#bin` for bins, or the derived feature's name.
    pub id: String,
    /// The result: `true`/`false` for conditions, the value for derived features.
    pub result: FeatureValue,
    /// Feature (or `kyc.*`) values the expression read, by the name the policy uses
    /// (serialized as a JSON object in reading order).
    #[serde(serialize_with = "serialize_reads")]
    #[schemars(with = "std::collections::BTreeMap<String, FeatureValue>")]
    pub read: Vec<(String, FeatureValue)>,
}

fn serialize_reads<S: serde::Serializer>(
    reads: &[(String, FeatureValue)],
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.collect_map(reads.iter().map(|(k, v)| (k, PlainText(v))))
}

/// In a trace, KYC outcomes read as their plain text (`"Exact Match"`), not `{"text": ...}`:
/// the trace is read by people, and no band or "never" can be confused with them there.
struct PlainText<'a>(&'a FeatureValue);

impl Serialize for PlainText<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            FeatureValue::Text(t) => serializer.serialize_str(t),
            other => other.serialize(serializer),
        }
    }
}

/// Kinds of trace entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TraceKind {
    /// A derived feature was computed.
    Derived,
    /// A knock-out rule was evaluated.
    Knockout,
    /// A scorecard bin condition was evaluated.
    Bin,
    /// The signals were unavailable or empty and the policy's fallback applied.
    Fallback,
}

/// A credit decision.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct Decision {
    /// approve / review / reject.
    pub decision: Outcome,
    /// The scorecard score (absent when the policy has no scorecard or it did not run).
    pub score: Option<i64>,
    /// Reasons: fired knock-outs in policy order, then fallback, then scorecard reasons.
    pub reasons: Vec<Reason>,
    /// The policy's name, version and content hash (shared with the policy: no copy per
    /// decision; serializes as the plain object).
    pub policy: Arc<PolicyId>,
    /// The provider's status for the signals this decision rests on.
    pub signals_status: SignalStatus,
    /// Every rule, bin and derived feature evaluated, in order; `None` when tracing is off (and
    /// then the JSON has no `trace` key at all).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trace: Option<Vec<TraceEntry>>,
    /// Indices into [`Policy::knockouts`](super::Policy::knockouts) of the knock-outs that
    /// fired, in policy order: what backtests count without paying for a trace. Not serialized
    /// (the reasons say it to readers).
    #[serde(skip)]
    #[schemars(skip)]
    pub knockouts_fired: Vec<usize>,
}

impl Decision {
    /// The reason codes, in order.
    pub fn reason_codes(&self) -> Vec<&str> {
        self.reasons.iter().map(|r| r.code.as_str()).collect()
    }
}
