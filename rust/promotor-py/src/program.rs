//! `Program`: a compiled engine. Immutable, so it is shared freely across threads; it pickles
//! by its IR.

use std::sync::Arc;

use pyo3::prelude::*;
use pyo3::types::{PyCapsule, PyDict, PyTuple};

use promotor_core::compile::{compile, Program as CoreProgram};
use promotor_core::ir;

use crate::{convert, errors};

#[pyclass(module = "promotor._native", frozen)]
pub struct Program {
    inner: Arc<CoreProgram>,
    ir_json: String,
}

#[pymethods]
impl Program {
    #[new]
    fn new(py: Python<'_>, engine_ir_json: &str) -> PyResult<Self> {
        let def: ir::EngineDef = errors::from_json(py, engine_ir_json)?;
        let program = py
            .detach(|| compile(&def))
            .map_err(|errs| errors::compile_errors(py, &errs))?;
        Ok(Self {
            inner: Arc::new(program),
            ir_json: engine_ir_json.to_owned(),
        })
    }

    /// Evaluate one canonical input (see docs/architecture.md) into a canonical outcome dict.
    fn evaluate<'py>(
        &self,
        py: Python<'py>,
        canonical_input: &Bound<'py, PyDict>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let input = convert::input(canonical_input)?;
        let program = Arc::clone(&self.inner);
        let outcome = py.detach(move || program.evaluate(&input));
        convert::outcome(py, &outcome)
    }

    /// Evaluate a table of orders given as Arrow C stream capsules; returns the summary (and,
    /// with `detail`, the detail) as Arrow C stream capsules. `now` (microseconds since the
    /// epoch, UTC) is the time of orders without `created_at`.
    #[pyo3(signature = (orders, lines, detail, threads, money, now))]
    #[allow(clippy::type_complexity, clippy::too_many_arguments)]
    fn evaluate_batch<'py>(
        &self,
        py: Python<'py>,
        orders: &Bound<'py, PyAny>,
        lines: Option<&Bound<'py, PyAny>>,
        detail: bool,
        threads: Option<usize>,
        money: &str,
        now: i64,
    ) -> PyResult<(Bound<'py, PyCapsule>, Option<Bound<'py, PyCapsule>>)> {
        crate::batch::evaluate_batch(py, &self.inner, orders, lines, detail, threads, money, now)
    }

    /// The IR this program was compiled from, as JSON.
    fn ir_json(&self) -> &str {
        &self.ir_json
    }

    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyTuple>> {
        let py = slf.py();
        let cls = py.get_type::<Self>();
        PyTuple::new(
            py,
            [
                cls.into_any(),
                PyTuple::new(py, [slf.get().ir_json.as_str()])?.into_any(),
            ],
        )
    }
}
