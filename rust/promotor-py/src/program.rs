//! `Program`: a compiled engine. Immutable, so it is shared freely across threads; it pickles
//! by its IR.

use promotor_core::state::HashMap;
use std::sync::Arc;

use pyo3::exceptions::PyIndexError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyCapsule, PyDict, PyTuple};

use promotor_core::compile::{compile, Program as CoreProgram};
use promotor_core::error::Loc;
use promotor_core::input::Input;
use promotor_core::ir;
use promotor_core::outcome::Outcome;
use promotor_core::state::pools::PoolCodes;
use promotor_core::state::Snapshot;

use crate::dec::PyDec;
use crate::{convert, errors, input};

/// A location tuple from Python: strings are keys, integers indices.
fn loc_of(t: &Bound<'_, PyTuple>) -> Vec<Loc> {
    t.iter()
        .map(|p| match p.extract::<usize>() {
            Ok(i) => Loc::Index(i),
            Err(_) => Loc::Key(p.str().map(|s| s.to_string()).unwrap_or_default()),
        })
        .collect()
}

#[pyclass(module = "promotor._native", frozen)]
pub struct Program {
    inner: Arc<CoreProgram>,
    ir_json: String,
}

impl Program {
    pub(crate) fn core(&self) -> &Arc<CoreProgram> {
        &self.inner
    }
}

#[pymethods]
impl Program {
    /// Compiles IR JSON. `sources`: the locations of expressions written as rule text, with
    /// their text, so that errors inside them carry a line and column.
    #[new]
    #[pyo3(signature = (engine_ir_json, sources = None))]
    #[allow(clippy::needless_pass_by_value)] // what PyO3 extracts a list into
    fn new(
        py: Python<'_>,
        engine_ir_json: &str,
        sources: Option<Vec<(Bound<'_, PyTuple>, String)>>,
    ) -> PyResult<Self> {
        let def: ir::EngineDef = errors::from_json(py, engine_ir_json)?;
        let program = py.detach(|| compile(&def)).map_err(|mut errs| {
            if let Some(sources) = &sources {
                let sources: Vec<(Vec<Loc>, String)> = sources
                    .iter()
                    .map(|(loc, text)| (loc_of(loc), text.clone()))
                    .collect();
                promotor_core::syntax::locate_errors(&mut errs.errors, &sources);
            }
            errors::to_py(py, &errs)
        })?;
        Ok(Self {
            inner: Arc::new(program),
            ir_json: engine_ir_json.to_owned(),
        })
    }

    /// The canonical outcome dict (docs/architecture.md) of one input given as one mapping
    /// (`cart`, `customer`, `context`, `codes`, as the canonical input and JSON files have it),
    /// with every rejection explained. Raises `InputError` for bad input.
    fn evaluate<'py>(
        &self,
        py: Python<'py>,
        input: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let input = input::read_mapping(py, input)?;
        let program = &self.inner;
        let outcome = py.detach(|| program.evaluate(&input));
        convert::outcome(py, &outcome, &input)
    }

    /// Price one cart given as `Engine.evaluate` takes it: dicts or models, validated by the
    /// core's one validator. Raises `InputError` naming every problem.
    #[pyo3(signature = (cart, customer=None, codes=None, now=None, context=None))]
    fn price(
        &self,
        py: Python<'_>,
        cart: &Bound<'_, PyAny>,
        customer: Option<&Bound<'_, PyAny>>,
        codes: Option<&Bound<'_, PyAny>>,
        now: Option<&Bound<'_, PyAny>>,
        context: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Priced> {
        let input = input::read_call(py, cart, customer, codes, now, context)?;
        Ok(self.priced(py, input))
    }

    /// Evaluate a table of orders given as Arrow C stream capsules; returns the summary (and,
    /// with `detail`, the detail) as Arrow C stream capsules. `now` (microseconds since the
    /// epoch, UTC) is the time of orders without `created_at`; `extra_columns` is `"forbid"`
    /// or `"ignore"`.
    #[pyo3(signature = (orders, lines, detail, threads, money, now, extra_columns))]
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
        extra_columns: &str,
    ) -> PyResult<(Bound<'py, PyCapsule>, Option<Bound<'py, PyCapsule>>)> {
        let options = crate::batch::Options {
            detail,
            threads,
            money,
            now,
            extra_columns,
        };
        crate::batch::evaluate_batch(py, &self.inner, orders, lines, &options)
    }

    /// Whether any campaign has a usage limit or a budget, or `unique_codes` (evaluation then
    /// reads a store).
    fn is_stateful(&self) -> bool {
        self.inner.is_stateful()
    }

