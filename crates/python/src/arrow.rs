//! `Policy.decide_arrow`: Arrow data in through the C data interface, decided by
//! `underwrite-arrow` on this process's pool without the GIL, pyarrow objects out.

use std::sync::Arc;

use arrow_array::ffi_stream::RecordBatchStreamReader;
use arrow_array::{RecordBatch, RecordBatchReader};
use arrow_pyarrow::{FromPyArrow, IntoPyArrow, ToPyArrow};
use arrow_schema::{ArrowError, SchemaRef};
use pyo3::exceptions::PyTypeError;
use pyo3::intern;
use pyo3::prelude::*;
use underwrite_arrow::{decide_batch, output_schema, ColumnError, Columns};
use underwrite_core::policy::Policy;

use crate::errors::{self, catch, Kind};
use crate::pool;

/// What could go wrong deciding a batch, without the GIL.
enum Failure {
    /// The batch's shape, or arrays that break Arrow's rules.
    Columns(String),
    /// A panic (a bug), caught.
    Panicked(String),
}

impl From<ColumnError> for Failure {
    fn from(e: ColumnError) -> Self {
        Failure::Columns(e.to_string())
    }
}

/// The column names, owned, so a lazy reader can keep them.
#[derive(Clone)]
struct ColumnNames {
    signals: String,
    kyc: Option<String>,
    id: Option<String>,
}

impl ColumnNames {
    fn of(columns: Columns<'_>) -> ColumnNames {
        ColumnNames {
            signals: columns.signals.to_string(),
            kyc: columns.kyc.map(str::to_string),
            id: columns.id.map(str::to_string),
        }
    }

    fn columns(&self) -> Columns<'_> {
        Columns {
            signals: &self.signals,
            kyc: self.kyc.as_deref(),
            id: self.id.as_deref(),
        }
    }
}

/// Decide `data`:
/// * a `pyarrow.RecordBatchReader` gives a `pyarrow.RecordBatchReader` that decides each batch
///   as it is read (memory stays one batch deep, whatever the stream's length);
/// * a RecordBatch-like object (`__arrow_c_array__`) gives a `pyarrow.RecordBatch`;
/// * any other stream (`__arrow_c_stream__`: a Table, a Polars DataFrame) a `pyarrow.Table`.
pub(crate) fn decide<'py>(
    py: Python<'py>,
    policy: &Arc<Policy>,
    data: &Bound<'py, PyAny>,
    columns: Columns<'_>,
) -> PyResult<Bound<'py, PyAny>> {
    if is_pyarrow_reader(data)? {
        let input = RecordBatchStreamReader::from_pyarrow_bound(data)?;
        let schema =
            output_schema(&input.schema(), columns).map_err(|e| raise(py, Failure::from(e)))?;
        let reader: Box<dyn RecordBatchReader + Send> = Box::new(Deciding {
            input,
            policy: Arc::clone(policy),
            columns: ColumnNames::of(columns),
            schema,
        });
        return reader.into_pyarrow(py);
    }
    if data.hasattr(intern!(py, "__arrow_c_array__"))? {
        let batch = RecordBatch::from_pyarrow_bound(data).map_err(|e| unreadable(py, e))?;
        let decided = py.detach(|| decide_checked(policy, &batch, columns));
        return decided.map_err(|f| raise(py, f))?.to_pyarrow(py);
    }
    if data.hasattr(intern!(py, "__arrow_c_stream__"))? {
        let input =
            RecordBatchStreamReader::from_pyarrow_bound(data).map_err(|e| unreadable(py, e))?;
        let schema = input.schema();
        let batches = input
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| raise(py, Failure::Columns(format!("cannot read the stream: {e}"))))?;
        let decided = py.detach(|| -> Result<arrow_pyarrow::Table, Failure> {
            let schema = output_schema(&schema, columns)?;
            let out = batches
                .iter()
                .map(|batch| decide_checked(policy, batch, columns))
                .collect::<Result<Vec<_>, _>>()?;
            arrow_pyarrow::Table::try_new(out, schema).map_err(|e| Failure::Columns(e.to_string()))
        });
        return decided.map_err(|f| raise(py, f))?.into_pyarrow(py);
    }
    Err(PyTypeError::new_err(format!(
        "data must be Arrow data: a pyarrow RecordBatch, Table or RecordBatchReader, or an \
         object with __arrow_c_array__ or __arrow_c_stream__ (a Polars DataFrame, a DuckDB \
         result), not {}",
        data.get_type().name()?
    )))
}

/// Validate `batch` in full (offsets, UTF-8, ...: a producer's arrays are not trusted), then
/// decide it on this process's pool, a panic caught.
fn decide_checked(
    policy: &Policy,
    batch: &RecordBatch,
    columns: Columns<'_>,
) -> Result<RecordBatch, Failure> {
    catch(|| -> Result<RecordBatch, Failure> {
        for (field, column) in batch.schema_ref().fields().iter().zip(batch.columns()) {
            column.to_data().validate_full().map_err(|e| {
                Failure::Columns(format!(
                    "column `{}` is not valid Arrow data: {e}",
                    field.name()
                ))
            })?;
        }
        Ok(pool::run(|| decide_batch(policy, batch, columns))?)
    })
    .unwrap_or_else(|detail| Err(Failure::Panicked(detail)))
}

/// A pyarrow `RecordBatchReader`, when pyarrow is imported at all.
fn is_pyarrow_reader(data: &Bound<'_, PyAny>) -> PyResult<bool> {
    let py = data.py();
    let Ok(pyarrow) = py.import(intern!(py, "pyarrow")) else {
        return Ok(false);
    };
    data.is_instance(&pyarrow.getattr(intern!(py, "RecordBatchReader"))?)
}

/// An import that failed: arrays that break Arrow's rules are a `ColumnError`, like the same
/// arrays in a stream; anything else (not tabular, say) is raised as it is.
fn unreadable(py: Python<'_>, error: PyErr) -> PyErr {
    let arrow_error = py
        .import(intern!(py, "pyarrow"))
        .and_then(|pa| pa.getattr(intern!(py, "ArrowException")))
        .is_ok_and(|class| error.get_type(py).is(&class) || error.is_instance(py, &class));
    if arrow_error {
        errors::exception(
            py,
            Kind::Column,
            &format!("the data is not valid Arrow data: {}", error.value(py)),
            &[],
        )
    } else {
        error
    }
}

fn raise(py: Python<'_>, failure: Failure) -> PyErr {
    match failure {
        Failure::Columns(message) => errors::exception(py, Kind::Column, &message, &[]),
        Failure::Panicked(detail) => errors::internal(py, &detail),
    }
}

/// A reader that decides each batch of its input as it is read.
struct Deciding {
    input: RecordBatchStreamReader,
    policy: Arc<Policy>,
    columns: ColumnNames,
    schema: SchemaRef,
}

impl Iterator for Deciding {
    type Item = Result<RecordBatch, ArrowError>;

    fn next(&mut self) -> Option<Self::Item> {
        let batch = match self.input.next()? {
            Ok(batch) => batch,
            Err(e) => return Some(Err(e)),
        };
        Some(
            decide_checked(&self.policy, &batch, self.columns.columns()).map_err(|f| match f {
                Failure::Columns(message) => ArrowError::InvalidArgumentError(message),
                Failure::Panicked(detail) => ArrowError::ExternalError(
                    format!("internal error in underwrite; please report it ({detail})").into(),
                ),
            }),
        )
    }
}

impl RecordBatchReader for Deciding {
    fn schema(&self) -> SchemaRef {
        Arc::clone(&self.schema)
    }
}
