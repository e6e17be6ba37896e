//! Batch evaluation over Arrow record batches (DESIGN.md section 6). Pure Rust: the binding
//! imports and exports the batches through the Arrow C stream interface.
//!
//! Each order row becomes an [`Input`] (the same normalisation `canonical_input` applies to a
//! dict), is evaluated with [`Program::evaluate`] on a caller-owned rayon pool, and gives one
//! summary row (and, with detail, one row per applied campaign). Orders are processed in chunks
//! of at most [`CHUNK`] rows, so intermediate memory is bounded by the chunk.

use std::fmt;
use std::hash::{BuildHasher, RandomState};
use std::sync::Arc;

use arrow_array::builder::{ListBuilder, StringBuilder};
use arrow_array::cast::AsArray;
use arrow_array::types::{
    Int16Type, Int32Type, Int64Type, Int8Type, TimestampMicrosecondType, TimestampMillisecondType,
    TimestampNanosecondType, TimestampSecondType, UInt16Type, UInt32Type, UInt64Type, UInt8Type,
};
use arrow_array::{
    Array, ArrayRef, Decimal128Array, Float64Array, GenericListArray, Int64Array, RecordBatch,
    StructArray, UInt32Array,
};
use arrow_schema::{ArrowError, DataType, Field, Schema, SchemaRef, TimeUnit};
use hashbrown::HashTable;
use rayon::prelude::*;
use rust_decimal::Decimal;

use crate::compile::{Loc, Program};
use crate::input::{Cart, Context, Customer, Input, Item, Timestamp};
use crate::money;
use crate::num::{self, RoundMode};
use crate::outcome::Outcome;

/// Orders evaluated per chunk.
pub const CHUNK: usize = 16_384;
const MAX_ITEMS: usize = 1000;
const MAX_LIST: usize = 1000;
const MAX_STRING: usize = 10_000;
const MAX_QUANTITY: i128 = 1_000_000;
pub(crate) const MAX_ERRORS: usize = 50;

/// How money columns are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MoneyOut {
    /// `decimal128(18, exponent)`.
    Decimal,
    /// `int64` minor units, columns named `*_minor`.
    Minor,
    /// `float64`.
    Float,
}

impl MoneyOut {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "decimal" => Some(Self::Decimal),
            "minor" => Some(Self::Minor),
            "float" => Some(Self::Float),
            _ => None,
        }
    }
}

/// One problem with the input, located like `("orders", 3, "items", 1, "price")`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchError {
    pub loc: Vec<Loc>,
    pub msg: String,
}

impl fmt::Display for BatchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self.loc.iter().map(ToString::to_string).collect();
        write!(f, "{}: {}", parts.join("."), self.msg)
    }
}

impl std::error::Error for BatchError {}

/// Every problem found in the first bad chunk (at most 50).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchErrors(pub Vec<BatchError>);

impl From<BatchError> for BatchErrors {
    fn from(e: BatchError) -> Self {
        Self(vec![e])
    }
}

fn err(loc: Vec<Loc>, msg: impl Into<String>) -> BatchError {
    BatchError {
        loc,
        msg: msg.into(),
    }
}

fn fail<T>(e: BatchError) -> Result<T, BatchErrors> {
    Err(e.into())
}

fn key(s: &str) -> Loc {
    Loc::Key(s.to_owned())
}

fn table_err(table: &str, column: &str, msg: impl Into<String>) -> BatchError {
    err(vec![key(table), key(column)], msg)
}

pub fn arrow_error(table: &str, e: &ArrowError) -> BatchError {
    err(vec![key(table)], format!("cannot read the Arrow data: {e}"))
}

// ---------------------------------------------------------------------------------------------
// Column readers: the Arrow types accepted for each kind of field.

#[derive(Clone, Copy)]
enum Strs<'a> {
    /// A column of type null (pandas infers it for a column of `None`s or of empty lists).
    Null,
    Utf8(&'a arrow_array::StringArray),
    Large(&'a arrow_array::LargeStringArray),
    View(&'a arrow_array::StringViewArray),
}

impl<'a> Strs<'a> {
    fn new(a: &'a dyn Array) -> Option<Self> {
        match a.data_type() {
            DataType::Utf8 => Some(Self::Utf8(a.as_string::<i32>())),
            DataType::LargeUtf8 => Some(Self::Large(a.as_string::<i64>())),
            DataType::Utf8View => Some(Self::View(a.as_string_view())),
            DataType::Null => Some(Self::Null),
            _ => None,
        }
    }

    fn get(self, i: usize) -> Option<&'a str> {
        match self {
            Self::Null => None,
            Self::Utf8(a) => a.is_valid(i).then(|| a.value(i)),
            Self::Large(a) => a.is_valid(i).then(|| a.value(i)),
            Self::View(a) => a.is_valid(i).then(|| a.value(i)),
        }
    }
}

/// A string column, possibly dictionary-encoded (pandas categoricals, polars enums). The keys
/// are read in place (no normalised copy), so a reader costs nothing to build per chunk.
#[derive(Clone, Copy)]
struct StrCol<'a> {
    keys: Option<Ints<'a>>,
    values: Strs<'a>,
}

impl<'a> StrCol<'a> {
    fn new(a: &'a dyn Array) -> Option<Self> {
        if let Some(dict) = a.as_any_dictionary_opt() {
            return Some(Self {
                keys: Some(Ints::new(dict.keys())?),
                values: Strs::new(dict.values().as_ref())?,
            });
        }
        Some(Self {
            keys: None,
            values: Strs::new(a)?,
        })
    }

    fn get(&self, i: usize) -> Option<&'a str> {
        match self.keys {
            None => self.values.get(i),
            Some(keys) => {
                let k = usize::try_from(keys.get(i)?).ok()?;
                self.values.get(k)
            }
        }
    }
}

/// A list of strings; `None` for a column of type null (all lists null, i.e. empty).
#[derive(Clone)]
struct StrList<'a>(Option<(Lists<'a>, StrCol<'a>)>);

