//! # underwrite-python
//!
//! The `underwrite` Python package's native module (`underwrite._underwrite`), built by maturin
//! into one abi3 wheel for CPython 3.9 and later. The Python API is specified by the stubs in
//! `python/underwrite/_underwrite.pyi`; the pure-Python files beside them hold the exceptions
//! and re-export everything from `underwrite`.
//!
//! # Why it is built this way
//!
//! * **A thin edge.** Deciding is `underwrite-core`'s, Arrow batches are `underwrite-arrow`'s,
//!   KYC matching is `underwrite-kyc`'s: the same code, so the same decisions and messages, as
//!   the CLI and the service. This crate converts Python values in and out, reads the files
//!   `Policy.load` and `Policy.test` name (the only I/O), and maps errors to exceptions.
//! * **The GIL is released for every decision.** Inputs are copied out of Python objects first
//!   (bytes, or a dict encoded to JSON here, decimals exact), then deciding runs detached from
//!   the interpreter, on a rayon pool of the process's own (`pool`: a forked child builds its
//!   own), so other Python threads run meanwhile and a batch uses every core.
//! * **Arrow through the C data interface.** `decide_arrow` takes anything that exports
//!   `__arrow_c_array__` or `__arrow_c_stream__` (pyarrow, Polars, DuckDB, ...) via
//!   `arrow-pyarrow`, validates the arrays in full (a hostile producer's offsets and UTF-8
//!   cannot reach the deciding code unchecked), and hands pyarrow objects back (a reader is
//!   decided lazily, batch by batch). No per-row Python object is made.
//! * **Typed exceptions, never a crash.** Library errors become `PolicyError` (with every
//!   diagnostic and its file, line and column), `SignalsError`, `KycError`, `DecisionError`;
//!   a panic inside the libraries is caught where the work is done and becomes
//!   `InternalError` (for one row of a batch, that row's `error`), never a
//!   `PanicException` or an aborted interpreter.

mod arrow;
mod decision;
mod errors;
mod input;
mod kyc;
mod policy;
mod pool;
mod testing;

use pyo3::prelude::*;

/// The native module.
#[pymodule]
fn _underwrite(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_class::<policy::PyPolicy>()?;
    module.add_class::<decision::PyDecision>()?;
    module.add_class::<decision::PyReason>()?;
    module.add_class::<decision::PyPolicyId>()?;
    module.add_class::<testing::PyTestRun>()?;
    module.add_class::<testing::PyTestResult>()?;
    module.add_function(wrap_pyfunction!(kyc::match_request, module)?)?;
    module.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
