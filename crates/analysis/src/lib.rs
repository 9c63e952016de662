//! Backtests and champion/challenger comparisons: what a policy (or a change to one) does to a
//! portfolio of past applications, before it goes live.
//!
//! Design decisions, and why:
//!
//! * **Streaming, bounded memory.** Lines are observed one at a time ([`Observer`]) and folded
//!   into tallies ([`Backtest`], [`Compare`]) that keep counts, never lines: a million
//!   applications take the memory of a thousand. Every tally is bounded by the policy (its
//!   knock-outs, reason codes, inputs) or by a cap ([`MAX_SCORE_CELLS`]), whatever the input.
//! * **Exact counts, statistics computed at the end.** Scores are counted per distinct score
//!   and feature values per fixed bin (`values::ValueBin`), so KS, AUC/Gini, the strategy table and
//!   PSI are exact functions of counts, tested against naive references, and a saved summary
//!   holds everything a later PSI needs.
//! * **One decision path.** [`Observer`] decides with the core's `Policy` exactly as
//!   `underwrite batch` does (a differential test keeps them equal); it only shares the parse
//!   of a line and its KYC match between the policies being compared.
//! * **No I/O.** The caller reads lines (plain or compressed, from anywhere) and writes the
//!   reports; this crate turns text into counts and counts into [`report`]s, and renders them
//!   as tables and HTML, for every front end (the CLI today; bindings can reuse it as is).
//! * **Parallel-friendly.** [`Observer::observe`] is `&self` and pure, so callers decide chunks
//!   of lines on all cores and fold the observations in input order on one thread.

mod backtest;
mod compare;
mod failure;
mod input;
mod line;
mod observe;
mod reference;
pub mod report;
mod scores;
pub mod stats;
mod swap;
mod tally;
pub(crate) mod values;

pub use backtest::Backtest;
pub use compare::{Compare, Direction, Swapped};
pub use failure::{Failure, FailureKind};
pub use line::{HistoryLine, Label};
pub use observe::{Observation, Observer, Seen};
pub use reference::{is_saved_report, Reference, ReferenceError, MAX_REFERENCE_BYTES};
pub use scores::MAX_CELLS as MAX_SCORE_CELLS;
pub use swap::SwapMatrix;
pub use underwrite_core::split::{Arm, Split, SplitError};
