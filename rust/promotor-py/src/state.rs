//! `Request`: one cart read once, then priced or decided against a store's snapshot
//! (DESIGN section 8). The store and the retry loop live in Python (`promotor.redemption`);
//! every decision is the core's (`Program::decide`).

use std::collections::HashMap;
use std::sync::Arc;

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use promotor_core::compile::Program as CoreProgram;
use promotor_core::input::Input;
use promotor_core::state::Snapshot;

use crate::program::Priced;

/// A delta as Python sees it: `(key, add, max, min)`.
pub type PyDelta = (String, i64, Option<i64>, Option<i64>);

/// A validated input of one program, ready to be priced on any snapshot.
#[pyclass(module = "promotor._native", frozen)]
pub struct Request {
    program: Arc<CoreProgram>,
    input: Input,
}

impl Request {
    pub fn new(program: Arc<CoreProgram>, input: Input) -> Self {
        Self { program, input }
    }
}

#[pymethods]
impl Request {
    /// The counter keys the program reads for this input (empty without limited campaigns).
    fn keys(&self) -> Vec<String> {
        self.program.state_keys(&self.input)
    }

    /// The evaluation time, in microseconds since the epoch (UTC).
    fn now(&self) -> i64 {
        self.input.context.now
    }

    /// The customer's id, if any.
    fn customer_id(&self) -> Option<&str> {
        self.input.customer.as_ref().and_then(|c| c.id.as_deref())
    }

    /// The input as JSON, to decide again later (`Program.request_json`).
    fn input_json(&self) -> PyResult<String> {
        serde_json::to_string(&self.input).map_err(|e| PyValueError::new_err(e.to_string()))
    }

    /// The input as JSON without its time: what makes two requests the same for idempotency.
    fn fingerprint(&self) -> PyResult<String> {
        let mut input = self.input.clone();
        input.context.now = 0;
        serde_json::to_string(&input).map_err(|e| PyValueError::new_err(e.to_string()))
    }

    /// The same request at another time.
    fn at(&self, now: i64) -> Self {
        let mut input = self.input.clone();
        input.context.now = now;
        Self::new(Arc::clone(&self.program), input)
    }

    /// Price on a snapshot (`None`: no state read, every counter 0), explanations on demand.
    #[pyo3(signature = (snapshot=None))]
    fn price(&self, py: Python<'_>, snapshot: Option<HashMap<String, i64>>) -> Priced {
        let snapshot = Snapshot(snapshot.unwrap_or_default());
        let (program, input) = (&self.program, &self.input);
        let (outcome, _) = py.detach(|| program.decide(input, &snapshot, false));
        Priced::new(
            Arc::clone(&self.program),
            self.input.clone(),
            outcome,
            Some(snapshot),
        )
    }

    /// Decide on a snapshot: the priced cart and the deltas that commit it.
    fn decide(&self, py: Python<'_>, snapshot: HashMap<String, i64>) -> (Priced, Vec<PyDelta>) {
        let snapshot = Snapshot(snapshot);
        let (program, input) = (&self.program, &self.input);
        let (outcome, deltas) = py.detach(|| program.decide(input, &snapshot, false));
        let deltas = deltas
            .into_iter()
            .map(|d| (d.key, d.add, d.max, d.min))
            .collect();
        (
            Priced::new(
                Arc::clone(&self.program),
                self.input.clone(),
                outcome,
                Some(snapshot),
            ),
            deltas,
        )
    }
}

/// A request rebuilt from `Request.input_json`.
pub fn from_json(program: &Arc<CoreProgram>, text: &str) -> PyResult<Request> {
    let input: Input =
        serde_json::from_str(text).map_err(|e| PyValueError::new_err(e.to_string()))?;
    Ok(Request::new(Arc::clone(program), input))
}
