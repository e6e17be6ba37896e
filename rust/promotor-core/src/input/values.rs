//! The validator's readers of single values (texts, lists of texts, numbers, money,
//! quantities, times, currencies) and of metadata: each bound and message once.

use rust_decimal::Decimal;

use super::errs::{mismatch, Errs, Path};
use super::number::{self, NumError};
use super::source::{Instant, Key, Meta, Number, Object, Source};
use super::types::{Map, MetaValue, Text, Timestamp};
use super::validate::{MAX_DEPTH, MAX_LIST, MAX_QUANTITY, MAX_STRING};
use crate::error::ErrorKind;

// ---------------------------------------------------------------------------------------------
// Leaves

/// A text field that keeps its buffer when refilled: `String` or a line's inline `Text`.
pub trait TextSlot: Sized {
    fn set(&mut self, v: &str);
    fn make(v: &str) -> Self;
}

impl TextSlot for String {
    #[inline]
    fn set(&mut self, v: &str) {
        self.clear();
        self.push_str(v);
    }
    #[inline]
    fn make(v: &str) -> Self {
        v.to_owned()
    }
}

impl TextSlot for Text {
    #[inline]
    fn set(&mut self, v: &str) {
        self.clear();
        self.push_str(v);
    }
    #[inline]
    fn make(v: &str) -> Self {
        Self::from(v)
    }
}

#[inline]
pub(super) fn too_long(s: &str) -> bool {
    s.len() > MAX_STRING && s.chars().count() > MAX_STRING
}

/// A text within bounds; `None` after recording why not.
#[inline]
pub(super) fn text<'v, S: Source>(
    v: &'v S,
    path: &Path<'_>,
    errs: &mut Errs<'_>,
) -> Option<&'v str> {
    match v.text() {
        Ok(s) if too_long(s) => {
            errs.at(path, ErrorKind::TooLong { max: MAX_STRING });
            None
        }
        Ok(s) => Some(s),
        Err(bad) => {
            errs.at(path, mismatch(v, bad, "a string"));
            None
        }
    }
}

/// An optional text (null: `None`).
#[inline]
pub(super) fn opt_text<S: Source, T: TextSlot>(
    v: &S,
    slot: &mut Option<T>,
    path: &Path<'_>,
    errs: &mut Errs<'_>,
) {
    match (!v.is_null()).then(|| text(v, path, errs)).flatten() {
        Some(s) => match slot {
            Some(buf) => buf.set(s),
            None => *slot = Some(T::make(s)),
        },
        None => *slot = None,
    }
}

/// The elements of a list of at most `max` (`expected` names the list in a type error), or
/// `None`: for null, and after recording why not.
#[inline]
pub(super) fn elements<S: Source>(
    v: &S,
    max: usize,
    expected: &str,
    path: &Path<'_>,
    errs: &mut Errs<'_>,
) -> Option<S::Elements> {
    if v.is_null() {
        return None;
    }
    match v.elements() {
        Ok(e) if e.len() > max => {
            errs.at(path, ErrorKind::TooLong { max });
            None
        }
        Ok(e) => Some(e),
        Err(bad) => {
            errs.at(path, mismatch(v, bad, expected));
            None
        }
    }
}

/// A list of texts (null: empty), refilled in place.
pub(super) fn texts<S: Source>(v: &S, out: &mut Vec<String>, path: &Path<'_>, errs: &mut Errs<'_>) {
    let Some(elements) = elements(v, MAX_LIST, "a list of strings", path, errs) else {
        out.clear();
        return;
    };
    out.truncate(elements.len());
    for (k, e) in elements.enumerate() {
        let s = text(&e, &path.index(k), errs).unwrap_or("");
        match out.get_mut(k) {
            Some(buf) => buf.set(s),
            None => out.push(s.to_owned()),
        }
    }
}

/// A number, exact and within bounds.
#[inline]
pub(super) fn number<S: Source>(v: &S, path: &Path<'_>, errs: &mut Errs<'_>) -> Option<Decimal> {
    let kind = match v.number() {
        Ok(n) => match number::exact(&n) {
            Ok(d) => return Some(d),
            Err(e) => e.kind(&n),
        },
        Err(bad) => mismatch(v, bad, "a number"),
    };
    errs.at(path, kind);
    None
}

