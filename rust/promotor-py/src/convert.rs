//! `outcome::Outcome` -> the canonical outcome dict of docs/architecture.md. (Inputs come in
//! through `input.rs`.)

use chrono::{DateTime, TimeDelta, Utc};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyList, PyString};

use promotor_core::input::{Input, MetaValue};
use promotor_core::outcome::{Applied, LineOutcome, Outcome, Rejected, Reported, TaxLine, Taxes};

use crate::dec::PyDec;

pub fn meta_to_py<'py>(py: Python<'py>, v: &MetaValue) -> PyResult<Bound<'py, PyAny>> {
    Ok(match v {
        MetaValue::Null => py.None().into_bound(py),
        MetaValue::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        MetaValue::Num(n) => PyDec(*n).into_pyobject(py)?,
        MetaValue::Str(s) => PyString::new(py, s).into_any(),
        MetaValue::List(items) => PyList::new(
            py,
            items
                .iter()
                .map(|x| meta_to_py(py, x))
                .collect::<PyResult<Vec<_>>>()?,
        )?
        .into_any(),
        MetaValue::Map(map) => {
            let d = PyDict::new(py);
            for (k, x) in map {
                d.set_item(k, meta_to_py(py, x)?)?;
            }
            d.into_any()
        }
        MetaValue::Ts(t) => DateTime::<Utc>::from_timestamp_micros(t.ts).map_or_else(
            || Ok(py.None().into_bound(py)),
            |dt| dt.into_pyobject(py).map(Bound::into_any),
        )?,
    })
}

fn value_to_py<'py>(py: Python<'py>, v: &Reported) -> PyResult<Bound<'py, PyAny>> {
    Ok(match v {
        Reported::Null => py.None().into_bound(py),
        Reported::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        Reported::Num(n) => PyDec(*n).into_pyobject(py)?,
        Reported::Str(s) => PyString::new(py, s).into_any(),
        Reported::Timestamp(t) => DateTime::<Utc>::from_timestamp_micros(*t).map_or_else(
            || Ok(py.None().into_bound(py)),
            |dt| dt.into_pyobject(py).map(Bound::into_any),
        )?,
        Reported::Duration(d) => TimeDelta::microseconds(*d).into_pyobject(py)?.into_any(),
        Reported::List(items) => PyList::new(
            py,
            items
                .iter()
                .map(|x| value_to_py(py, x))
                .collect::<PyResult<Vec<_>>>()?,
        )?
        .into_any(),
        Reported::Item { index, sku } => {
            let d = PyDict::new(py);
            d.set_item("index", index)?;
            d.set_item("sku", sku)?;
            d.into_any()
        }
        Reported::Meta(m) => meta_to_py(py, m)?,
    })
}

fn line<'py>(py: Python<'py>, l: &LineOutcome, sku: Option<&str>) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("index", l.index)?;
    d.set_item("sku", sku)?;
    d.set_item("quantity", l.quantity)?;
    d.set_item("unit_price", PyDec(l.unit_price))?;
    d.set_item("subtotal", PyDec(l.subtotal))?;
    d.set_item("discount", PyDec(l.discount))?;
    d.set_item("total", PyDec(l.total))?;
    Ok(d)
}

fn applied<'py>(py: Python<'py>, a: &Applied) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("campaign_id", &a.campaign_id)?;
    d.set_item("code", &a.code)?;
    d.set_item("tier", a.tier)?;
    d.set_item("amount", PyDec(a.amount))?;
    d.set_item("shipping_amount", PyDec(a.shipping_amount))?;
    let allocations = PyDict::new(py);
    for (index, amount) in &a.allocations {
        allocations.set_item(index, PyDec(*amount))?;
    }
    d.set_item("allocations", allocations)?;
    d.set_item("gifts", gifts_list(py, &a.gifts)?)?;
    // Only for carts that list shipping methods, so other outcomes keep their shape.
    if !a.shipping_allocations.is_empty() {
        let per = PyDict::new(py);
        for (j, amount) in &a.shipping_allocations {
            per.set_item(j, PyDec(*amount))?;
        }
        d.set_item("shipping_allocations", per)?;
    }
    // Only when set, so outcomes without limits keep their shape.
    if let Some(by) = a.limited_by {
        d.set_item("limited_by", by)?;
    }
    // Only for several effects, so one-effect outcomes keep their shape.
    if !a.parts.is_empty() {
        let parts = PyList::empty(py);
        for p in &a.parts {
            let pd = PyDict::new(py);
            pd.set_item("amount", PyDec(p.amount))?;
            pd.set_item("shipping_amount", PyDec(p.shipping_amount))?;
            let allocations = PyDict::new(py);
            for (index, amount) in &p.allocations {
                allocations.set_item(index, PyDec(*amount))?;
            }
            pd.set_item("allocations", allocations)?;
            pd.set_item("gifts", gifts_list(py, &p.gifts)?)?;
            parts.append(pd)?;
        }
        d.set_item("parts", parts)?;
    }
    Ok(d)
}

