//! Python objects as a source of the core's one input validator (`promotor_core::input`), and
//! validated inputs back to Python as the canonical dicts of docs/architecture.md (what the
//! reference evaluator reads).
//!
//! A cart may be a dict (any mapping) or a `promotor.Cart` model, and so on for its parts:
//! models are read through their `__dict__`. Numbers may be `int` (numpy integers too), `float`,
//! `str` or `Decimal`; times aware `datetime`s, `date`s where a date is allowed, or RFC 3339 text.

use std::borrow::Cow;
use std::time::{SystemTime, UNIX_EPOCH};

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{
    PyBool, PyDate, PyDateAccess, PyDateTime, PyDict, PyFloat, PyFrozenSet, PyInt, PyList,
    PyMapping, PySet, PyString, PyTimeAccess, PyTuple, PyType, PyTzInfo, PyTzInfoAccess,
};

use promotor_core::error::{Error, ErrorKind, Errors, Loc};
use promotor_core::input::{
    self, Bad, Call, Cart, Context, Customer, Errs, Input, Instant, Item, Key, Map, Meta, Number,
    Object, Path, ShippingMethod, Source, Timestamp,
};

use crate::dec::PyDec;
use crate::dict::{DictFields, FieldNames, PyKey};
use crate::errors;

/// One Python value.
pub struct PyValue<'py>(pub Bound<'py, PyAny>);

fn decimal_type(py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
    static DECIMAL: PyOnceLock<Py<PyType>> = PyOnceLock::new();
    DECIMAL.import(py, "decimal", "Decimal")
}

