//! `Policy.decide_arrow`: Arrow data in through the C data interface, decided by
//! `underwrite-arrow` without the GIL, pyarrow objects out.

use std::sync::Arc;

use arrow_array::RecordBatch;
use arrow_pyarrow::{FromPyArrow, IntoPyArrow, Table, ToPyArrow};
use pyo3::exceptions::PyTypeError;
use pyo3::intern;
use pyo3::prelude::*;
use underwrite_arrow::{decide_batch, output_schema, ColumnError, Columns};
use underwrite_core::policy::Policy;

use crate::errors::{self, catch, Kind};

/// What could go wrong deciding a batch, without the GIL.
enum Failure {
    /// The batch's shape.
    Columns(ColumnError),
    /// The producer's arrays broke Arrow's rules (offsets, UTF-8, ...).
    Invalid(String),
    /// A panic (a bug), caught.
    Panicked(String),
}

/// Decide `data`: a RecordBatch-like object (`__arrow_c_array__`) gives a `pyarrow.RecordBatch`,
/// a stream-like one (`__arrow_c_stream__`: a Table, a reader, a Polars DataFrame) a
/// `pyarrow.Table`.
pub(crate) fn decide<'py>(
    py: Python<'py>,
    policy: &Arc<Policy>,
    data: &Bound<'py, PyAny>,
    columns: Columns<'_>,
) -> PyResult<Bound<'py, PyAny>> {
    if data.hasattr(intern!(py, "__arrow_c_array__"))? {
        // arrow-pyarrow validates a batch imported this way in full.
        let batch = RecordBatch::from_pyarrow_bound(data)?;
        let decided = py
            .detach(|| catch(|| decide_batch(policy, &batch, columns)))
            .map_err(Failure::Panicked)
            .and_then(|r| r.map_err(Failure::Columns));
        return decided.map_err(|f| raise(py, f))?.to_pyarrow(py);
    }
    if data.hasattr(intern!(py, "__arrow_c_stream__"))? {
        let (batches, schema) = Table::from_pyarrow_bound(data)?.into_inner();
        let decided = py.detach(|| {
            catch(|| -> Result<Table, Failure> {
                let schema = output_schema(&schema, columns).map_err(Failure::Columns)?;
                let mut out = Vec::with_capacity(batches.len());
                for batch in &batches {
                    validate(batch)?;
                    out.push(decide_batch(policy, batch, columns).map_err(Failure::Columns)?);
                }
                Table::try_new(out, schema).map_err(|e| Failure::Columns(e.into()))
            })
            .unwrap_or_else(|detail| Err(Failure::Panicked(detail)))
        });
        return decided.map_err(|f| raise(py, f))?.into_pyarrow(py);
    }
    Err(PyTypeError::new_err(format!(
        "data must be Arrow data: a pyarrow RecordBatch or Table, or an object with \
         __arrow_c_array__ or __arrow_c_stream__ (a Polars DataFrame, a DuckDB result), \
         not {}",
        data.get_type().name()?
    )))
}

/// Check a streamed batch's arrays in full: the stream import does not.
fn validate(batch: &RecordBatch) -> Result<(), Failure> {
    for (field, column) in batch.schema_ref().fields().iter().zip(batch.columns()) {
        column.to_data().validate_full().map_err(|e| {
            Failure::Invalid(format!(
                "column `{}` is not valid Arrow data: {e}",
                field.name()
            ))
        })?;
    }
    Ok(())
}

fn raise(py: Python<'_>, failure: Failure) -> PyErr {
    match failure {
        Failure::Columns(e) => errors::exception(py, Kind::Column, &e.to_string(), &[]),
        Failure::Invalid(message) => errors::exception(py, Kind::Column, &message, &[]),
        Failure::Panicked(detail) => errors::internal(py, &detail),
    }
}
