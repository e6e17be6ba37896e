//! Canonical input (Python objects, see docs/architecture.md) -> `input::Input`, and
//! `outcome::Outcome` -> Python dicts. The Python side has already validated the input; a
//! malformed value here is a programming error and raises `TypeError` naming the field.

use std::collections::BTreeMap;

use chrono::{DateTime, TimeDelta, Utc};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyList, PyString};
use rust_decimal::Decimal;

use promotor_core::input::{Cart, Context, Customer, Input, Item, Map, MetaValue, Timestamp};
use promotor_core::outcome::{Applied, LineOutcome, Outcome, Rejected, Reported};

use crate::dec::PyDec;

fn bad(field: &str, err: &PyErr) -> PyErr {
    PyTypeError::new_err(format!("canonical input: {field}: {err}"))
}

fn get<'py>(d: &Bound<'py, PyDict>, key: &str) -> PyResult<Option<Bound<'py, PyAny>>> {
    Ok(d.get_item(key)?.filter(|v| !v.is_none()))
}

fn opt_str(d: &Bound<'_, PyDict>, key: &str) -> PyResult<Option<String>> {
    get(d, key)?
        .map(|v| v.extract::<String>().map_err(|e| bad(key, &e)))
        .transpose()
}

fn opt_dec(d: &Bound<'_, PyDict>, key: &str) -> PyResult<Option<Decimal>> {
    get(d, key)?
        .map(|v| v.extract::<Decimal>().map_err(|e| bad(key, &e)))
        .transpose()
}

fn str_list(d: &Bound<'_, PyDict>, key: &str) -> PyResult<Vec<String>> {
    get(d, key)?.map_or_else(
        || Ok(Vec::new()),
        |v| v.extract::<Vec<String>>().map_err(|e| bad(key, &e)),
    )
}

fn timestamp(v: &Bound<'_, PyAny>, key: &str) -> PyResult<Timestamp> {
    let dt: DateTime<Utc> = v.extract().map_err(|e| bad(key, &e))?;
    Ok(dt.timestamp_micros())
}

fn opt_timestamp(d: &Bound<'_, PyDict>, key: &str) -> PyResult<Option<Timestamp>> {
    get(d, key)?.map(|v| timestamp(&v, key)).transpose()
}

fn dict<'py>(v: &Bound<'py, PyAny>, key: &str) -> PyResult<Bound<'py, PyDict>> {
    v.cast::<PyDict>()
        .cloned()
        .map_err(|e| bad(key, &PyErr::from(e)))
}

fn metadata(d: &Bound<'_, PyDict>) -> PyResult<Map> {
    match get(d, "metadata")? {
        None => Ok(Map::new()),
        Some(v) => meta_map(&dict(&v, "metadata")?),
    }
}

fn meta_map(d: &Bound<'_, PyDict>) -> PyResult<Map> {
    let mut map = BTreeMap::new();
    for (k, v) in d.iter() {
        map.insert(
            k.extract::<String>().map_err(|e| bad("metadata key", &e))?,
            meta_value(&v)?,
        );
    }
    Ok(map)
}

fn meta_value(v: &Bound<'_, PyAny>) -> PyResult<MetaValue> {
    if v.is_none() {
        Ok(MetaValue::Null)
    } else if let Ok(b) = v.cast::<PyBool>() {
        Ok(MetaValue::Bool(b.is_true()))
    } else if let Ok(s) = v.cast::<PyString>() {
        Ok(MetaValue::Str(s.to_str()?.to_owned()))
    } else if let Ok(d) = v.cast::<PyDict>() {
        Ok(MetaValue::Map(meta_map(d)?))
    } else if let Ok(l) = v.cast::<PyList>() {
        Ok(MetaValue::List(
            l.iter().map(|x| meta_value(&x)).collect::<PyResult<_>>()?,
        ))
    } else {
        Ok(MetaValue::Num(
            v.extract::<Decimal>()
                .map_err(|e| bad("metadata value", &e))?,
        ))
    }
}

