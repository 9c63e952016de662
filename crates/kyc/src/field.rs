//! The outcome of one field comparison, shared by the field comparisons (`names`, `date`,
//! `phone`) and the result they make up (`outcome`).

use crate::spelling::spelled_enum;

spelled_enum! {
    /// Outcome of one field comparison (`Actions.Names`, `Actions.DOB`, ...).
    pub enum FieldOutcome {
        /// The values are equal after normalization.
        ExactMatch => "Exact Match",
        /// Close enough (names: within the edit distance; DOB: one component within one).
        PartialMatch => "Partial Match",
        /// Two elements swapped (first/last name, or month/day of birth).
        Transposed => "Transposed",
        /// All other cases.
        NoMatch => "No Match",
        /// An optional field is missing on one side.
        NotProvided => "Not Provided",
        /// No comparison was made (no authority record, or the issuer was unavailable).
        NotDone => "Not Done",
    }
}

impl FieldOutcome {
    /// Severity for "worst of" aggregation: Exact < Transposed/Partial < No Match. Not Provided
    /// and Not Done do not take part (None).
    #[must_use]
    pub fn severity(self) -> Option<u8> {
        match self {
            FieldOutcome::ExactMatch => Some(0),
            FieldOutcome::PartialMatch | FieldOutcome::Transposed => Some(1),
            FieldOutcome::NoMatch => Some(2),
            FieldOutcome::NotProvided | FieldOutcome::NotDone => None,
        }
    }

    /// True for Exact Match, Partial Match and Transposed.
    #[must_use]
    pub fn is_match(self) -> bool {
        matches!(self.severity(), Some(0 | 1))
    }
}
