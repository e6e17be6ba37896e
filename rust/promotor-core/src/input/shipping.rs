//! A cart's shipping methods (docs/semantics.md, "Shipping methods"): how the validator reads
//! `cart.shipping_methods`, and [`methods`], the one reading of a cart's methods that the
//! evaluator uses (the `shipping` shorthand is one method without id, code or name).

use rust_decimal::Decimal;

use super::errs::{mismatch, Errs, Path};
use super::source::{Object, Source};
use super::types::{Cart, Map, ShippingMethod};
use super::validate::field_of;
use super::values::{self, metadata, opt_text, price};
use crate::error::ErrorKind;

/// Methods of one cart.
pub const MAX_METHODS: usize = 100;

pub const METHOD_FIELDS: &[&str] = &["id", "code", "name", "price", "metadata", "tax_rate"];

/// One method as the evaluator reads it (borrowed from the input).
#[derive(Debug, Clone, Copy)]
pub struct Method<'a> {
    pub id: Option<&'a str>,
    pub code: Option<&'a str>,
    pub name: Option<&'a str>,
    pub price: Decimal,
    pub metadata: Option<&'a Map>,
    pub tax_rate: Option<Decimal>,
}

/// The cart's shipping methods: those given, or the `shipping` shorthand as one method (none
/// when it is 0).
pub fn methods(cart: &Cart) -> impl ExactSizeIterator<Item = Method<'_>> + '_ {
    let given = !cart.shipping_methods.is_empty();
    let shorthand = (!given && !cart.shipping.is_zero()).then_some(Method {
        id: None,
        code: None,
        name: None,
        price: cart.shipping,
        metadata: None,
        tax_rate: None,
    });
    let listed: &[ShippingMethod] = &cart.shipping_methods;
    let n = listed.len() + usize::from(shorthand.is_some());
    Exact {
        inner: listed
            .iter()
            .map(|m| Method {
                id: m.id.as_deref(),
                code: m.code.as_deref(),
                name: m.name.as_deref(),
                price: m.price,
                metadata: Some(&m.metadata),
                tax_rate: m.tax_rate,
            })
            .chain(shorthand),
        left: n,
    }
}

/// An iterator with a known length (a chain is not `ExactSizeIterator`).
struct Exact<I> {
    inner: I,
    left: usize,
}

impl<I: Iterator> Iterator for Exact<I> {
    type Item = I::Item;
    fn next(&mut self) -> Option<Self::Item> {
        let x = self.inner.next()?;
        self.left -= 1;
        Some(x)
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl<I: Iterator> ExactSizeIterator for Exact<I> {}

/// One method: `price` is required (>= 0), texts optional.
pub(super) fn method<S: Source>(
    v: &S,
    out: &mut ShippingMethod,
    path: &Path<'_>,
    errs: &mut Errs<'_>,
) {
    let mut seen = [false; 6];
    match v.fields(Object::ShippingMethod) {
        Ok(fields) => {
            for (k, x) in fields {
                let Some(i) = field_of::<S>(&k, METHOD_FIELDS, path, errs) else {
                    continue;
                };
                seen[i] = true;
                let at = path.key(METHOD_FIELDS[i]);
                match i {
                    0 => opt_text(&x, &mut out.id, &at, errs),
                    1 => opt_text(&x, &mut out.code, &at, errs),
                    2 => opt_text(&x, &mut out.name, &at, errs),
                    3 => out.price = price(&x, &at, errs),
                    4 => metadata(&x, &mut out.metadata, &at, errs),
                    _ => out.tax_rate = super::values::tax_rate(&x, &at, errs),
                }
            }
        }
        Err(bad) => {
            errs.at(path, mismatch(v, bad, Object::ShippingMethod.expected()));
            return;
        }
    }
    if !seen[0] {
        out.id = None;
    }
    if !seen[1] {
        out.code = None;
    }
    if !seen[2] {
        out.name = None;
    }
    if !seen[3] {
        errs.at(&path.key("price"), ErrorKind::Required);
        out.price = Decimal::ZERO;
    }
    if !seen[4] {
        out.metadata.clear();
    }
    if !seen[5] {
        out.tax_rate = None;
    }
}

/// `cart.shipping_methods`: a list of at most [`MAX_METHODS`] methods (null: none).
pub(super) fn read<S: Source>(
    v: &S,
    out: &mut Vec<ShippingMethod>,
    path: &Path<'_>,
    errs: &mut Errs<'_>,
) {
    out.clear();
    let Some(elements) = values::elements(v, MAX_METHODS, "a list of shipping methods", path, errs)
    else {
        return;
    };
    for (j, e) in elements.enumerate() {
        let mut m = ShippingMethod::default();
        method(&e, &mut m, &path.index(j), errs);
        out.push(m);
    }
}

/// Checks made once the cart is read: the shorthand and the list are not both given, and the
/// methods' sum stays below 10^14 (rules read it as `cart.shipping`).
pub(super) fn check(cart: &Cart, path: &Path<'_>, errs: &mut Errs<'_>) {
    if cart.shipping_methods.is_empty() {
        return;
    }
    let at = path.key("shipping_methods");
    if !cart.shipping.is_zero() {
        errs.at(
            &at,
            ErrorKind::Incompatible {
                option: "shipping_methods".to_owned(),
                other: "a non-zero shipping (the one-method shorthand): give one or the other"
                    .to_owned(),
            },
        );
    }
    let mut sum = Decimal::ZERO;
    for m in &cart.shipping_methods {
        sum = sum.saturating_add(m.price.ceil());
    }
    if sum >= Decimal::from(100_000_000_000_000_i64) {
        errs.at(
            &at,
            ErrorKind::TooLarge {
                max: super::number::LIMIT.to_owned(),
            },
        );
    }
}
