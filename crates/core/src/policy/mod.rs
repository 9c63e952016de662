//! Credit policies: YAML files with Rhai expressions that decide approve / review / reject.
//!
//! A [`Policy`] is loaded once ([`Policy::load`]) by a compiler that runs in passes: the YAML is
//! read into typed structs ([`spec`]) with every node's position, names are resolved to
//! feature-vector slots, every expression is parsed once by Rhai in a sandboxed engine and,
//! where it can be, lowered from Rhai's own AST to a native tree; then types, derived-feature
//! order and structure are checked. Deciding ([`Policy::decide`]) then touches no YAML, no
//! strings and no compiler. A `Policy` is `Send + Sync`: load once, share across threads.
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
//! A policy carries its own tests: [`Policy::run_tests`] runs them all, reading the files they
//! name through the caller's reader ([`test_run`]), [`Policy::run_test`] runs one on given
//! bytes, each reporting typed failures ([`testing`]), and [`Policy::coverage`] says which knock-outs, bins, cut-off bands and
//! fallbacks the tests' decisions exercised ([`coverage`]).
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
pub mod coverage;
pub mod decision;
mod diagnostics;
pub mod error;
mod eval;
mod expr;
pub mod functions;
pub mod kyc;
mod order;
mod positions;
mod program;
mod resolve;
mod sandbox;
mod source;
pub mod spec;
pub mod test_run;
pub mod testing;
mod typecheck;
mod validate;
mod yaml_guard;

use std::sync::Arc;

use crate::features::{Schema, Slot};
use crate::normalize::{normalize, Normalized};
use crate::signals::SignalStatus;

#[cfg(feature = "differential")]
#[doc(hidden)]
pub use expr::differential;

pub use coverage::Coverage;
pub use decision::{Decision, Outcome, PolicyId, Reason, TraceEntry, TraceKind};
pub use error::{DecideError, Diagnostic, DiagnosticKind, LoadError, RuleErrorKind};
pub use eval::DecideOptions;
use kyc::KycFacts;
pub use sandbox::{
    MAX_ARRAY_SIZE, MAX_CALL_LEVELS, MAX_EXPRESSION_LEN, MAX_EXPR_DEPTH, MAX_MAP_SIZE,
    MAX_OPERATIONS, MAX_STRING_SIZE,
};
pub use source::MAX_POLICY_BYTES;
pub use spec::{InputSource, PolicySpec, TestSpec};
pub use test_run::{NoFiles, TestFiles, Unreadable, UnreadableReason, MAX_TEST_INPUT_BYTES};
pub use testing::{DecisionFailure, TestFailure, TestInput, TestReport};
pub use validate::MAX_ITEMS;

/// A knock-out rule as reports name it (see [`Policy::knockouts`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KnockoutRule<'a> {
    /// The rule's id.
    pub id: &'a str,
    /// The outcome it forces at least.
    pub outcome: Outcome,
    /// The reason it gives.
    pub reason: &'a Reason,
}

/// A scorecard's cut-offs: a score at or above `approve_at` approves, at or above `review_at`
/// reviews, below it rejects (knock-outs permitting).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScoreCutoffs {
    /// The lowest approving score.
    pub approve_at: i64,
    /// The lowest score sent to review.
    pub review_at: i64,
}

/// A loaded, compiled policy. Cheap to share (`Arc<Policy>`), `Send + Sync`.
#[derive(Debug)]
pub struct Policy {
    id: Arc<PolicyId>,
    description: String,
    owner: String,
    schema: Arc<Schema>,
    program: program::Program,
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
        eval::decide(&self.program, &self.id, signals, kyc, options)
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

