//! `backtest`: one policy over one input, and the reference a later run's PSI compares with.

use underwrite_core::policy::Policy;

use crate::failure::Failure;
use crate::input::InputTally;
use crate::observe::{Observation, Observer};
use crate::reference::Reference;
use crate::report::{BacktestReport, REPORT_VERSION};
use crate::tally::PolicyTally;

/// A backtest being folded, line by line, in input order.
#[derive(Debug, Clone)]
pub struct Backtest<'p> {
    policy: &'p Policy,
    input: InputTally,
    tally: PolicyTally,
}

impl<'p> Backtest<'p> {
    /// A backtest of `policy`; observe its lines with [`Backtest::observer`].
    pub fn new(policy: &'p Policy) -> Backtest<'p> {
        Backtest {
            policy,
            input: InputTally::default(),
            tally: PolicyTally::new(policy),
        }
    }

    /// The observer whose observations [`Backtest::add`] folds.
    pub fn observer(&self) -> Observer<'p> {
        Observer::new(vec![self.policy])
    }

    /// Fold in line `line` (1-based) as [`Backtest::observer`] observed it.
    pub fn add(&mut self, line: u64, observation: &Observation<'_>) {
        match observation {
            Observation::Unread(failure) => self.input.unread(line, failure),
            Observation::Read { label, results, .. } => {
                self.input.read(*label);
                match results.first() {
                    Some(Ok(seen)) => self.tally.add(seen, *label),
                    Some(Err(failure)) => self.tally.failures.add(line, failure),
                    None => {}
                }
            }
        }
    }

    /// Fold in a line the caller could not read (too long, not UTF-8).
    pub fn add_unreadable(&mut self, line: u64, failure: &Failure) {
        self.input.unread(line, failure);
    }

    /// The report, with PSI against `reference` when given.
    pub fn report(&self, reference: Option<&Reference>) -> BacktestReport {
        BacktestReport {
            format: "underwrite.backtest".to_string(),
            version: REPORT_VERSION,
            input: self.input.summary(),
            policy: crate::report::policy_report(self.policy, &self.tally),
            stability: reference.map(|r| r.stability(self.policy, &self.tally)),
        }
    }

    /// This run as a reference for another.
    pub fn reference(&self) -> Reference {
        Reference::of_tally(self.policy, &self.tally)
    }
}
