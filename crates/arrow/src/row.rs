//! One row: its cells read into an [`Application`] and decided, every failure typed.

use std::fmt;
use std::panic::{self, AssertUnwindSafe};

use serde_json::value::RawValue;
use underwrite_core::application::Application;
use underwrite_core::line::LineFailure;
use underwrite_core::policy::{DecideOptions, Outcome, Policy};

use crate::columns::{CellError, Id, Inputs, TextColumn};

/// What the output columns keep of a decided row (not the reasons' texts, nor the trace):
/// a batch's transient memory is about the size of its output.
pub(crate) struct Decided {
    pub outcome: Outcome,
    pub score: Option<i32>,
    pub reason_codes: Vec<String>,
}

/// Why a row has no decision; its `Display` is the row's `error` cell.
#[derive(Debug)]
pub(crate) enum RowFailure<'a> {
    /// A cell that cannot be read: null (the signals), or binary that is not UTF-8.
    Cell {
        /// The column.
        column: &'a str,
        /// Why.
        error: CellError,
    },
    /// A JSON cell that is not JSON.
    NotJson {
        /// The column.
        column: &'a str,
        /// serde_json's message.
        message: String,
    },
    /// What `underwrite batch` would say of the row's application as a line: a bad id, a
    /// decision refused, or a panic inside the libraries (caught).
    Line(LineFailure),
    /// The score does not fit the `int32` column.
    ScoreTooLarge(i64),
    /// The id could not be written as JSON (never, for text and integers).
    IdNotEncoded(serde_json::Error),
}

impl fmt::Display for RowFailure<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RowFailure::Cell {
                column,
                error: CellError::Null,
            } => write!(f, "`{column}` is null"),
            RowFailure::Cell {
                column,
                error: CellError::NotUtf8(at),
            } => write!(f, "`{column}` is not UTF-8 (invalid byte at position {at})"),
            RowFailure::NotJson { column, message } => {
                write!(f, "`{column}` is not JSON: {message}")
            }
            RowFailure::Line(failure) => write!(f, "{failure}"),
            RowFailure::ScoreTooLarge(score) => {
                write!(f, "score {score} does not fit the int32 `score` column")
            }
            RowFailure::IdNotEncoded(e) => write!(f, "cannot encode the id: {e}"),
        }
    }
}

/// A row's decision, or why it has none.
pub(crate) type RowOutcome<'a> = Result<Decided, RowFailure<'a>>;

/// Decide row `index`; a panic inside the libraries is the row's error, not the caller's.
pub(crate) fn decide<'a>(policy: &Policy, inputs: &Inputs<'a>, index: usize) -> RowOutcome<'a> {
    // Unwind-safe in practice: the closure only reads the policy and the batch, and what it
    // built is dropped when it panics.
    panic::catch_unwind(AssertUnwindSafe(|| decide_row(policy, inputs, index))).unwrap_or_else(
        |payload| {
            let detail = underwrite_core::panic::panic_detail(payload.as_ref());
            Err(RowFailure::Line(LineFailure::Internal(detail)))
        },
    )
}

fn decide_row<'a>(policy: &Policy, inputs: &Inputs<'a>, index: usize) -> RowOutcome<'a> {
    let signals = json_cell(&inputs.signals, index)?.ok_or(RowFailure::Cell {
        column: inputs.signals.name(),
        error: CellError::Null,
    })?;
    // A JSON `null` cell is no KYC: `Application::from_parts` reads it as a line's null.
    let kyc = match &inputs.kyc {
        Some(column) => json_cell(column, index)?,
        None => None,
    };
    let id = match &inputs.id {
        Some(column) => match column.id(index) {
            Ok(Id::None) => None,
            Ok(Id::Text(text)) => {
                Some(serde_json::value::to_raw_value(text).map_err(RowFailure::IdNotEncoded)?)
            }
            Ok(Id::Number(digits)) => {
                Some(RawValue::from_string(digits).map_err(RowFailure::IdNotEncoded)?)
            }
            Err(error) => {
                return Err(RowFailure::Cell {
                    column: column.name(),
                    error,
                })
            }
        },
        None => None,
    };
    let application = Application::from_parts(id.as_deref(), signals, kyc)
        .map_err(|e| RowFailure::Line(e.into()))?;
    let decision = application
        .decide(policy, DecideOptions { trace: false })
        .map_err(|e| RowFailure::Line(e.into()))?
        .decision;
    let score = decision
        .score
        .map(|score| i32::try_from(score).map_err(|_| RowFailure::ScoreTooLarge(score)))
        .transpose()?;
    Ok(Decided {
        outcome: decision.decision,
        score,
        reason_codes: decision.reasons.into_iter().map(|r| r.code).collect(),
    })
}

/// The JSON in row `index` of `column`, borrowed; `None` for a null cell.
fn json_cell<'a>(
    column: &TextColumn<'a>,
    index: usize,
) -> Result<Option<&'a RawValue>, RowFailure<'a>> {
    match column.text(index) {
        Ok(text) => serde_json::from_str(text)
            .map(Some)
            .map_err(|e| RowFailure::NotJson {
                column: column.name(),
                message: e.to_string(),
            }),
        Err(CellError::Null) => Ok(None),
        Err(error) => Err(RowFailure::Cell {
            column: column.name(),
            error,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The row failures that are line failures read exactly as `underwrite batch` writes them
    /// (core's table pins those texts); the cell failures keep their own.
    #[test]
    fn line_failures_read_as_batch_writes_them_and_cells_as_their_own() {
        for failure in [
            LineFailure::Internal("boom".into()),
            LineFailure::from(underwrite_core::application::ApplicationError::BadId),
            LineFailure::Refused("rule `r`: x".into()),
        ] {
            assert_eq!(
                RowFailure::Line(failure.clone()).to_string(),
                failure.to_string()
            );
        }
        assert_eq!(
            RowFailure::Line(LineFailure::Internal("boom".into())).to_string(),
            "internal error while deciding this line; please report it (boom)"
        );
        for (failure, text) in [
            (
                RowFailure::Cell {
                    column: "signals",
                    error: CellError::Null,
                },
                "`signals` is null",
            ),
            (
                RowFailure::Cell {
                    column: "kyc",
                    error: CellError::NotUtf8(3),
                },
                "`kyc` is not UTF-8 (invalid byte at position 3)",
            ),
            (
                RowFailure::ScoreTooLarge(1 << 40),
                "score 1099511627776 does not fit the int32 `score` column",
            ),
        ] {
            assert_eq!(failure.to_string(), text);
        }
    }
}
