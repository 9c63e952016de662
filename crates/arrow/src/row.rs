//! One row: its cells read into an [`Application`] and decided, every failure a message.

use std::any::Any;
use std::panic::{self, AssertUnwindSafe};

use serde_json::value::RawValue;
use underwrite_core::application::Application;
use underwrite_core::policy::{DecideOptions, Outcome, Policy};

use crate::columns::{CellError, Id, Inputs, TextColumn};

/// Longest panic message kept in a row's error.
const MAX_PANIC_CHARS: usize = 200;

/// What the output columns keep of a decided row (not the reasons' texts, nor the trace):
/// a batch's transient memory is about the size of its output.
pub(crate) struct Decided {
    pub outcome: Outcome,
    pub score: Option<i32>,
    pub reason_codes: Vec<String>,
}

/// A row's decision, or the message of its `error` cell.
pub(crate) type RowOutcome = Result<Decided, String>;

/// Decide row `index`; a panic inside the libraries is the row's error, not the caller's.
pub(crate) fn decide(policy: &Policy, inputs: &Inputs<'_>, index: usize) -> RowOutcome {
    // Unwind-safe in practice: the closure only reads the policy and the batch, and what it
    // built is dropped when it panics.
    panic::catch_unwind(AssertUnwindSafe(|| decide_row(policy, inputs, index))).unwrap_or_else(
        |payload| {
            Err(format!(
                "internal error while deciding this row; please report it ({})",
                panic_message(payload.as_ref())
            ))
        },
    )
}

fn decide_row(policy: &Policy, inputs: &Inputs<'_>, index: usize) -> RowOutcome {
    let signals = json_cell(&inputs.signals, index)?
        .ok_or_else(|| cell_message(inputs.signals.name(), CellError::Null))?;
    // A JSON `null` cell is no KYC: `Application::from_parts` reads it as a line's null.
    let kyc = match &inputs.kyc {
        Some(column) => json_cell(column, index)?,
        None => None,
    };
    let id = match &inputs.id {
        Some(column) => match column.id(index) {
            Ok(Id::None) => None,
            Ok(Id::Text(text)) => Some(raw(serde_json::to_string(text))?),
            Ok(Id::Number(digits)) => Some(raw(Ok(digits))?),
            Err(e) => return Err(cell_message(column.name(), e)),
        },
        None => None,
    };
    let application =
        Application::from_parts(id.as_deref(), signals, kyc).map_err(|e| e.to_string())?;
    let decision = application
        .decide(policy, DecideOptions { trace: false })
        .map_err(|e| e.to_string())?
        .decision;
    let score = decision
        .score
        .map(|score| {
            i32::try_from(score)
                .map_err(|_| format!("score {score} does not fit the int32 `score` column"))
        })
        .transpose()?;
    Ok(Decided {
        outcome: decision.decision,
        score,
        reason_codes: decision.reasons.into_iter().map(|r| r.code).collect(),
    })
}

/// The JSON in row `index` of `column`, borrowed; `None` for a null cell.
fn json_cell<'a>(column: &TextColumn<'a>, index: usize) -> Result<Option<&'a RawValue>, String> {
    match column.text(index) {
        Ok(text) => serde_json::from_str(text)
            .map(Some)
            .map_err(|e| format!("`{}` is not JSON: {e}", column.name())),
        Err(CellError::Null) => Ok(None),
        Err(e) => Err(cell_message(column.name(), e)),
    }
}

/// An id's JSON text as a raw value (only ever a string or integer we encoded ourselves).
fn raw(json: serde_json::Result<String>) -> Result<Box<RawValue>, String> {
    json.and_then(RawValue::from_string)
        .map_err(|e| format!("cannot encode the id: {e}"))
}

fn cell_message(column: &str, error: CellError) -> String {
    match error {
        CellError::Null => format!("`{column}` is null"),
        CellError::NotUtf8(at) => {
            format!("`{column}` is not UTF-8 (invalid byte at position {at})")
        }
    }
}

/// The text of a panic payload, cut to [`MAX_PANIC_CHARS`].
fn panic_message(payload: &(dyn Any + Send)) -> String {
    underwrite_core::panic::panic_message(payload)
        .chars()
        .take(MAX_PANIC_CHARS)
        .collect()
}