/// The model class of an object (`promotor.inputs.Cart`...), imported on first use.
fn model_class(py: Python<'_>, of: Object) -> Option<&Bound<'_, PyType>> {
    static CART: PyOnceLock<Py<PyType>> = PyOnceLock::new();
    static ITEM: PyOnceLock<Py<PyType>> = PyOnceLock::new();
    static CUSTOMER: PyOnceLock<Py<PyType>> = PyOnceLock::new();
    static CONTEXT: PyOnceLock<Py<PyType>> = PyOnceLock::new();
    static METHOD: PyOnceLock<Py<PyType>> = PyOnceLock::new();
    let (cell, name) = match of {
        Object::ShippingMethod => (&METHOD, "ShippingMethod"),
        Object::Cart => (&CART, "Cart"),
        Object::Item => (&ITEM, "Item"),
        Object::Customer => (&CUSTOMER, "Customer"),
        Object::Context => (&CONTEXT, "Context"),
        _ => return None,
    };
    cell.import(py, "promotor.inputs", name).ok()
}

/// The field names of an object as interned Python strings, made on first use: the keys of
/// dicts written in code are these very objects, so a key is recognised by its address.
fn field_names(py: Python<'_>, of: Object) -> &FieldNames {
    static NAMES: [PyOnceLock<FieldNames>; 7] = [const { PyOnceLock::new() }; 7];
    NAMES[of as usize].get_or_init(py, || FieldNames::new(py, of.fields()))
}

pub enum PyFields<'py> {
    Dict(DictFields<'py>),
    Items(Bound<'py, pyo3::types::PyIterator>),
}

impl<'py> Iterator for PyFields<'py> {
    type Item = (PyKey<'py>, PyValue<'py>);

    // Always: inlined into the validator's loop, the pair is never built in memory; this
    // took 1,400 instructions off reading a 10-line cart (callgrind, benches.stages).
    #[allow(clippy::inline_always)]
    #[inline(always)]
    fn next(&mut self) -> Option<Self::Item> {
        match self {
            Self::Dict(it) => it.next().map(|(k, v)| (k, PyValue(v))),
            // A mapping whose iteration fails ends there; what was read is validated.
            Self::Items(it) => {
                let pair = it.next()?.ok()?;
                let (k, v) = pair
                    .extract::<(Bound<'py, PyAny>, Bound<'py, PyAny>)>()
                    .ok()?;
                Some((PyKey::Any(k), PyValue(v)))
            }
        }
    }
}

pub enum PyElements<'py> {
    List(pyo3::types::iter::BoundListIterator<'py>),
    Tuple(pyo3::types::iter::BoundTupleIterator<'py>),
}

impl<'py> Iterator for PyElements<'py> {
    type Item = PyValue<'py>;

    fn next(&mut self) -> Option<Self::Item> {
        match self {
            Self::List(it) => it.next().map(PyValue),
            Self::Tuple(it) => it.next().map(PyValue),
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        match self {
            Self::List(it) => it.size_hint(),
            Self::Tuple(it) => it.size_hint(),
        }
    }
}

impl ExactSizeIterator for PyElements<'_> {}

fn is_number(v: &Bound<'_, PyAny>) -> bool {
    !v.is_instance_of::<PyBool>()
        && (v.is_instance_of::<PyInt>()
            || v.is_instance_of::<PyFloat>()
            || decimal_type(v.py()).is_ok_and(|t| v.is_instance(t).unwrap_or(false))
            || v.hasattr("__index__").unwrap_or(false))
}

impl<'py> Source for PyValue<'py> {
    type Key = PyKey<'py>;
    type Fields = PyFields<'py>;
    type Elements = PyElements<'py>;

    #[inline]
    fn key<'k>(key: &'k PyKey<'py>) -> Key<'k> {
        match key {
            PyKey::Field(i) => Key::Field(*i),
            PyKey::Any(k) => match k.cast::<PyString>() {
                Ok(s) => s.to_str().map_or(Key::Unicode, Key::Str),
                Err(_) => Key::Other,
            },
        }
    }

    fn other_key(key: &PyKey<'py>) -> (Loc, String) {
        let PyKey::Any(key) = key else {
            return (Loc::key("?"), "str".to_owned());
        };
        let type_name = key
            .get_type()
            .name()
            .map_or_else(|_| "?".to_owned(), |n| n.to_string());
        let loc = match key.extract::<usize>() {
            Ok(i) if key.is_instance_of::<PyInt>() => Loc::Index(i),
            _ => Loc::Key(
                key.repr()
                    .map_or_else(|_| "?".to_owned(), |r| r.to_string()),
            ),
        };
        (loc, type_name)
    }

    fn is_null(&self) -> bool {
        self.0.is_none()
    }

    fn got(&self) -> String {
        self.0
            .get_type()
            .name()
            .map_or_else(|_| "?".to_owned(), |n| n.to_string())
    }

    fn text(&self) -> Result<&str, Bad> {
        let s = self.0.cast::<PyString>().map_err(|_| Bad::Type)?;
        s.to_str().map_err(|_| Bad::Unicode)
    }

    fn number(&self) -> Result<Number<'_>, Bad> {
        let v = &self.0;
        if v.is_exact_instance_of::<PyInt>() {
            return Ok(int(v));
        }
        if v.is_exact_instance_of::<PyFloat>() {
            return Ok(Number::Float(
                v.cast::<PyFloat>().map_err(|_| Bad::Type)?.value(),
            ));
        }
        if v.is_exact_instance_of::<PyString>() {
            return self.text().map(|t| Number::Text(Cow::Borrowed(t)));
        }
        let py = v.py();
        if decimal_type(py).is_ok_and(|t| v.get_type().is(t)) {
            return decimal_text(v);
        }
        if v.is_instance_of::<PyBool>() {
            return Err(Bad::Type);
        }
        if v.is_instance_of::<PyInt>() {
            return Ok(int(v));
        }
        if let Ok(f) = v.cast::<PyFloat>() {
            return Ok(Number::Float(f.value()));
        }
        if v.is_instance_of::<PyString>() {
            return self.text().map(|t| Number::Text(Cow::Borrowed(t)));
        }
        if decimal_type(py).is_ok_and(|t| v.is_instance(t).unwrap_or(false)) {
            return decimal_text(v);
        }
        // numpy integers and other integer types.
        if v.hasattr("__index__").unwrap_or(false) {
            if let Ok(i) = v.call_method0("__index__") {
                return Ok(int(&i));
            }
        }
        Err(Bad::Type)
    }

    fn instant(&self) -> Result<Instant<'_>, Bad> {
        let v = &self.0;
        if let Ok(dt) = v.cast::<PyDateTime>() {
            let naive = NaiveDate::from_ymd_opt(
                dt.get_year(),
                u32::from(dt.get_month()),
                u32::from(dt.get_day()),
            )
            .and_then(|d| {
                d.and_hms_micro_opt(
                    u32::from(dt.get_hour()),
                    u32::from(dt.get_minute()),
                    u32::from(dt.get_second()),
                    dt.get_microsecond(),
                )
            })
            .ok_or(Bad::Type)?
            .and_utc()
            .timestamp_micros();
            let Some(tz) = dt.get_tzinfo() else {
                return Ok(Instant::Naive);
            };
            if PyTzInfo::utc(v.py()).is_ok_and(|utc| tz.is(utc)) {
                return Ok(Instant::Micros(naive));
            }
            let offset = v.call_method0("utcoffset").map_err(|_| Bad::Type)?;
            if offset.is_none() {
                return Ok(Instant::Naive);
            }
            let offset: TimeDelta = offset.extract().map_err(|_| Bad::Type)?;
            return Ok(Instant::Micros(
                naive - offset.num_microseconds().ok_or(Bad::Type)?,
            ));
        }
        if let Ok(d) = v.cast::<PyDate>() {
            let day = NaiveDate::from_ymd_opt(
                d.get_year(),
                u32::from(d.get_month()),
                u32::from(d.get_day()),
            )
            .ok_or(Bad::Type)?;
            let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).ok_or(Bad::Type)?;
            return Ok(Instant::Date((day - epoch).num_days()));
        }
        self.text().map(|t| Instant::Text(Cow::Borrowed(t)))
    }

    fn meta(&self) -> Result<Meta<'_>, Bad> {
        let v = &self.0;
        if v.is_none() {
            return Ok(Meta::Null);
        }
        if let Ok(b) = v.cast::<PyBool>() {
            return Ok(Meta::Bool(b.is_true()));
        }
        if v.is_instance_of::<PyString>() {
            return self.text().map(Meta::Text);
        }
        if v.is_instance_of::<PyDict>() || v.cast::<PyMapping>().is_ok() {
            return Ok(Meta::Map);
        }
        if v.is_instance_of::<PyList>() || v.is_instance_of::<PyTuple>() {
            return Ok(Meta::List);
        }
        if is_number(v) {
            return self.number().map(Meta::Number);
        }
        if let Ok(t) = self.instant() {
            return Ok(Meta::Time(t));
        }
        Err(Bad::Type)
    }

    fn elements(&self) -> Result<Self::Elements, Bad> {
        let v = &self.0;
        if let Ok(list) = v.cast::<PyList>() {
            return Ok(PyElements::List(list.clone().into_iter()));
        }
        if let Ok(tuple) = v.cast::<PyTuple>() {
            return Ok(PyElements::Tuple(tuple.clone().into_iter()));
        }
        // Other iterables (generators, arrays), but not texts, mappings and unordered sets.
        if v.is_instance_of::<PyString>()
            || v.is_instance_of::<pyo3::types::PyBytes>()
            || v.is_instance_of::<PyDict>()
            || v.is_instance_of::<PySet>()
            || v.is_instance_of::<PyFrozenSet>()
            || v.cast::<PyMapping>().is_ok()
            || v.is_none()
        {
            return Err(Bad::Type);
        }
        let iter = v.try_iter().map_err(|_| Bad::Type)?;
        let items: Vec<Bound<'py, PyAny>> = iter.collect::<PyResult<_>>().map_err(|_| Bad::Type)?;
        let list = PyList::new(v.py(), items).map_err(|_| Bad::Type)?;
        Ok(PyElements::List(list.into_iter()))
    }

    fn fields(&self, of: Object) -> Result<Self::Fields, Bad> {
        let v = &self.0;
        let py = v.py();
        if let Ok(d) = v.cast::<PyDict>() {
            return Ok(PyFields::Dict(DictFields::new(
                d.clone(),
                field_names(py, of),
            )));
        }
        if let Some(class) = model_class(py, of) {
            if v.is_instance(class).unwrap_or(false) {
                let d = v.getattr("__dict__").map_err(|_| Bad::Type)?;
                let d = d.cast_into::<PyDict>().map_err(|_| Bad::Type)?;
                return Ok(PyFields::Dict(DictFields::new(d, field_names(py, of))));
            }
        }
        if v.cast::<PyMapping>().is_ok() {
            let items = v
                .call_method0("items")
                .and_then(|i| i.try_iter())
                .map_err(|_| Bad::Type)?;
            return Ok(PyFields::Items(items));
        }
        Err(Bad::Type)
    }
}

