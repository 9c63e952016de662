//! Credit policies: YAML files with Rhai expressions that decide approve / review / reject.
//!
//! A [`Policy`] is loaded once ([`Policy::load`]): the YAML is parsed into typed structs
//! ([`spec`]), every name is resolved to a feature-vector slot, every expression is compiled
//! once in a sandboxed Rhai engine ([`sandbox`]) and, when it is a simple comparison, also
//! lowered to a native tree ([`native`]). Deciding ([`Policy::decide`]) then touches no YAML,
//! no strings and no compiler. A `Policy` is `Send + Sync`: load once, share across threads.
//!
//! Decision semantics (the contract in the design brief):
//! * the final outcome is the most severe of every fired knock-out, the fallback for
//!   unavailable / empty signals, and the scorecard cut-off (`reject > review > approve`);
//! * reasons list fired knock-outs in policy order, then the fallback, then up to four
//!   scorecard reasons ranked by points lost against each characteristic's best bin (reported
//!   only when the score is below the approve cut-off: they explain a score that fell short);
//! * unavailable signals never approve; without signals only knock-outs that read nothing but
//!   `kyc.*` run, and the scorecard does not;
//! * every decision carries the policy's name, version and SHA-256, and (unless switched off)
//!   a trace of every derived feature, knock-out and bin evaluated with the values it read.
//!
//! ```
//! use underwrite_core::policy::{DecideOptions, Outcome, Policy};
//! use underwrite_core::policy::kyc::KycFacts;
//!
//! let policy = Policy::load(br#"
//! name: tiny
//! version: "1"
//! features:
//!   aliases:
//!     overdue_30: events_overdue_day30
//! knockouts:
//!   - id: recent_overdue
//!     when: overdue_30 >= 2
//!     outcome: reject
//!     reason: { code: KO_OVERDUE, text: Two or more overdue events in 30 days }
//! "#).unwrap();
//! let payload = br#"{"status": "COMPLETED", "resultCode": "SUCCESS",
//!                    "result": {"events_overdue_day30": 3}}"#;
//! let decision = policy.decide_payload(payload, None, DecideOptions::default()).unwrap();
//! assert_eq!(decision.decision, Outcome::Reject);
//! assert_eq!(decision.reason_codes(), ["KO_OVERDUE"]);
//! ```

mod compile;
pub mod decision;
pub mod error;
mod eval;
pub mod functions;
pub mod kyc;
pub mod native;
pub mod sandbox;
mod scan;
pub mod spec;
mod yaml_guard;

use std::sync::Arc;

use rhai::Engine;

use crate::features::Schema;
use crate::normalize::{normalize, Normalized};

pub use compile::{MAX_ITEMS, MAX_POLICY_BYTES};
pub use decision::{Decision, Outcome, PolicyId, Reason, TraceEntry, TraceKind};
pub use error::{DecideError, Diagnostic, LoadError};
pub use eval::DecideOptions;
use kyc::KycFacts;
pub use spec::{InputSource, PolicySpec, TestSpec};

/// A loaded, compiled policy. Cheap to share (`Arc<Policy>`), `Send + Sync`.
#[derive(Debug)]
pub struct Policy {
    id: Arc<PolicyId>,
    description: String,
    owner: String,
    schema: Arc<Schema>,
    engine: Engine,
    vars: Vec<compile::Variable>,
    derived: Vec<compile::Derived>,
    knockouts: Vec<compile::Knockout>,
    scorecard: Option<compile::Scorecard>,
    unavailable: compile::Fallback,
    no_data: compile::Fallback,
    tests: Vec<TestSpec>,
}

impl Policy {
    /// Load a policy from the bytes of its YAML file. Every problem found is reported at once.
    pub fn load(bytes: &[u8]) -> Result<Policy, LoadError> {
        compile::load(bytes)
    }

    /// Name, version and content hash.
    pub fn id(&self) -> &PolicyId {
        &self.id
    }

    /// The policy's description.
    pub fn description(&self) -> &str {
        &self.description
    }

    /// The policy's owner.
    pub fn owner(&self) -> &str {
        &self.owner
    }

    /// The feature schema payloads are normalized into for this policy: the phone catalog plus
    /// any scheme-conforming signals the policy names.
    pub fn schema(&self) -> &Arc<Schema> {
        &self.schema
    }

    /// The policy's own test cases.
    pub fn tests(&self) -> &[TestSpec] {
        &self.tests
    }

    /// Decide on already-normalized signals (normalize with [`Policy::schema`]).
    pub fn decide(
        &self,
        signals: &Normalized,
        kyc: Option<&KycFacts>,
        options: DecideOptions,
    ) -> Result<Decision, DecideError> {
        eval::decide(self, signals, kyc, options)
    }

    /// Normalize a signals payload (the bytes of the provider's JSON) and decide.
    pub fn decide_payload(
        &self,
        payload: &[u8],
        kyc: Option<&KycFacts>,
        options: DecideOptions,
    ) -> Result<Decision, DecideError> {
        let normalized = normalize(payload, &self.schema)?;
        self.decide(&normalized, kyc, options)
    }

    /// Run one of the policy's test cases. `signals` are the payload bytes and `kyc` the KYC
    /// JSON bytes, if the case has one: [`TestSpec::signals`] and [`TestSpec::kyc`] are either
    /// inline ([`InputSource::inline_bytes`]) or paths relative to the policy file, which the
    /// caller reads (libraries do no I/O).
    pub fn run_test(&self, case: &TestSpec, signals: &[u8], kyc: Option<&[u8]>) -> TestReport {
        let outcome = (|| {
            let kyc = kyc.map(KycFacts::from_json).transpose()?;
            self.decide_payload(signals, kyc.as_ref(), DecideOptions { trace: false })
        })();
        let mut failures = Vec::new();
        match &outcome {
            Err(e) => failures.push(format!("decision failed: {e}")),
            Ok(d) => {
                if d.decision != case.expect.decision {
                    failures.push(format!(
                        "decision: expected {}, got {}",
                        case.expect.decision, d.decision
                    ));
                }
                if let Some(expected) = &case.expect.reasons {
                    let actual = d.reason_codes();
                    if *expected != actual {
                        failures.push(format!(
                            "reasons: expected [{}], got [{}]",
                            expected.join(", "),
                            actual.join(", ")
                        ));
                    }
                }
                if case.expect.score.is_some() && case.expect.score != d.score {
                    failures.push(format!(
                        "score: expected {}, got {}",
                        case.expect.score.map_or("none".into(), |s| s.to_string()),
                        d.score.map_or("none".into(), |s| s.to_string())
                    ));
                }
            }
        }
        TestReport {
            name: case.name.clone(),
            failures,
        }
    }
}

impl InputSource {
    /// The JSON bytes of an inline value (`None` for a path).
    pub fn inline_bytes(&self) -> Option<Vec<u8>> {
        match self {
            InputSource::Inline(v) => Some(v.to_string().into_bytes()),
            InputSource::Path(_) => None,
        }
    }
}

/// The result of one policy test case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestReport {
    /// The case's name.
    pub name: String,
    /// What did not match (empty when it passed).
    pub failures: Vec<String>,
}

impl TestReport {
    /// Whether the case passed.
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }
}

#[cfg(test)]
mod tests;
