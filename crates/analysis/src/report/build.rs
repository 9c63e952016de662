//! From tallies to reports: the one place rates and statistics are computed from counts.

use underwrite_core::policy::Policy;

use super::{
    BadRate, CutoffPoint, Cutoffs, DecisionMix, Distributions, FeatureDistribution, KnockoutRow,
    PolicyName, PolicyReport, ReasonRow, ScoreBand, ScoreReport, Share, StrategyRow,
};
use crate::scores::ScoreCounts;
use crate::stats::{self, ratio, Counts};
use crate::tally::PolicyTally;

/// The most bands a histogram or strategy table is cut into.
const MAX_BANDS: i64 = 20;

pub(crate) fn share(count: u64, of: u64) -> Share {
    Share {
        count,
        share: ratio(count, of),
    }
}

pub(crate) fn bad_rate(c: Counts) -> BadRate {
    BadRate {
        bad: c.bad,
        labelled: c.labelled(),
        rate: c.bad_rate(),
    }
}

pub(crate) fn policy_name(policy: &Policy) -> PolicyName {
    let id = policy.id();
    PolicyName {
        name: id.name.clone(),
        version: id.version.clone(),
        sha256: id.hash.clone(),
    }
}

pub(crate) fn mix(counts: &[Counts; 3]) -> DecisionMix {
    let decided: u64 = counts.iter().map(|c| c.total()).sum();
    DecisionMix {
        approve: share(counts[0].total(), decided),
        review: share(counts[1].total(), decided),
        reject: share(counts[2].total(), decided),
    }
}

/// The report of one policy's tally.
pub(crate) fn policy_report(policy: &Policy, tally: &PolicyTally) -> PolicyReport {
    let decided = tally.decided();
    PolicyReport {
        policy: policy_name(policy),
        cutoffs: policy.cutoffs().map(|c| Cutoffs {
            approve: c.approve_at,
            review: c.review_at,
        }),
        decided,
        failures: tally.failures.counts(),
        decisions: mix(&tally.mix),
        approval_rate: ratio(tally.mix[0].total(), decided),
        bad_rate_approved: bad_rate(tally.mix[0]),
        bad_rate_by_decision: [
            bad_rate(tally.mix[0]),
            bad_rate(tally.mix[1]),
            bad_rate(tally.mix[2]),
        ],
        score: score_report(&tally.scores, policy.cutoffs().map_or(0, |c| c.approve_at)),
        strategy: strategy(
            &tally.cut_scores,
            decided,
            policy.cutoffs().map(|c| c.approve_at),
        ),
        knockouts: policy
            .knockouts()
            .zip(&tally.knockouts)
            .map(|(rule, t)| KnockoutRow {
                id: rule.id.to_string(),
                outcome: rule.outcome,
                code: rule.reason.code.clone(),
                fired: share(t.fired.total(), decided),
                alone: t.alone,
                bad_rate: bad_rate(t.fired),
            })
            .collect(),
        reasons: reason_rows(tally.reasons.iter(), decided),
        distributions: Distributions {
            score_cell_width: tally.scores.width(),
            score: tally
                .scores
                .cells()
                .iter()
                .map(|(s, c)| [*s, saturate(c.good), saturate(c.bad), saturate(c.unknown)])
                .collect(),
            features: policy
                .inputs()
                .iter()
                .zip(&tally.inputs)
                .map(|((name, _), bins)| FeatureDistribution {
                    name: (*name).to_string(),
                    bins: bins.iter().map(|(b, n)| (b.to_string(), *n)).collect(),
                })
                .collect(),
        },
    }
}

fn saturate(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// The band width for `[min, max]`: at most [`MAX_BANDS`] bands, 1, 2 or 5 × 10ⁿ wide while
/// every score has its own cell, else the cell width times a power of two (bands then never
/// split a cell).
fn band_width(min: i64, max: i64, cell_width: i64) -> i64 {
    let span = i128::from(max) - i128::from(min) + 1;
    let covers = |width: i128| width * i128::from(MAX_BANDS) >= span;
    let cell = i128::from(cell_width.max(1));
    let mut width = cell;
    if cell == 1 {
        'search: for exp in 0..19u32 {
            for m in [1i128, 2, 5] {
                width = m * 10i128.pow(exp);
                if covers(width) {
                    break 'search;
                }
            }
        }
    }
    while !covers(width) {
        width *= 2;
    }
    i64::try_from(width).unwrap_or(i64::MAX)
}

/// The cells grouped into bands `[from, from + width)`, ascending, with band edges at
/// `origin + k·width` (the approve cut-off when there is one, so that a band never straddles it).
fn bands(cells: &[(i64, Counts)], width: i64, origin: i64) -> Vec<(i64, Counts)> {
    let mut out: Vec<(i64, Counts)> = Vec::new();
    for (score, c) in cells {
        let offset = i128::from(*score) - i128::from(origin);
        let from = i128::from(origin) + offset.div_euclid(i128::from(width)) * i128::from(width);
        let from = i64::try_from(from).unwrap_or(if from < 0 { i64::MIN } else { i64::MAX });
        match out.last_mut() {
            Some((f, acc)) if *f == from => acc.merge(*c),
            _ => out.push((from, *c)),
        }
    }
    out
}

