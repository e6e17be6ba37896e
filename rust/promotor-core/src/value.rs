//! Runtime values of the rule language. Borrowed from the input or the program where possible,
//! so evaluation allocates only for computed strings and lists.

use std::borrow::Cow;

use rust_decimal::Decimal;

use crate::input::{Map, MetaValue};
use crate::num;

#[derive(Debug, Clone, PartialEq)]
pub enum Value<'a> {
    Null,
    Bool(bool),
    Num(Decimal),
    Str(Cow<'a, str>),
    Ts(i64),
    Dur(i64),
    /// A cart line, by index.
    Item(usize),
    List(List<'a>),
    /// A metadata map.
    Map(&'a Map),
}

#[derive(Debug, Clone, PartialEq)]
pub enum List<'a> {
    /// Cart lines, by index.
    Items(Cow<'a, [usize]>),
    Strs(&'a [String]),
    Meta(&'a [MetaValue]),
    Slice(&'a [Value<'a>]),
    Owned(Vec<Value<'a>>),
}

impl<'a> List<'a> {
    pub fn len(&self) -> usize {
        match self {
            Self::Items(v) => v.len(),
            Self::Strs(v) => v.len(),
            Self::Meta(v) => v.len(),
            Self::Slice(v) => v.len(),
            Self::Owned(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The element at `i` (cheap: borrows).
    pub fn get(&self, i: usize) -> Value<'a> {
        match self {
            Self::Items(v) => v.get(i).map_or(Value::Null, |x| Value::Item(*x)),
            Self::Strs(v) => v
                .get(i)
                .map_or(Value::Null, |s| Value::Str(Cow::Borrowed(s.as_str()))),
            Self::Meta(v) => v.get(i).map_or(Value::Null, Value::from_meta),
            Self::Slice(v) => v.get(i).map_or(Value::Null, Value::borrowed),
            Self::Owned(v) => v.get(i).cloned().unwrap_or(Value::Null),
        }
    }
}

impl<'a> Value<'a> {
    pub fn from_meta(m: &'a MetaValue) -> Self {
        match m {
            MetaValue::Null => Self::Null,
            MetaValue::Bool(b) => Self::Bool(*b),
            MetaValue::Num(d) => num::from_input(*d).map_or(Self::Null, Self::Num),
            MetaValue::Str(s) => Self::Str(Cow::Borrowed(s)),
            MetaValue::List(l) => Self::List(List::Meta(l)),
            MetaValue::Map(m) => Self::Map(m),
            MetaValue::Ts(t) => Self::Ts(t.ts),
        }
    }

    pub fn opt_str(s: Option<&'a str>) -> Self {
        s.map_or(Self::Null, |s| Self::Str(Cow::Borrowed(s)))
    }

    pub fn opt_num(d: Option<Decimal>) -> Self {
        d.and_then(num::from_input).map_or(Self::Null, Self::Num)
    }

    /// A cheap borrowed copy of a long-lived value.
    pub fn borrowed(v: &'a Value<'a>) -> Self {
        match v {
            Self::Str(s) => Self::Str(Cow::Borrowed(s.as_ref())),
            Self::List(List::Owned(l)) => Self::List(List::Slice(l)),
            Self::List(List::Items(l)) => Self::List(List::Items(Cow::Borrowed(l.as_ref()))),
            other => other.clone(),
        }
    }

    /// Only `true` is true.
    pub fn truthy(&self) -> bool {
        matches!(self, Self::Bool(true))
    }

    pub const fn is_null(&self) -> bool {
        matches!(self, Self::Null)
    }

    /// A copy that owns everything, for constants; `None` for values tied to the input.
    pub fn into_static(self) -> Option<Value<'static>> {
        Some(match self {
            Self::Null => Value::Null,
            Self::Bool(b) => Value::Bool(b),
            Self::Num(d) => Value::Num(d),
            Self::Str(s) => Value::Str(Cow::Owned(s.into_owned())),
            Self::Ts(t) => Value::Ts(t),
            Self::Dur(d) => Value::Dur(d),
            Self::List(l) => {
                let n = l.len();
                if matches!(l, List::Items(_) | List::Meta(_)) {
                    return None;
                }
                let mut out = Vec::with_capacity(n);
                for i in 0..n {
                    out.push(l.get(i).into_static()?);
                }
                Value::List(List::Owned(out))
            }
            Self::Item(_) | Self::Map(_) => return None,
        })
    }
}
