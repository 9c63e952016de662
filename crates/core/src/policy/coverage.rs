//! Policy test coverage: which rules a policy's tests exercise, as `opa test --coverage` does
//! for Rego.
//!
//! Coverage is computed from two things only: an inventory of the rules a policy has, by id
//! (built by the one function that reads the compiled policy for it, `Policy::inventory`), and
//! the [`Decision`]s the tests produced, read through their traces
//! ([`super::Policy::coverage`]). Nothing here decides, reads a file or prints.
//!
//! # What counts
//!
//! The percentage is covered items / items, where the items are:
//!
//! * each **knock-out**, covered when it fired in at least one decision;
//! * each **scorecard bin**, covered when it was the matched bin of its characteristic in at
//!   least one decision (a catch-all bin, without `when`, counts too: it is the outcome for
//!   applicants no other bin takes);
//! * each non-empty **cut-off band** (`approve`: score ≥ approve cut-off, `review`: between the
//!   cut-offs, `reject`: below the review cut-off), covered when a decision's score fell in it;
//!   with equal cut-offs the review band is empty and is not an item;
//! * the two **fallbacks**, `signals_unavailable` and `no_data`, each covered when a decision was
//!   made on such signals. Every policy has both (written out or the defaults), and they are
//!   decision paths of their own: a different outcome and reason, no score, and only the
//!   knock-outs that read nothing but `kyc.*` run. A policy whose tests never send unavailable
//!   signals has never shown what it does when the provider is down.
//!
//! Every item also records how many decisions evaluated it, so an item that is not covered is
//! either [`Status::Missed`] (evaluated, but never fired / matched / reached) or
//! [`Status::Unexercised`] (no test evaluated it at all: a knock-out that only ever met
//! unavailable signals, a bin behind one that always matched, a band of a scorecard that never
//! ran).
//!
//! Knock-outs and bins are read from the trace: a decision made without one
//! (`DecideOptions { trace: false }`) adds only its band and fallback.

use std::collections::HashMap;

use rust_decimal::Decimal;
use serde::Serialize;

use super::decision::{Decision, Outcome, TraceKind};
use crate::features::FeatureValue;
use crate::signals::SignalStatus;

/// What a policy has that tests can cover, by id. Built from the compiled policy by
/// [`super::Policy::inventory`]; everything else in this module works from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RuleInventory {
    /// Knock-out ids, in policy order.
    pub knockouts: Vec<String>,
    /// Scorecard characteristics, in policy order (empty without a scorecard).
    pub characteristics: Vec<CharacteristicInventory>,
    /// The scorecard's cut-offs (`None` without a scorecard).
    pub cutoffs: Option<Cutoffs>,
    /// The fallbacks the policy has.
    pub fallbacks: Vec<Fallback>,
}

/// One characteristic and its bins.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CharacteristicInventory {
    /// The characteristic's id.
    pub id: String,
    /// Its bins, in order.
    pub bins: Vec<BinInventory>,
}

/// One bin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BinInventory {
    /// The id the trace uses (`characteristic#n`, 1-based).
    pub id: String,
    /// Whether the bin has a `when` (a catch-all has none and is traced only when it matches).
    pub conditional: bool,
}

/// Score cut-offs: `score >= approve_at` approves, `score >= review_at` reviews.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Cutoffs {
    /// Lowest approving score.
    pub approve_at: i64,
    /// Lowest reviewing score.
    pub review_at: i64,
}

impl Cutoffs {
    /// The band a score falls in (the scorecard's own outcome, before knock-outs).
    fn band(self, score: i64) -> Outcome {
        if score >= self.approve_at {
            Outcome::Approve
        } else if score >= self.review_at {
            Outcome::Review
        } else {
            Outcome::Reject
        }
    }

    /// The non-empty bands with their inclusive score ranges, approve first.
    fn bands(self) -> Vec<Target> {
        let mut out = vec![Target::Band {
            band: Outcome::Approve,
            min: Some(self.approve_at),
            max: None,
        }];
        if self.review_at < self.approve_at {
            out.push(Target::Band {
                band: Outcome::Review,
                min: Some(self.review_at),
                max: self.approve_at.checked_sub(1),
            });
        }
        if let Some(max) = self.review_at.checked_sub(1) {
            out.push(Target::Band {
                band: Outcome::Reject,
                min: None,
                max: Some(max),
            });
        }
        out
    }
}

