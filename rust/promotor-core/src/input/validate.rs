//! The one input validator: reads a cart, customer, context and codes from any [`Source`] into
//! an [`Input`], with every bound and message defined here once, and every problem located
//! (`("cart", "items", 3, "price")`). Python dicts and models, JSON and Arrow rows all come
//! through here, so the same mistake gets the same error wherever it comes from.
//!
//! The readers fill a caller's `Input` in place and set every field, so batch workers refill
//! one `Input` per order and keep its buffers.

use rust_decimal::Decimal;

use super::errs::{mismatch, unknown_field, Errs, Path};
use super::number;
use super::source::{Key, Object, Source};
use super::types::{Cart, Context, Customer, Input, Item, Timestamp};
use super::values::{
    self, currency, instant, metadata, money, opt_number, opt_text, price, quantity, texts,
    too_long, TextSlot,
};
use crate::error::{ErrorKind, Errors};

/// Lines of a cart.
pub const MAX_ITEMS: usize = 1000;
/// Elements of any other list (tags, segments, codes, metadata lists).
pub const MAX_LIST: usize = 1000;
/// Characters of a text.
pub const MAX_STRING: usize = 10_000;
/// Levels of nested metadata.
pub const MAX_DEPTH: usize = 16;
/// Units of one line.
pub const MAX_QUANTITY: u32 = 1_000_000;

pub const INPUT_FIELDS: &[&str] = &["cart", "customer", "context", "codes"];
pub const CART_FIELDS: &[&str] = &[
    "items",
    "shipping",
    "currency",
    "metadata",
    "shipping_methods",
];
pub const ITEM_FIELDS: &[&str] = &[
    "sku", "product", "category", "tags", "price", "quantity", "metadata", "tax_rate",
];
pub const CUSTOMER_FIELDS: &[&str] = &[
    "id",
    "email",
    "segments",
    "orders_count",
    "total_spent",
    "created_at",
    "birthday",
    "metadata",
];
pub const CONTEXT_FIELDS: &[&str] = &["now", "channel", "country", "metadata"];

/// The index of the field `$key` names in `$known`, or `continue` after recording why it
/// names none. A macro, so that the common case (a source that recognised the field) is a
/// match in the caller's loop.
macro_rules! field_index {
    ($S:ty, $key:expr, $known:expr, $path:expr, $errs:expr) => {
        match <$S as Source>::key($key) {
            Key::Field(i) => i,
            _ => match field::<$S>($key, $known, $path, $errs) {
                Some(i) => i,
                None => continue,
            },
        }
    };
}

/// Which of the object's fields `key` names, or `None` after recording why it names none.
pub(super) fn field_of<S: Source>(
    key: &S::Key,
    known: &[&str],
    path: &Path<'_>,
    errs: &mut Errs<'_>,
) -> Option<usize> {
    match S::key(key) {
        Key::Field(i) => Some(i),
        _ => field::<S>(key, known, path, errs),
    }
}

/// Which of the object's fields `key` names, or the error of a key that names none.
#[cold]
fn field<S: Source>(
    key: &S::Key,
    known: &[&str],
    path: &Path<'_>,
    errs: &mut Errs<'_>,
) -> Option<usize> {
    match S::key(key) {
        Key::Field(i) => Some(i),
        Key::Str(name) => {
            let i = known.iter().position(|f| *f == name);
            if i.is_none() {
                errs.at(&path.key(name), unknown_field(name, known));
            }
            i
        }
        Key::Other => {
            not_text_key::<S>(key, known, path, errs);
            None
        }
        Key::Unicode => {
            errs.at(path, ErrorKind::InvalidUnicode);
            None
        }
    }
}

#[cold]
fn not_text_key<S: Source>(key: &S::Key, known: &[&str], path: &Path<'_>, errs: &mut Errs<'_>) {
    let (loc, got) = S::other_key(key);
    let mut l = path.locs();
    l.push(loc);
    errs.at_loc(
        l,
        ErrorKind::TypeMismatch {
            expected: format!("a field name ({})", known.join(", ")),
            got,
        },
    );
}

// ---------------------------------------------------------------------------------------------
// Objects

/// One bit per field of an object: which ones the source gave.
#[derive(Default)]
struct Seen(u16);

impl Seen {
    fn mark(&mut self, i: usize) {
        self.0 |= 1 << i;
    }
    fn has(&self, i: usize) -> bool {
        self.0 & (1 << i) != 0
    }
}