pub(super) fn opt_number<S: Source>(
    v: &S,
    path: &Path<'_>,
    errs: &mut Errs<'_>,
) -> Option<Decimal> {
    if v.is_null() {
        None
    } else {
        number(v, path, errs)
    }
}

/// A tax rate in percent: `0..=1000`; null: none.
pub(crate) fn tax_rate<S: Source>(v: &S, path: &Path<'_>, errs: &mut Errs<'_>) -> Option<Decimal> {
    let d = opt_number(v, path, errs)?;
    if d.is_sign_negative() && !d.is_zero() {
        errs.at(
            path,
            ErrorKind::TooSmall {
                min: "0".to_owned(),
            },
        );
        return None;
    }
    if d > Decimal::ONE_THOUSAND {
        errs.at(
            path,
            ErrorKind::TooLarge {
                max: "1000".to_owned(),
            },
        );
        return None;
    }
    Some(d)
}

/// A price: money that must be given (null is `required`, read as zero).
#[inline]
pub(super) fn price<S: Source>(v: &S, path: &Path<'_>, errs: &mut Errs<'_>) -> Decimal {
    if v.is_null() {
        errs.at(path, ErrorKind::Required);
        return Decimal::ZERO;
    }
    money(v, path, errs)
}

/// An amount of money: a number that is not negative.
#[inline]
pub(super) fn money<S: Source>(v: &S, path: &Path<'_>, errs: &mut Errs<'_>) -> Decimal {
    match number(v, path, errs) {
        Some(d) if d.is_sign_negative() && !d.is_zero() => {
            errs.at(
                path,
                ErrorKind::TooSmall {
                    min: "0".to_owned(),
                },
            );
            Decimal::ZERO
        }
        Some(d) => d,
        None => Decimal::ZERO,
    }
}

/// Whether a number is below zero, read from how its source spells it.
fn negative(n: &Number<'_>) -> bool {
    match n {
        Number::Scaled(m, _) => *m < 0,
        Number::Float(f) => *f < 0.0,
        Number::Text(t) => t.trim_start().starts_with('-'),
    }
}

/// Units of a line: a whole number from 1 to [`MAX_QUANTITY`] (`20.0` and `"3"` are whole).
pub(super) fn quantity<S: Source>(v: &S, path: &Path<'_>, errs: &mut Errs<'_>) -> u32 {
    let whole: Result<i128, ErrorKind> = match v.number() {
        Ok(Number::Scaled(m, 0)) => Ok(m),
        Ok(n) => match number::exact(&n) {
            Ok(d) if d.fract().is_zero() => {
                Ok(d.mantissa() / crate::num::pow10(d.scale()).unwrap_or(1))
            }
            Ok(d) => Err(ErrorKind::TypeMismatch {
                expected: "a whole number".to_owned(),
                got: d.normalize().to_string(),
            }),
            // Beyond every number's bound is beyond the quantity's too, whatever the source
            // (a JSON 1e20 arrives as a float, a Python 10**20 as an integer).
            Err(NumError::OutOfRange) => Ok(if negative(&n) { 0 } else { i128::MAX }),
            Err(e) => Err(e.kind(&n)),
        },
        Err(bad) => Err(mismatch(v, bad, "a whole number")),
    };
    let kind = match whole {
        Ok(q) if q < 1 => ErrorKind::TooSmall {
            min: "1".to_owned(),
        },
        Ok(q) if q > i128::from(MAX_QUANTITY) => ErrorKind::TooLarge {
            max: MAX_QUANTITY.to_string(),
        },
        Ok(q) => return q as u32,
        Err(kind) => kind,
    };
    errs.at(path, kind);
    1
}

