//! Column readers: the Arrow types a value may come in, read by row without copying.
//!
//! [`Col`] classifies any column once per record batch; reading a row costs a match and an
//! index. Dictionary-encoded strings (pandas categoricals, polars enums) are read in place.

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Date32Type, Date64Type, Int16Type, Int32Type, Int64Type, Int8Type, TimestampMicrosecondType,
    TimestampMillisecondType, TimestampNanosecondType, TimestampSecondType, UInt16Type, UInt32Type,
    UInt64Type, UInt8Type,
};
use arrow_array::{
    Array, ArrayRef, BooleanArray, Decimal128Array, Float32Array, Float64Array, GenericListArray,
    StructArray,
};
use arrow_schema::{DataType, TimeUnit};

#[derive(Clone, Copy)]
enum Strs<'a> {
    /// A column of type null.
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

    fn len(self) -> usize {
        match self {
            Self::Null => 0,
            Self::Utf8(a) => a.len(),
            Self::Large(a) => a.len(),
            Self::View(a) => a.len(),
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

/// A string column, possibly dictionary-encoded. The keys are read in place (no normalised
/// copy), so a reader costs nothing to build per chunk.
#[derive(Clone, Copy)]
pub struct StrCol<'a> {
    keys: Option<Ints<'a>>,
    values: Strs<'a>,
}

impl<'a> StrCol<'a> {
    pub fn new(a: &'a dyn Array) -> Option<Self> {
        if let Some(dict) = a.as_any_dictionary_opt() {
            return Some(Self {
                keys: Some(Ints::new(dict.keys())?),
                values: Strs::new(dict.values().as_ref())?,
            });
        }
        if a.data_type() == &DataType::Null {
            return None;
        }
        Some(Self {
            keys: None,
            values: Strs::new(a)?,
        })
    }

    /// For a dictionary-encoded column, the number of dictionary values (what
    /// [`StrCol::key`] indexes).
    pub fn dictionary_len(&self) -> Option<usize> {
        self.keys.map(|_| self.values.len())
    }

    /// Dictionary value `k`.
    pub fn dictionary_value(&self, k: usize) -> Option<&'a str> {
        self.values.get(k)
    }

    /// The dictionary key of row `i` (`None`: null, or not dictionary-encoded).
    pub fn key(&self, i: usize) -> Option<usize> {
        usize::try_from(self.keys?.get(i)?).ok()
    }

    pub fn get(&self, i: usize) -> Option<&'a str> {
        match self.keys {
            None => self.values.get(i),
            Some(keys) => {
                let k = usize::try_from(keys.get(i)?).ok()?;
                self.values.get(k)
            }
        }
    }
}