/// A policy's fallbacks, named by their keys in the policy file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Fallback {
    /// `signals_unavailable`: the provider answered `SYSTEM_ERROR` or `SERVICE_UNAVAILABLE`.
    SignalsUnavailable,
    /// `no_data`: the provider answered `NO_DATA`.
    NoData,
}

impl Fallback {
    /// The key in the policy file.
    pub fn as_str(self) -> &'static str {
        match self {
            Fallback::SignalsUnavailable => "signals_unavailable",
            Fallback::NoData => "no_data",
        }
    }

    /// The fallback a signals status applies (`None` on success).
    fn of(status: SignalStatus) -> Option<Fallback> {
        match status {
            SignalStatus::Success => None,
            SignalStatus::NoData => Some(Fallback::NoData),
            SignalStatus::Unavailable(_) => Some(Fallback::SignalsUnavailable),
        }
    }
}

/// What one coverage item is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Target {
    /// A knock-out; covered when it fired.
    Knockout {
        /// Its id.
        id: String,
    },
    /// A scorecard bin; covered when it was its characteristic's matched bin.
    Bin {
        /// Its id as the trace gives it, `characteristic#n` (1-based).
        id: String,
        /// The characteristic's id.
        characteristic: String,
        /// Whether it is a bin without `when`.
        catch_all: bool,
    },
    /// A cut-off band; covered when a score fell in it.
    Band {
        /// The scorecard outcome for scores in the band.
        band: Outcome,
        /// Lowest score in the band (`None`: no lower bound).
        min: Option<i64>,
        /// Highest score in the band (`None`: no upper bound).
        max: Option<i64>,
    },
    /// A fallback; covered when a decision was made on such signals.
    Fallback {
        /// Which one.
        fallback: Fallback,
    },
}

/// Whether an item is covered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Fired, matched, reached or applied in at least one decision.
    Covered,
    /// Evaluated by some decision, but never fired / matched / reached / applied.
    Missed,
    /// No decision evaluated it at all.
    Unexercised,
}

/// One item and how often the tests reached it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CoverageItem {
    /// What the item is.
    #[serde(flatten)]
    pub target: Target,
    /// Covered, missed or unexercised.
    pub status: Status,
    /// Decisions that evaluated it: a knock-out's or bin's condition evaluated (a catch-all
    /// bin reached), a score computed (bands), any decision (fallbacks).
    pub evaluated: usize,
    /// Decisions in which it fired, matched, held the score, or applied.
    pub hits: usize,
}

/// Covered items out of items, for one kind of item or all of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Tally {
    /// Items covered.
    pub covered: usize,
    /// Items.
    pub total: usize,
}

impl Tally {
    fn add(&mut self, item: &CoverageItem) {
        self.total += 1;
        if item.status == Status::Covered {
            self.covered += 1;
        }
    }
}

/// A policy's test coverage (see the [module documentation](self) for what counts).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Coverage {
    /// `covered / total × 100`, rounded down to one decimal place (99.96 % is 99.9 %, so only
    /// full coverage shows 100). 100 when there are no items.
    pub percent: f64,
    /// Items covered.
    pub covered: usize,
    /// Items.
    pub total: usize,
    /// Decisions counted.
    pub decisions: usize,
    /// Knock-outs fired / knock-outs.
    pub knockouts: Tally,
    /// Bins matched / bins.
    pub bins: Tally,
    /// Bands reached / non-empty bands.
    pub bands: Tally,
    /// Fallbacks applied / fallbacks.
    pub fallbacks: Tally,
    /// Every item in policy order: knock-outs, bins, bands (approve, review, reject),
    /// fallbacks (unavailable, no data).
    pub items: Vec<CoverageItem>,
}

