//! The statistics: counts by label, KS, AUC, PSI and the quantile groups PSI compares.
//!
//! Everything works on exact counts per score (or per bin), never on samples, so a statistic of
//! a million applications costs as much as one of a thousand with the same scores. Rates and
//! statistics are `f64`: they are ratios of counts, not money.

/// Applications counted by their observed label.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Labelled good.
    pub good: u64,
    /// Labelled bad.
    pub bad: u64,
    /// Not labelled.
    pub unknown: u64,
}

impl Counts {
    /// Count one application labelled `label`.
    pub fn add(&mut self, label: crate::Label) {
        match label {
            crate::Label::Good => self.good += 1,
            crate::Label::Bad => self.bad += 1,
            crate::Label::Unknown => self.unknown += 1,
        }
    }

    /// Add another set of counts.
    pub fn merge(&mut self, other: Counts) {
        self.good += other.good;
        self.bad += other.bad;
        self.unknown += other.unknown;
    }

    /// Every application counted.
    pub fn total(self) -> u64 {
        self.good + self.bad + self.unknown
    }

    /// The labelled ones.
    pub fn labelled(self) -> u64 {
        self.good + self.bad
    }

    /// Bad over labelled; `None` with nothing labelled.
    pub fn bad_rate(self) -> Option<f64> {
        ratio(self.bad, self.labelled())
    }
}

/// `num / den` as a rate; `None` when `den` is 0.
pub fn ratio(num: u64, den: u64) -> Option<f64> {
    (den > 0).then(|| num as f64 / den as f64)
}

/// The Kolmogorov–Smirnov statistic of the score between bads and goods: the largest gap
/// between their cumulative distributions over the scores. `cells` are (score, counts) in
/// ascending score order; `None` unless there is at least one good and one bad.
pub fn ks(cells: &[(i64, Counts)]) -> Option<f64> {
    let (goods, bads) = label_totals(cells);
    if goods == 0 || bads == 0 {
        return None;
    }
    let (mut cum_good, mut cum_bad, mut best) = (0u64, 0u64, 0f64);
    for (_, c) in cells {
        cum_good += c.good;
        cum_bad += c.bad;
        let gap = (cum_bad as f64 / bads as f64 - cum_good as f64 / goods as f64).abs();
        best = best.max(gap);
    }
    Some(best)
}

/// The area under the ROC curve of the score as a separator of goods (high scores) from bads:
/// the chance that a random good scores above a random bad, ties counting one half (the
/// Mann–Whitney U statistic over goods × bads). 0.5 is no separation; Gini is `2·AUC − 1`.
/// `cells` are (score, counts) in ascending score order; `None` unless there is at least one
/// good and one bad.
pub fn auc(cells: &[(i64, Counts)]) -> Option<f64> {
    let (goods, bads) = label_totals(cells);
    if goods == 0 || bads == 0 {
        return None;
    }
    // Twice the U statistic, in integers: exact whatever the counts' size (u128).
    let (mut bads_below, mut twice_u) = (0u128, 0u128);
    for (_, c) in cells {
        let (good, bad) = (u128::from(c.good), u128::from(c.bad));
        twice_u += 2 * good * bads_below + good * bad;
        bads_below += bad;
    }
    Some(twice_u as f64 / (2.0 * goods as f64 * bads as f64))
}

fn label_totals(cells: &[(i64, Counts)]) -> (u64, u64) {
    cells
        .iter()
        .fold((0, 0), |(g, b), (_, c)| (g + c.good, b + c.bad))
}

/// The smallest share a bin is given in [`psi`], so that an empty bin on one side gives a
/// large but finite term instead of infinity.
pub const PSI_FLOOR: f64 = 1e-4;

/// The population stability index of `actual` against `expected`, bin by bin (the same bins in
/// the same order): `Σ (a − e) · ln(a / e)` over the shares, each share at least
/// [`PSI_FLOOR`]. `None` when either side is empty or the bins differ in number.
pub fn psi(expected: &[u64], actual: &[u64]) -> Option<f64> {
    if expected.len() != actual.len() {
        return None;
    }
    let (e_total, a_total): (u64, u64) = (expected.iter().sum(), actual.iter().sum());
    if e_total == 0 || a_total == 0 {
        return None;
    }
    Some(
        expected
            .iter()
            .zip(actual)
            .map(|(&e, &a)| {
                let e = (e as f64 / e_total as f64).max(PSI_FLOOR);
                let a = (a as f64 / a_total as f64).max(PSI_FLOOR);
                (a - e) * (a / e).ln()
            })
            .sum(),
    )
}