fn gifts_list<'py>(
    py: Python<'py>,
    gifts: &[promotor_core::outcome::Gift],
) -> PyResult<Bound<'py, PyList>> {
    let out = PyList::empty(py);
    for g in gifts {
        let gd = PyDict::new(py);
        gd.set_item("sku", &g.sku)?;
        gd.set_item("quantity", g.quantity)?;
        gd.set_item("price", PyDec(g.price))?;
        out.append(gd)?;
    }
    Ok(out)
}

fn rejected<'py>(py: Python<'py>, r: &Rejected) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("campaign_id", &r.campaign_id)?;
    d.set_item("code", &r.code)?;
    d.set_item("reason", r.reason.as_str())?;
    d.set_item("condition", &r.condition)?;
    let none = || py.None().into_bound(py);
    d.set_item(
        "actual",
        r.actual
            .as_ref()
            .map_or_else(|| Ok(none()), |v| value_to_py(py, v))?,
    )?;
    d.set_item(
        "expected",
        r.expected
            .as_ref()
            .map_or_else(|| Ok(none()), |v| value_to_py(py, v))?,
    )?;
    d.set_item("detail", &r.detail)?;
    d.set_item("by", &r.by)?;
    Ok(d)
}

/// The canonical outcome dict of `o`, an evaluation of `input`.
pub fn outcome<'py>(py: Python<'py>, o: &Outcome, input: &Input) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("currency", &o.currency)?;
    d.set_item("subtotal", PyDec(o.subtotal))?;
    d.set_item("shipping", PyDec(o.shipping))?;
    d.set_item("discount", PyDec(o.discount))?;
    d.set_item("shipping_discount", PyDec(o.shipping_discount))?;
    d.set_item("total", PyDec(o.total))?;
    d.set_item(
        "lines",
        PyList::new(
            py,
            o.lines
                .iter()
                .map(|l| line(py, l, sku(input, l.index)))
                .collect::<PyResult<Vec<_>>>()?,
        )?,
    )?;
    d.set_item(
        "applied",
        PyList::new(
            py,
            o.applied
                .iter()
                .map(|a| applied(py, a))
                .collect::<PyResult<Vec<_>>>()?,
        )?,
    )?;
    d.set_item(
        "rejected",
        PyList::new(
            py,
            o.rejected
                .iter()
                .map(|r| rejected(py, r))
                .collect::<PyResult<Vec<_>>>()?,
        )?,
    )?;
    if !o.shipping_methods.is_empty() {
        let methods = PyList::empty(py);
        for m in &o.shipping_methods {
            let given = input.cart.shipping_methods.get(m.index);
            let md = PyDict::new(py);
            md.set_item("index", m.index)?;
            md.set_item("id", given.and_then(|g| g.id.as_deref()))?;
            md.set_item("code", given.and_then(|g| g.code.as_deref()))?;
            md.set_item("name", given.and_then(|g| g.name.as_deref()))?;
            md.set_item("price", PyDec(m.price))?;
            md.set_item("discount", PyDec(m.discount))?;
            md.set_item("total", PyDec(m.total))?;
            methods.append(md)?;
        }
        d.set_item("shipping_methods", methods)?;
    }
    if let Some(t) = &o.taxes {
        d.set_item("taxes", taxes(py, t)?)?;
    }
    Ok(d)
}

fn tax_line<'py>(py: Python<'py>, t: &TaxLine) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("index", t.index)?;
    d.set_item("rate", PyDec(t.rate))?;
    for (k, v) in [
        ("subtotal_net", t.subtotal_net),
        ("subtotal_gross", t.subtotal_gross),
        ("discount_net", t.discount_net),
        ("discount_gross", t.discount_gross),
        ("total_net", t.total_net),
        ("total_gross", t.total_gross),
        ("tax", t.tax),
    ] {
        d.set_item(k, PyDec(v))?;
    }
    Ok(d)
}

/// The canonical `taxes` dict of an outcome.
pub fn taxes<'py>(py: Python<'py>, t: &Taxes) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("prices_include_tax", t.prices_include_tax)?;
    let lines = PyList::empty(py);
    for l in &t.lines {
        lines.append(tax_line(py, l)?)?;
    }
    d.set_item("lines", lines)?;
    let methods = PyList::empty(py);
    for l in &t.shipping_methods {
        methods.append(tax_line(py, l)?)?;
    }
    d.set_item("shipping_methods", methods)?;
    for (k, v) in [
        ("subtotal_net", t.subtotal_net),
        ("subtotal_gross", t.subtotal_gross),
        ("shipping_net", t.shipping_net),
        ("shipping_gross", t.shipping_gross),
        ("discount_net", t.discount_net),
        ("discount_gross", t.discount_gross),
        ("total_net", t.total_net),
        ("total_gross", t.total_gross),
        ("tax", t.tax),
    ] {
        d.set_item(k, v.map(PyDec))?;
    }
    Ok(d)
}

/// The sku of input line `i`.
pub fn sku(input: &Input, i: usize) -> Option<&str> {
    input.cart.items.get(i).and_then(|it| it.sku.as_deref())
}