#[inline]
fn fields_or_err<S: Source>(
    v: &S,
    of: Object,
    path: &Path<'_>,
    errs: &mut Errs<'_>,
) -> Option<S::Fields> {
    match v.fields(of) {
        Ok(f) => Some(f),
        Err(bad) => {
            errs.at(path, mismatch(v, bad, of.expected()));
            None
        }
    }
}

/// Reads an object's fields: `read(i, value, at, errs)` for each field `known[i]` the source
/// gives (an unknown one is recorded and skipped); returns which ones it gave.
#[inline]
fn object<S: Source>(
    v: &S,
    of: Object,
    known: &[&str],
    path: &Path<'_>,
    errs: &mut Errs<'_>,
    mut read: impl FnMut(usize, &S, &Path<'_>, &mut Errs<'_>),
) -> Seen {
    let mut seen = Seen::default();
    if let Some(fields) = fields_or_err(v, of, path, errs) {
        for (k, x) in fields {
            let i = field_index!(S, &k, known, path, errs);
            seen.mark(i);
            read(i, &x, &path.key(known[i]), errs);
        }
    }
    seen
}

/// A cart line.
pub fn item<S: Source>(v: &S, out: &mut Item, path: &Path<'_>, errs: &mut Errs<'_>) {
    let seen = object(
        v,
        Object::Item,
        ITEM_FIELDS,
        path,
        errs,
        |i, x, at, errs| match i {
            0 => opt_text(x, &mut out.sku, at, errs),
            1 => opt_text(x, &mut out.product, at, errs),
            2 => opt_text(x, &mut out.category, at, errs),
            3 => texts(x, &mut out.tags, at, errs),
            4 => out.price = price(x, at, errs),
            5 => out.quantity = quantity(x, at, errs),
            6 => metadata(x, &mut out.metadata, at, errs),
            _ => out.tax_rate = super::values::tax_rate(x, at, errs),
        },
    );
    // What the source did not give takes its default.
    let Item {
        sku,
        product,
        category,
        tags,
        price,
        quantity,
        metadata,
        tax_rate,
    } = out;
    if !seen.has(0) {
        *sku = None;
    }
    if !seen.has(1) {
        *product = None;
    }
    if !seen.has(2) {
        *category = None;
    }
    if !seen.has(3) {
        tags.clear();
    }
    if !seen.has(4) {
        errs.at(&path.key("price"), ErrorKind::Required);
        *price = Decimal::ZERO;
    }
    if !seen.has(5) {
        *quantity = 1;
    }
    if !seen.has(6) && !metadata.is_empty() {
        metadata.clear();
    }
    if !seen.has(7) {
        *tax_rate = None;
    }
}

fn items<S: Source>(v: &S, out: &mut Vec<Item>, path: &Path<'_>, errs: &mut Errs<'_>) {
    let Some(elements) = values::elements(v, MAX_ITEMS, "a list of items", path, errs) else {
        out.clear();
        return;
    };
    out.truncate(elements.len());
    out.reserve(elements.len() - out.len());
    for (j, e) in elements.enumerate() {
        if j == out.len() {
            out.push(Item::default());
        }
        item(&e, &mut out[j], &path.index(j), errs);
    }
}

/// Whether the cart's subtotal stays below 10^14, so that rules can read it: each line's
/// price x quantity rounded up to a whole unit (above any rounding to a currency's minor unit),
/// summed.
fn subtotal_in_range(items: &[Item]) -> bool {
    const LIMIT: u128 = 100_000_000_000_000;
    let mut sum: u128 = 0;
    for it in items {
        let m = it.price.mantissa().unsigned_abs() * u128::from(it.quantity);
        let p = crate::num::pow10(it.price.scale())
            .unwrap_or(1)
            .unsigned_abs();
        // A 64-bit division where it fits (almost always): one instruction, not a call.
        sum += match (u64::try_from(m), u64::try_from(p)) {
            (Ok(m), Ok(p)) => u128::from(m.div_ceil(p)),
            _ => m.div_ceil(p),
        };
        if sum >= LIMIT {
            return false;
        }
    }
    true
}