/// A Python `int` (or what `__index__` gave); one beyond i128 is out of range anyway.
fn int(v: &Bound<'_, PyAny>) -> Number<'static> {
    if let Ok(i) = v.extract::<i64>() {
        return Number::Scaled(i128::from(i), 0);
    }
    let big = v.extract::<i128>().unwrap_or_else(|_| {
        if v.lt(0).unwrap_or(false) {
            i128::MIN
        } else {
            i128::MAX
        }
    });
    Number::Scaled(big, 0)
}

/// A `decimal.Decimal`, through its text (read here, so that the text need not be kept).
fn decimal_text<'s>(v: &Bound<'_, PyAny>) -> Result<Number<'s>, Bad> {
    let text = v.str().map_err(|_| Bad::Type)?;
    let text = text.to_str().map_err(|_| Bad::Type)?;
    Ok(match promotor_core::input::number::text(text) {
        Ok(d) => Number::Scaled(d.mantissa(), d.scale() as i32),
        // The validator reads it again and says what is wrong.
        Err(_) => Number::Text(Cow::Owned(text.to_owned())),
    })
}

fn clock() -> Timestamp {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .ok()
        .and_then(|d| i64::try_from(d.as_micros()).ok())
        .unwrap_or(0)
}

/// The input of `Engine.evaluate(cart, customer, codes, now, context)`; `InputError` naming
/// every problem.
pub fn read_call<'py>(
    py: Python<'py>,
    cart: &Bound<'py, PyAny>,
    customer: Option<&Bound<'py, PyAny>>,
    codes: Option<&Bound<'py, PyAny>>,
    now: Option<&Bound<'py, PyAny>>,
    context: Option<&Bound<'py, PyAny>>,
) -> PyResult<Input> {
    let wrap = |v: Option<&Bound<'py, PyAny>>| v.map(|v| PyValue(v.clone()));
    let (cart, customer, codes, now, context) = (
        PyValue(cart.clone()),
        wrap(customer),
        wrap(codes),
        wrap(now),
        wrap(context),
    );
    let call = Call {
        cart: &cart,
        customer: customer.as_ref(),
        codes: codes.as_ref(),
        now: now.as_ref(),
        context: context.as_ref(),
    };
    input::call(&call, clock()).map_err(|e| errors::to_py(py, &e))
}

