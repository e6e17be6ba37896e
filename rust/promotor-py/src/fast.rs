//! The single-cart fast path: a user's plain dicts read straight into `input::Input`, with no
//! canonical dict in between (docs/performance.md).
//!
//! Only the shapes carts usually have are read here, and each is read exactly as
//! `promotor.inputs.canonical_input` reads it (same numbers with the same scale, same strings,
//! same defaults). Anything else (a model, a dict subclass, an unknown key, a negative price,
//! metadata, a timestamp string, a value out of bounds...) makes `read` return `None`, and the
//! caller takes the canonical path, which accepts the unusual shapes and reports every problem
//! with its location. `tests/test_fast_input.py` checks the two paths agree on generated input.

use std::time::{SystemTime, UNIX_EPOCH};

use chrono::NaiveDate;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{
    PyDate, PyDateAccess, PyDateTime, PyDict, PyFloat, PyInt, PyList, PyString, PyTimeAccess,
    PyTuple, PyType, PyTzInfo, PyTzInfoAccess,
};
use rust_decimal::Decimal;

use promotor_core::input::{Cart, Context, Customer, Input, Item, Text, Timestamp};
use promotor_core::money;

/// Bounds of `promotor.inputs`.
const MAX_ITEMS: usize = 1000;
const MAX_LIST: usize = 1000;
const MAX_STRING: usize = 10_000;
const MAX_QUANTITY: i64 = 1_000_000;
const MAX_INT: i64 = 100_000_000_000_000; // 10^14

/// `None`: not a fast shape (or not valid); the canonical path decides.
type Fast<T> = Option<T>;

fn exact_dict<'a, 'py>(v: &'a Bound<'py, PyAny>) -> Fast<&'a Bound<'py, PyDict>> {
    if v.is_exact_instance_of::<PyDict>() {
        v.cast::<PyDict>().ok()
    } else {
        None
    }
}

/// An exact `str` of at most `MAX_STRING` characters (checked on its UTF-8 length, which is
/// never smaller), borrowed.
fn text<'a>(v: &'a Bound<'_, PyAny>) -> Fast<&'a str> {
    if !v.is_exact_instance_of::<PyString>() {
        return None;
    }
    let s = v.cast::<PyString>().ok()?.to_str().ok()?;
    (s.len() <= MAX_STRING).then_some(s)
}

fn string(v: &Bound<'_, PyAny>) -> Fast<String> {
    text(v).map(str::to_owned)
}

/// A line's sku, product or category: `None`, or a string kept inline when short.
fn opt_text(v: &Bound<'_, PyAny>) -> Fast<Option<Text>> {
    if v.is_none() {
        Some(None)
    } else {
        text(v).map(|s| Some(Text::from(s)))
    }
}

fn opt_string(v: &Bound<'_, PyAny>) -> Fast<Option<String>> {
    if v.is_none() {
        Some(None)
    } else {
        string(v).map(Some)
    }
}

/// A list (or, where `tuples`, a tuple) of exact strings.
fn strings(v: &Bound<'_, PyAny>, tuples: bool) -> Fast<Vec<String>> {
    if v.is_none() {
        return Some(Vec::new());
    }
    let collect = |it: &mut dyn ExactSizeIterator<Item = Bound<'_, PyAny>>| {
        if it.len() > MAX_LIST {
            return None;
        }
        it.map(|x| string(&x)).collect()
    };
    if v.is_exact_instance_of::<PyList>() {
        collect(&mut v.cast::<PyList>().ok()?.iter())
    } else if tuples && v.is_exact_instance_of::<PyTuple>() {
        collect(&mut v.cast::<PyTuple>().ok()?.iter())
    } else {
        None
    }
}

/// `[0-9]{1,14}(\.[0-9]{1,12})?` as a decimal keeping its scale (what `Decimal(text)` gives).
fn plain_decimal(s: &str) -> Fast<Decimal> {
    let (int, frac) = match s.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (s, None),
    };
    let digits = |t: &str, max: usize| {
        !t.is_empty() && t.len() <= max && t.bytes().all(|b| b.is_ascii_digit())
    };
    if !digits(int, 14) || frac.is_some_and(|f| !digits(f, 12)) {
        return None;
    }
    let frac = frac.unwrap_or("");
    let mut m: i128 = 0;
    for b in int.bytes().chain(frac.bytes()) {
        m = m * 10 + i128::from(b - b'0');
    }
    Decimal::try_from_i128_with_scale(m, u32::try_from(frac.len()).ok()?).ok()
}

/// `decimal.Decimal` whose text is a plain decimal (no exponent, at most 14 integer digits and
/// 12 places): `exact_decimal` leaves those as they are. A negative zero takes the canonical path.
fn python_decimal(v: &Bound<'_, PyAny>) -> Fast<Decimal> {
    let text = v.str().ok()?;
    let text = text.to_str().ok()?;
    match text.strip_prefix('-') {
        Some(abs) => plain_decimal(abs).filter(|d| !d.is_zero()).map(|d| -d),
        None => plain_decimal(text),
    }
}