/// A cart: lines, shipping, currency, metadata.
pub fn cart<S: Source>(v: &S, out: &mut Cart, path: &Path<'_>, errs: &mut Errs<'_>) {
    let seen = object(
        v,
        Object::Cart,
        CART_FIELDS,
        path,
        errs,
        |i, x, at, errs| match i {
            0 => {
                let before = errs.len();
                items(x, &mut out.items, at, errs);
                if errs.len() == before && !subtotal_in_range(&out.items) {
                    errs.at(
                        at,
                        ErrorKind::SubtotalTooLarge {
                            max: number::LIMIT.to_owned(),
                        },
                    );
                }
            }
            1 => {
                out.shipping = if x.is_null() {
                    Decimal::ZERO
                } else {
                    money(x, at, errs)
                };
            }
            2 => currency(x, &mut out.currency, at, errs),
            3 => metadata(x, &mut out.metadata, at, errs),
            _ => super::shipping::read(x, &mut out.shipping_methods, at, errs),
        },
    );
    if !seen.has(0) {
        out.items.clear();
    }
    if !seen.has(4) {
        out.shipping_methods.clear();
    }
    super::shipping::check(out, path, errs);
    if !seen.has(1) {
        out.shipping = Decimal::ZERO;
    }
    if !seen.has(2) {
        out.currency = None;
    }
    if !seen.has(3) && !out.metadata.is_empty() {
        out.metadata.clear();
    }
}

/// One shipping method alone (the `ShippingMethod` model), read into `out`'s only method.
pub fn shipping_method<S: Source>(v: &S, out: &mut Cart, path: &Path<'_>, errs: &mut Errs<'_>) {
    out.shipping_methods.clear();
    out.shipping_methods
        .push(super::types::ShippingMethod::default());
    super::shipping::method(v, &mut out.shipping_methods[0], path, errs);
}

/// The shopper.
pub fn customer<S: Source>(v: &S, out: &mut Customer, path: &Path<'_>, errs: &mut Errs<'_>) {
    let seen = object(
        v,
        Object::Customer,
        CUSTOMER_FIELDS,
        path,
        errs,
        |i, x, at, errs| match i {
            0 => opt_text(x, &mut out.id, at, errs),
            1 => opt_text(x, &mut out.email, at, errs),
            2 => texts(x, &mut out.segments, at, errs),
            3 => out.orders_count = opt_number(x, at, errs),
            4 => out.total_spent = opt_number(x, at, errs),
            5 => out.created_at = instant(x, true, at, errs),
            6 => out.birthday = instant(x, true, at, errs),
            _ => metadata(x, &mut out.metadata, at, errs),
        },
    );
    let Customer {
        id,
        email,
        segments,
        orders_count,
        total_spent,
        created_at,
        birthday,
        metadata,
    } = out;
    if !seen.has(0) {
        *id = None;
    }
    if !seen.has(1) {
        *email = None;
    }
    if !seen.has(2) {
        segments.clear();
    }
    if !seen.has(3) {
        *orders_count = None;
    }
    if !seen.has(4) {
        *total_spent = None;
    }
    if !seen.has(5) {
        *created_at = None;
    }
    if !seen.has(6) {
        *birthday = None;
    }
    if !seen.has(7) && !metadata.is_empty() {
        metadata.clear();
    }
}

/// Where and when. Returns the context's own `now` when it has one and `read_now` (a `now`
/// given beside the context wins, and the context's is then not read at all).
pub fn context<S: Source>(
    v: &S,
    out: &mut Context,
    read_now: bool,
    path: &Path<'_>,
    errs: &mut Errs<'_>,
) -> Option<Timestamp> {
    let mut now = None;
    let seen = object(
        v,
        Object::Context,
        CONTEXT_FIELDS,
        path,
        errs,
        |i, x, at, errs| match i {
            0 => {
                if read_now {
                    now = instant(x, false, at, errs);
                }
            }
            1 => opt_text(x, &mut out.channel, at, errs),
            2 => opt_text(x, &mut out.country, at, errs),
            _ => metadata(x, &mut out.metadata, at, errs),
        },
    );
    if !seen.has(1) {
        out.channel = None;
    }
    if !seen.has(2) {
        out.country = None;
    }
    if !seen.has(3) && !out.metadata.is_empty() {
        out.metadata.clear();
    }
    now
}

/// The codes the shopper gave: a list of texts, or one text (null: none); a code with an
/// invisible character is refused ([`crate::codes::normalize::check`]), since two codes that
/// look the same would differ.
fn codes<S: Source>(v: &S, out: &mut Vec<String>, path: &Path<'_>, errs: &mut Errs<'_>) {
    code_texts(v, out, path, errs);
    for (i, code) in out.iter().enumerate() {
        if let Err(kind) = crate::codes::normalize::check(code) {
            errs.at(&path.index(i), kind);
        }
    }
}

