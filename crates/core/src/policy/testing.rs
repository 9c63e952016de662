//! A policy's own tests: what a test case found, as types a caller can match.
//!
//! [`super::Policy::run_test`] decides a case and compares the decision with the case's
//! `expect:`; every difference is one [`TestFailure`], and the decision itself (with its trace)
//! stays in the [`TestReport`] so that coverage ([`super::coverage`]) can be computed from it.
//! Failures that happen before a decision (a file that could not be read, a caught panic) are
//! built by the runner ([`super::test_run`]) with the same types. Each failure's `Display` is the one line the CLI
//! prints for it.

use std::fmt;

use serde::Serialize;

use super::decision::{Decision, Outcome};
use super::error::{DecideError, RuleErrorKind};
use super::spec::TestSpec;
use super::test_run::UnreadableReason;

/// The result of one policy test case.
#[derive(Debug, Clone, PartialEq)]
pub struct TestReport {
    /// The case's name.
    pub name: String,
    /// What did not match (empty when it passed).
    pub failures: Vec<TestFailure>,
    /// The decision the case produced, with its trace; `None` when none was made (the inputs
    /// could not be read or the decision failed).
    pub decision: Option<Decision>,
}

impl TestReport {
    /// A case that failed before any decision was made (its input could not be read, or running
    /// it panicked).
    pub fn failed(name: impl Into<String>, failure: TestFailure) -> TestReport {
        TestReport {
            name: name.into(),
            failures: vec![failure],
            decision: None,
        }
    }

    /// Whether the case passed.
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }
}

/// One way a test case did not do what it expects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum TestFailure {
    /// A file the case names could not be read (missing, too large, not a regular file).
    /// Reported by the runner ([`Policy::run_tests`](super::Policy::run_tests)) from what the
    /// caller's reader said.
    InputUnreadable {
        /// Which input.
        input: TestInput,
        /// Where it was read from (the path as resolved), for the message.
        source: String,
        /// Why (serialized as `"reason"` and the reason's fields).
        #[serde(flatten)]
        reason: UnreadableReason,
        /// The reason's message.
        message: String,
    },
    /// The decision could not be made.
    DecisionFailed(DecisionFailure),
    /// The decision was not the one expected.
    WrongDecision {
        /// `expect.decision`.
        expected: Outcome,
        /// The decision made.
        actual: Outcome,
    },
    /// The reason codes were not the ones expected, in order.
    WrongReasons {
        /// `expect.reasons`.
        expected: Vec<String>,
        /// The reason codes given.
        actual: Vec<String>,
    },
    /// The score was not the one expected.
    WrongScore {
        /// `expect.score`.
        expected: i64,
        /// The score given (`None` when the scorecard did not run).
        actual: Option<i64>,
    },
    /// Running the case panicked: a bug, caught by the caller so the other cases still run.
    Panicked {
        /// The panic's message and location.
        detail: String,
    },
}

/// Which input of a test case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TestInput {
    /// `signals:`.
    Signals,
    /// `kyc:`.
    Kyc,
}

/// Why a decision could not be made, taken from the [`DecideError`] (which is neither `Clone`
/// nor serializable). `error` is always the error's own message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "cause", rename_all = "snake_case")]
#[non_exhaustive]
pub enum DecisionFailure {
    /// The signals payload could not be used.
    Signals {
        /// The message.
        error: String,
    },
    /// The KYC input could not be used.
    Kyc {
        /// The KYC field at fault (`ResultCode`, `Actions.Names`, ...).
        field: String,
        /// The message.
        error: String,
    },
    /// A rule, bin or derived feature failed at run time.
    Rule {
        /// The rule, bin (`characteristic#n`) or derived feature.
        rule: String,
        /// What kind of failure (the same whichever evaluator ran the rule).
        rule_error: RuleErrorKind,
        /// The message.
        error: String,
    },
    /// Evaluating a rule panicked inside the library (a bug, caught).
    Internal {
        /// The rule, bin or derived feature.
        rule: String,
        /// The message.
        error: String,
    },
}

impl DecisionFailure {
    /// The error's message.
    pub fn message(&self) -> &str {
        match self {
            DecisionFailure::Signals { error }
            | DecisionFailure::Kyc { error, .. }
            | DecisionFailure::Rule { error, .. }
            | DecisionFailure::Internal { error, .. } => error,
        }
    }
}

