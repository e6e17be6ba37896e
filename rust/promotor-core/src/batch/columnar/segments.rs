//! `customer.segments.contains(s)`: some element of the order's `segments` list is `s`.
//!
//! As the validator reads the column: no column or a null list is no segments, a null element
//! is the empty text. A dictionary-encoded element column (pandas categoricals) is compared
//! once per dictionary value, then by code.

use arrow_array::Array;
use arrow_schema::DataType;

use super::{Bits, Chunk, StrTest};
use crate::arrow::read::{Lists, StrCol};

/// The orders whose segments contain `want`; `None` when the column's type is not one this
/// reads (the validator refuses it, or it is a list of nulls).
pub fn contains(chunk: &Chunk<'_>, want: &str) -> Option<Bits> {
    let n = chunk.len();
    let Some(col) = chunk.orders.column_by_name("segments") else {
        return Some(Bits::zeros(n));
    };
    if col.data_type() == &DataType::Null {
        return Some(Bits::zeros(n));
    }
    let lists = Lists::new(col.as_ref())?;
    let values = StrCol::new(lists.values().as_ref())?;
    let test = StrTest::new(values, |s: Option<&str>| s.unwrap_or("") == want);
    Some(Bits::from_fn(n, |i| {
        lists.range(i).is_some_and(|mut r| r.any(|j| test.test(j)))
    }))
}
