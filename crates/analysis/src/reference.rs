//! The reference a PSI compares against: another run of a policy over another input, or the
//! distributions a saved `backtest --json` report holds.
//!
//! PSI groups are the reference's: the score and every ordered feature family (numbers,
//! bands) are cut into up to [`GROUPS`] runs of equal reference count (its deciles), plus one
//! run above the highest value the reference saw; missing, never, `true`, `false` and text are
//! groups of their own. A value the reference never saw falls in the run its value belongs to,
//! or in the run above the reference's range, so nothing new goes uncounted or unflagged.

use std::collections::BTreeMap;

use underwrite_core::policy::Policy;

use crate::report::{
    BacktestReport, PolicyName, PsiBin, PsiRow, ReferenceName, StabilityReport, REPORT_VERSION,
};
use crate::scores::MAX_CELLS;
use crate::stats::{self, group_of, quantile_boundaries, Stability};
use crate::tally::PolicyTally;
use crate::values::{Family, ValueBin};

/// The most groups a PSI compares.
pub(crate) const GROUPS: usize = 10;

/// Largest saved report read as a reference, in bytes.
pub const MAX_REFERENCE_BYTES: usize = 8 << 20;

/// Distributions to compare a run with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    policy: PolicyName,
    decided: u64,
    /// Score → decisions, ascending; each cell holds `score_width` scores from its key.
    scores: Vec<(i64, u64)>,
    score_width: i64,
    /// Feature name → bin → decisions.
    features: BTreeMap<String, BTreeMap<ValueBin, u64>>,
}

/// Why a saved report cannot be a reference.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReferenceError {
    /// Larger than [`MAX_REFERENCE_BYTES`].
    #[error("a saved report is at most {MAX_REFERENCE_BYTES} bytes; this one is {0}")]
    TooLarge(usize),
    /// Not the JSON of a `backtest` report.
    #[error("not a saved `underwrite backtest --json` report: {0}")]
    NotABacktest(String),
    /// A report of another schema version.
    #[error("a saved report of version {found}; this underwrite reads version {REPORT_VERSION}")]
    Version {
        /// The version found.
        found: u32,
    },
    /// Counts (of one feature's bins, or of the scores) adding up past `u64::MAX`: no run
    /// decides that many applications, and the PSI's totals could not be formed.
    #[error("{what}: the counts add up to more than {}", u64::MAX)]
    CountsOverflow {
        /// What overflowed: `score`, or a feature by its name.
        what: String,
    },
    /// More score cells than a run ever keeps ([`MAX_CELLS`]).
    #[error("{0} score cells; a saved report has at most {MAX_CELLS}")]
    TooManyCells(usize),
    /// A score cell with a negative count.
    #[error("score {score}: a negative count")]
    NegativeCount {
        /// The cell's score.
        score: i64,
    },
    /// A bin name no bin has.
    #[error("feature `{feature}`: unknown bin `{bin}`")]
    BadBin {
        /// The feature.
        feature: String,
        /// The bin name.
        bin: String,
    },
}

/// The fields that say what a saved document is.
#[derive(serde::Deserialize)]
struct Header {
    format: Option<String>,
    version: Option<u64>,
}

/// Whether `text` is a saved report (of any format or version) rather than JSON Lines of
/// history: one JSON object with a `format` key. A history file's first line is an object
/// too, but what follows it makes the whole text no single JSON document.
pub fn is_saved_report(text: &str) -> bool {
    serde_json::from_str::<Header>(text).is_ok_and(|h| h.format.is_some())
}

impl Reference {
    /// Read a saved `backtest --json` report.
    pub fn from_json(text: &str) -> Result<Reference, ReferenceError> {
        if text.len() > MAX_REFERENCE_BYTES {
            return Err(ReferenceError::TooLarge(text.len()));
        }
        // The header first, skipping the rest unread, so a wrong file is named as such; then
        // the report straight into its types, never through a `serde_json::Value` (which
        // would take many times the text's size).
        let head: Header =
            serde_json::from_str(text).map_err(|e| ReferenceError::NotABacktest(e.to_string()))?;
        if head.format.as_deref() != Some("underwrite.backtest") {
            return Err(ReferenceError::NotABacktest(format!(
                "`format` is {:?}, not \"underwrite.backtest\"",
                head.format.unwrap_or_default()
            )));
        }
        let version = head.version.unwrap_or(0);
        if version != u64::from(REPORT_VERSION) {
            return Err(ReferenceError::Version {
                found: u32::try_from(version).unwrap_or(u32::MAX),
            });
        }
        let report: BacktestReport =
            serde_json::from_str(text).map_err(|e| ReferenceError::NotABacktest(e.to_string()))?;
        Reference::of_report(&report)
    }