#[derive(Clone, Copy)]
enum Lists<'a> {
    Small(&'a GenericListArray<i32>),
    Large(&'a GenericListArray<i64>),
}

impl<'a> Lists<'a> {
    fn new(a: &'a dyn Array) -> Option<Self> {
        match a.data_type() {
            DataType::List(_) => Some(Self::Small(a.as_list::<i32>())),
            DataType::LargeList(_) => Some(Self::Large(a.as_list::<i64>())),
            _ => None,
        }
    }

    fn values(self) -> &'a ArrayRef {
        match self {
            Self::Small(a) => a.values(),
            Self::Large(a) => a.values(),
        }
    }

    fn range(self, i: usize) -> Option<std::ops::Range<usize>> {
        match self {
            Self::Small(a) => a.is_valid(i).then(|| {
                let o = a.value_offsets();
                o[i] as usize..o[i + 1] as usize
            }),
            Self::Large(a) => a.is_valid(i).then(|| {
                let o = a.value_offsets();
                o[i] as usize..o[i + 1] as usize
            }),
        }
    }
}

impl<'a> StrList<'a> {
    fn new(a: &'a dyn Array) -> Option<Self> {
        if a.data_type() == &DataType::Null {
            return Some(Self(None));
        }
        let list = Lists::new(a)?;
        Some(Self(Some((list, StrCol::new(list.values().as_ref())?))))
    }

    /// Row `i` into `out`, reusing its strings.
    fn fill(
        &self,
        i: usize,
        out: &mut Vec<String>,
        loc: impl Fn() -> Vec<Loc>,
    ) -> Result<(), BatchError> {
        let range = match &self.0 {
            Some((list, _)) => list.range(i).unwrap_or(0..0),
            None => 0..0,
        };
        if range.len() > MAX_LIST {
            return Err(err(
                loc(),
                format!(
                    "list too long: {} elements, at most {MAX_LIST}",
                    range.len()
                ),
            ));
        }
        out.truncate(range.len());
        let Some((_, values)) = &self.0 else {
            return Ok(());
        };
        for (k, j) in range.enumerate() {
            let at = || {
                let mut l = loc();
                l.push(Loc::Index(k));
                l
            };
            let Some(s) = values.get(j) else {
                return Err(err(at(), "expected a string, got null"));
            };
            let s = check_len(s, at)?;
            match out.get_mut(k) {
                Some(buf) => {
                    buf.clear();
                    buf.push_str(s);
                }
                None => out.push(s.to_owned()),
            }
        }
        Ok(())
    }
}

fn check_len(s: &str, loc: impl Fn() -> Vec<Loc>) -> Result<&str, BatchError> {
    if s.len() > MAX_STRING && s.chars().count() > MAX_STRING {
        return Err(err(
            loc(),
            format!(
                "string too long: {} characters, at most {MAX_STRING}",
                s.chars().count()
            ),
        ));
    }
    Ok(s)
}

/// Sets a reused optional string, keeping its buffer: batch workers refill one [`Input`] per
/// order instead of allocating every string of every line again.
/// A text field of the reused `Input`: `String` or the lines' inline `Text`.
trait TextSlot: Sized {
    fn set(&mut self, v: &str);
    fn make(v: &str) -> Self;
}

impl TextSlot for String {
    fn set(&mut self, v: &str) {
        self.clear();
        self.push_str(v);
    }
    fn make(v: &str) -> Self {
        v.to_owned()
    }
}

impl TextSlot for crate::input::Text {
    fn set(&mut self, v: &str) {
        self.clear();
        self.push_str(v);
    }
    fn make(v: &str) -> Self {
        Self::from(v)
    }
}

fn set_text<S: TextSlot>(slot: &mut Option<S>, value: Option<&str>) {
    match (slot.as_mut(), value) {
        (Some(buf), Some(v)) => buf.set(v),
        (None, Some(v)) => *slot = Some(S::make(v)),
        (_, None) => *slot = None,
    }
}

/// Empties a metadata map (always empty here: batch input has no metadata columns) without
/// `BTreeMap::clear`'s cost on an empty map, about 65 instructions, once per line.
fn clear(map: &mut crate::input::Map) {
    if !map.is_empty() {
        map.clear();
    }
}