impl From<&DecideError> for DecisionFailure {
    fn from(e: &DecideError) -> Self {
        let error = e.to_string();
        match e {
            DecideError::Signals(_) => DecisionFailure::Signals { error },
            DecideError::Kyc(k) => DecisionFailure::Kyc {
                field: k.field.clone(),
                error,
            },
            DecideError::Rule { rule, kind, .. } => DecisionFailure::Rule {
                rule: rule.clone(),
                rule_error: *kind,
                error,
            },
            DecideError::Internal { rule } => DecisionFailure::Internal {
                rule: rule.clone(),
                error,
            },
        }
    }
}

impl fmt::Display for DecisionFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

impl fmt::Display for TestFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TestFailure::InputUnreadable {
                source, message, ..
            } => write!(f, "{source}: {message}"),
            TestFailure::DecisionFailed(e) => write!(f, "decision failed: {e}"),
            TestFailure::WrongDecision { expected, actual } => {
                write!(f, "decision: expected {expected}, got {actual}")
            }
            TestFailure::WrongReasons { expected, actual } => write!(
                f,
                "reasons: expected [{}], got [{}]",
                expected.join(", "),
                actual.join(", ")
            ),
            TestFailure::WrongScore { expected, actual } => {
                write!(f, "score: expected {expected}, got ")?;
                match actual {
                    Some(s) => write!(f, "{s}"),
                    None => f.write_str("none"),
                }
            }
            TestFailure::Panicked { detail } => write!(
                f,
                "internal error while running this test; please report it ({detail})"
            ),
        }
    }
}

/// Compare a case's decision (or decide error) with what it expects.
pub(crate) fn check(case: &TestSpec, outcome: Result<Decision, DecideError>) -> TestReport {
    let mut failures = Vec::new();
    let decision = match outcome {
        Err(e) => {
            failures.push(TestFailure::DecisionFailed(DecisionFailure::from(&e)));
            None
        }
        Ok(d) => {
            if d.decision != case.expect.decision {
                failures.push(TestFailure::WrongDecision {
                    expected: case.expect.decision,
                    actual: d.decision,
                });
            }
            if let Some(expected) = &case.expect.reasons {
                let actual = d.reason_codes();
                if *expected != actual {
                    failures.push(TestFailure::WrongReasons {
                        expected: expected.clone(),
                        actual: actual.into_iter().map(str::to_string).collect(),
                    });
                }
            }
            if let Some(expected) = case.expect.score {
                if d.score != Some(expected) {
                    failures.push(TestFailure::WrongScore {
                        expected,
                        actual: d.score,
                    });
                }
            }
            Some(d)
        }
    };
    TestReport {
        name: case.name.clone(),
        failures,
        decision,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_display_as_one_line_each() {
        let cases = [
            (
                TestFailure::WrongDecision {
                    expected: Outcome::Review,
                    actual: Outcome::Approve,
                },
                "decision: expected review, got approve",
            ),
            (
                TestFailure::WrongReasons {
                    expected: vec!["A".into(), "B".into()],
                    actual: vec![],
                },
                "reasons: expected [A, B], got []",
            ),
            (
                TestFailure::WrongScore {
                    expected: 835,
                    actual: None,
                },
                "score: expected 835, got none",
            ),
            (
                TestFailure::WrongScore {
                    expected: 835,
                    actual: Some(780),
                },
                "score: expected 835, got 780",
            ),
            (
                TestFailure::InputUnreadable {
                    input: TestInput::Signals,
                    source: "t/big.json".into(),
                    reason: UnreadableReason::NotAFile,
                    message: "not a regular file".into(),
                },
                "t/big.json: not a regular file",
            ),
            (
                TestFailure::DecisionFailed(DecisionFailure::from(&DecideError::Rule {
                    rule: "r".into(),
                    kind: RuleErrorKind::Overflow,
                    message: "boom".into(),
                })),
                "decision failed: rule `r`: boom",
            ),
            (
                TestFailure::Panicked { detail: "x".into() },
                "internal error while running this test; please report it (x)",
            ),
        ];
        for (failure, text) in cases {
            assert_eq!(failure.to_string(), text);
        }
    }

    #[test]
    fn failures_serialize_with_their_kind() {
        let failure = TestFailure::DecisionFailed(DecisionFailure::from(&DecideError::Rule {
            rule: "r".into(),
            kind: RuleErrorKind::Overflow,
            message: "boom".into(),
        }));
        assert_eq!(
            serde_json::to_value(&failure).ok(),
            Some(serde_json::json!({
                "kind": "decision_failed", "cause": "rule", "rule": "r",
                "rule_error": "overflow", "error": "rule `r`: boom"
            }))
        );
        let failure = TestFailure::WrongScore {
            expected: 1,
            actual: None,
        };
        assert_eq!(
            serde_json::to_value(&failure).ok(),
            Some(serde_json::json!({"kind": "wrong_score", "expected": 1, "actual": null}))
        );
    }
}
