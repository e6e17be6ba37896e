//! A campaign that is not automatic is a candidate only for an order whose `codes` match one
//! of its codes, so never for an order that gives no code (no `codes` column, a null or an
//! empty list).

use arrow_array::Array;
use arrow_schema::DataType;

use super::{Bits, Chunk};
use crate::arrow::read::Lists;

/// The orders that give at least one code; `None` when the column is not a list.
pub fn given(chunk: &Chunk<'_>) -> Option<Bits> {
    let n = chunk.len();
    let Some(col) = chunk.orders.column_by_name("codes") else {
        return Some(Bits::zeros(n));
    };
    if col.data_type() == &DataType::Null {
        return Some(Bits::zeros(n));
    }
    let lists = Lists::new(col.as_ref())?;
    Some(Bits::from_fn(n, |i| {
        lists.range(i).is_some_and(|r| !r.is_empty())
    }))
}