fn is_python_decimal(v: &Bound<'_, PyAny>) -> bool {
    static DECIMAL: PyOnceLock<Py<PyType>> = PyOnceLock::new();
    DECIMAL
        .import(v.py(), "decimal", "Decimal")
        .is_ok_and(|t| v.get_type().is(t))
}

/// A number as `canonical_input` reads it: exact `int` below 10^14 in magnitude, exact
/// `float` (its shortest text, at most 6 places, as `float_decimal`), a plain non-negative
/// decimal string, or a `Decimal` in plain notation. Negative floats and strings take the
/// canonical path.
fn number(v: &Bound<'_, PyAny>) -> Fast<Decimal> {
    if v.is_exact_instance_of::<PyInt>() {
        let i: i64 = v.extract().ok()?;
        return (-MAX_INT < i && i < MAX_INT).then(|| Decimal::from(i));
    }
    if v.is_exact_instance_of::<PyFloat>() {
        let f: f64 = v.extract().ok()?;
        if f.is_sign_negative() {
            return None;
        }
        let d = promotor_core::batch::float_decimal(f).ok()?;
        // `float_decimal` in Python: whole numbers without places, others without trailing 0s.
        return Some(if d.fract().is_zero() {
            d.trunc()
        } else {
            d.normalize()
        });
    }
    if v.is_exact_instance_of::<PyString>() {
        return plain_decimal(v.cast::<PyString>().ok()?.to_str().ok()?);
    }
    if is_python_decimal(v) {
        return python_decimal(v);
    }
    None
}

fn opt_number(v: &Bound<'_, PyAny>) -> Fast<Option<Decimal>> {
    if v.is_none() {
        Some(None)
    } else {
        number(v).map(Some)
    }
}

/// Money: a number that is not negative.
fn money_amount(v: &Bound<'_, PyAny>) -> Fast<Decimal> {
    number(v).filter(|d| !d.is_sign_negative())
}

/// `None` and `{}` only: metadata with content takes the canonical path.
fn no_metadata(v: &Bound<'_, PyAny>) -> Fast<()> {
    if v.is_none() {
        return Some(());
    }
    exact_dict(v).filter(|d| d.is_empty()).map(|_| ())
}

/// An aware `datetime` in `timezone.utc` (or, where `dates`, a `date`: its midnight in UTC),
/// as microseconds since the epoch.
fn instant(v: &Bound<'_, PyAny>, dates: bool) -> Fast<Timestamp> {
    let py = v.py();
    if v.is_exact_instance_of::<PyDateTime>() {
        let dt = v.cast::<PyDateTime>().ok()?;
        let tz = dt.get_tzinfo()?;
        if !tz.is(PyTzInfo::utc(py).ok()?) {
            return None;
        }
        let naive = NaiveDate::from_ymd_opt(
            dt.get_year(),
            u32::from(dt.get_month()),
            u32::from(dt.get_day()),
        )?
        .and_hms_micro_opt(
            u32::from(dt.get_hour()),
            u32::from(dt.get_minute()),
            u32::from(dt.get_second()),
            dt.get_microsecond(),
        )?;
        return Some(naive.and_utc().timestamp_micros());
    }
    if dates && v.is_exact_instance_of::<PyDate>() {
        let d = v.cast::<PyDate>().ok()?;
        let day = NaiveDate::from_ymd_opt(
            d.get_year(),
            u32::from(d.get_month()),
            u32::from(d.get_day()),
        )?;
        return Some(day.and_hms_opt(0, 0, 0)?.and_utc().timestamp_micros());
    }
    None
}

fn opt_instant(v: &Bound<'_, PyAny>, dates: bool) -> Fast<Option<Timestamp>> {
    if v.is_none() {
        Some(None)
    } else {
        instant(v, dates).map(Some)
    }
}

/// Iterates an exact dict whose keys are exact strings, handing each known key to `f`; an
/// unknown key (or `f` saying no) makes it `None`.
fn fields<'py>(
    d: &Bound<'py, PyDict>,
    mut f: impl FnMut(&str, &Bound<'py, PyAny>) -> Fast<()>,
) -> Fast<()> {
    for (k, v) in d.iter() {
        if !k.is_exact_instance_of::<PyString>() {
            return None;
        }
        f(k.cast::<PyString>().ok()?.to_str().ok()?, &v)?;
    }
    Some(())
}

fn item(v: &Bound<'_, PyAny>) -> Fast<Item> {
    let d = exact_dict(v)?;
    let mut it = Item {
        quantity: 1,
        ..Item::default()
    };
    let mut priced = false;
    fields(d, |k, v| {
        match k {
            "price" => {
                it.price = money_amount(v)?;
                priced = true;
            }
            "quantity" => {
                if !v.is_exact_instance_of::<PyInt>() {
                    return None;
                }
                let q: i64 = v.extract().ok()?;
                if !(1..=MAX_QUANTITY).contains(&q) {
                    return None;
                }
                it.quantity = u32::try_from(q).ok()?;
            }
            "sku" => it.sku = opt_text(v)?,
            "product" => it.product = opt_text(v)?,
            "category" => it.category = opt_text(v)?,
            "tags" => it.tags = strings(v, false)?,
            "metadata" => no_metadata(v)?,
            _ => return None,
        }
        Some(())
    })?;
    priced.then_some(it)
}