    /// Whether any campaign has `unique_codes` (given codes are then looked up in pools).
    fn is_pooled(&self) -> bool {
        self.inner.is_pooled()
    }

    /// Read one cart given as `Engine.evaluate` takes it into a `Request` (validated as by
    /// `price`), to price or decide on a snapshot of the store's counters.
    #[pyo3(signature = (cart, customer=None, codes=None, now=None, context=None))]
    fn request(
        &self,
        py: Python<'_>,
        cart: &Bound<'_, PyAny>,
        customer: Option<&Bound<'_, PyAny>>,
        codes: Option<&Bound<'_, PyAny>>,
        now: Option<&Bound<'_, PyAny>>,
        context: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<crate::state::Request> {
        let input = input::read_call(py, cart, customer, codes, now, context)?;
        Ok(crate::state::Request::new(Arc::clone(&self.inner), input))
    }

    /// A `Request` from `Request.input_json()`.
    fn request_json(&self, text: &str) -> PyResult<crate::state::Request> {
        crate::state::from_json(&self.inner, text)
    }

    /// Whether the engine has programmes (loyalty; `promotor.programs`).
    fn has_programs(&self) -> bool {
        self.inner.has_programs()
    }

    /// `(keys, families)` a programme operation (`programs::Op` as JSON) reads.
    fn program_reads(&self, op: &str) -> PyResult<(Vec<String>, Vec<String>)> {
        crate::programs::reads(&self.inner, op)
    }

    /// Families a programme operation reads once the first read named a referrer.
    fn program_more(&self, op: &str, snapshot: HashMap<String, i64>) -> PyResult<Vec<String>> {
        crate::programs::more(&self.inner, op, snapshot)
    }

    /// Decide a programme operation on a snapshot: JSON of the decisions.
    fn program_op(
        &self,
        py: Python<'_>,
        op: &str,
        snapshot: HashMap<String, i64>,
    ) -> PyResult<String> {
        crate::programs::operate(py, &self.inner, op, snapshot, None)
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

impl Program {
    fn priced(&self, py: Python<'_>, input: Input) -> Priced {
        let program = &self.inner;
        let outcome = py.detach(|| program.price(&input));
        Priced::new(Arc::clone(&self.inner), input, outcome, None)
    }
}

/// A priced cart, kept native: Python reads the parts it needs (`promotor.Result` does so
/// lazily). The explanations of what did not apply are computed on first request, by evaluating
/// the same input again with explanations (evaluation is a pure function of program and input).
#[pyclass(module = "promotor._native", frozen)]
pub struct Priced {
    program: Arc<CoreProgram>,
    input: Input,
    outcome: Outcome,
    /// The state it was priced on, when the program has limits (`None`: no state).
    snapshot: Option<Snapshot>,
    /// The pool rows it was priced on, when a campaign has `unique_codes`.
    pools: Option<PoolCodes>,
    /// What paid beyond the discounts (`crate::programs`), when the redeem had programmes.
    pub(crate) checkout: Option<crate::programs::Paid>,
    /// The totals read one by one ([`Priced::amount`]), each made on its first read.
    amounts: [PyOnceLock<Py<PyAny>>; 5],
}

impl Priced {
    fn explained_outcome(&self) -> Outcome {
        if let (Some(c), Some(s)) = (&self.checkout, &self.snapshot) {
            if let Ok(done) =
                self.program
                    .checkout_with(&self.input, s, &c.pay, self.pools.as_ref(), true)
            {
                return done.outcome;
            }
        }
        match (&self.snapshot, &self.pools) {
            (Some(s), Some(p)) => self.program.decide_with(&self.input, s, p, true).0,
            (Some(s), None) => self.program.decide(&self.input, s, true).0,
            (None, _) => self.program.evaluate(&self.input),
        }
    }

    /// The same, priced on these pool rows.
    #[must_use]
    pub fn pooled(mut self, pools: Option<PoolCodes>) -> Self {
        self.pools = pools;
        self
    }

    pub fn new(
        program: Arc<CoreProgram>,
        input: Input,
        outcome: Outcome,
        snapshot: Option<Snapshot>,
    ) -> Self {
        Self {
            program,
            input,
            outcome,
            snapshot,
            pools: None,
            checkout: None,
            amounts: [const { PyOnceLock::new() }; 5],
        }
    }
}

#[pymethods]
impl Priced {
    /// `(currency, subtotal, shipping, discount, shipping_discount, total)`.
    #[allow(clippy::type_complexity)]
    fn totals(&self) -> (&str, PyDec, PyDec, PyDec, PyDec, PyDec) {
        let o = &self.outcome;
        (
            &o.currency,
            PyDec(o.subtotal),
            PyDec(o.shipping),
            PyDec(o.discount),
            PyDec(o.shipping_discount),
            PyDec(o.total),
        )
    }

    /// Total `k` of `totals()` alone (1 subtotal, 2 shipping, 3 discount, 4 shipping
    /// discount, 5 total), made on its first read and kept: a caller that reads two or three
    /// totals pays for those only (a `Decimal` costs about two thousand instructions).
    fn amount(&self, py: Python<'_>, k: usize) -> PyResult<Py<PyAny>> {
        let o = &self.outcome;
        let d = match k {
            1 => o.subtotal,
            2 => o.shipping,
            3 => o.discount,
            4 => o.shipping_discount,
            5 => o.total,
            _ => return Err(PyIndexError::new_err(format!("no total {k}: 1 to 5"))),
        };
        self.amounts[k - 1]
            .get_or_try_init(py, || PyDec(d).into_pyobject(py).map(Bound::unbind))
            .map(|v| v.clone_ref(py))
    }

    /// `[(index, sku, quantity, unit_price, subtotal, discount, total)]`.
    #[allow(clippy::type_complexity)]
    fn lines(&self) -> Vec<(usize, Option<&str>, u32, PyDec, PyDec, PyDec, PyDec)> {
        self.outcome
            .lines
            .iter()
            .map(|l| {
                (
                    l.index,
                    convert::sku(&self.input, l.index),
                    l.quantity,
                    PyDec(l.unit_price),
                    PyDec(l.subtotal),
                    PyDec(l.discount),
                    PyDec(l.total),
                )
            })
            .collect()
    }

    /// The applied campaigns, as `promotor.Applied`.
    fn applied(&self) -> Vec<crate::applied::Applied> {
        self.outcome
            .applied
            .iter()
            .map(crate::applied::Applied::from_core)
            .collect()
    }

    /// `[(index, id, code, name, price, discount, total)]`: each shipping method of a cart
    /// that lists them (empty otherwise).
    #[allow(clippy::type_complexity)]
    fn shipping_methods(
        &self,
    ) -> Vec<(
        usize,
        Option<&str>,
        Option<&str>,
        Option<&str>,
        PyDec,
        PyDec,
        PyDec,
    )> {
        self.outcome
            .shipping_methods
            .iter()
            .map(|m| {
                let given = self.input.cart.shipping_methods.get(m.index);
                (
                    m.index,
                    given.and_then(|g| g.id.as_deref()),
                    given.and_then(|g| g.code.as_deref()),
                    given.and_then(|g| g.name.as_deref()),
                    PyDec(m.price),
                    PyDec(m.discount),
                    PyDec(m.total),
                )
            })
            .collect()
    }

    /// The canonical `taxes` dict, or `None` when no line or method has a tax rate.
    fn taxes<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyDict>>> {
        self.outcome
            .taxes
            .as_ref()
            .map(|t| convert::taxes(py, t))
            .transpose()
    }

    /// The whole canonical outcome dict, rejections with their explanations included.
    fn explained<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let outcome = self.explained_outcome();
        convert::outcome(py, &outcome, &self.input)
    }

    /// What a store records: `(outcome JSON, currency, [(campaign_id, code, amount)])`, the
    /// JSON with explanations (`promotor.stores.codec` reads it).
    #[allow(clippy::type_complexity)]
    fn record(&self, py: Python<'_>) -> (String, String, Vec<(String, Option<String>, String)>) {
        let outcome = py.detach(|| self.explained_outcome());
        let applied = self
            .outcome
            .applied
            .iter()
            .map(|a| (a.campaign_id.clone(), a.code.clone(), a.amount.to_string()))
            .collect();
        let mut json = crate::state::record_json(&outcome, &self.input);
        if let Some(c) = &self.checkout {
            json = crate::programs::with_payments(&json, c, self.program.exponent());
        }
        (json, self.outcome.currency.clone(), applied)
    }

    /// `([(kind, ref, amount, points)], amount_due)`: what paid beyond the discounts.
    #[allow(clippy::type_complexity)]
    fn payments(&self) -> (Vec<(String, String, PyDec, Option<i64>)>, PyDec) {
        crate::programs::payments(
            self.checkout.as_ref(),
            &self.outcome,
            self.program.exponent(),
        )
    }
}