    /// The knock-out rules, in policy order: [`Decision::knockouts_fired`] indexes this list.
    pub fn knockouts(&self) -> impl ExactSizeIterator<Item = KnockoutRule<'_>> {
        self.program.knockouts.iter().map(|k| KnockoutRule {
            id: &k.id,
            outcome: k.outcome,
            reason: &k.reason,
        })
    }

    /// The scorecard's cut-offs, when the policy has a scorecard.
    pub fn cutoffs(&self) -> Option<ScoreCutoffs> {
        self.program.scorecard.as_ref().map(|sc| ScoreCutoffs {
            approve_at: sc.approve_at,
            review_at: sc.review_at,
        })
    }

    /// The outcome the policy's fallback forces for signals of `status`: `None` for
    /// [`SignalStatus::Success`], when no fallback applies.
    pub fn fallback(&self, status: SignalStatus) -> Option<Outcome> {
        match status {
            SignalStatus::Success => None,
            SignalStatus::NoData => Some(self.program.no_data.outcome),
            SignalStatus::Unavailable(_) => Some(self.program.unavailable.outcome),
        }
    }

    /// The signal features the policy's expressions read, once each, by the name the policy
    /// uses (its alias when it has one), with their slot in [`Policy::schema`]; in the order
    /// the policy first names them. Derived features are not inputs and are not listed.
    pub fn inputs(&self) -> Vec<(&str, Slot)> {
        let mut seen = Vec::new();
        let mut inputs = Vec::new();
        for var in &self.program.vars {
            if let program::Source::Feature(slot) = var.source {
                if !seen.contains(&slot) {
                    seen.push(slot);
                    inputs.push((var.name.as_str(), slot));
                }
            }
        }
        inputs
    }

    /// Run one of the policy's test cases. `signals` are the payload bytes and `kyc` the KYC
    /// JSON bytes, if the case has one: [`TestSpec::signals`] and [`TestSpec::kyc`] are either
    /// inline ([`InputSource::inline_bytes`]) or paths relative to the policy file, which the
    /// caller reads (libraries do no I/O). The report keeps the decision, traced, for
    /// [`Policy::coverage`].
    pub fn run_test(&self, case: &TestSpec, signals: &[u8], kyc: Option<&[u8]>) -> TestReport {
        let outcome = (|| {
            let kyc = kyc.map(KycFacts::from_json).transpose()?;
            self.decide_payload(signals, kyc.as_ref(), DecideOptions { trace: true })
        })();
        testing::check(case, outcome)
    }

    /// Which of this policy's rules `decisions` exercised: knock-outs fired, bins matched,
    /// cut-off bands reached, fallbacks applied (see [`coverage`] for what counts). Pass the
    /// decisions of [`TestReport::decision`], or any made by this policy with the trace on.
    pub fn coverage<'a>(&self, decisions: impl IntoIterator<Item = &'a Decision>) -> Coverage {
        Coverage::compute(&self.inventory(), decisions)
    }

    /// The rules tests can cover, by id: the one place coverage reads the compiled policy.
    pub(crate) fn inventory(&self) -> coverage::RuleInventory {
        use coverage::{BinInventory, CharacteristicInventory, Cutoffs, Fallback};
        let scorecard = self.program.scorecard.as_ref();
        coverage::RuleInventory {
            knockouts: self
                .program
                .knockouts
                .iter()
                .map(|k| k.id.clone())
                .collect(),
            characteristics: scorecard
                .map(|sc| {
                    sc.characteristics
                        .iter()
                        .map(|c| CharacteristicInventory {
                            id: c.id.clone(),
                            bins: c
                                .bins
                                .iter()
                                .map(|b| BinInventory {
                                    id: b.id.clone(),
                                    conditional: b.when.is_some(),
                                })
                                .collect(),
                        })
                        .collect()
                })
                .unwrap_or_default(),
            cutoffs: scorecard.map(|sc| Cutoffs {
                approve_at: sc.approve_at,
                review_at: sc.review_at,
            }),
            // Both always exist: written out in the policy or the defaults.
            fallbacks: vec![Fallback::SignalsUnavailable, Fallback::NoData],
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

#[cfg(test)]
mod tests;