fn code_texts<S: Source>(v: &S, out: &mut Vec<String>, path: &Path<'_>, errs: &mut Errs<'_>) {
    if !v.is_null() && v.elements().is_err() {
        if let Ok(code) = v.text() {
            if too_long(code) {
                errs.at(&path.index(0), ErrorKind::TooLong { max: MAX_STRING });
                out.clear();
            } else {
                out.truncate(1);
                match out.first_mut() {
                    Some(buf) => buf.set(code),
                    None => out.push(code.to_owned()),
                }
            }
            return;
        }
    }
    texts(v, out, path, errs);
}

fn reset_context(c: &mut Context) {
    c.channel = None;
    c.country = None;
    if !c.metadata.is_empty() {
        c.metadata.clear();
    }
}

/// A whole input given as one object (`cart`, `customer`, `context`, `codes`), as JSON files
/// and batch rows give it, into `out`. `clock` is `now` when the context has none.
pub fn fill<S: Source>(v: &S, out: &mut Input, clock: Timestamp, errs: &mut Errs<'_>) {
    let path = Path::ROOT;
    let mut seen = Seen::default();
    let mut now = None;
    if let Some(fields) = fields_or_err(v, Object::Input, &path, errs) {
        for (k, x) in fields {
            let i = field_index!(S, &k, INPUT_FIELDS, &path, errs);
            seen.mark(i);
            let at = path.key(INPUT_FIELDS[i]);
            match i {
                0 => cart(&x, &mut out.cart, &at, errs),
                1 if x.is_null() => out.customer = None,
                1 => customer(
                    &x,
                    out.customer.get_or_insert_with(Customer::default),
                    &at,
                    errs,
                ),
                2 if x.is_null() => reset_context(&mut out.context),
                2 => now = context(&x, &mut out.context, true, &at, errs),
                _ => codes(&x, &mut out.codes, &at, errs),
            }
        }
    }
    if !seen.has(0) {
        errs.at(&path.key("cart"), ErrorKind::Required);
    }
    if !seen.has(1) {
        out.customer = None;
    }
    if !seen.has(2) {
        reset_context(&mut out.context);
    }
    if !seen.has(3) {
        out.codes.clear();
    }
    out.context.now = now.unwrap_or(clock);
}

/// A whole input given as one object; see [`fill`].
pub fn read<S: Source>(v: &S, clock: Timestamp) -> Result<Input, Errors> {
    let mut out = Input::default();
    let mut errs = Errs::new();
    fill(v, &mut out, clock, &mut errs);
    if errs.is_empty() {
        Ok(out)
    } else {
        Err(errs.into_errors())
    }
}

/// The arguments of one evaluation, as `Engine.evaluate(cart, customer, codes, now, context)`
/// takes them; `None` for an argument not given.
pub struct Call<'a, S> {
    pub cart: &'a S,
    pub customer: Option<&'a S>,
    pub codes: Option<&'a S>,
    pub now: Option<&'a S>,
    pub context: Option<&'a S>,
}

/// The input of one evaluation. `now` (located `("now",)`) wins over the context's; `clock`
/// is the time when neither is given.
pub fn call<S: Source>(c: &Call<'_, S>, clock: Timestamp) -> Result<Input, Errors> {
    let root = Path::ROOT;
    let mut errs = Errs::new();
    let mut out = Input::default();
    cart(c.cart, &mut out.cart, &root.key("cart"), &mut errs);
    if let Some(v) = c.customer.filter(|v| !v.is_null()) {
        let mut customer_ = Customer::default();
        customer(v, &mut customer_, &root.key("customer"), &mut errs);
        out.customer = Some(customer_);
    }
    let given = c.now.filter(|v| !v.is_null());
    let mut now = None;
    if let Some(v) = c.context.filter(|v| !v.is_null()) {
        now = context(
            v,
            &mut out.context,
            given.is_none(),
            &root.key("context"),
            &mut errs,
        );
    }
    if let Some(v) = given {
        now = instant(v, false, &root.key("now"), &mut errs);
    }
    out.context.now = now.unwrap_or(clock);
    if let Some(v) = c.codes {
        codes(v, &mut out.codes, &root.key("codes"), &mut errs);
    }
    if errs.is_empty() {
        Ok(out)
    } else {
        Err(errs.into_errors())
    }
}
