//! Tallies: what the reports are computed from. Each is a fold over observations in input
//! order and holds counts only, bounded by the policy (knock-outs, reason codes, inputs) and by
//! [`crate::scores::MAX_CELLS`], never by the number of lines.

use std::collections::BTreeMap;

use rustc_hash::FxHashMap;
use underwrite_core::policy::{Outcome, Policy, Reason};
use underwrite_core::signals::{SignalStatus, UnavailableReason};

use crate::failure::{Failure, FailureKind};
use crate::report::FailureCount;
use crate::scores::ScoreCounts;
use crate::stats::Counts;
use crate::values::ValueBin;
use crate::{Label, Seen};

/// Failures by kind, each with its first line.
#[derive(Debug, Clone, Default)]
pub(crate) struct FailureTally {
    kinds: BTreeMap<FailureKind, FailureCount>,
}

impl FailureTally {
    pub(crate) fn add(&mut self, line: u64, failure: &Failure) {
        self.kinds
            .entry(failure.kind)
            .and_modify(|c| c.count += 1)
            .or_insert_with(|| FailureCount {
                kind: failure.kind,
                count: 1,
                first_line: line,
                first_message: failure.message.clone(),
            });
    }

    pub(crate) fn counts(&self) -> Vec<FailureCount> {
        self.kinds.values().cloned().collect()
    }
}

/// Decisions per reason code. Codes come from the policy, so the map is bounded by it.
#[derive(Debug, Clone, Default)]
pub(crate) struct ReasonCounts {
    counts: FxHashMap<String, u64>,
}

impl ReasonCounts {
    /// Count a decision's reasons: each code once, however often the decision gives it.
    pub(crate) fn add(&mut self, reasons: &[Reason]) {
        for (i, reason) in reasons.iter().enumerate() {
            if reasons[..i].iter().any(|r| r.code == reason.code) {
                continue;
            }
            match self.counts.get_mut(reason.code.as_str()) {
                Some(n) => *n += 1,
                None => {
                    self.counts.insert(reason.code.clone(), 1);
                }
            }
        }
    }

    /// (code, decisions) pairs, in no particular order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&String, &u64)> {
        self.counts.iter()
    }
}

/// The index of an outcome in `[approve, review, reject]` arrays.
pub(crate) fn outcome_index(outcome: Outcome) -> usize {
    match outcome {
        Outcome::Approve => 0,
        Outcome::Review => 1,
        Outcome::Reject => 2,
    }
}

/// One knock-out's counts.
#[derive(Debug, Clone, Default)]
pub(crate) struct KnockoutTally {
    pub fired: Counts,
    pub alone: u64,
}

/// Everything one policy's report is computed from.
#[derive(Debug, Clone)]
pub(crate) struct PolicyTally {
    /// Decisions by outcome and label.
    pub mix: [Counts; 3],
    /// Every decision's score.
    pub scores: ScoreCounts,
    /// Scores of the decisions the approve cut-off decides (no knock-out or fallback above
    /// approve): what the strategy table reads.
    pub cut_scores: ScoreCounts,
    pub knockouts: Vec<KnockoutTally>,
    knockout_outcomes: Vec<Outcome>,
    review_at: Option<i64>,
    /// The fallbacks' outcomes: no data, unavailable.
    fallbacks: [Outcome; 2],
    pub reasons: ReasonCounts,
    pub failures: FailureTally,
    /// Per input, counts per bin.
    pub inputs: Vec<BTreeMap<ValueBin, u64>>,
}

impl PolicyTally {
    pub(crate) fn new(policy: &Policy) -> PolicyTally {
        let knockout_outcomes: Vec<Outcome> = policy.knockouts().map(|k| k.outcome).collect();
        PolicyTally {
            mix: [Counts::default(); 3],
            scores: ScoreCounts::default(),
            cut_scores: ScoreCounts::default(),
            knockouts: vec![KnockoutTally::default(); knockout_outcomes.len()],
            knockout_outcomes,
            review_at: policy.cutoffs().map(|c| c.review_at),
            fallbacks: [
                policy
                    .fallback(SignalStatus::NoData)
                    .unwrap_or(Outcome::Review),
                policy
                    .fallback(SignalStatus::Unavailable(UnavailableReason::SystemError))
                    .unwrap_or(Outcome::Review),
            ],
            reasons: ReasonCounts::default(),
            failures: FailureTally::default(),
            inputs: vec![BTreeMap::new(); policy.inputs().len()],
        }
    }

    /// Lines this policy decided.
    pub(crate) fn decided(&self) -> u64 {
        self.mix.iter().map(|c| c.total()).sum()
    }

    pub(crate) fn add(&mut self, seen: &Seen, label: Label) {
        let d = &seen.decision;
        self.mix[outcome_index(d.decision)].add(label);
        let signals_present = d.signals_status == SignalStatus::Success;
        if let Some(score) = d.score {
            self.scores.add(score, label);
            let knocked_out = d
                .knockouts_fired
                .iter()
                .any(|&k| self.knockout_outcomes.get(k) != Some(&Outcome::Approve));
            if signals_present && !knocked_out {
                self.cut_scores.add(score, label);
            }
        }
        let mut rejecting = d
            .knockouts_fired
            .iter()
            .copied()
            .filter(|&k| self.knockout_outcomes.get(k) == Some(&Outcome::Reject));
        let only_rejecting = match (rejecting.next(), rejecting.next()) {
            (Some(k), None) => Some(k),
            _ => None,
        };
        let cut_would_reject = match (d.score, self.review_at) {
            (Some(score), Some(review_at)) => score < review_at,
            _ => false,
        };
        let fallback = match d.signals_status {
            SignalStatus::Success => None,
            SignalStatus::NoData => Some(self.fallbacks[0]),
            SignalStatus::Unavailable(_) => Some(self.fallbacks[1]),
        };
        // Without the knock-out, would anything else have rejected?
        let otherwise_rejected = cut_would_reject || fallback == Some(Outcome::Reject);
        for &k in &d.knockouts_fired {
            if let Some(t) = self.knockouts.get_mut(k) {
                t.fired.add(label);
                if d.decision == Outcome::Reject && only_rejecting == Some(k) && !otherwise_rejected
                {
                    t.alone += 1;
                }
            }
        }
        self.reasons.add(&d.reasons);
        for (bins, bin) in self.inputs.iter_mut().zip(&seen.inputs) {
            *bins.entry(*bin).or_default() += 1;
        }
    }
}