fn item(v: &Bound<'_, PyAny>) -> PyResult<Item> {
    let d = dict(v, "item")?;
    Ok(Item {
        sku: opt_str(&d, "sku")?.map(Into::into),
        product: opt_str(&d, "product")?.map(Into::into),
        category: opt_str(&d, "category")?.map(Into::into),
        tags: str_list(&d, "tags")?,
        price: opt_dec(&d, "price")?.unwrap_or_default(),
        quantity: get(&d, "quantity")?
            .map(|q| q.extract::<u32>().map_err(|e| bad("quantity", &e)))
            .transpose()?
            .unwrap_or(1),
        metadata: metadata(&d)?,
    })
}

pub fn input(d: &Bound<'_, PyDict>) -> PyResult<Input> {
    let cart = dict(
        &get(d, "cart")?.ok_or_else(|| PyTypeError::new_err("no cart"))?,
        "cart",
    )?;
    let items = match get(&cart, "items")? {
        None => Vec::new(),
        Some(list) => list
            .try_iter()?
            .map(|v| item(&v?))
            .collect::<PyResult<_>>()?,
    };
    let customer = get(d, "customer")?
        .map(|v| -> PyResult<Customer> {
            let c = dict(&v, "customer")?;
            Ok(Customer {
                id: opt_str(&c, "id")?,
                email: opt_str(&c, "email")?,
                segments: str_list(&c, "segments")?,
                orders_count: opt_dec(&c, "orders_count")?,
                total_spent: opt_dec(&c, "total_spent")?,
                created_at: opt_timestamp(&c, "created_at")?,
                birthday: opt_timestamp(&c, "birthday")?,
                metadata: metadata(&c)?,
            })
        })
        .transpose()?;
    let context = match get(d, "context")? {
        None => Context::default(),
        Some(v) => {
            let c = dict(&v, "context")?;
            Context {
                now: opt_timestamp(&c, "now")?.unwrap_or_default(),
                channel: opt_str(&c, "channel")?,
                country: opt_str(&c, "country")?,
                metadata: metadata(&c)?,
            }
        }
    };
    Ok(Input {
        cart: Cart {
            currency: opt_str(&cart, "currency")?,
            shipping: opt_dec(&cart, "shipping")?.unwrap_or_default(),
            items,
            metadata: metadata(&cart)?,
        },
        customer,
        context,
        codes: codes(d)?,
    })
}

/// The codes, each free of invisible characters (an `InputError` at `("codes", i)`), as
/// `canonical_input` checks them: the reference evaluator refuses such a code too.
fn codes(d: &Bound<'_, PyDict>) -> PyResult<Vec<String>> {
    let codes = str_list(d, "codes")?;
    let errors = promotor_core::codes::normalize::check_all(
        &codes,
        &[promotor_core::error::Loc::key("codes")],
    );
    if errors.is_empty() {
        Ok(codes)
    } else {
        Err(crate::errors::to_py(
            d.py(),
            &promotor_core::error::Errors::input(errors),
        ))
    }
}

fn meta_to_py<'py>(py: Python<'py>, v: &MetaValue) -> PyResult<Bound<'py, PyAny>> {
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
    let gifts = PyList::empty(py);
    for g in &a.gifts {
        let gd = PyDict::new(py);
        gd.set_item("sku", &g.sku)?;
        gd.set_item("quantity", g.quantity)?;
        gd.set_item("price", PyDec(g.price))?;
        gifts.append(gd)?;
    }
    d.set_item("gifts", gifts)?;
    // Only when set, so outcomes without limits keep their shape.
    if let Some(by) = a.limited_by {
        d.set_item("limited_by", by)?;
    }
    Ok(d)
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
    Ok(d)
}

/// The sku of input line `i`.
pub fn sku(input: &Input, i: usize) -> Option<&str> {
    input.cart.items.get(i).and_then(|it| it.sku.as_deref())
}