fn collect_items<'py>(len: usize, it: impl Iterator<Item = Bound<'py, PyAny>>) -> Fast<Vec<Item>> {
    if len > MAX_ITEMS {
        return None;
    }
    let mut items = Vec::with_capacity(len);
    for x in it {
        items.push(item(&x)?);
    }
    Some(items)
}

fn cart(v: &Bound<'_, PyAny>) -> Fast<Cart> {
    let d = exact_dict(v)?;
    let mut c = Cart::default();
    fields(d, |k, v| {
        match k {
            "items" => {
                if v.is_none() {
                    return Some(());
                }
                let items: Vec<Item> = if v.is_exact_instance_of::<PyList>() {
                    let l = v.cast::<PyList>().ok()?;
                    collect_items(l.len(), l.iter())?
                } else if v.is_exact_instance_of::<PyTuple>() {
                    let t = v.cast::<PyTuple>().ok()?;
                    collect_items(t.len(), t.iter())?
                } else {
                    return None;
                };
                c.items = items;
            }
            "shipping" => {
                if !v.is_none() {
                    c.shipping = money_amount(v)?;
                }
            }
            "currency" => {
                if !v.is_none() {
                    c.currency = Some(currency(v)?);
                }
            }
            "metadata" => no_metadata(v)?,
            _ => return None,
        }
        Some(())
    })?;
    Some(c)
}

/// Three ASCII letters of a known currency, upper-cased (anything else: canonical path).
fn currency(v: &Bound<'_, PyAny>) -> Fast<String> {
    let s = string(v)?;
    if s.len() != 3 || !s.bytes().all(|b| b.is_ascii_alphabetic()) {
        return None;
    }
    let code = s.to_ascii_uppercase();
    money::currency_exponent(&code).map(|_| code)
}

fn customer(v: &Bound<'_, PyAny>) -> Fast<Customer> {
    let d = exact_dict(v)?;
    let mut c = Customer::default();
    fields(d, |k, v| {
        match k {
            "id" => c.id = opt_string(v)?,
            "email" => c.email = opt_string(v)?,
            "segments" => c.segments = strings(v, true)?,
            "orders_count" => c.orders_count = opt_number(v)?,
            "total_spent" => c.total_spent = opt_number(v)?,
            "created_at" => c.created_at = opt_instant(v, true)?,
            "birthday" => c.birthday = opt_instant(v, true)?,
            "metadata" => no_metadata(v)?,
            _ => return None,
        }
        Some(())
    })?;
    Some(c)
}

fn now_micros() -> Timestamp {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .ok()
        .and_then(|d| i64::try_from(d.as_micros()).ok())
        .unwrap_or(0)
}

fn context(v: Option<&Bound<'_, PyAny>>, now: Option<&Bound<'_, PyAny>>) -> Fast<Context> {
    let mut c = Context::default();
    let mut given: Option<Timestamp> = None;
    if let Some(v) = v.filter(|v| !v.is_none()) {
        let d = exact_dict(v)?;
        fields(d, |k, v| {
            match k {
                "now" => given = opt_instant(v, false)?,
                "channel" => c.channel = opt_string(v)?,
                "country" => c.country = opt_string(v)?,
                "metadata" => no_metadata(v)?,
                _ => return None,
            }
            Some(())
        })?;
    }
    // The `now` argument wins over the context's (which is then not even read as a time).
    c.now = match now.filter(|n| !n.is_none()) {
        Some(n) => instant(n, false)?,
        None => given.unwrap_or_else(now_micros),
    };
    Some(c)
}

/// Codes as given; one with an invisible character is left to the canonical path, which names
/// it.
fn codes(v: &Bound<'_, PyAny>) -> Fast<Vec<String>> {
    let codes = if v.is_exact_instance_of::<PyString>() {
        vec![string(v)?]
    } else {
        strings(v, true)?
    };
    codes
        .iter()
        .all(|c| promotor_core::codes::normalize::check(c).is_ok())
        .then_some(codes)
}

/// The input of `Engine.evaluate(cart, customer, codes, now, context)`, when every part has a
/// fast shape.
pub fn read(
    cart_v: &Bound<'_, PyAny>,
    customer_v: Option<&Bound<'_, PyAny>>,
    codes_v: &Bound<'_, PyAny>,
    now: Option<&Bound<'_, PyAny>>,
    context_v: Option<&Bound<'_, PyAny>>,
) -> Fast<Input> {
    let context = context(context_v, now)?;
    Some(Input {
        cart: cart(cart_v)?,
        customer: match customer_v.filter(|c| !c.is_none()) {
            Some(c) => Some(customer(c)?),
            None => None,
        },
        context,
        codes: codes(codes_v)?,
    })
}