/// A point in time as microseconds since the epoch; `dates`: a calendar date means its
/// midnight in UTC. `None` for null or after recording why not.
pub(super) fn instant<S: Source>(
    v: &S,
    dates: bool,
    path: &Path<'_>,
    errs: &mut Errs<'_>,
) -> Option<Timestamp> {
    const DAY: i64 = 86_400_000_000;
    if v.is_null() {
        return None;
    }
    let read = match v.instant() {
        Ok(Instant::Micros(t)) => Ok(t),
        Ok(Instant::Naive) => Err(ErrorKind::NaiveDatetime),
        Ok(Instant::Date(days)) if dates => days.checked_mul(DAY).ok_or(ErrorKind::NotFinite),
        Ok(Instant::Date(_)) => Err(ErrorKind::TypeMismatch {
            expected: "a datetime".to_owned(),
            got: "a date".to_owned(),
        }),
        Ok(Instant::Text(t)) => instant_text(t.trim(), dates),
        Err(bad) => Err(mismatch(v, bad, "a timezone-aware datetime")),
    };
    let read = read.and_then(|t| {
        crate::time::check_ts(t).ok_or_else(|| ErrorKind::TypeMismatch {
            expected: "a time between the years 1 and 9999".to_owned(),
            got: v.got(),
        })
    });
    read.map_err(|kind| errs.at(path, kind)).ok()
}

/// A metadata point in time, read as `created_at` is: aware, a date meaning its midnight in
/// UTC, within the years 1..9999.
fn meta_instant(t: Instant<'_>) -> Result<Timestamp, ErrorKind> {
    const DAY: i64 = 86_400_000_000;
    let read = match t {
        Instant::Micros(t) => Ok(t),
        Instant::Naive => Err(ErrorKind::NaiveDatetime),
        Instant::Date(days) => days.checked_mul(DAY).ok_or(ErrorKind::NotFinite),
        Instant::Text(t) => instant_text(t.trim(), true),
    }?;
    crate::time::check_ts(read).ok_or_else(|| ErrorKind::TypeMismatch {
        expected: "a time between the years 1 and 9999".to_owned(),
        got: "a time outside them".to_owned(),
    })
}

/// RFC 3339 text (`2026-11-27T10:30:00Z`), or where `dates` a date (`2026-11-27`).
fn instant_text(t: &str, dates: bool) -> Result<Timestamp, ErrorKind> {
    if let Some(us) = crate::time::parse_timestamp(t) {
        return Ok(us);
    }
    if dates && t.len() == 10 {
        if let Some(us) = crate::time::parse_timestamp(&format!("{t}T00:00:00Z")) {
            return Ok(us);
        }
    }
    if crate::time::parse_timestamp(&format!("{t}Z")).is_some() {
        return Err(ErrorKind::NaiveDatetime);
    }
    Err(ErrorKind::TypeMismatch {
        expected: "an RFC 3339 timestamp".to_owned(),
        got: number::quote(t),
    })
}

/// A cart's currency: an ISO 4217 code, upper-cased.
pub(super) fn currency<S: Source>(
    v: &S,
    slot: &mut Option<String>,
    path: &Path<'_>,
    errs: &mut Errs<'_>,
) {
    if v.is_null() {
        *slot = None;
        return;
    }
    let code = match v.text() {
        Ok(s) => s,
        Err(bad) => {
            errs.at(path, mismatch(v, bad, "a currency code"));
            *slot = None;
            return;
        }
    };
    let buf = slot.get_or_insert_with(String::new);
    buf.clear();
    let trimmed = code.trim();
    if trimmed.is_ascii() {
        buf.push_str(trimmed);
        buf.make_ascii_uppercase();
    } else {
        buf.push_str(&trimmed.to_uppercase());
    }
    if crate::money::currency_exponent(buf).is_none() {
        let shown: String = code.chars().take(40).collect();
        errs.at(
            path,
            ErrorKind::UnknownCurrency {
                code: shown,
                suggestion: None,
            },
        );
        *slot = None;
    }
}

// ---------------------------------------------------------------------------------------------
// Metadata

