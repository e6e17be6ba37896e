//! The campaign's window (`active`, `starts_at` inclusive, `ends_at` exclusive) and rule
//! leaves `context.now op t`, over each order's `context.now`: its `created_at` (a timestamp
//! with a timezone, as the validator requires), or the call's `now` where that is null or
//! there is no such column. Schedules (weekdays, hours) are left to the interpreter.

use arrow_array::Array;
use arrow_schema::DataType;

use super::plan::Campaign;
use super::{Bits, Cache, Chunk};
use crate::arrow::read::Col;
use crate::compile::node::Cmp;
use crate::eval::expr::compare;
use crate::input::Timestamp;
use crate::time;
use crate::value::Value;

/// Each order's `context.now`; `None` when `created_at` is not a timezone-aware timestamp
/// (the validator refuses every other type with a value).
pub fn now(chunk: &Chunk<'_>) -> Option<Vec<Timestamp>> {
    let n = chunk.len();
    let Some(col) = chunk.orders.column_by_name("created_at") else {
        return Some(vec![chunk.clock; n]);
    };
    if col.data_type() == &DataType::Null {
        return Some(vec![chunk.clock; n]);
    }
    let Some(Col::Time(a, unit, true)) = Col::new(col.as_ref()) else {
        return None;
    };
    Some(
        (0..n)
            .map(|i| {
                if a.is_null(i) {
                    chunk.clock
                } else {
                    Col::micros(a, unit, i)
                }
            })
            .collect(),
    )
}

/// The orders inside campaign `c`'s window; `None`: every order (it has none, or `now` is not
/// readable).
pub fn active(c: &Campaign, chunk: &Chunk<'_>, cache: &Cache) -> Option<Bits> {
    if !c.active {
        return Some(Bits::zeros(chunk.len()));
    }
    if c.starts_at.is_none() && c.ends_at.is_none() {
        return None;
    }
    let now = cache.now(chunk)?;
    Some(Bits::from_fn(now.len(), |i| {
        let t = now[i];
        c.starts_at.is_none_or(|s| t >= s) && c.ends_at.is_none_or(|e| t < e)
    }))
}

/// `context.now op t` per order.
pub fn now_cmp(now: &[Timestamp], op: Cmp, t: i64) -> Bits {
    let t = Value::Ts(t);
    Bits::from_fn(now.len(), |i| {
        let v = time::check_ts(now[i]).map_or(Value::Null, Value::Ts);
        compare(op, &v, &t)
    })
}
