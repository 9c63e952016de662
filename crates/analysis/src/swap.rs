//! The swap matrix: each application's outcome on one side (the champion, or the outcome as
//! logged) against its outcome on the other (the challenger, or the outcome decided again now),
//! a failure to decide on either side included.
//!
//! `compare` folds champion against challenger into it; `underwrite replay` folds each logged
//! outcome against the outcome its policy gives now. One type, so the two reports count swaps,
//! failures and changes the same way.

use underwrite_core::policy::Outcome;

use crate::report::FailedSides;
use crate::stats::Counts;
use crate::Label;

/// The outcomes in the matrix's order.
const OUTCOMES: [Outcome; 3] = [Outcome::Approve, Outcome::Review, Outcome::Reject];
/// The row and column of a failure to decide.
const FAILED: usize = 3;

/// Outcomes before (rows) against outcomes after (columns), each cell counted by label; a side
/// that failed to decide is `None`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SwapMatrix {
    /// `cells[before][after]`: approve, review, reject, then failed.
    cells: [[Counts; 4]; 4],
}

/// The index of an outcome (the tallies' order), or of a failure.
fn index(outcome: Option<Outcome>) -> usize {
    outcome.map_or(FAILED, crate::tally::outcome_index)
}

impl SwapMatrix {
    /// Count one application: its outcome before and after (`None`: it failed to decide), and
    /// its label.
    pub fn add(&mut self, before: Option<Outcome>, after: Option<Outcome>, label: Label) {
        self.cells[index(before)][index(after)].add(label);
    }

    /// The applications of one cell.
    pub fn cell(&self, before: Option<Outcome>, after: Option<Outcome>) -> Counts {
        self.cells[index(before)][index(after)]
    }

    /// The cells where both sides decided, `[before][after]` in the order approve, review,
    /// reject.
    pub fn decided(&self) -> [[Counts; 3]; 3] {
        OUTCOMES.map(|before| OUTCOMES.map(|after| self.cell(Some(before), Some(after))))
    }

    /// Applications both sides decided.
    pub fn both_decided(&self) -> u64 {
        self.decided().iter().flatten().map(|c| c.total()).sum()
    }

    /// Applications one side or both failed: `champion_only` is the side before.
    pub fn failed(&self) -> FailedSides {
        let row =
            |before: usize| -> u64 { self.cells[before][..FAILED].iter().map(|c| c.total()).sum() };
        let column: u64 = self.cells[..FAILED]
            .iter()
            .map(|row| row[FAILED].total())
            .sum();
        FailedSides {
            champion_only: row(FAILED),
            challenger_only: column,
            both: self.cells[FAILED][FAILED].total(),
        }
    }

    /// Applications whose outcome changed, a failure on one side only counting as a change.
    pub fn changed(&self) -> u64 {
        let mut changed = 0;
        for (before, row) in self.cells.iter().enumerate() {
            for (after, cell) in row.iter().enumerate() {
                if before != after {
                    changed += cell.total();
                }
            }
        }
        changed
    }

    /// Every application counted.
    pub fn total(&self) -> u64 {
        self.cells.iter().flatten().map(|c| c.total()).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use Outcome::{Approve, Reject, Review};

    #[test]
    fn cells_failures_and_changes_count_as_listed() {
        let mut m = SwapMatrix::default();
        let rows: [(Option<Outcome>, Option<Outcome>, Label); 9] = [
            (Some(Approve), Some(Approve), Label::Good),
            (Some(Approve), Some(Approve), Label::Bad),
            (Some(Approve), Some(Reject), Label::Bad),
            (Some(Review), Some(Approve), Label::Unknown),
            (Some(Reject), Some(Reject), Label::Unknown),
            (Some(Reject), None, Label::Good),
            (None, Some(Review), Label::Good),
            (None, Some(Review), Label::Bad),
            (None, None, Label::Unknown),
        ];
        for (before, after, label) in rows {
            m.add(before, after, label);
        }
        assert_eq!(m.total(), 9);
        assert_eq!(
            m.cell(Some(Approve), Some(Approve)),
            Counts {
                good: 1,
                bad: 1,
                unknown: 0
            }
        );
        let decided = m.decided();
        assert_eq!(decided[0][2].bad, 1);
        assert_eq!(decided[1][0].unknown, 1);
        assert_eq!(decided[2][2].total(), 1);
        assert_eq!(m.both_decided(), 5);
        assert_eq!(
            m.failed(),
            FailedSides {
                champion_only: 2,
                challenger_only: 1,
                both: 1
            }
        );
        // approve→reject, review→approve, reject→failed and the two failed→review; not the
        // three that stayed, nor the one that failed on both sides.
        assert_eq!(m.changed(), 5);
    }
}