/// How a PSI reads, by the usual thresholds: below 0.1 stable, below 0.25 a shift worth
/// watching, from 0.25 a significant shift.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stability {
    /// PSI below 0.1.
    Stable,
    /// PSI from 0.1 to below 0.25.
    Watch,
    /// PSI of 0.25 or more.
    Shift,
}

impl Stability {
    /// The flag for `psi`.
    pub fn of(psi: f64) -> Stability {
        if psi < 0.1 {
            Stability::Stable
        } else if psi < 0.25 {
            Stability::Watch
        } else {
            Stability::Shift
        }
    }
}

/// Cut ordered `(key, count)` cells (ascending keys) into at most `groups` runs of roughly equal
/// count, the reference's quantiles: returns the last key of each run but the last. A key then
/// belongs to the first run whose last key is at or above it ([`group_of`]); keys above every
/// boundary belong to the last run, so keys the reference never saw still have a group.
pub(crate) fn quantile_boundaries<K: Ord + Copy>(cells: &[(K, u64)], groups: usize) -> Vec<K> {
    let total: u64 = cells.iter().map(|(_, n)| n).sum();
    let mut boundaries = Vec::new();
    if total == 0 || groups < 2 {
        return boundaries;
    }
    let mut cum = 0u64;
    let mut next = 1usize;
    for (i, (key, n)) in cells.iter().enumerate() {
        cum += n;
        let is_last = i + 1 == cells.len();
        // Close a run once it reaches the next quantile; several quantiles inside one heavy
        // cell close one run only.
        if !is_last && (cum as u128) * (groups as u128) >= (next as u128) * (total as u128) {
            boundaries.push(*key);
            while next < groups
                && (cum as u128) * (groups as u128) >= (next as u128) * (total as u128)
            {
                next += 1;
            }
            if next >= groups {
                break;
            }
        }
    }
    boundaries
}