    /// The reference a report's distributions give.
    pub fn of_report(report: &BacktestReport) -> Result<Reference, ReferenceError> {
        let p = &report.policy;
        let mut features = BTreeMap::new();
        // Every total a PSI forms from these counts (a feature's, the scores', any group's)
        // is at most the sum checked here, so checking it once keeps the PSI from overflowing.
        for f in &p.distributions.features {
            let mut bins = BTreeMap::new();
            let mut total = 0u64;
            for (name, n) in &f.bins {
                let bin = ValueBin::parse(name).ok_or_else(|| ReferenceError::BadBin {
                    feature: f.name.clone(),
                    bin: name.clone(),
                })?;
                total = total
                    .checked_add(*n)
                    .ok_or_else(|| ReferenceError::CountsOverflow {
                        what: format!("feature `{}`", f.name),
                    })?;
                // At most `total`, which fits.
                *bins.entry(bin).or_insert(0u64) += n;
            }
            features.insert(f.name.clone(), bins);
        }
        if p.distributions.score.len() > MAX_CELLS {
            return Err(ReferenceError::TooManyCells(p.distributions.score.len()));
        }
        let mut scores: BTreeMap<i64, u64> = BTreeMap::new();
        let mut total = 0u64;
        for [score, good, bad, unknown] in &p.distributions.score {
            let mut n = 0u64;
            for c in [good, bad, unknown] {
                let c = u64::try_from(*c)
                    .map_err(|_| ReferenceError::NegativeCount { score: *score })?;
                total = total
                    .checked_add(c)
                    .ok_or_else(|| ReferenceError::CountsOverflow {
                        what: "score".to_string(),
                    })?;
                // At most `total`, which fits.
                n += c;
            }
            // At most `total`, which fits.
            *scores.entry(*score).or_insert(0) += n;
        }
        Ok(Reference {
            policy: p.policy.clone(),
            decided: p.decided,
            scores: scores.into_iter().collect(),
            score_width: p.distributions.score_cell_width.max(1),
            features,
        })
    }

    pub(crate) fn of_tally(policy: &Policy, tally: &PolicyTally) -> Reference {
        Reference {
            policy: crate::report::policy_name(policy),
            decided: tally.decided(),
            scores: tally
                .scores
                .cells()
                .iter()
                .map(|(s, c)| (*s, c.total()))
                .collect(),
            score_width: tally.scores.width(),
            features: policy
                .inputs()
                .iter()
                .zip(&tally.inputs)
                .map(|((name, _), bins)| ((*name).to_string(), bins.clone()))
                .collect(),
        }
    }

    /// PSI of `tally` (a run of `policy`) against this reference.
    pub(crate) fn stability(&self, policy: &Policy, tally: &PolicyTally) -> StabilityReport {
        let actual_scores: Vec<(i64, u64)> = tally
            .scores
            .cells()
            .iter()
            .map(|(s, c)| (*s, c.total()))
            .collect();
        let features = policy
            .inputs()
            .iter()
            .zip(&tally.inputs)
            .map(|((name, _), bins)| match self.features.get(*name) {
                Some(reference) => feature_psi(name, reference, bins),
                None => PsiRow {
                    name: (*name).to_string(),
                    psi: None,
                    flag: None,
                    bins: Vec::new(),
                },
            })
            .collect();
        StabilityReport {
            reference: ReferenceName {
                policy: self.policy.clone(),
                decided: self.decided,
            },
            score: (!self.scores.is_empty() && !actual_scores.is_empty())
                .then(|| score_psi(&self.scores, self.score_width, &actual_scores)),
            features,
        }
    }
}

/// Shares and the PSI of groups given as (label, expected, actual).
fn psi_row(name: &str, groups: Vec<(String, u64, u64)>) -> PsiRow {
    let expected: Vec<u64> = groups.iter().map(|g| g.1).collect();
    let actual: Vec<u64> = groups.iter().map(|g| g.2).collect();
    let (e_total, a_total): (u64, u64) = (expected.iter().sum(), actual.iter().sum());
    let psi = stats::psi(&expected, &actual);
    PsiRow {
        name: name.to_string(),
        psi,
        flag: psi.map(Stability::of),
        bins: groups
            .into_iter()
            .map(|(label, e, a)| PsiBin {
                label,
                reference: stats::ratio(e, e_total).unwrap_or(0.0),
                actual: stats::ratio(a, a_total).unwrap_or(0.0),
            })
            .collect(),
    }
}

/// The reference's quantile boundaries, closed by its highest key, so that values above
/// anything the reference saw form a group of their own (which the reference has none of).
fn boundaries<K: Ord + Copy>(reference: &[(K, u64)]) -> Vec<K> {
    let mut bounds = quantile_boundaries(reference, GROUPS);
    if let Some((last, _)) = reference.iter().rev().find(|(_, n)| *n > 0) {
        if bounds.last() != Some(last) {
            bounds.push(*last);
        }
    }
    bounds
}

