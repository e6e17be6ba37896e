//! Programmes (loyalty, gift cards, issued codes): conversion only. Operations travel as JSON
//! (`promotor_core::programs::ops`), decisions come back as JSON; every decision is the core's.

use promotor_core::state::HashMap;
use std::sync::Arc;

use pyo3::prelude::*;
use serde_json::json;

use promotor_core::compile::Program as CoreProgram;
use promotor_core::input::Input;
use promotor_core::money::from_minor;
use promotor_core::outcome::Outcome;
use promotor_core::programs::ops::{Op, Pay, Payment};
use promotor_core::state::pools::PoolCodes;
use promotor_core::state::Snapshot;

use crate::dec::PyDec;
use crate::program::Priced;
use crate::state::PyDelta;

/// What a checkout paid, kept with its `Priced`.
#[derive(Debug, Clone)]
pub struct Paid {
    pub pay: Pay,
    pub payments: Vec<Payment>,
    pub amount_due: i64,
}

/// A `promotor.errors.InputError` saying `msg` (a refusal or a malformed request).
fn value_error(msg: impl Into<String>) -> PyErr {
    let msg = msg.into();
    Python::attach(|py| {
        let build = || -> PyResult<PyErr> {
            let detail = pyo3::types::PyDict::new(py);
            detail.set_item("loc", pyo3::types::PyTuple::empty(py))?;
            detail.set_item("msg", &msg)?;
            let cls = py.import("promotor.errors")?.getattr("InputError")?;
            Ok(PyErr::from_value(cls.call1((vec![detail],))?))
        };
        build().unwrap_or_else(|e| e)
    })
}

pub fn pay(text: &str) -> PyResult<Pay> {
    serde_json::from_str(text).map_err(|e| value_error(format!("invalid payment request: {e}")))
}

fn op(text: &str) -> PyResult<Op> {
    serde_json::from_str(text).map_err(|e| value_error(format!("invalid programme operation: {e}")))
}

pub fn reads(program: &CoreProgram, text: &str) -> PyResult<(Vec<String>, Vec<String>)> {
    Ok(program.op_reads(&op(text)?))
}

pub fn more(
    program: &CoreProgram,
    text: &str,
    snapshot: HashMap<String, i64>,
) -> PyResult<Vec<String>> {
    Ok(program.op_more(&op(text)?, &Snapshot::from(snapshot)))
}

pub fn operate(
    py: Python<'_>,
    program: &CoreProgram,
    text: &str,
    snapshot: HashMap<String, i64>,
    input: Option<&Input>,
) -> PyResult<String> {
    let op = op(text)?;
    let snapshot = Snapshot::from(snapshot);
    let decided = py
        .detach(|| program.operate(&op, &snapshot, input))
        .map_err(value_error)?;
    serde_json::to_string(&decided).map_err(|e| value_error(e.to_string()))
}

pub fn checkout(
    py: Python<'_>,
    program: &Arc<CoreProgram>,
    input: &Input,
    snapshot: HashMap<String, i64>,
    pay_text: &str,
    pools: Option<PoolCodes>,
) -> PyResult<(Priced, Vec<PyDelta>, String)> {
    let pay = pay(pay_text)?;
    let snapshot = Snapshot::from(snapshot);
    let done = py
        .detach(|| program.checkout_with(input, &snapshot, &pay, pools.as_ref(), false))
        .map_err(value_error)?;
    let deltas = done
        .deltas
        .into_iter()
        .map(|d| (d.key, d.add, d.max, d.min))
        .collect();
    let events = serde_json::to_string(&done.events).map_err(|e| value_error(e.to_string()))?;
    let mut priced = Priced::new(
        Arc::clone(program),
        input.clone(),
        done.outcome,
        Some(snapshot),
    )
    .pooled(pools);
    priced.checkout = Some(Paid {
        pay,
        payments: done.payments,
        amount_due: done.amount_due,
    });
    Ok((priced, deltas, events))
}

#[allow(clippy::type_complexity)]
pub fn payments(
    paid: Option<&Paid>,
    outcome: &Outcome,
    exponent: u32,
) -> (Vec<(String, String, PyDec, Option<i64>)>, PyDec) {
    let Some(paid) = paid else {
        return (Vec::new(), PyDec(outcome.total));
    };
    let list = paid
        .payments
        .iter()
        .map(|p| {
            (
                p.kind.to_owned(),
                p.reference.clone(),
                PyDec(from_minor(i128::from(p.amount), exponent)),
                p.points,
            )
        })
        .collect();
    (
        list,
        PyDec(from_minor(i128::from(paid.amount_due), exponent)),
    )
}

/// The stored outcome with `payments` and `amount_due` added.
pub fn with_payments(record: &str, paid: &Paid, exponent: u32) -> String {
    let Ok(mut v) = serde_json::from_str::<serde_json::Value>(record) else {
        return record.to_owned();
    };
    if let Some(obj) = v.as_object_mut() {
        obj.insert(
            "payments".to_owned(),
            paid.payments
                .iter()
                .map(|p| {
                    json!({"kind": p.kind, "ref": p.reference,
                           "amount": from_minor(i128::from(p.amount), exponent).to_string(),
                           "points": p.points})
                })
                .collect(),
        );
        obj.insert(
            "amount_due".to_owned(),
            json!(from_minor(i128::from(paid.amount_due), exponent).to_string()),
        );
    }
    v.to_string()
}