/// Integers of any width, read as i128.
#[derive(Clone, Copy)]
enum Ints<'a> {
    I8(&'a arrow_array::Int8Array),
    I16(&'a arrow_array::Int16Array),
    I32(&'a arrow_array::Int32Array),
    I64(&'a arrow_array::Int64Array),
    U8(&'a arrow_array::UInt8Array),
    U16(&'a arrow_array::UInt16Array),
    U32(&'a arrow_array::UInt32Array),
    U64(&'a arrow_array::UInt64Array),
}

impl<'a> Ints<'a> {
    fn new(a: &'a dyn Array) -> Option<Self> {
        Some(match a.data_type() {
            DataType::Int8 => Self::I8(a.as_primitive::<Int8Type>()),
            DataType::Int16 => Self::I16(a.as_primitive::<Int16Type>()),
            DataType::Int32 => Self::I32(a.as_primitive::<Int32Type>()),
            DataType::Int64 => Self::I64(a.as_primitive::<Int64Type>()),
            DataType::UInt8 => Self::U8(a.as_primitive::<UInt8Type>()),
            DataType::UInt16 => Self::U16(a.as_primitive::<UInt16Type>()),
            DataType::UInt32 => Self::U32(a.as_primitive::<UInt32Type>()),
            DataType::UInt64 => Self::U64(a.as_primitive::<UInt64Type>()),
            _ => return None,
        })
    }

    fn get(self, i: usize) -> Option<i128> {
        macro_rules! at {
            ($a:expr) => {
                $a.is_valid(i).then(|| i128::from($a.value(i)))
            };
        }
        match self {
            Self::I8(a) => at!(a),
            Self::I16(a) => at!(a),
            Self::I32(a) => at!(a),
            Self::I64(a) => at!(a),
            Self::U8(a) => at!(a),
            Self::U16(a) => at!(a),
            Self::U32(a) => at!(a),
            Self::U64(a) => at!(a),
        }
    }
}

/// A number column: decimal128, integers, floats; `minor` integers count minor units.
#[derive(Clone, Copy)]
enum Num<'a> {
    /// A column of type null.
    Null,
    Dec(&'a Decimal128Array, i8),
    Int(Ints<'a>, u32),
    F64(&'a Float64Array),
    F32(&'a arrow_array::Float32Array),
}

impl<'a> Num<'a> {
    /// `minor`: the exponent integers are scaled by (`Some` for `*_minor` columns).
    fn new(a: &'a dyn Array, minor: Option<u32>) -> Option<Self> {
        if a.data_type() == &DataType::Null {
            return Some(Self::Null);
        }
        if let Some(ints) = Ints::new(a) {
            return Some(Self::Int(ints, minor.unwrap_or(0)));
        }
        if minor.is_some() {
            return None;
        }
        match a.data_type() {
            DataType::Decimal128(_, s) => Some(Self::Dec(a.as_primitive(), *s)),
            DataType::Float64 => Some(Self::F64(a.as_primitive())),
            DataType::Float32 => Some(Self::F32(a.as_primitive())),
            _ => None,
        }
    }

    /// The value as canonical input has it; `Ok(None)` for null.
    fn get(self, i: usize) -> Result<Option<Decimal>, String> {
        let too_large = || "too large: numbers must stay below 10^14".to_owned();
        match self {
            Self::Null => Ok(None),
            Self::Dec(a, s) => {
                if a.is_null(i) {
                    return Ok(None);
                }
                let m = a.value(i);
                let d = if s >= 0 {
                    num::make(m, s.unsigned_abs().into())
                } else {
                    m.checked_mul(num::pow10(s.unsigned_abs().into()).ok_or_else(too_large)?)
                        .and_then(|m| num::make(m, 0))
                };
                d.map(Some).ok_or_else(too_large)
            }
            Self::Int(a, scale) => match a.get(i) {
                None => Ok(None),
                Some(m) => num::make(m, scale).map(Some).ok_or_else(too_large),
            },
            Self::F64(a) => a.is_valid(i).then(|| float_decimal(a.value(i))).transpose(),
            Self::F32(a) => a
                .is_valid(i)
                .then(|| float_decimal(f64::from(a.value(i))))
                .transpose(),
        }
    }
}

/// A float as the decimal its shortest round-trip text spells, rounded half-even to 6 places
/// (what `canonical_input` does with a Python float).
pub fn float_decimal(v: f64) -> Result<Decimal, String> {
    if !v.is_finite() {
        return Err(format!("{v} is not a finite number"));
    }
    let mut buf = ryu::Buffer::new();
    let text = buf.format_finite(v);
    let (mant, exp) = match text.find(['e', 'E']) {
        Some(p) => (
            &text[..p],
            text[p + 1..].parse::<i32>().map_err(|e| e.to_string())?,
        ),
        None => (text, 0),
    };
    let neg = mant.starts_with('-');
    let mant = mant.trim_start_matches('-');
    let (int, frac) = mant.split_once('.').unwrap_or((mant, ""));
    let mut m: i128 = 0;
    for c in int.bytes().chain(frac.bytes()) {
        m = m * 10 + i128::from(c - b'0');
    }
    let exp = exp - frac.len() as i32;
    let too_large = || format!("{v} is too large: numbers must stay below 10^14");
    let (m, scale) = if exp >= 0 {
        if exp > 20 && m != 0 {
            return Err(too_large());
        }
        (
            m.checked_mul(num::pow10(exp.unsigned_abs()).ok_or_else(too_large)?)
                .ok_or_else(too_large)?,
            0,
        )
    } else {
        let scale = exp.unsigned_abs();
        if scale > 6 {
            let cut = scale - 6;
            let m = if cut > 38 {
                0
            } else {
                num::div_half_even(m, num::pow10(cut).unwrap_or(1)).unwrap_or(0)
            };
            (m, 6)
        } else {
            (m, scale)
        }
    };
    let m = if neg { -m } else { m };
    num::make(m, scale).ok_or_else(too_large)
}

/// Timestamps in any unit, with or without a zone (naive means UTC), as microseconds.
#[derive(Clone, Copy)]
struct Times<'a> {
    a: &'a dyn Array,
    /// `None` for a column of type null.
    unit: Option<TimeUnit>,
}

impl<'a> Times<'a> {
    fn new(a: &'a dyn Array) -> Option<Self> {
        match a.data_type() {
            DataType::Timestamp(unit, _) => Some(Self {
                a,
                unit: Some(*unit),
            }),
            DataType::Null => Some(Self { a, unit: None }),
            _ => None,
        }
    }

    fn get(self, i: usize) -> Option<Timestamp> {
        let unit = self.unit?;
        if self.a.is_null(i) {
            return None;
        }
        Some(match unit {
            TimeUnit::Second => self
                .a
                .as_primitive::<TimestampSecondType>()
                .value(i)
                .saturating_mul(1_000_000),
            TimeUnit::Millisecond => self
                .a
                .as_primitive::<TimestampMillisecondType>()
                .value(i)
                .saturating_mul(1000),
            TimeUnit::Microsecond => self.a.as_primitive::<TimestampMicrosecondType>().value(i),
            TimeUnit::Nanosecond => self
                .a
                .as_primitive::<TimestampNanosecondType>()
                .value(i)
                .div_euclid(1000),
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Table readers.

fn child<'a>(names: &[&str], columns: &'a [ArrayRef], name: &str) -> Option<&'a dyn Array> {
    names
        .iter()
        .position(|n| *n == name)
        .map(|p| columns[p].as_ref())
}

fn bad_type(table: &str, name: &str, expected: &str, got: &DataType) -> BatchError {
    table_err(table, name, format!("expected {expected}, got {got}"))
}

/// The line fields of a list<struct> of items or of a lines table.
struct LineCols<'a> {
    sku: Option<StrCol<'a>>,
    product: Option<StrCol<'a>>,
    category: Option<StrCol<'a>>,
    tags: Option<StrList<'a>>,
    price: Option<Num<'a>>,
    quantity: Option<Num<'a>>,
}

impl<'a> LineCols<'a> {
    fn new(
        names: &[&str],
        columns: &'a [ArrayRef],
        table: &str,
        exponent: u32,
    ) -> Result<Self, BatchError> {
        let strs = |name: &str| -> Result<Option<StrCol<'a>>, BatchError> {
            child(names, columns, name)
                .map(|a| {
                    StrCol::new(a).ok_or_else(|| bad_type(table, name, "strings", a.data_type()))
                })
                .transpose()
        };
        let price = match (
            child(names, columns, "price"),
            child(names, columns, "price_minor"),
        ) {
            (Some(_), Some(_)) => {
                return Err(table_err(
                    table,
                    "price_minor",
                    "give either price or price_minor, not both",
                ))
            }
            (Some(a), None) => Some(Num::new(a, None).ok_or_else(|| {
                bad_type(table, "price", "decimal, integer or float", a.data_type())
            })?),
            (None, Some(a)) => Some(Num::new(a, Some(exponent)).ok_or_else(|| {
                bad_type(table, "price_minor", "integer minor units", a.data_type())
            })?),
            (None, None) => None,
        };
        Ok(Self {
            sku: strs("sku")?,
            product: strs("product")?,
            category: strs("category")?,
            tags: child(names, columns, "tags")
                .map(|a| {
                    StrList::new(a)
                        .ok_or_else(|| bad_type(table, "tags", "list<str>", a.data_type()))
                })
                .transpose()?,
            price,
            quantity: child(names, columns, "quantity")
                .map(|a| {
                    Num::new(a, None)
                        .ok_or_else(|| bad_type(table, "quantity", "integers", a.data_type()))
                })
                .transpose()?,
        })
    }

    /// Row `i` into `item`, reusing its strings; every field is set.
    fn fill(
        &self,
        i: usize,
        item: &mut Item,
        loc: &dyn Fn(&str) -> Vec<Loc>,
    ) -> Result<(), BatchError> {
        let text = |c: &Option<StrCol<'a>>, slot: &mut Option<crate::input::Text>, name: &str| {
            let value = c.as_ref().and_then(|c| c.get(i));
            let value = value.map(|s| check_len(s, || loc(name))).transpose()?;
            set_text(slot, value);
            Ok::<(), BatchError>(())
        };
        let price_name = if matches!(self.price, Some(Num::Int(_, s)) if s > 0) {
            "price_minor"
        } else {
            "price"
        };
        let price = match self.price.map(|p| p.get(i)).transpose() {
            Err(msg) => return Err(err(loc(price_name), msg)),
            Ok(None | Some(None)) => return Err(err(loc("price"), "price is required")),
            Ok(Some(Some(p))) => p,
        };
        if price.is_sign_negative() && !price.is_zero() {
            return Err(err(loc(price_name), "price must not be negative"));
        }
        // Integer columns (the usual case) skip the detour through Decimal.
        let whole = match self.quantity {
            Some(Num::Int(ints, 0)) => ints.get(i).map(Ok),
            q => match q.map(|q| q.get(i)).transpose() {
                Err(msg) => return Err(err(loc("quantity"), msg)),
                Ok(None | Some(None)) => None,
                Ok(Some(Some(q))) => Some(if q.fract().is_zero() {
                    Ok(q.trunc().mantissa() / num::pow10(q.scale()).unwrap_or(1))
                } else {
                    Err(q)
                }),
            },
        };
        let quantity = match whole {
            None => 1,
            Some(Err(q)) => {
                return Err(err(
                    loc("quantity"),
                    format!("quantity must be a whole number, got {q}"),
                ));
            }
            Some(Ok(q)) => {
                if q < 1 {
                    return Err(err(loc("quantity"), "quantity must be at least 1"));
                }
                if q > MAX_QUANTITY {
                    return Err(err(
                        loc("quantity"),
                        format!("quantity must be at most {MAX_QUANTITY}"),
                    ));
                }
                q as u32
            }
        };
        // Exhaustive, so that a new field of `Item` cannot be left over from a previous order.
        let Item {
            sku,
            product,
            category,
            tags,
            price: item_price,
            quantity: item_quantity,
            metadata,
        } = item;
        text(&self.sku, sku, "sku")?;
        text(&self.product, product, "product")?;
        text(&self.category, category, "category")?;
        match &self.tags {
            None => tags.clear(),
            Some(t) => t.fill(i, tags, || loc("tags"))?,
        }
        *item_price = price;
        *item_quantity = quantity;
        clear(metadata);
        Ok(())
    }
}

/// The key of an order: `order_id` as an integer (of any width) or a string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum OrderKey<'a> {
    Int(i128),
    Str(&'a str),
}

#[derive(Clone, Copy)]
enum Keys<'a> {
    Int(Ints<'a>),
    Str(StrCol<'a>),
}

impl<'a> Keys<'a> {
    fn new(a: &'a dyn Array, table: &str) -> Result<Self, BatchError> {
        if let Some(i) = Ints::new(a) {
            return Ok(Self::Int(i));
        }
        StrCol::new(a)
            .map(Self::Str)
            .ok_or_else(|| bad_type(table, "order_id", "integers or strings", a.data_type()))
    }

    fn get(&self, i: usize) -> Option<OrderKey<'a>> {
        match self {
            Self::Int(a) => a.get(i).map(OrderKey::Int),
            Self::Str(a) => a.get(i).map(OrderKey::Str),
        }
    }
}

fn names(schema: &Schema) -> Vec<&str> {
    schema.fields().iter().map(|f| f.name().as_str()).collect()
}

/// A separate lines table, indexed by `order_id`.
///
/// The index is compact, about 4 bytes per line and 10 per order, and holds no copy of the
/// keys: a hash table of order groups (compared through the key of each group's first line,
/// read from the table itself) and the lines of each group in table order, as one array of
/// global row numbers (`rows[offsets[g]..offsets[g + 1]]`).
#[derive(Clone)]
pub struct Lines {
    batches: Vec<RecordBatch>,
    /// Global row number of each batch's first row.
    starts: Vec<usize>,
    int_keys: bool,
    hasher: RandomState,
    groups: HashTable<u32>,
    offsets: Vec<u32>,
    rows: Vec<u32>,
}

impl Lines {
    pub fn new(batches: Vec<RecordBatch>) -> Result<Self, BatchError> {
        let mut starts = Vec::with_capacity(batches.len());
        let mut total = 0usize;
        for b in &batches {
            starts.push(total);
            total += b.num_rows();
        }
        if u32::try_from(total).is_err() {
            return Err(table_err(
                "lines",
                "order_id",
                format!("at most {} lines, got {total}", u32::MAX),
            ));
        }
        let readers = Self::readers(&batches)?;
        let int_keys = readers.first().is_none_or(|k| matches!(k, Keys::Int(_)));
        let hasher = RandomState::new();
        let key_at = |global: u32| {
            let (b, r) = locate(&starts, global);
            readers[b].get(r)
        };
        // Pass 1: the group of every line, and the size of every group.
        let mut groups: HashTable<u32> = HashTable::new();
        let mut hashes: Vec<u64> = Vec::new(); // per group, for growing the table
        let mut first: Vec<u32> = Vec::new(); // per group: its first line
        let mut counts: Vec<u32> = Vec::new();
        let mut group_of: Vec<u32> = Vec::with_capacity(total);
        let mut last: Option<(OrderKey<'_>, u32)> = None;
        for (b, keys) in readers.iter().enumerate() {
            for r in 0..batches[b].num_rows() {
                let global = starts[b] + r;
                let Some(k) = keys.get(r) else {
                    return Err(err(
                        vec![key("lines"), Loc::Index(global), key("order_id")],
                        "order_id must not be null",
                    ));
                };
                // Lines usually come grouped by order: skip the lookup for a repeated key.
                let g = match last {
                    Some((lk, lg)) if lk == k => lg,
                    _ => {
                        let h = hasher.hash_one(k);
                        if let Some(&g) = groups.find(h, |&g| key_at(first[g as usize]) == Some(k))
                        {
                            g
                        } else {
                            let g = first.len() as u32;
                            first.push(global as u32);
                            hashes.push(h);
                            counts.push(0);
                            groups.insert_unique(h, g, |&g| hashes[g as usize]);
                            g
                        }
                    }
                };
                last = Some((k, g));
                counts[g as usize] += 1;
                group_of.push(g);
            }
        }
        drop((hashes, first));
        // Pass 2: the lines of each group, in table order (a counting sort).
        let mut offsets = Vec::with_capacity(counts.len() + 1);
        let mut sum = 0u32;
        offsets.push(0);
        for c in &mut counts {
            let n = *c;
            *c = sum; // from here on: where the group's next line goes
            sum += n;
            offsets.push(sum);
        }
        let mut rows = vec![0u32; total];
        for (global, &g) in group_of.iter().enumerate() {
            let next = &mut counts[g as usize];
            rows[*next as usize] = global as u32;
            *next += 1;
        }
        drop((group_of, counts, readers));
        Ok(Self {
            batches,
            starts,
            int_keys,
            hasher,
            groups,
            offsets,
            rows,
        })
    }

    fn readers(batches: &[RecordBatch]) -> Result<Vec<Keys<'_>>, BatchError> {
        batches
            .iter()
            .map(|batch| {
                let col = batch.column_by_name("order_id").ok_or_else(|| {
                    table_err(
                        "lines",
                        "order_id",
                        "the lines table needs an order_id column",
                    )
                })?;
                Keys::new(col.as_ref(), "lines")
            })
            .collect()
    }

    fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The global row numbers of the lines of the order `k`, in table order.
    fn find(&self, k: OrderKey<'_>, readers: &[Keys<'_>]) -> &[u32] {
        let h = self.hasher.hash_one(k);
        let found = self.groups.find(h, |&g| {
            let (b, r) = locate(&self.starts, self.rows[self.offsets[g as usize] as usize]);
            readers[b].get(r) == Some(k)
        });
        match found {
            None => &[],
            Some(&g) => {
                &self.rows[self.offsets[g as usize] as usize..self.offsets[g as usize + 1] as usize]
            }
        }
    }
}

/// (batch, row in the batch) of a global row number.
fn locate(starts: &[usize], global: u32) -> (usize, usize) {
    let global = global as usize;
    let b = starts.partition_point(|&s| s <= global) - 1;
    (b, global - starts[b])
}

/// Evaluates orders chunk by chunk; see the module documentation.
pub struct Batch<'p> {
    program: &'p Program,
    money: MoneyOut,
    detail: bool,
    lines: Option<Lines>,
    /// `context.now` for orders without `created_at`.
    now: Timestamp,
    exponent: u32,
    order_id_type: Option<DataType>,
}

/// The output of one chunk.
pub struct ChunkOut {
    pub summary: RecordBatch,
    pub detail: Option<RecordBatch>,
}

impl<'p> Batch<'p> {
    pub fn new(
        program: &'p Program,
        money: MoneyOut,
        detail: bool,
        lines: Option<Lines>,
        now: Timestamp,
    ) -> Self {
        Self {
            program,
            money,
            detail,
            lines,
            now,
            exponent: program.0.exponent,
            order_id_type: None,
        }
    }

    fn money_type(&self) -> DataType {
        match self.money {
            MoneyOut::Decimal => DataType::Decimal128(18, self.exponent as i8),
            MoneyOut::Minor => DataType::Int64,
            MoneyOut::Float => DataType::Float64,
        }
    }

    fn money_name(&self, name: &str) -> String {
        match self.money {
            MoneyOut::Minor => format!("{name}_minor"),
            _ => name.to_owned(),
        }
    }

    /// The summary table's schema, for an `order_id` of the given type.
    pub fn summary_schema(&self, order_id: &DataType) -> SchemaRef {
        let mt = self.money_type();
        let mut fields = vec![Field::new("order_id", order_id.clone(), true)];
        for name in ["subtotal", "discount", "shipping_discount", "total"] {
            fields.push(Field::new(self.money_name(name), mt.clone(), false));
        }
        fields.push(Field::new(
            "applied",
            DataType::List(Arc::new(Field::new("item", DataType::Utf8, true))),
            false,
        ));
        Arc::new(Schema::new(fields))
    }

    pub fn detail_schema(&self, order_id: &DataType) -> SchemaRef {
        Arc::new(Schema::new(vec![
            Field::new("order_id", order_id.clone(), true),
            Field::new("campaign_id", DataType::Utf8, false),
            Field::new(self.money_name("amount"), self.money_type(), false),
        ]))
    }

    /// Evaluates one record batch of orders whose first row is global row `start`, in chunks
    /// of [`CHUNK`] rows; `between` runs after each chunk (signal checks).
    pub fn evaluate(
        &mut self,
        orders: &RecordBatch,
        start: usize,
        pool: &rayon::ThreadPool,
        mut between: impl FnMut() -> Result<(), BatchErrors>,
    ) -> Result<Vec<ChunkOut>, BatchErrors> {
        let mut out = Vec::new();
        let mut offset = 0;
        while offset < orders.num_rows() {
            let len = CHUNK.min(orders.num_rows() - offset);
            let chunk = orders.slice(offset, len);
            out.push(pool.install(|| self.chunk(&chunk, start + offset))?);
            between()?;
            offset += len;
        }
        Ok(out)
    }

    /// Evaluates one chunk (runs on the current rayon pool).
    pub fn chunk(&mut self, orders: &RecordBatch, start: usize) -> Result<ChunkOut, BatchErrors> {
        // Each worker reduces its orders' outcomes to `Row`s right away, so the chunk holds
        // ~100 bytes per order instead of whole outcomes (lines, explanations), and the
        // outcomes are freed on the thread that allocated them instead of serially afterwards.
        let program = self.program;
        let n = orders.num_rows();
        let results = self.read(orders, start, |fill| {
            let mut results: Vec<Result<Row, BatchError>> = Vec::with_capacity(n);
            (0..n)
                .into_par_iter()
                .with_min_len(64)
                .map_init(Input::default, |input, i| {
                    fill(input, i).map(|()| Row::new(program.price(input)))
                })
                .collect_into_vec(&mut results);
            results
        })?;
        let errors: Vec<BatchError> = results
            .iter()
            .filter_map(|r| r.as_ref().err().cloned())
            .take(MAX_ERRORS)
            .collect();
        if !errors.is_empty() {
            return Err(BatchErrors(errors));
        }
        let rows: Vec<Row> = results.into_iter().map(Result::unwrap).collect();
        let order_ids = orders
            .column_by_name("order_id")
            .expect("read checked the order_id column");
        Ok(self.output(order_ids.as_ref(), &rows)?)
    }

    /// Checks the columns of one chunk of orders whose first row is global row `start`, then
    /// calls `body` with a function that fills a (reused) [`Input`] with row `i` of the chunk:
    /// what the stateless batch runs in parallel and the simulation in order.
    pub fn read<T>(
        &mut self,
        orders: &RecordBatch,
        start: usize,
        body: impl FnOnce(&(dyn Fn(&mut Input, usize) -> Result<(), BatchError> + Sync)) -> T,
    ) -> Result<T, BatchErrors> {
        let schema = orders.schema();
        let names = names(&schema);
        let columns = orders.columns();
        let exponent = self.exponent;
        let col = |name: &str| child(&names, columns, name);
        let order_ids = col("order_id").ok_or_else(|| {
            table_err(
                "orders",
                "order_id",
                "the orders table needs an order_id column",
            )
        })?;
        let keys = Keys::new(order_ids, "orders")?;
        if let Some(t) = &self.order_id_type {
            if t != order_ids.data_type() {
                return fail(table_err(
                    "orders",
                    "order_id",
                    "order_id changes type between batches",
                ));
            }
        }
        self.order_id_type = Some(order_ids.data_type().clone());
        if let Some(lines) = &self.lines {
            if lines.int_keys != matches!(keys, Keys::Int(_)) && !lines.is_empty() {
                return fail(table_err(
                    "lines",
                    "order_id",
                    "lines.order_id and orders.order_id must both be integers or both strings",
                ));
            }
        }
        let strs = |name: &str| -> Result<Option<StrCol<'_>>, BatchError> {
            col(name)
                .map(|a| {
                    StrCol::new(a).ok_or_else(|| bad_type("orders", name, "strings", a.data_type()))
                })
                .transpose()
        };
        let str_list = |name: &str| -> Result<Option<StrList<'_>>, BatchError> {
            col(name)
                .map(|a| {
                    StrList::new(a)
                        .ok_or_else(|| bad_type("orders", name, "list<str>", a.data_type()))
                })
                .transpose()
        };
        let customer_id = strs("customer_id")?;
        let segments = str_list("segments")?;
        let orders_count = col("orders_count")
            .map(|a| {
                Num::new(a, None)
                    .ok_or_else(|| bad_type("orders", "orders_count", "numbers", a.data_type()))
            })
            .transpose()?;
        let has_customer = customer_id.is_some() || segments.is_some() || orders_count.is_some();
        let codes = str_list("codes")?;
        let created_at = col("created_at")
            .map(|a| {
                Times::new(a)
                    .ok_or_else(|| bad_type("orders", "created_at", "timestamps", a.data_type()))
            })
            .transpose()?;
        let (shipping, shipping_name) = match (col("shipping"), col("shipping_minor")) {
            (Some(_), Some(_)) => {
                return fail(table_err(
                    "orders",
                    "shipping_minor",
                    "give either shipping or shipping_minor, not both",
                ))
            }
            (Some(a), None) => (
                Some(Num::new(a, None).ok_or_else(|| {
                    bad_type(
                        "orders",
                        "shipping",
                        "decimal, integer or float",
                        a.data_type(),
                    )
                })?),
                "shipping",
            ),
            (None, Some(a)) => (
                Some(Num::new(a, Some(exponent)).ok_or_else(|| {
                    bad_type(
                        "orders",
                        "shipping_minor",
                        "integer minor units",
                        a.data_type(),
                    )
                })?),
                "shipping_minor",
            ),
            (None, None) => (None, "shipping"),
        };
        let currency = strs("currency")?;
        let channel = strs("channel")?;
        let country = strs("country")?;

        // Items: nested list<struct>, or the lines table.
        // A column of type null (pandas: every order's items None) holds no items.
        let items_list = col("items")
            .filter(|a| a.data_type() != &DataType::Null)
            .map(|a| {
                Lists::new(a)
                    .ok_or_else(|| bad_type("orders", "items", "list<struct>", a.data_type()))
            })
            .transpose()?;
        if items_list.is_some() && self.lines.is_some() {
            return fail(table_err(
                "orders",
                "items",
                "give items in the orders table or a lines table, not both",
            ));
        }
        // list<null>: pandas' type for a column of empty lists; any element is a null item.
        let nested: Option<(Lists<'_>, Option<&StructArray>)> = match items_list {
            None => None,
            Some(list) => {
                let values = list.values();
                if values.data_type() == &DataType::Null {
                    Some((list, None))
                } else {
                    let st: &StructArray = values.as_struct_opt().ok_or_else(|| {
                        bad_type("orders", "items", "list<struct>", values.data_type())
                    })?;
                    Some((list, Some(st)))
                }
            }
        };
        let nested_struct = nested.and_then(|(_, st)| st);
        let nested_names: Vec<&str> = nested_struct
            .map(|st| st.fields().iter().map(|f| f.name().as_str()).collect())
            .unwrap_or_default();
        let nested_cols = nested_struct
            .map(|st| LineCols::new(&nested_names, st.columns(), "items", exponent))
            .transpose()?;
        let line_names: Vec<Vec<&str>> = self
            .lines
            .as_ref()
            .map(|l| {
                l.batches
                    .iter()
                    .map(|b| {
                        b.schema_ref()
                            .fields()
                            .iter()
                            .map(|f| f.name().as_str())
                            .collect()
                    })
                    .collect()
            })
            .unwrap_or_default();
        let line_cols: Vec<LineCols<'_>> = match &self.lines {
            None => Vec::new(),
            Some(l) => l
                .batches
                .iter()
                .zip(&line_names)
                .map(|(b, n)| LineCols::new(n, b.columns(), "lines", exponent))
                .collect::<Result<_, _>>()?,
        };
        let line_keys = match &self.lines {
            None => Vec::new(),
            Some(l) => Lines::readers(&l.batches)?,
        };
        let lines = self.lines.as_ref();
        let now = self.now;
        let money_out = self.money;
        let engine_currency = self.program.def().currency.as_str();

        // Fills a worker's reused `Input` with order `i`: every field is set (nothing of the
        // previous order survives), and strings and vectors keep their buffers.
        let fill = |input: &mut Input, i: usize| -> Result<(), BatchError> {
            let row = start + i;
            let at = |name: &str| vec![key("orders"), Loc::Index(row), key(name)];
            let Some(order_key) = keys.get(i) else {
                return Err(err(at("order_id"), "order_id must not be null"));
            };
            let text = |c: &Option<StrCol<'_>>, slot: &mut Option<String>, name: &str| {
                let value = c.as_ref().and_then(|c| c.get(i));
                let value = value.map(|s| check_len(s, || at(name))).transpose()?;
                set_text(slot, value);
                Ok::<(), BatchError>(())
            };
            // Exhaustive, so that a new field cannot be left over from a previous order.
            let Input {
                cart:
                    Cart {
                        currency: cart_currency,
                        shipping: cart_shipping,
                        items,
                        metadata: cart_metadata,
                    },
                customer: input_customer,
                context:
                    Context {
                        now: context_now,
                        channel: context_channel,
                        country: context_country,
                        metadata: context_metadata,
                    },
                codes: input_codes,
            } = input;
            let mut n = 0;
            if let Some((list, _)) = nested {
                if let Some(range) = list.range(i) {
                    if range.len() > MAX_ITEMS {
                        return Err(err(
                            at("items"),
                            format!(
                                "a cart holds at most {MAX_ITEMS} items, got {}",
                                range.len()
                            ),
                        ));
                    }
                    match &nested_cols {
                        None if range.is_empty() => {}
                        None => {
                            let mut l = at("items");
                            l.push(Loc::Index(0));
                            return Err(err(l, "expected an item, got null"));
                        }
                        Some(cols) => {
                            for (j, k) in range.enumerate() {
                                let loc = |f: &str| {
                                    vec![
                                        key("orders"),
                                        Loc::Index(row),
                                        key("items"),
                                        Loc::Index(j),
                                        key(f),
                                    ]
                                };
                                if j == items.len() {
                                    items.push(Item::default());
                                }
                                cols.fill(k, &mut items[j], &loc)?;
                                n = j + 1;
                            }
                        }
                    }
                }
            } else if let Some(lines) = lines {
                let refs = lines.find(order_key, &line_keys);
                if refs.len() > MAX_ITEMS {
                    return Err(err(
                        at("items"),
                        format!("a cart holds at most {MAX_ITEMS} items, got {}", refs.len()),
                    ));
                }
                for (j, &global) in refs.iter().enumerate() {
                    let (b, r) = locate(&lines.starts, global);
                    let loc = |f: &str| vec![key("lines"), Loc::Index(global as usize), key(f)];
                    if j == items.len() {
                        items.push(Item::default());
                    }
                    line_cols[b].fill(r, &mut items[j], &loc)?;
                    n = j + 1;
                }
            }
            items.truncate(n);
            *cart_shipping = match shipping.map(|s| s.get(i)).transpose() {
                Err(msg) => return Err(err(at(shipping_name), msg)),
                Ok(None | Some(None)) => Decimal::ZERO,
                Ok(Some(Some(s))) => {
                    if s.is_sign_negative() && !s.is_zero() {
                        return Err(err(at(shipping_name), "shipping must not be negative"));
                    }
                    s
                }
            };
            match currency.as_ref().and_then(|c| c.get(i)) {
                None => *cart_currency = None,
                Some(c) => {
                    let code = cart_currency.get_or_insert_with(String::new);
                    code.clear();
                    if c.is_ascii() {
                        code.push_str(c.trim());
                        code.make_ascii_uppercase();
                    } else {
                        code.push_str(&c.trim().to_uppercase());
                    }
                    let Some(e) = money::currency_exponent(code) else {
                        let shown: String = c.chars().take(40).collect();
                        return Err(err(at("currency"), format!("unknown currency '{shown}'")));
                    };
                    // The money columns have the engine currency's places; an order priced
                    // with more (JPY engine, USD order) would come out rounded.
                    if e > exponent && money_out != MoneyOut::Float {
                        return Err(err(
                            at("currency"),
                            format!(
                                "{code} amounts have {e} decimal places, the output's money \
                                 columns {exponent} (the engine's currency, {engine_currency}): \
                                 use money=\"float\" or an engine in {code}"
                            ),
                        ));
                    }
                }
            }
            clear(cart_metadata);
            if has_customer {
                let Customer {
                    id,
                    email,
                    segments: customer_segments,
                    orders_count: customer_orders_count,
                    total_spent,
                    created_at: customer_created_at,
                    birthday,
                    metadata,
                } = input_customer.get_or_insert_with(Customer::default);
                text(&customer_id, id, "customer_id")?;
                match &segments {
                    None => customer_segments.clear(),
                    Some(s) => s.fill(i, customer_segments, || at("segments"))?,
                }
                *customer_orders_count = orders_count
                    .map(|c| c.get(i))
                    .transpose()
                    .map_err(|m| err(at("orders_count"), m))?
                    .flatten();
                *email = None;
                *total_spent = None;
                *customer_created_at = None;
                *birthday = None;
                clear(metadata);
            } else {
                *input_customer = None;
            }
            *context_now = created_at.and_then(|c| c.get(i)).unwrap_or(now);
            text(&channel, context_channel, "channel")?;
            text(&country, context_country, "country")?;
            clear(context_metadata);
            match &codes {
                None => input_codes.clear(),
                Some(c) => c.fill(i, input_codes, || at("codes"))?,
            }
            for (j, code) in input_codes.iter().enumerate() {
                if let Err(kind) = crate::codes::normalize::check(code) {
                    let mut loc = at("codes");
                    loc.push(Loc::Index(j));
                    return Err(err(loc, kind.message()));
                }
            }
            Ok(())
        };

        Ok(body(&fill))
    }

    fn money_array(&self, values: &[Decimal]) -> ArrayRef {
        let e = self.exponent;
        let minor: Vec<i128> = values
            .iter()
            .map(|d| money::to_minor(*d, e, RoundMode::HalfEven).unwrap_or(0))
            .collect();
        match self.money {
            MoneyOut::Decimal => Arc::new(
                Decimal128Array::from(minor)
                    .with_precision_and_scale(18, e as i8)
                    .expect("valid decimal type"),
            ),
            MoneyOut::Minor => Arc::new(Int64Array::from(
                minor.into_iter().map(|m| m as i64).collect::<Vec<_>>(),
            )),
            // Correctly rounded: the nearest double to the exact decimal.
            MoneyOut::Float => Arc::new(Float64Array::from(
                values
                    .iter()
                    .map(|d| d.to_string().parse::<f64>().unwrap_or(f64::NAN))
                    .collect::<Vec<_>>(),
            )),
        }
    }

    pub(crate) fn output(
        &self,
        order_ids: &dyn Array,
        rows: &[Row],
    ) -> Result<ChunkOut, BatchError> {
        let order_col: ArrayRef = arrow_array::make_array(order_ids.to_data());
        let pick = |k: usize| -> Vec<Decimal> { rows.iter().map(|r| r.money[k]).collect() };
        let mut applied = ListBuilder::new(StringBuilder::new()).with_field(Arc::new(Field::new(
            "item",
            DataType::Utf8,
            true,
        )));
        for r in rows {
            for (id, _) in &r.applied {
                applied.values().append_value(id);
            }
            applied.append(true);
        }
        let schema = self.summary_schema(order_ids.data_type());
        let summary = RecordBatch::try_new(
            schema,
            vec![
                order_col.clone(),
                self.money_array(&pick(0)),
                self.money_array(&pick(1)),
                self.money_array(&pick(2)),
                self.money_array(&pick(3)),
                Arc::new(applied.finish()),
            ],
        )
        .map_err(|e| arrow_error("output", &e))?;
        let detail = if self.detail {
            let mut taken = Vec::new();
            let mut ids = StringBuilder::new();
            let mut amounts = Vec::new();
            for (i, r) in rows.iter().enumerate() {
                for (id, amount) in &r.applied {
                    taken.push(i as u32);
                    ids.append_value(id);
                    amounts.push(*amount);
                }
            }
            let taken = arrow_select::take::take(&order_col, &UInt32Array::from(taken), None)
                .map_err(|e| arrow_error("output", &e))?;
            Some(
                RecordBatch::try_new(
                    self.detail_schema(order_ids.data_type()),
                    vec![taken, Arc::new(ids.finish()), self.money_array(&amounts)],
                )
                .map_err(|e| arrow_error("output", &e))?,
            )
        } else {
            None
        };
        Ok(ChunkOut { summary, detail })
    }
}

/// What the output keeps of one order's [`Outcome`].
pub(crate) struct Row {
    /// `subtotal`, `discount`, `shipping_discount`, `total`.
    money: [Decimal; 4],
    /// (campaign id, amount) of each applied campaign, in order.
    applied: Vec<(String, Decimal)>,
}

impl Row {
    pub(crate) fn new(o: Outcome) -> Self {
        Self {
            money: [o.subtotal, o.discount, o.shipping_discount, o.total],
            applied: o
                .applied
                .into_iter()
                .map(|a| (a.campaign_id, a.amount))
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::float_decimal;
    use rust_decimal::Decimal;
    use std::str::FromStr;

    #[test]
    fn floats_round_like_python() {
        let d = |s: &str| Decimal::from_str(s).unwrap();
        assert_eq!(float_decimal(19.99).unwrap(), d("19.99"));
        assert_eq!(float_decimal(1.0 / 3.0).unwrap(), d("0.333333"));
        assert_eq!(float_decimal(1e3).unwrap(), d("1000"));
        assert_eq!(float_decimal(0.000_000_5).unwrap(), d("0"));
        assert_eq!(float_decimal(0.000_001_5).unwrap(), d("0.000002"));
        assert_eq!(float_decimal(1e-300).unwrap(), d("0"));
        assert!(float_decimal(1e14).is_err());
        assert!(float_decimal(f64::NAN).is_err());
        assert!(float_decimal(f64::INFINITY).is_err());
    }
}
