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

mod columns;
mod output;
mod row;

use arrow_array::RecordBatch;
use arrow_schema::{ArrowError, DataType, Schema, SchemaRef};
use rayon::prelude::*;
use underwrite_core::policy::Policy;

pub use output::OUTPUT_COLUMNS;

/// Rows handed to one parallel task at least: below this, splitting costs more than it saves.
const MIN_ROWS_PER_TASK: usize = 64;

/// Which input columns hold the application's parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Columns<'a> {
    /// The signals payloads (required).
    pub signals: &'a str,
    /// The KYC requests or results, if the batch has them.
    pub kyc: Option<&'a str>,
    /// The application ids, if they should be checked as `underwrite batch` checks `id`.
    pub id: Option<&'a str>,
}

impl Default for Columns<'_> {
    /// `signals`, no KYC, no id: the defaults of the Python `decide_arrow`.
    fn default() -> Self {
        Columns {
            signals: "signals",
            kyc: None,
            id: None,
        }
    }
}

/// Why a batch could not be decided at all (a row's own problem is its `error` instead).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ColumnError {
    /// The named column is not in the batch.
    #[error("no column `{name}` (the batch has: {available})")]
    Missing {
        /// The column asked for.
        name: String,
        /// The batch's columns, comma-separated.
        available: String,
    },
    /// The batch has more than one column of the name asked for.
    #[error("the batch has {count} columns named `{name}`; rename all but one")]
    Duplicate {
        /// The name.
        name: String,
        /// How many columns have it.
        count: usize,
    },
    /// The named column cannot hold JSON text.
    #[error(
        "column `{name}` is {found}; it must hold JSON text (utf8, large_utf8, utf8_view, \
         binary, large_binary or binary_view)"
    )]
    NotText {
        /// The column.
        name: String,
        /// Its Arrow type.
        found: DataType,
    },
    /// The id column is neither text nor integers.
    #[error("column `{name}` is {found}; an id column must hold text or integers")]
    BadIdType {
        /// The column.
        name: String,
        /// Its Arrow type.
        found: DataType,
    },
    /// The batch already has a column the output adds.
    #[error(
        "the batch already has a column `{name}`, which deciding adds; rename or drop it first"
    )]
    Clash {
        /// The clashing column.
        name: String,
    },
    /// Arrow refused to assemble the output (a bug: the columns are built to the schema).
    #[error("cannot assemble the output batch: {0}")]
    Arrow(#[from] ArrowError),
}

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
    let outcomes: Vec<row::RowOutcome> = (0..batch.num_rows())
        .into_par_iter()
        .with_min_len(MIN_ROWS_PER_TASK)
        .map(|index| row::decide(policy, &inputs, index))
        .collect();
    let schema = output::schema(batch.schema_ref());
    let mut arrays = batch.columns().to_vec();
    arrays.extend(output::columns(&outcomes, &policy.id().hash));
    Ok(RecordBatch::try_new(schema, arrays)?)
}
