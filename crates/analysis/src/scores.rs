//! Scores counted exactly, by label, in bounded memory.
//!
//! Every distinct score has its own cell while there are at most [`MAX_CELLS`] of them, which a
//! scorecard (a base plus a handful of points per characteristic) never comes near. Past that a
//! hostile or unusual policy would grow memory with the input, so the cells merge pairwise into
//! groups twice as wide (scores then count by the group's lowest score), as often as needed;
//! reports say the width. Statistics on merged cells treat a group as one score.

use std::collections::BTreeMap;

use crate::stats::Counts;
use crate::Label;

/// The most cells kept before neighbours merge.
pub const MAX_CELLS: usize = 1 << 14;

/// Counts per score.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScoreCounts {
    /// Scores in one cell: 1 until cells merge.
    width: i64,
    /// Cell's lowest score → counts.
    cells: BTreeMap<i64, Counts>,
}

impl Default for ScoreCounts {
    fn default() -> Self {
        ScoreCounts {
            width: 1,
            cells: BTreeMap::new(),
        }
    }
}

impl ScoreCounts {
    /// Count one application's score.
    pub fn add(&mut self, score: i64, label: Label) {
        let key = self.key(score);
        self.cells.entry(key).or_default().add(label);
        while self.cells.len() > MAX_CELLS {
            self.widen();
        }
    }

    /// How many scores one cell holds.
    pub fn width(&self) -> i64 {
        self.width
    }

    /// The cells, ascending: (lowest score of the cell, counts).
    pub fn cells(&self) -> Vec<(i64, Counts)> {
        self.cells.iter().map(|(k, c)| (*k, *c)).collect()
    }

    /// Every application counted.
    pub fn total(&self) -> Counts {
        let mut all = Counts::default();
        for c in self.cells.values() {
            all.merge(*c);
        }
        all
    }

    fn key(&self, score: i64) -> i64 {
        score.div_euclid(self.width).saturating_mul(self.width)
    }

    fn widen(&mut self) {
        self.width = self.width.saturating_mul(2);
        let old = std::mem::take(&mut self.cells);
        for (score, counts) in old {
            let key = self.key(score);
            self.cells.entry(key).or_default().merge(counts);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_count_exactly_until_the_cap_then_merge_pairwise() {
        let mut s = ScoreCounts::default();
        s.add(600, Label::Bad);
        s.add(600, Label::Good);
        s.add(-3, Label::Unknown);
        assert_eq!(s.width(), 1);
        assert_eq!(
            s.cells(),
            vec![
                (
                    -3,
                    Counts {
                        good: 0,
                        bad: 0,
                        unknown: 1
                    }
                ),
                (
                    600,
                    Counts {
                        good: 1,
                        bad: 1,
                        unknown: 0
                    }
                ),
            ]
        );
        let mut wide = ScoreCounts::default();
        for score in 0..(MAX_CELLS as i64 * 3) {
            wide.add(score, Label::Good);
        }
        assert!(wide.cells().len() <= MAX_CELLS);
        assert_eq!(wide.width(), 4);
        assert_eq!(
            wide.total().good,
            MAX_CELLS as u64 * 3,
            "nothing lost in merging"
        );
        assert!(wide.cells().iter().all(|(k, _)| k % 4 == 0));
        let mut extreme = ScoreCounts::default();
        extreme.add(i64::MIN, Label::Good);
        extreme.add(i64::MAX, Label::Bad);
        assert_eq!(extreme.total().labelled(), 2);
    }
}
