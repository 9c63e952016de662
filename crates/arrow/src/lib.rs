//! # underwrite-arrow
//!
//! Decides a whole Arrow record batch of applications with one [`Policy`], on all cores, and
//! returns the same rows with five columns added:
//!
//! | column | type | |
//! |---|---|---|
//! | `decision` | `dictionary<int8, utf8>` | `approve` / `review` / `reject`; null when the row failed |
//! | `score` | `int32` | the scorecard score; null when none was computed or the row failed |
//! | `reason_codes` | `list<utf8>` | the reasons' codes in order; null when the row failed |
//! | `policy_sha256` | `utf8` | the policy's content hash, on every row |
//! | `error` | `utf8` | why the row has no decision; null when it has one |
//!
//! The input holds one application per row, as `underwrite batch` holds one per line: a column
//! of signals payloads (the provider's JSON text), optionally a column of KYC requests or results
//! (JSON text; a null cell is no KYC) and optionally an id column (text or integers).
//!
//! # Why it is built this way
//!
//! * **One application reader.** Each row becomes an
//!   [`Application`](underwrite_core::application::Application) through `from_parts` and is
//!   decided by `Application::decide`: the same code, and so the same decisions and the same
//!   error messages, as `underwrite batch`, the service and backtests. Where a line could carry
//!   the row's application, the row's `error` is the message `batch` writes for it.
//! * **A bad row never fails the batch.** A null or malformed payload, a bad KYC input, a bad id,
//!   a rule failing at run time, or a panic inside the libraries is that row's `error`. Only
//!   problems of the batch's *shape* (a missing column, a column of the wrong type, an output
//!   column already present) are a [`ColumnError`], found before any row is decided.
//! * **Arrays in, arrays out, no row objects.** Cells are read in place from the Arrow buffers
//!   (UTF-8 and binary, in their plain, large and view layouts); outputs are built in one pass
//!   with the row count known. The input columns are passed through untouched (shared buffers).
//! * **No I/O, no `unsafe`.** The Python bindings do the C data interface; this crate only sees
//!   validated `arrow-rs` arrays, so it can be tested and fuzzed like the other libraries.

#![deny(missing_docs)]

// In data-flow order: each module uses only those above it.
mod columns;
mod output;
mod row;

use arrow_array::RecordBatch;
use arrow_schema::{Schema, SchemaRef};
use rayon::prelude::*;
use underwrite_core::policy::Policy;

pub use columns::{ColumnError, Columns, OUTPUT_COLUMNS};

/// Rows handed to one parallel task at least: below this, splitting costs more than it saves.
const MIN_ROWS_PER_TASK: usize = 64;

/// The schema [`decide_batch`] gives a batch of schema `input`: its fields, then
/// [`OUTPUT_COLUMNS`]. Fails as [`decide_batch`] would on a clash or a wrongly typed column, so
/// an empty stream can be given its output schema too.
pub fn output_schema(input: &Schema, columns: Columns<'_>) -> Result<SchemaRef, ColumnError> {
    columns::check(input, columns)?;
    Ok(output::schema(input))
}

/// Decide every row of `batch` with `policy`, in parallel; see the [crate docs](crate) for the
/// columns added and what a row's `error` holds.
///
/// ```
/// use std::sync::Arc;
/// use arrow_array::{Array, RecordBatch, StringArray, cast::AsArray};
/// use underwrite_arrow::{decide_batch, Columns};
/// use underwrite_core::policy::Policy;
///
/// let policy = Policy::load(br#"
/// name: example
/// version: "1"
/// knockouts:
///   - id: overdue
///     when: events_overdue_day30 > 0
///     outcome: reject
///     reason: { code: OVERDUE, text: Overdue in the last 30 days }
/// "#)?;
/// let payload = r#"{"code": "OK", "message": "ok", "requestId": "r1", "data": {"status":
///   "COMPLETED", "resultCode": "SUCCESS", "items": [{"name": "events_overdue_day30",
///   "value": 1, "valueType": "NUMBER"}]}}"#;
/// let signals = StringArray::from(vec![Some(payload), Some("{}"), None]);
/// let batch = RecordBatch::try_from_iter([("signals", Arc::new(signals) as _)])?;
///
/// let decided = decide_batch(&policy, &batch, Columns::default())?;
/// let decision = decided.column_by_name("decision").unwrap().as_any_dictionary();
/// assert_eq!(decision.keys().null_count(), 2);
/// let error = decided.column_by_name("error").unwrap().as_string::<i32>();
/// assert!(error.is_null(0));
/// assert_eq!(error.value(2), "`signals` is null");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn decide_batch(
    policy: &Policy,
    batch: &RecordBatch,
    columns: Columns<'_>,
) -> Result<RecordBatch, ColumnError> {
    let inputs = columns::Inputs::read(batch, columns)?;
    let outcomes: Vec<row::RowOutcome<'_>> = (0..batch.num_rows())
        .into_par_iter()
        .with_min_len(MIN_ROWS_PER_TASK)
        .map(|index| row::decide(policy, &inputs, index))
        .collect();
    let schema = output::schema(batch.schema_ref());
    let mut arrays = batch.columns().to_vec();
    arrays.extend(output::columns(&outcomes, &policy.id().hash));
    RecordBatch::try_new(schema, arrays).map_err(ColumnError::Arrow)
}
