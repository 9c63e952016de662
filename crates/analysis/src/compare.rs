//! `compare`: champion and challenger over one input — the swap matrix, the swap sets and their
//! bad rates, each policy at the other's approval rate, and optionally a split into arms.

use serde_json::value::RawValue;
use underwrite_core::policy::{Outcome, Policy};
use underwrite_core::split::{Arm, Split};

use crate::failure::Failure;
use crate::input::InputTally;
use crate::observe::{Observation, Observer};
use crate::report::build::{
    around_approval_rate, bad_rate, mix, policy_report, reason_rows, share,
};
use crate::report::{
    ArmReport, AtOther, CompareReport, SplitReport, SwapReport, SwapSet, REPORT_VERSION,
};
use crate::stats::{ratio, Counts};
use crate::swap::SwapMatrix;
use crate::tally::{outcome_index, PolicyTally, ReasonCounts};
use crate::Label;

/// Which way an application swapped (`"in"`, `"out"` in JSON).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// Approved by the challenger, not by the champion.
    In,
    /// Approved by the champion, not by the challenger.
    Out,
}

/// One swapped application, for a `--swapped` file.
#[derive(Debug, Clone, Copy)]
pub struct Swapped<'a> {
    /// Its line.
    pub line: u64,
    /// Its id, as given.
    pub id: Option<&'a RawValue>,
    /// Which way.
    pub direction: Direction,
    /// The champion's outcome.
    pub champion: Outcome,
    /// The challenger's outcome.
    pub challenger: Outcome,
}

#[derive(Debug, Clone, Default)]
struct SwapTally {
    matrix: SwapMatrix,
    swap_out_reasons: ReasonCounts,
}

#[derive(Debug, Clone, Default)]
struct ArmTally {
    mix: [Counts; 3],
    /// Routed here, but the arm's policy failed the line.
    failed: u64,
}

impl ArmTally {
    fn decided(&self) -> u64 {
        self.mix.iter().map(|c| c.total()).sum()
    }
}

#[derive(Debug, Clone)]
struct SplitTally {
    split: Split,
    unroutable: u64,
    arms: [ArmTally; 2],
}

/// A comparison being folded, line by line, in input order.
#[derive(Debug, Clone)]
pub struct Compare<'p> {
    champion: &'p Policy,
    challenger: &'p Policy,
    input: InputTally,
    tallies: [PolicyTally; 2],
    swap: SwapTally,
    split: Option<SplitTally>,
}