/// Integers of any width, read as i128.
#[derive(Clone, Copy)]
pub enum Ints<'a> {
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
    pub fn new(a: &'a dyn Array) -> Option<Self> {
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

    pub fn get(self, i: usize) -> Option<i128> {
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

/// A list column, 32- or 64-bit offsets.
#[derive(Clone, Copy)]
pub enum Lists<'a> {
    Small(&'a GenericListArray<i32>),
    Large(&'a GenericListArray<i64>),
}

impl<'a> Lists<'a> {
    pub fn new(a: &'a dyn Array) -> Option<Self> {
        match a.data_type() {
            DataType::List(_) => Some(Self::Small(a.as_list::<i32>())),
            DataType::LargeList(_) => Some(Self::Large(a.as_list::<i64>())),
            _ => None,
        }
    }

    pub fn values(self) -> &'a ArrayRef {
        match self {
            Self::Small(a) => a.values(),
            Self::Large(a) => a.values(),
        }
    }

    /// The element rows of row `i`; `None` for a null list.
    pub fn range(self, i: usize) -> Option<std::ops::Range<usize>> {
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

/// Any column whose values an input can hold.
pub enum Col<'a> {
    /// A column of type null (pandas infers it for a column of `None`s).
    Null,
    Str(StrCol<'a>),
    Bool(&'a BooleanArray),
    Int(Ints<'a>),
    /// Integers counting minor units of a currency with this many places (`*_minor` columns).
    Minor(Ints<'a>, u32),
    Dec(&'a Decimal128Array, i8),
    F64(&'a Float64Array),
    F32(&'a Float32Array),
    /// Timestamps; `zoned`: with a timezone (without one they are naive).
    Time(&'a dyn Array, TimeUnit, bool),
    Date32(&'a arrow_array::Date32Array),
    Date64(&'a arrow_array::Date64Array),
    List(Lists<'a>, Box<Col<'a>>),
    Struct(&'a StructArray, Vec<(&'a str, Col<'a>)>),
}

impl<'a> Col<'a> {
    /// The reader of `a`; `None` for a type no input value comes in.
    pub fn new(a: &'a dyn Array) -> Option<Self> {
        if let Some(s) = StrCol::new(a) {
            return Some(Self::Str(s));
        }
        if let Some(ints) = Ints::new(a) {
            return Some(Self::Int(ints));
        }
        Some(match a.data_type() {
            DataType::Null => Self::Null,
            DataType::Boolean => Self::Bool(a.as_boolean()),
            DataType::Decimal128(_, s) => Self::Dec(a.as_primitive(), *s),
            DataType::Float64 => Self::F64(a.as_primitive()),
            DataType::Float32 => Self::F32(a.as_primitive()),
            DataType::Timestamp(unit, zone) => Self::Time(a, *unit, zone.is_some()),
            DataType::Date32 => Self::Date32(a.as_primitive::<Date32Type>()),
            DataType::Date64 => Self::Date64(a.as_primitive::<Date64Type>()),
            DataType::List(_) | DataType::LargeList(_) => {
                let lists = Lists::new(a)?;
                Self::List(lists, Box::new(Self::new(lists.values().as_ref())?))
            }
            DataType::Struct(_) => {
                let st = a.as_struct();
                let children = st
                    .fields()
                    .iter()
                    .zip(st.columns())
                    .map(|(f, c)| Some((f.name().as_str(), Self::new(c.as_ref())?)))
                    .collect::<Option<_>>()?;
                Self::Struct(st, children)
            }
            _ => return None,
        })
    }

    /// Whether row `i` is null.
    pub fn is_null(&self, i: usize) -> bool {
        match self {
            Self::Null => true,
            Self::Str(s) => s.get(i).is_none(),
            Self::Bool(a) => a.is_null(i),
            Self::Int(a) | Self::Minor(a, _) => a.get(i).is_none(),
            Self::Dec(a, _) => a.is_null(i),
            Self::F64(a) => a.is_null(i),
            Self::F32(a) => a.is_null(i),
            Self::Time(a, _, _) => a.is_null(i),
            Self::Date32(a) => a.is_null(i),
            Self::Date64(a) => a.is_null(i),
            Self::List(l, _) => l.range(i).is_none(),
            Self::Struct(a, _) => a.is_null(i),
        }
    }

    /// A timestamp as microseconds since the epoch (saturating at the type's ends).
    pub fn micros(a: &dyn Array, unit: TimeUnit, i: usize) -> i64 {
        match unit {
            TimeUnit::Second => a
                .as_primitive::<TimestampSecondType>()
                .value(i)
                .saturating_mul(1_000_000),
            TimeUnit::Millisecond => a
                .as_primitive::<TimestampMillisecondType>()
                .value(i)
                .saturating_mul(1000),
            TimeUnit::Microsecond => a.as_primitive::<TimestampMicrosecondType>().value(i),
            TimeUnit::Nanosecond => a
                .as_primitive::<TimestampNanosecondType>()
                .value(i)
                .div_euclid(1000),
        }
    }
}

/// The key of an order: `order_id` as an integer (of any width) or a string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OrderKey<'a> {
    Int(i128),
    Str(&'a str),
}

/// A column of order ids.
#[derive(Clone, Copy)]
pub enum Keys<'a> {
    Int(Ints<'a>),
    Str(StrCol<'a>),
}

impl<'a> Keys<'a> {
    pub fn new(a: &'a dyn Array) -> Option<Self> {
        Ints::new(a)
            .map(Self::Int)
            .or_else(|| StrCol::new(a).map(Self::Str))
    }

    pub fn get(&self, i: usize) -> Option<OrderKey<'a>> {
        match self {
            Self::Int(a) => a.get(i).map(OrderKey::Int),
            Self::Str(a) => a.get(i).map(OrderKey::Str),
        }
    }

    pub fn is_int(&self) -> bool {
        matches!(self, Self::Int(_))
    }
}
