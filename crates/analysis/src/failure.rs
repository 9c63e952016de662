//! Why a line has no decision: a kind a report can count, and the message that explains it.

use std::fmt;

use serde::{Deserialize, Serialize};
use underwrite_core::policy::DecideError;

/// The kinds of failure a report counts, in the order they are reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureKind {
    /// Longer than the reader's line cap.
    TooLong,
    /// Not UTF-8.
    NotUtf8,
    /// Not JSON, not an object (an array too), an unknown key, or no `signals`.
    NotAnApplication,
    /// An `id` that is neither a short string nor a short, finite number.
    BadId,
    /// An `outcome` other than `null` or `{"bad": true | false | null}`.
    BadOutcome,
    /// The signals payload was refused.
    Signals,
    /// The KYC input was refused.
    Kyc,
    /// A rule failed at run time (a missing value compared, ...).
    Rule,
    /// A bug inside the libraries (a panic caught).
    Internal,
}

impl FailureKind {
    /// The snake_case name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            FailureKind::TooLong => "too_long",
            FailureKind::NotUtf8 => "not_utf8",
            FailureKind::NotAnApplication => "not_an_application",
            FailureKind::BadId => "bad_id",
            FailureKind::BadOutcome => "bad_outcome",
            FailureKind::Signals => "signals",
            FailureKind::Kyc => "kyc",
            FailureKind::Rule => "rule",
            FailureKind::Internal => "internal",
        }
    }
}

impl fmt::Display for FailureKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A line that produced no decision, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct Failure {
    /// What kind of failure, for counting.
    pub kind: FailureKind,
    /// The library's message, naming the field, signal or rule.
    pub message: String,
}

impl Failure {
    /// A failure of `kind` explained by `message`.
    pub fn new(kind: FailureKind, message: impl Into<String>) -> Failure {
        Failure {
            kind,
            message: message.into(),
        }
    }
}

impl From<DecideError> for Failure {
    fn from(e: DecideError) -> Failure {
        let kind = match &e {
            DecideError::Signals(_) => FailureKind::Signals,
            DecideError::Kyc(_) => FailureKind::Kyc,
            DecideError::Rule { .. } => FailureKind::Rule,
            DecideError::Internal { .. } => FailureKind::Internal,
            _ => FailureKind::Internal,
        };
        Failure::new(kind, e.to_string())
    }
}