impl<'p> Compare<'p> {
    /// A comparison; observe its lines with [`Compare::observer`].
    pub fn new(champion: &'p Policy, challenger: &'p Policy, split: Option<Split>) -> Compare<'p> {
        Compare {
            champion,
            challenger,
            input: InputTally::default(),
            tallies: [PolicyTally::new(champion), PolicyTally::new(challenger)],
            swap: SwapTally::default(),
            split: split.map(|split| SplitTally {
                split,
                unroutable: 0,
                arms: Default::default(),
            }),
        }
    }

    /// The observer whose observations [`Compare::add`] folds: champion first.
    pub fn observer(&self) -> Observer<'p> {
        Observer::new(vec![self.champion, self.challenger])
    }

    /// Fold in line `line` (1-based) as [`Compare::observer`] observed it; the swap, if the
    /// line swapped.
    pub fn add<'a>(&mut self, line: u64, observation: &Observation<'a>) -> Option<Swapped<'a>> {
        let (id, label, results) = match observation {
            Observation::Unread(failure) => {
                self.input.unread(line, failure);
                return None;
            }
            Observation::Read { id, label, results } => (*id, *label, results),
        };
        self.input.read(label);
        let mut outcomes = [None, None];
        for (side, result) in results.iter().take(2).enumerate() {
            match result {
                Ok(seen) => {
                    self.tallies[side].add(seen, label);
                    outcomes[side] = Some(seen.decision.decision);
                }
                Err(failure) => self.tallies[side].failures.add(line, failure),
            }
        }
        if let Some(split) = &mut self.split {
            split.route(id, label, outcomes);
        }
        self.swap.matrix.add(outcomes[0], outcomes[1], label);
        let [Some(champion), Some(challenger)] = outcomes else {
            return None;
        };
        let direction = match (champion == Outcome::Approve, challenger == Outcome::Approve) {
            (false, true) => Direction::In,
            (true, false) => Direction::Out,
            _ => return None,
        };
        if direction == Direction::Out {
            if let Some(Ok(seen)) = results.get(1) {
                self.swap.swap_out_reasons.add(&seen.decision.reasons);
            }
        }
        Some(Swapped {
            line,
            id,
            direction,
            champion,
            challenger,
        })
    }

    /// Fold in a line the caller could not read (too long, not UTF-8).
    pub fn add_unreadable(&mut self, line: u64, failure: &Failure) {
        self.input.unread(line, failure);
    }

    /// The report.
    pub fn report(&self) -> CompareReport {
        let champion = policy_report(self.champion, &self.tallies[0]);
        let challenger = policy_report(self.challenger, &self.tallies[1]);
        let m = self.swap.matrix.decided();
        let both_decided = self.swap.matrix.both_decided();
        let mut swap_in = Counts::default();
        let mut swap_out = Counts::default();
        let mut champion_approved = Counts::default();
        let mut challenger_approved = Counts::default();
        for (a, row) in m.iter().enumerate() {
            for (b, cell) in row.iter().enumerate() {
                if a == 0 {
                    champion_approved.merge(*cell);
                }
                if b == 0 {
                    challenger_approved.merge(*cell);
                }
                match (a == 0, b == 0) {
                    (false, true) => swap_in.merge(*cell),
                    (true, false) => swap_out.merge(*cell),
                    _ => {}
                }
            }
        }
        let rate = |c: Counts| ratio(c.total(), both_decided);
        let delta = |a: Option<f64>, b: Option<f64>| a.zip(b).map(|(a, b)| b - a);
        let around = |side: usize, target: Option<f64>| {
            target.map_or((None, None), |t| {
                around_approval_rate(
                    &self.tallies[side].cut_scores,
                    self.tallies[side].decided(),
                    t,
                )
            })
        };
        let (champion_below, champion_above) = around(0, challenger.approval_rate);
        let (challenger_below, challenger_above) = around(1, champion.approval_rate);
        let swap = SwapReport {
            both_decided,
            matrix: m.map(|row| row.map(|c| c.total())),
            failed: self.swap.matrix.failed(),
            swap_in: SwapSet {
                size: share(swap_in.total(), both_decided),
                bad_rate: bad_rate(swap_in),
            },
            swap_out: SwapSet {
                size: share(swap_out.total(), both_decided),
                bad_rate: bad_rate(swap_out),
            },
            swap_out_reasons: reason_rows(self.swap.swap_out_reasons.iter(), swap_out.total()),
            approval_rate_delta: delta(rate(champion_approved), rate(challenger_approved)),
            bad_rate_delta: delta(champion_approved.bad_rate(), challenger_approved.bad_rate()),
            at_other_approval_rate: AtOther {
                champion: champion_below,
                challenger: challenger_below,
                champion_above,
                challenger_above,
            },
        };
        CompareReport {
            format: "underwrite.compare".to_string(),
            version: REPORT_VERSION,
            input: self.input.summary(),
            champion,
            challenger,
            swap,
            split: self.split.as_ref().map(SplitTally::report),
        }
    }
}

impl SplitTally {
    fn route(&mut self, id: Option<&RawValue>, label: Label, outcomes: [Option<Outcome>; 2]) {
        let Some(arm) = id.and_then(|id| self.split.arm_of_id(id.get())) else {
            self.unroutable += 1;
            return;
        };
        let side = match arm {
            Arm::Champion => 0,
            Arm::Challenger => 1,
        };
        match outcomes[side] {
            Some(outcome) => self.arms[side].mix[outcome_index(outcome)].add(label),
            None => self.arms[side].failed += 1,
        }
    }

    fn report(&self) -> SplitReport {
        let routed: u64 = self.arms.iter().map(|a| a.decided() + a.failed).sum();
        let arm = |a: &ArmTally| {
            let decided = a.decided();
            ArmReport {
                size: share(decided + a.failed, routed),
                failed: a.failed,
                decisions: mix(&a.mix),
                approval_rate: ratio(a.mix[0].total(), decided),
                bad_rate_approved: bad_rate(a.mix[0]),
            }
        };
        SplitReport {
            salt: self.split.salt().to_string(),
            champion_percent: self.split.champion_percent(),
            unroutable: self.unroutable,
            champion: arm(&self.arms[0]),
            challenger: arm(&self.arms[1]),
        }
    }
}