/// A whole input given as one mapping (`cart`, `customer`, `context`, `codes`).
pub fn read_mapping(py: Python<'_>, v: &Bound<'_, PyAny>) -> PyResult<Input> {
    input::read(&PyValue(v.clone()), clock()).map_err(|e| errors::to_py(py, &e))
}

/// A whole input given as JSON text (golden files).
pub fn read_json(py: Python<'_>, text: &str) -> PyResult<Input> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        let error = Error::new(
            ErrorKind::Invalid {
                message: format!("invalid JSON: {e}"),
            },
            Vec::new(),
        );
        errors::to_py(py, &Errors::input(vec![error]))
    })?;
    input::read(&&value, clock()).map_err(|e| errors::to_py(py, &e))
}

/// One part of an input, as `promotor.inputs`' models validate it: its canonical dict (a
/// context without `now` keeps `None`).
pub fn read_part<'py>(
    py: Python<'py>,
    kind: &str,
    data: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyDict>> {
    let v = PyValue(data.clone());
    let mut errs = Errs::new();
    let root = Path::ROOT;
    let out = match kind {
        "cart" => {
            let mut c = Cart::default();
            input::validate::cart(&v, &mut c, &root, &mut errs);
            cart_dict(py, &c)
        }
        "item" => {
            let mut it = Item::default();
            input::validate::item(&v, &mut it, &root, &mut errs);
            item_dict(py, &it)
        }
        "shipping_method" => {
            let mut c = Cart::default();
            input::validate::shipping_method(&v, &mut c, &root, &mut errs);
            method_dict(py, &c.shipping_methods[0])
        }
        "customer" => {
            let mut c = Customer::default();
            input::validate::customer(&v, &mut c, &root, &mut errs);
            customer_dict(py, &c)
        }
        _ => {
            let mut c = Context::default();
            let now = input::validate::context(&v, &mut c, true, &root, &mut errs);
            context_dict(py, &c, now)
        }
    };
    if errs.is_empty() {
        out
    } else {
        Err(errors::to_py(py, &errs.into_errors()))
    }
}