fn score_psi(reference: &[(i64, u64)], width: i64, actual: &[(i64, u64)]) -> PsiRow {
    let mut bounds = boundaries(reference);
    // A merged top cell reaches `width − 1` above its key: those scores are not "above".
    if let Some(last) = bounds.last_mut() {
        *last = last.saturating_add(width - 1);
    }
    let mut groups: Vec<(String, u64, u64)> = (0..=bounds.len())
        .map(|g| {
            let label = match (g.checked_sub(1).map(|p| bounds[p]), bounds.get(g)) {
                (None, Some(hi)) => format!("≤ {hi}"),
                (Some(lo), Some(hi)) if lo + 1 == *hi => format!("{hi}"),
                (Some(lo), Some(hi)) => format!("{}–{hi}", lo + 1),
                (Some(lo), None) => format!("> {lo}"),
                (None, None) => "all".to_string(),
            };
            (label, 0, 0)
        })
        .collect();
    for (score, n) in reference {
        groups[group_of(&bounds, score)].1 += n;
    }
    for (score, n) in actual {
        groups[group_of(&bounds, score)].2 += n;
    }
    psi_row("score", groups)
}

fn feature_psi(
    name: &str,
    reference: &BTreeMap<ValueBin, u64>,
    actual: &BTreeMap<ValueBin, u64>,
) -> PsiRow {
    // Each ordered family cut at the reference's quantiles within it.
    let mut bounds: BTreeMap<Family, Vec<ValueBin>> = BTreeMap::new();
    for family in [Family::Number, Family::Band] {
        let cells: Vec<(ValueBin, u64)> = reference
            .iter()
            .filter(|(b, _)| b.family() == family)
            .map(|(b, n)| (*b, *n))
            .collect();
        bounds.insert(family, boundaries(&cells));
    }
    let key = |bin: &ValueBin| -> (Family, usize) {
        let family = bin.family();
        match bounds.get(&family) {
            Some(b) => (family, group_of(b, bin)),
            None => (family, 0),
        }
    };
    // (expected, actual, lowest bin seen, highest bin seen)
    let mut groups: BTreeMap<(Family, usize), (u64, u64, ValueBin, ValueBin)> = BTreeMap::new();
    for (side, cells) in [(0, reference), (1, actual)] {
        for (bin, n) in cells {
            let g = groups.entry(key(bin)).or_insert((0, 0, *bin, *bin));
            if side == 0 {
                g.0 += n;
            } else {
                g.1 += n;
            }
            g.2 = g.2.min(*bin);
            g.3 = g.3.max(*bin);
        }
    }
    let groups = groups
        .into_values()
        .map(|(e, a, lo, hi)| {
            let label = if lo == hi {
                lo.to_string()
            } else {
                format!("{lo}–{hi}")
            };
            (label, e, a)
        })
        .collect();
    psi_row(name, groups)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// A saved report of nothing, with `score` cells and `version` as given.
    fn saved(version: u32, score: &str) -> String {
        let empty = crate::report::DecisionMix::default();
        let report = serde_json::json!({
            "format": "underwrite.backtest", "version": version,
            "input": {"lines": 0, "read": 0, "labelled": 0, "bad": 0, "failures": []},
            "policy": {
                "policy": {"name": "p", "version": "1", "sha256": "00"}, "cutoffs": null,
                "decided": 0, "failures": [], "decisions": empty, "approval_rate": null,
                "bad_rate_approved": {"bad": 0, "labelled": 0, "rate": null},
                "bad_rate_by_decision": [{"bad": 0, "labelled": 0, "rate": null},
                    {"bad": 0, "labelled": 0, "rate": null}, {"bad": 0, "labelled": 0, "rate": null}],
                "score": null, "strategy": [], "knockouts": [], "reasons": [],
                "distributions": {"score_cell_width": 1, "score": [], "features": []}
            }
        });
        serde_json::to_string(&report)
            .unwrap()
            .replace(r#""score":[]"#, &format!(r#""score":{score}"#))
    }

    #[test]
    fn saved_reports_are_checked_before_use() {
        assert!(Reference::from_json(&saved(1, "[[600, 1, 2, 3]]")).is_ok());
        assert_eq!(
            Reference::from_json(&saved(1, "[[600, -1, 2, 3]]")),
            Err(ReferenceError::NegativeCount { score: 600 })
        );
        assert_eq!(
            Reference::from_json(&saved(2, "[]")),
            Err(ReferenceError::Version { found: 2 })
        );
        let compare = saved(1, "[]").replace("underwrite.backtest", "underwrite.compare");
        assert!(matches!(
            Reference::from_json(&compare),
            Err(ReferenceError::NotABacktest(_))
        ));
        assert!(matches!(
            Reference::from_json("[1, 2"),
            Err(ReferenceError::NotABacktest(_))
        ));
    }
}