impl Coverage {
    /// Coverage of the rules in `inventory` by `decisions` (made by that policy).
    pub(crate) fn compute<'a>(
        inventory: &RuleInventory,
        decisions: impl IntoIterator<Item = &'a Decision>,
    ) -> Coverage {
        let item = |target| CoverageItem {
            target,
            status: Status::Unexercised,
            evaluated: 0,
            hits: 0,
        };
        let mut items: Vec<CoverageItem> = Vec::new();
        let mut knockouts: HashMap<&str, usize> = HashMap::new();
        for id in &inventory.knockouts {
            knockouts.insert(id, items.len());
            items.push(item(Target::Knockout { id: id.clone() }));
        }
        let mut bins: HashMap<&str, usize> = HashMap::new();
        for c in &inventory.characteristics {
            for b in &c.bins {
                bins.insert(&b.id, items.len());
                items.push(item(Target::Bin {
                    id: b.id.clone(),
                    characteristic: c.id.clone(),
                    catch_all: !b.conditional,
                }));
            }
        }
        let bands_at = items.len();
        if let Some(cutoffs) = inventory.cutoffs {
            items.extend(cutoffs.bands().into_iter().map(item));
        }
        let fallbacks_at = items.len();
        items.extend(
            inventory
                .fallbacks
                .iter()
                .map(|&fallback| item(Target::Fallback { fallback })),
        );

        let mut count = 0;
        for d in decisions {
            count += 1;
            for entry in d.trace.iter().flatten() {
                let index = match entry.kind {
                    TraceKind::Knockout => knockouts.get(entry.id.as_str()),
                    TraceKind::Bin => bins.get(entry.id.as_str()),
                    TraceKind::Derived | TraceKind::Fallback => None,
                };
                if let Some(it) = index.and_then(|&i| items.get_mut(i)) {
                    it.evaluated += 1;
                    if entry.result == FeatureValue::Bool(true) {
                        it.hits += 1;
                    }
                }
            }
            if let (Some(score), Some(cutoffs)) = (d.score, inventory.cutoffs) {
                let band = cutoffs.band(score);
                for it in items.get_mut(bands_at..fallbacks_at).into_iter().flatten() {
                    it.evaluated += 1;
                    if matches!(it.target, Target::Band { band: b, .. } if b == band) {
                        it.hits += 1;
                    }
                }
            }
            let applied = Fallback::of(d.signals_status);
            for it in items.get_mut(fallbacks_at..).into_iter().flatten() {
                it.evaluated += 1;
                if matches!(it.target, Target::Fallback { fallback } if Some(fallback) == applied) {
                    it.hits += 1;
                }
            }
        }

        let (mut all, mut k, mut b, mut bands, mut f) = (
            Tally::default(),
            Tally::default(),
            Tally::default(),
            Tally::default(),
            Tally::default(),
        );
        for it in &mut items {
            it.status = if it.hits > 0 {
                Status::Covered
            } else if it.evaluated > 0 {
                Status::Missed
            } else {
                Status::Unexercised
            };
            all.add(it);
            let tally: &mut Tally = match it.target {
                Target::Knockout { .. } => &mut k,
                Target::Bin { .. } => &mut b,
                Target::Band { .. } => &mut bands,
                Target::Fallback { .. } => &mut f,
            };
            tally.add(it);
        }
        Coverage {
            percent: percent_floor(all),
            covered: all.covered,
            total: all.total,
            decisions: count,
            knockouts: k,
            bins: b,
            bands,
            fallbacks: f,
            items,
        }
    }

    /// The items not covered, in policy order.
    pub fn uncovered(&self) -> impl Iterator<Item = &CoverageItem> {
        self.items.iter().filter(|i| i.status != Status::Covered)
    }

    /// Whether coverage is at least `percent`, compared exactly (`covered × 100 ≥ percent ×
    /// total`, no rounding): 2 of 3 items is at least 66.66 % but not 66.67 %.
    pub fn at_least(&self, percent: Decimal) -> bool {
        let covered = Decimal::from(self.covered).checked_mul(Decimal::ONE_HUNDRED);
        let needed = percent.checked_mul(Decimal::from(self.total));
        match (covered, needed) {
            (Some(c), Some(n)) => c >= n,
            _ => false,
        }
    }
}

