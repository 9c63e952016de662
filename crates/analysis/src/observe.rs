//! Deciding one history line with every policy under study, sharing what the policies share.
//!
//! The line's envelope, its KYC match and its signals payload are read once; each policy then
//! normalizes the parsed payload over its own schema (once only when the schemas are equal)
//! and decides without a trace. The decisions are the ones `underwrite batch` makes for the
//! same line and policy (a differential test holds them together).

use std::panic::{catch_unwind, AssertUnwindSafe};

use serde_json::value::RawValue;
use underwrite_core::features::Slot;
use underwrite_core::normalize::{normalize_payload, Normalized};
use underwrite_core::policy::kyc::{self, KycFacts};
use underwrite_core::policy::{DecideOptions, Decision, Policy};
use underwrite_core::signals;

use crate::failure::{Failure, FailureKind};
use crate::line::{HistoryLine, Label};
use crate::values::ValueBin;

/// One policy's decision on a line, with the bins of the inputs it read.
#[derive(Debug, Clone)]
pub struct Seen {
    /// The decision (no trace).
    pub decision: Decision,
    /// The bin of each of the policy's [inputs](Policy::inputs), in that order.
    pub(crate) inputs: Vec<ValueBin>,
}

/// What became of one line.
#[derive(Debug, Clone)]
pub enum Observation<'a> {
    /// The line could not be read as a history line: every policy fails it alike.
    Unread(Failure),
    /// The line was read; each policy decided or failed.
    Read {
        /// The application's `id`, as given.
        id: Option<&'a RawValue>,
        /// The observed outcome.
        label: Label,
        /// One result per policy, in the order the [`Observer`] was given them.
        results: Vec<Result<Seen, Failure>>,
    },
}

/// Decides lines with one or more policies.
#[derive(Debug)]
pub struct Observer<'p> {
    policies: Vec<&'p Policy>,
    /// For each policy, the earlier policy whose schema equals its own, if any.
    same_schema_as: Vec<Option<usize>>,
    /// For each policy, the slots of its inputs.
    inputs: Vec<Vec<Slot>>,
}

impl<'p> Observer<'p> {
    /// An observer for `policies` (the champion first when comparing).
    pub fn new(policies: Vec<&'p Policy>) -> Observer<'p> {
        let same_schema_as = policies
            .iter()
            .enumerate()
            .map(|(i, p)| {
                policies[..i]
                    .iter()
                    .position(|earlier| earlier.schema() == p.schema())
            })
            .collect();
        let inputs = policies
            .iter()
            .map(|p| p.inputs().into_iter().map(|(_, slot)| slot).collect())
            .collect();
        Observer {
            policies,
            same_schema_as,
            inputs,
        }
    }

    fn decide(
        &self,
        i: usize,
        normalized: &Normalized,
        facts: Option<&KycFacts>,
    ) -> Result<Seen, Failure> {
        let decision = self.policies[i]
            .decide(normalized, facts, DecideOptions { trace: false })
            .map_err(Failure::from)?;
        let inputs = self.inputs[i]
            .iter()
            .map(|slot| ValueBin::of(normalized.features.get(*slot)))
            .collect();
        Ok(Seen { decision, inputs })
    }

    /// Decide one line (its JSON text). A panic inside the libraries is that line's
    /// [`FailureKind::Internal`], never the caller's.
    pub fn observe<'a>(&self, text: &'a str) -> Observation<'a> {
        catch_unwind(AssertUnwindSafe(|| self.observe_unguarded(text))).unwrap_or_else(|_| {
            Observation::Unread(Failure::new(
                FailureKind::Internal,
                "internal error while deciding this line (a bug; please report it with the input)",
            ))
        })
    }

    fn observe_unguarded<'a>(&self, text: &'a str) -> Observation<'a> {
        let line = match HistoryLine::from_json(text) {
            Ok(line) => line,
            Err(failure) => return Observation::Unread(failure),
        };
        let app = line.application;
        let id = app.id_raw();
        let facts = match app.kyc().map(|k| kyc::result_from_json(k.as_bytes())) {
            None => None,
            Some(Ok(result)) => Some(KycFacts::from_result(&result)),
            Some(Err(e)) => {
                return Observation::Unread(Failure::new(FailureKind::Kyc, e.to_string()))
            }
        };
        let payload = match signals::parse(app.signals().as_bytes()) {
            Ok(payload) => payload,
            Err(e) => {
                return Observation::Unread(Failure::new(FailureKind::Signals, e.to_string()))
            }
        };
        // Normalize once per distinct schema; a policy with an earlier policy's schema reads
        // that one's vector.
        let normalized: Vec<Option<Result<Normalized, _>>> = self
            .policies
            .iter()
            .zip(&self.same_schema_as)
            .map(|(p, same)| {
                same.is_none()
                    .then(|| normalize_payload(&payload, p.schema()))
            })
            .collect();
        let results = (0..self.policies.len())
            .map(|i| {
                let own = self.same_schema_as[i].unwrap_or(i);
                match normalized.get(own).and_then(Option::as_ref) {
                    Some(Ok(n)) => self.decide(i, n, facts.as_ref()),
                    Some(Err(e)) => Err(Failure::new(FailureKind::Signals, e.to_string())),
                    None => Err(Failure::new(FailureKind::Internal, "no normalized payload")),
                }
            })
            .collect();
        Observation::Read {
            id,
            label: line.label,
            results,
        }
    }
}