/// Metadata: a dict of JSON-like values (numbers exact), at most [`MAX_DEPTH`] levels deep.
pub(super) fn metadata<S: Source>(v: &S, out: &mut Map, path: &Path<'_>, errs: &mut Errs<'_>) {
    // `BTreeMap::clear` costs about 65 instructions even when empty, once per line.
    if !out.is_empty() {
        out.clear();
    }
    if v.is_null() {
        return;
    }
    if let Some(json) = v.json() {
        match json {
            Ok(value) => metadata(&&value, out, path, errs),
            Err(message) => errs.at(
                path,
                ErrorKind::TypeMismatch {
                    expected: "JSON text of an object".to_owned(),
                    got: message,
                },
            ),
        }
        return;
    }
    meta_map(v, 1, out, path, errs);
}

fn meta_map<S: Source>(v: &S, depth: usize, out: &mut Map, path: &Path<'_>, errs: &mut Errs<'_>) {
    let fields = match v.fields(Object::Metadata) {
        Ok(f) => f,
        Err(bad) => {
            errs.at(path, mismatch(v, bad, Object::Metadata.expected()));
            return;
        }
    };
    for (k, x) in fields {
        let name = match S::key(&k) {
            Key::Str(name) => name,
            Key::Field(i) => Object::Metadata
                .fields()
                .get(i)
                .copied()
                .unwrap_or_default(),
            Key::Other => {
                let (loc, got) = S::other_key(&k);
                let mut l = path.locs();
                l.push(loc);
                errs.at_loc(
                    l,
                    ErrorKind::TypeMismatch {
                        expected: "a string key".to_owned(),
                        got,
                    },
                );
                continue;
            }
            Key::Unicode => {
                errs.at(path, ErrorKind::InvalidUnicode);
                continue;
            }
        };
        let value = meta_value(&x, depth + 1, &path.key(name), errs);
        out.insert(name.to_owned(), value);
    }
}

fn meta_value<S: Source>(v: &S, depth: usize, path: &Path<'_>, errs: &mut Errs<'_>) -> MetaValue {
    let meta = match v.meta() {
        Ok(m) => m,
        Err(bad) => {
            errs.at(
                path,
                mismatch(v, bad, "a string, number, bool, None, list or dict"),
            );
            return MetaValue::Null;
        }
    };
    let deep = |errs: &mut Errs<'_>| {
        errs.at(
            path,
            ErrorKind::TooDeep {
                max: MAX_DEPTH as u64,
            },
        );
    };
    match meta {
        Meta::Null => MetaValue::Null,
        Meta::Bool(b) => MetaValue::Bool(b),
        Meta::Number(n) => match number::exact(&n) {
            Ok(d) => MetaValue::Num(d),
            Err(e) => {
                errs.at(path, e.kind(&n));
                MetaValue::Null
            }
        },
        Meta::Text(s) if too_long(s) => {
            errs.at(path, ErrorKind::TooLong { max: MAX_STRING });
            MetaValue::Null
        }
        Meta::Text(s) => MetaValue::Str(s.to_owned()),
        Meta::Time(t) => match meta_instant(t) {
            Ok(ts) => MetaValue::Ts(super::types::TsTag { ts }),
            Err(kind) => {
                errs.at(path, kind);
                MetaValue::Null
            }
        },
        Meta::Map if depth > MAX_DEPTH => {
            deep(errs);
            MetaValue::Map(Map::new())
        }
        Meta::Map => {
            let mut map = Map::new();
            meta_map(v, depth, &mut map, path, errs);
            MetaValue::Map(map)
        }
        Meta::List if depth > MAX_DEPTH => {
            deep(errs);
            MetaValue::List(Vec::new())
        }
        Meta::List => match v.elements() {
            Err(bad) => {
                errs.at(path, mismatch(v, bad, "a list"));
                MetaValue::Null
            }
            Ok(e) if e.len() > MAX_LIST => {
                errs.at(path, ErrorKind::TooLong { max: MAX_LIST });
                MetaValue::List(Vec::new())
            }
            Ok(e) => MetaValue::List(
                e.enumerate()
                    .map(|(i, x)| meta_value(&x, depth + 1, &path.index(i), errs))
                    .collect(),
            ),
        },
    }
}