// ---------------------------------------------------------------------------------------------
// Input -> canonical dict

fn time(py: Python<'_>, t: Option<Timestamp>) -> PyResult<Bound<'_, PyAny>> {
    match t.and_then(DateTime::<Utc>::from_timestamp_micros) {
        None => Ok(py.None().into_bound(py)),
        Some(dt) => dt.into_pyobject(py).map(Bound::into_any),
    }
}

fn map_dict<'py>(py: Python<'py>, map: &Map) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    for (k, x) in map {
        d.set_item(k, crate::convert::meta_to_py(py, x)?)?;
    }
    Ok(d)
}

fn item_dict<'py>(py: Python<'py>, it: &Item) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("sku", it.sku.as_deref())?;
    d.set_item("product", it.product.as_deref())?;
    d.set_item("category", it.category.as_deref())?;
    d.set_item("tags", &it.tags)?;
    d.set_item("price", PyDec(it.price))?;
    d.set_item("quantity", it.quantity)?;
    d.set_item("metadata", map_dict(py, &it.metadata)?)?;
    // Only when given, so lines without a rate keep their shape.
    if let Some(r) = it.tax_rate {
        d.set_item("tax_rate", PyDec(r))?;
    }
    Ok(d)
}

fn cart_dict<'py>(py: Python<'py>, c: &Cart) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("currency", c.currency.as_deref())?;
    d.set_item("shipping", PyDec(c.shipping))?;
    let items = PyList::empty(py);
    for it in &c.items {
        items.append(item_dict(py, it)?)?;
    }
    d.set_item("items", items)?;
    d.set_item("metadata", map_dict(py, &c.metadata)?)?;
    // Only when given, so carts without them keep their shape.
    if !c.shipping_methods.is_empty() {
        let methods = PyList::empty(py);
        for m in &c.shipping_methods {
            methods.append(method_dict(py, m)?)?;
        }
        d.set_item("shipping_methods", methods)?;
    }
    Ok(d)
}

fn method_dict<'py>(py: Python<'py>, m: &ShippingMethod) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("id", m.id.as_deref())?;
    d.set_item("code", m.code.as_deref())?;
    d.set_item("name", m.name.as_deref())?;
    d.set_item("price", PyDec(m.price))?;
    d.set_item("metadata", map_dict(py, &m.metadata)?)?;
    if let Some(r) = m.tax_rate {
        d.set_item("tax_rate", PyDec(r))?;
    }
    Ok(d)
}

fn customer_dict<'py>(py: Python<'py>, c: &Customer) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("id", c.id.as_deref())?;
    d.set_item("email", c.email.as_deref())?;
    d.set_item("segments", &c.segments)?;
    d.set_item("orders_count", c.orders_count.map(PyDec))?;
    d.set_item("total_spent", c.total_spent.map(PyDec))?;
    d.set_item("created_at", time(py, c.created_at)?)?;
    d.set_item("birthday", time(py, c.birthday)?)?;
    d.set_item("metadata", map_dict(py, &c.metadata)?)?;
    Ok(d)
}

fn context_dict<'py>(
    py: Python<'py>,
    c: &Context,
    now: Option<Timestamp>,
) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("now", time(py, now)?)?;
    d.set_item("channel", c.channel.as_deref())?;
    d.set_item("country", c.country.as_deref())?;
    d.set_item("metadata", map_dict(py, &c.metadata)?)?;
    Ok(d)
}

/// The canonical input dict (docs/architecture.md) of a validated input.
pub fn to_dict<'py>(py: Python<'py>, input: &Input) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("cart", cart_dict(py, &input.cart)?)?;
    match &input.customer {
        None => d.set_item("customer", py.None())?,
        Some(c) => d.set_item("customer", customer_dict(py, c)?)?,
    }
    d.set_item(
        "context",
        context_dict(py, &input.context, Some(input.context.now))?,
    )?;
    d.set_item("codes", &input.codes)?;
    Ok(d)
}