/// `covered / total` as a percentage rounded down to one decimal place, from integers.
fn percent_floor(t: Tally) -> f64 {
    if t.total == 0 {
        return 100.0;
    }
    let tenths = t.covered.saturating_mul(1000) / t.total;
    // At most 1000: exact in an f64.
    tenths as f64 / 10.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    use crate::policy::decision::{PolicyId, TraceEntry};
    use crate::signals::UnavailableReason;

    fn inventory() -> RuleInventory {
        let bin = |id: &str, conditional| BinInventory {
            id: id.into(),
            conditional,
        };
        RuleInventory {
            knockouts: vec!["ko_a".into(), "ko_b".into()],
            characteristics: vec![CharacteristicInventory {
                id: "c".into(),
                bins: vec![bin("c#1", true), bin("c#2", true), bin("c#3", false)],
            }],
            cutoffs: Some(Cutoffs {
                approve_at: 100,
                review_at: 50,
            }),
            fallbacks: vec![Fallback::SignalsUnavailable, Fallback::NoData],
        }
    }

    fn entry(kind: TraceKind, id: &str, result: bool) -> TraceEntry {
        TraceEntry {
            kind,
            id: id.into(),
            result: FeatureValue::Bool(result),
            read: Vec::new(),
        }
    }

    fn decision(
        status: SignalStatus,
        score: Option<i64>,
        trace: Option<Vec<TraceEntry>>,
    ) -> Decision {
        Decision {
            decision: Outcome::Approve,
            score,
            reasons: Vec::new(),
            policy: Arc::new(PolicyId {
                name: "t".into(),
                version: "1".into(),
                hash: String::new(),
            }),
            signals_status: status,
            trace,
            knockouts_fired: Vec::new(),
        }
    }

    fn status_of(c: &Coverage, wanted: &Target) -> (Status, usize, usize) {
        let it = c.items.iter().find(|i| &i.target == wanted).unwrap();
        (it.status, it.evaluated, it.hits)
    }

    #[test]
    fn items_are_covered_missed_or_unexercised() {
        use TraceKind::{Bin, Knockout};
        let decisions = [
            decision(
                SignalStatus::Success,
                Some(120),
                Some(vec![
                    entry(Knockout, "ko_a", true),
                    entry(Knockout, "ko_b", false),
                    entry(Bin, "c#1", true),
                ]),
            ),
            decision(
                SignalStatus::Success,
                Some(60),
                Some(vec![
                    entry(Knockout, "ko_a", false),
                    entry(Knockout, "ko_b", false),
                    entry(Bin, "c#1", true),
                ]),
            ),
            decision(
                SignalStatus::Unavailable(UnavailableReason::SystemError),
                None,
                Some(vec![]),
            ),
        ];
        let c = Coverage::compute(&inventory(), &decisions);
        let ko = |id: &str| Target::Knockout { id: id.into() };
        let bin = |id: &str, catch_all| Target::Bin {
            id: id.into(),
            characteristic: "c".into(),
            catch_all,
        };
        assert_eq!(status_of(&c, &ko("ko_a")), (Status::Covered, 2, 1));
        assert_eq!(status_of(&c, &ko("ko_b")), (Status::Missed, 2, 0));
        assert_eq!(status_of(&c, &bin("c#1", false)), (Status::Covered, 2, 2));
        assert_eq!(
            status_of(&c, &bin("c#2", false)),
            (Status::Unexercised, 0, 0)
        );
        assert_eq!(
            status_of(&c, &bin("c#3", true)),
            (Status::Unexercised, 0, 0)
        );
        let band = |band, min, max| Target::Band { band, min, max };
        assert_eq!(
            status_of(&c, &band(Outcome::Approve, Some(100), None)),
            (Status::Covered, 2, 1)
        );
        assert_eq!(
            status_of(&c, &band(Outcome::Review, Some(50), Some(99))),
            (Status::Covered, 2, 1)
        );
        assert_eq!(
            status_of(&c, &band(Outcome::Reject, None, Some(49))),
            (Status::Missed, 2, 0)
        );
        let fallback = |fallback| Target::Fallback { fallback };
        assert_eq!(
            status_of(&c, &fallback(Fallback::SignalsUnavailable)),
            (Status::Covered, 3, 1)
        );
        assert_eq!(
            status_of(&c, &fallback(Fallback::NoData)),
            (Status::Missed, 3, 0)
        );
        // 2 knock-outs + 3 bins + 3 bands + 2 fallbacks; covered: ko_a, c#1, approve, review,
        // signals_unavailable.
        assert_eq!((c.covered, c.total, c.decisions), (5, 10, 3));
        assert_eq!(c.percent, 50.0);
        assert_eq!(
            c.knockouts,
            Tally {
                covered: 1,
                total: 2
            }
        );
        assert_eq!(
            c.bins,
            Tally {
                covered: 1,
                total: 3
            }
        );
        assert_eq!(
            c.bands,
            Tally {
                covered: 2,
                total: 3
            }
        );
        assert_eq!(
            c.fallbacks,
            Tally {
                covered: 1,
                total: 2
            }
        );
        assert_eq!(c.uncovered().count(), 5);
    }

    #[test]
    fn equal_cutoffs_leave_no_review_band() {
        let mut inv = inventory();
        inv.cutoffs = Some(Cutoffs {
            approve_at: 10,
            review_at: 10,
        });
        let c = Coverage::compute(&inv, []);
        let bands: Vec<_> = c
            .items
            .iter()
            .filter_map(|i| match i.target {
                Target::Band { band, .. } => Some(band),
                _ => None,
            })
            .collect();
        assert_eq!(bands, [Outcome::Approve, Outcome::Reject]);
        assert_eq!(c.decisions, 0);
        assert!(c.items.iter().all(|i| i.status == Status::Unexercised));
    }

    #[test]
    fn a_decision_without_trace_adds_only_its_band_and_fallback() {
        let c = Coverage::compute(
            &inventory(),
            &[decision(SignalStatus::Success, Some(10), None)],
        );
        assert_eq!(c.knockouts.covered + c.bins.covered, 0);
        assert_eq!(c.bands.covered, 1);
        assert_eq!(
            c.fallbacks,
            Tally {
                covered: 0,
                total: 2
            }
        );
    }

    #[test]
    fn percent_rounds_down_and_at_least_is_exact() {
        let c = |covered, total| Coverage {
            percent: percent_floor(Tally { covered, total }),
            covered,
            total,
            decisions: 0,
            knockouts: Tally::default(),
            bins: Tally::default(),
            bands: Tally::default(),
            fallbacks: Tally::default(),
            items: Vec::new(),
        };
        assert_eq!(c(9999, 10000).percent, 99.9);
        assert_eq!(c(2, 3).percent, 66.6);
        assert_eq!(c(0, 0).percent, 100.0);
        assert!(c(9999, 10000).at_least(Decimal::new(9999, 2)));
        assert!(!c(9999, 10000).at_least(Decimal::ONE_HUNDRED));
        assert!(c(2, 3).at_least(Decimal::new(6666, 2)));
        assert!(!c(2, 3).at_least(Decimal::new(6667, 2)));
        assert!(c(0, 0).at_least(Decimal::ONE_HUNDRED));
    }

    #[test]
    fn coverage_serializes_items_with_their_kind() {
        let c = Coverage::compute(&inventory(), []);
        let json = serde_json::to_value(&c).unwrap();
        assert_eq!(
            json["items"][2],
            serde_json::json!({
                "kind": "bin", "id": "c#1", "characteristic": "c", "catch_all": false,
                "status": "unexercised", "evaluated": 0, "hits": 0
            })
        );
        assert_eq!(
            json["items"][6],
            serde_json::json!({
                "kind": "band", "band": "review", "min": 50, "max": 99,
                "status": "unexercised", "evaluated": 0, "hits": 0
            })
        );
        assert_eq!(json["items"][9]["fallback"], "no_data");
        assert_eq!(json["bins"], serde_json::json!({"covered": 0, "total": 3}));
    }
}