fn score_report(scores: &ScoreCounts, origin: i64) -> Option<ScoreReport> {
    let cells = scores.cells();
    let (min, max) = (
        cells.first()?.0,
        cells.last()?.0.saturating_add(scores.width() - 1),
    );
    let scored = scores.total().total();
    let sum: i128 = cells
        .iter()
        .map(|(s, c)| i128::from(*s) * i128::from(c.total()))
        .sum();
    let width = band_width(min, max, scores.width());
    let auc = stats::auc(&cells);
    Some(ScoreReport {
        scored,
        min,
        max,
        mean: sum as f64 / scored as f64,
        cell_width: scores.width(),
        histogram: bands(&cells, width, origin)
            .into_iter()
            .map(|(from, c)| ScoreBand {
                from,
                to: from.saturating_add(width),
                count: c.total(),
                bad: c.bad,
                good: c.good,
            })
            .collect(),
        ks: stats::ks(&cells),
        auc,
        gini: auc.map(|a| 2.0 * a - 1.0),
    })
}

/// The strategy table, highest band first.
fn strategy(cut_scores: &ScoreCounts, decided: u64, approve_at: Option<i64>) -> Vec<StrategyRow> {
    let cells = cut_scores.cells();
    let (Some(first), Some(last)) = (cells.first(), cells.last()) else {
        return Vec::new();
    };
    let width = band_width(
        first.0,
        last.0.saturating_add(cut_scores.width() - 1),
        cut_scores.width(),
    );
    let mut cumulative = Counts::default();
    // Bands start at the approve cut-off, so the policy's row is the lowest band at or above
    // it: its cumulative approval rate is the policy's own.
    let origin = approve_at.unwrap_or(0);
    let banded = bands(&cells, width, origin);
    let policy_row = approve_at.and_then(|a| {
        banded
            .iter()
            .find(|(from, _)| *from >= a)
            .map(|(from, _)| *from)
    });
    banded
        .into_iter()
        .rev()
        .map(|(from, c)| {
            cumulative.merge(c);
            let to = from.saturating_add(width);
            StrategyRow {
                from,
                to,
                count: c.total(),
                bad_rate: bad_rate(c),
                odds: (c.bad > 0).then(|| c.good as f64 / c.bad as f64),
                cumulative_count: cumulative.total(),
                approval_rate: ratio(cumulative.total(), decided),
                cumulative_bad_rate: bad_rate(cumulative),
                policy_cutoff: policy_row == Some(from),
            }
        })
        .collect()
}

/// The policy's points on its strategy curve either side of the approval rate `target`, its
/// approve cut-off moved and its knock-outs kept: the highest rate not above the target, and
/// the lowest above it (scores come in lumps, so the two can be far apart).
pub(crate) fn around_approval_rate(
    cut_scores: &ScoreCounts,
    decided: u64,
    target: f64,
) -> (Option<CutoffPoint>, Option<CutoffPoint>) {
    let mut cumulative = Counts::default();
    let mut below = None;
    for (score, c) in cut_scores.cells().iter().rev() {
        cumulative.merge(*c);
        let Some(rate) = ratio(cumulative.total(), decided) else {
            break;
        };
        let point = CutoffPoint {
            cutoff: *score,
            approval_rate: rate,
            bad_rate: bad_rate(cumulative),
        };
        if rate > target + 1e-12 {
            return (below, Some(point));
        }
        below = Some(point);
    }
    (below, None)
}

/// Reason rows from a count map, most frequent first.
pub(crate) fn reason_rows<'a>(
    counts: impl IntoIterator<Item = (&'a String, &'a u64)>,
    of: u64,
) -> Vec<ReasonRow> {
    let mut rows: Vec<ReasonRow> = counts
        .into_iter()
        .map(|(code, n)| ReasonRow {
            code: code.clone(),
            given: share(*n, of),
        })
        .collect();
    rows.sort_by(|a, b| b.given.count.cmp(&a.given.count).then(a.code.cmp(&b.code)));
    rows
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::Label;

    #[test]
    fn band_widths_are_1_2_5_steps_covering_the_span_in_at_most_20_bands() {
        assert_eq!(band_width(600, 660, 1), 5);
        assert_eq!(band_width(600, 600, 1), 1);
        assert_eq!(band_width(0, 999, 1), 50);
        assert_eq!(band_width(0, 999, 64), 64);
        assert_eq!(band_width(0, 99_999, 64), 8192);
        assert!(i128::from(band_width(i64::MIN, i64::MAX, 1)) * 20 >= i128::from(u64::MAX));
    }

    #[test]
    fn extreme_scores_make_a_report_without_overflow() {
        let mut scores = ScoreCounts::default();
        scores.add(i64::MIN, Label::Bad);
        scores.add(i64::MAX, Label::Good);
        scores.add(0, Label::Unknown);
        let report = score_report(&scores, 0).unwrap();
        assert_eq!(report.histogram.iter().map(|b| b.count).sum::<u64>(), 3);
        assert_eq!(report.auc, Some(1.0));
        let rows = strategy(&scores, 3, Some(i64::MAX));
        assert_eq!(rows.iter().map(|r| r.count).sum::<u64>(), 3);
        assert_eq!(rows.last().unwrap().cumulative_count, 3);
        let (below, above) = around_approval_rate(&scores, 3, 0.5);
        assert_eq!(below.map(|p| p.cutoff), Some(i64::MAX));
        assert_eq!(above.map(|p| p.cutoff), Some(0));
    }
}