/// The run `key` belongs to, given [`quantile_boundaries`].
pub(crate) fn group_of<K: Ord>(boundaries: &[K], key: &K) -> usize {
    boundaries.partition_point(|b| b < key)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use proptest::prelude::*;

    fn cells(scores: &[(i64, u64, u64)]) -> Vec<(i64, Counts)> {
        let mut v: Vec<(i64, Counts)> = scores
            .iter()
            .map(|&(s, good, bad)| {
                (
                    s,
                    Counts {
                        good,
                        bad,
                        unknown: 0,
                    },
                )
            })
            .collect();
        v.sort_by_key(|c| c.0);
        v
    }

    /// The obvious reference: every (good, bad) pair compared.
    fn naive_auc(goods: &[i64], bads: &[i64]) -> f64 {
        let mut wins = 0.0;
        for g in goods {
            for b in bads {
                wins += if g > b {
                    1.0
                } else if g == b {
                    0.5
                } else {
                    0.0
                };
            }
        }
        wins / (goods.len() * bads.len()) as f64
    }

    /// The obvious reference: the gap at every threshold.
    fn naive_ks(goods: &[i64], bads: &[i64]) -> f64 {
        let mut all: Vec<i64> = goods.iter().chain(bads).copied().collect();
        all.sort_unstable();
        all.iter()
            .map(|t| {
                let fg = goods.iter().filter(|g| *g <= t).count() as f64 / goods.len() as f64;
                let fb = bads.iter().filter(|b| *b <= t).count() as f64 / bads.len() as f64;
                (fb - fg).abs()
            })
            .fold(0.0, f64::max)
    }

    fn tabulate(goods: &[i64], bads: &[i64]) -> Vec<(i64, Counts)> {
        let mut map = std::collections::BTreeMap::<i64, Counts>::new();
        for g in goods {
            map.entry(*g).or_default().good += 1;
        }
        for b in bads {
            map.entry(*b).or_default().bad += 1;
        }
        map.into_iter().collect()
    }

    proptest! {
        #[test]
        fn auc_and_ks_agree_with_pairwise_and_thresholdwise_references(
            goods in proptest::collection::vec(500i64..560, 1..40),
            bads in proptest::collection::vec(480i64..540, 1..40),
        ) {
            let table = tabulate(&goods, &bads);
            prop_assert!((auc(&table).unwrap() - naive_auc(&goods, &bads)).abs() < 1e-12);
            prop_assert!((ks(&table).unwrap() - naive_ks(&goods, &bads)).abs() < 1e-12);
        }

        #[test]
        fn quantile_groups_are_ordered_and_at_most_asked(
            counts in proptest::collection::vec(0u64..1000, 1..60),
            groups in 2usize..12,
        ) {
            let cells: Vec<(i64, u64)> = counts.iter().enumerate().map(|(i, n)| (i as i64, *n)).collect();
            let b = quantile_boundaries(&cells, groups);
            prop_assert!(b.len() < groups);
            prop_assert!(b.windows(2).all(|w| w[0] < w[1]));
            // Every group but the last holds at least one reference count.
            let mut per = vec![0u64; b.len() + 1];
            for (k, n) in &cells { per[group_of(&b, k)] += n; }
            for n in &per[..per.len() - 1] { prop_assert!(*n > 0); }
        }
    }

    /// Reference values from scikit-learn 1.x (`roc_auc_score(~bad, scores)`), SciPy
    /// (`ks_2samp(scores[bad], scores[~bad]).statistic`) and NumPy (PSI by its formula) on the
    /// same deterministic data, computed outside this code.
    #[test]
    fn ks_auc_and_psi_match_scipy_and_scikit_learn() {
        let mut goods = Vec::new();
        let mut bads = Vec::new();
        for i in 0..300i64 {
            let s = 500 + (i * 37) % 101;
            let bad = (i * 13) % 7 == 0 || (s < 530 && i % 3 == 0);
            if bad {
                bads.push(s)
            } else {
                goods.push(s)
            }
        }
        assert_eq!((bads.len(), goods.len()), (68, 232));
        let table = tabulate(&goods, &bads);
        assert!((auc(&table).unwrap() - 0.6739984787018256).abs() < 1e-12);
        assert!((ks(&table).unwrap() - 0.3580121703853955).abs() < 1e-12);
        let psi = psi(&[120, 340, 280, 160, 100], &[90, 300, 310, 200, 100]).unwrap();
        assert!((psi - 0.025616210773580332).abs() < 1e-12);
    }

    #[test]
    fn separation_reads_as_expected_at_the_extremes() {
        let perfect = cells(&[(500, 0, 10), (600, 10, 0)]);
        assert_eq!(auc(&perfect), Some(1.0));
        assert_eq!(ks(&perfect), Some(1.0));
        let none = cells(&[(500, 5, 5)]);
        assert_eq!(auc(&none), Some(0.5));
        assert_eq!(ks(&none), Some(0.0));
        assert_eq!(auc(&cells(&[(500, 3, 0)])), None, "no bads");
        assert_eq!(ks(&[]), None);
    }

    #[test]
    fn psi_is_zero_for_equal_shares_symmetric_and_floored() {
        assert_eq!(psi(&[10, 20, 30], &[1, 2, 3]), Some(0.0));
        let a = psi(&[50, 50], &[80, 20]).unwrap();
        let b = psi(&[80, 20], &[50, 50]).unwrap();
        assert!((a - b).abs() < 1e-12);
        // By hand: (0.8-0.5)·ln(1.6) + (0.2-0.5)·ln(0.4).
        let by_hand = 0.3 * 1.6f64.ln() + (-0.3) * 0.4f64.ln();
        assert!((a - by_hand).abs() < 1e-12);
        let empty_bin = psi(&[100, 0], &[50, 50]).unwrap();
        let floored = (0.5 - 1.0) * (0.5f64).ln() + (0.5 - PSI_FLOOR) * (0.5 / PSI_FLOOR).ln();
        assert!((empty_bin - floored).abs() < 1e-12);
        assert_eq!(psi(&[0, 0], &[1, 1]), None);
        assert_eq!(psi(&[1], &[1, 1]), None);
        assert_eq!(Stability::of(0.05), Stability::Stable);
        assert_eq!(Stability::of(0.1), Stability::Watch);
        assert_eq!(Stability::of(0.25), Stability::Shift);
    }

    #[test]
    fn deciles_of_a_uniform_reference_split_evenly() {
        let cells: Vec<(i64, u64)> = (0..100).map(|i| (i, 1)).collect();
        assert_eq!(
            quantile_boundaries(&cells, 10),
            vec![9, 19, 29, 39, 49, 59, 69, 79, 89]
        );
        // One heavy value takes several quantiles but makes one group.
        let heavy = [(0, 90u64), (1, 5), (2, 5)];
        assert_eq!(quantile_boundaries(&heavy, 10), vec![0]);
        assert_eq!(group_of(&[0, 1], &-5), 0);
        assert_eq!(group_of(&[0, 1], &1), 1);
        assert_eq!(group_of(&[0, 1], &7), 2);
    }
}
