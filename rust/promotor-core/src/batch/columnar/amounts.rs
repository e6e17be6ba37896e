//! `cart.subtotal op c` and `cart.quantity op c`, from the nested `items` column.
//!
//! Each line's price and quantity are read as the validator reads them (the same
//! [`Cell::number`] and [`number::exact`]), its amount is `money::line_minor` in the engine's
//! places and rounding, and the sums go through the conversions `eval::derive` makes, so the
//! comparison is the interpreter's. An order in another currency than the engine's (its
//! amounts have other places) or a value this cannot read is "may".

use arrow_array::cast::AsArray;
use arrow_array::{Array, StructArray};
use arrow_schema::DataType;
use rust_decimal::Decimal;

use super::{Bits, Chunk};
use crate::arrow::read::{Col, Ints, Lists, StrCol};
use crate::compile::node::Cmp;
use crate::eval::expr::compare;
use crate::input::arrow::Cell;
use crate::input::number;
use crate::input::source::{Number, Source};
use crate::money;
use crate::num::{self, RoundMode};
use crate::value::Value;

/// Per order its subtotal and quantity as rules see them (a number or null); `None`: not
/// known from the columns.
pub struct Amounts {
    subtotal: Vec<Option<Value<'static>>>,
    quantity: Vec<Option<Value<'static>>>,
}

fn value(d: Option<Decimal>) -> Value<'static> {
    d.map_or(Value::Null, Value::Num)
}

/// The columns of an item struct that amounts read.
struct LineCols<'a> {
    price: Col<'a>,
    quantity: Option<Col<'a>>,
}

impl<'a> LineCols<'a> {
    fn new(st: &'a StructArray, exponent: u32) -> Option<Self> {
        let col = |name: &str| st.column_by_name(name).map(AsRef::as_ref);
        let price = match (col("price"), col("price_minor")) {
            (Some(a), None) => Col::new(a)?,
            (None, Some(a)) => Col::Minor(Ints::new(a)?, exponent),
            _ => return None,
        };
        let quantity = match col("quantity") {
            None => None,
            Some(a) => Some(Col::new(a)?),
        };
        Some(Self { price, quantity })
    }

    /// Line `j`'s amount in minor units (`money::line_minor` of its price and quantity, as
    /// `eval::derive` takes it) and its quantity.
    fn amount(&self, j: usize, exponent: u32, mode: RoundMode) -> Option<(i128, u32)> {
        // The common case without building a `Decimal`: a decimal128 or integer price and an
        // integer quantity, where `number::exact` keeps mantissa and scale, and
        // `line_minor` only reads them.
        let fast = match (&self.price, &self.quantity) {
            (Col::Dec(a, s), q) if (0..=28).contains(s) && a.is_valid(j) => {
                Some((a.value(j), s.unsigned_abs().into(), q))
            }
            (Col::Minor(a, e), q) if *e <= 28 => a.get(j).map(|m| (m, *e, q)),
            (Col::Int(a), q) => a.get(j).map(|m| (m, 0, q)),
            _ => None,
        };
        if let Some((m, s, q)) = fast {
            let q = match q {
                None => Some(1),
                Some(Col::Int(q)) => q.get(j).and_then(|q| u32::try_from(q).ok()),
                Some(_) => None,
            };
            if let Some(q) = q.filter(|q| *q >= 1 && m.unsigned_abs() < 1 << 96) {
                let line = m.checked_mul(i128::from(q)).and_then(|m| {
                    if s <= exponent {
                        m.checked_mul(num::pow10(exponent - s)?)
                    } else {
                        num::div_round(m, num::pow10(s - exponent)?, mode)
                    }
                });
                return Some((line.unwrap_or(0).max(0), q));
            }
        }
        let (price, q) = self.line(j)?;
        let line = money::line_minor(price, q, exponent, mode)
            .unwrap_or(0)
            .max(0);
        Some((line, q))
    }

    /// The price and quantity of line `j` as the validator reads them.
    fn line(&self, j: usize) -> Option<(Decimal, u32)> {
        let cell = Cell::Value(&self.price, j);
        let price = number::exact(&cell.number().ok()?).ok()?;
        let quantity = match &self.quantity {
            None => 1,
            Some(q) => {
                let cell = Cell::Value(q, j);
                let n = cell.number().ok()?;
                whole(&n)?
            }
        };
        Some((price, quantity))
    }
}

/// A quantity as `input::values::quantity` reads it (`None`: the validator refuses it).
pub(super) fn whole(n: &Number<'_>) -> Option<u32> {
    let q = match n {
        Number::Scaled(m, 0) => *m,
        n => {
            let d = number::exact(n).ok()?;
            if !d.fract().is_zero() {
                return None;
            }
            d.mantissa() / num::pow10(d.scale())?
        }
    };
    u32::try_from(q).ok().filter(|q| *q >= 1)
}

impl Amounts {
    /// `None` when the chunk's lines are in a separate table or the columns are not readable.
    pub fn read(chunk: &Chunk<'_>) -> Option<Self> {
        if !chunk.nested {
            return None;
        }
        let n = chunk.len();
        let currency = match chunk.orders.column_by_name("currency") {
            None => None,
            Some(c) if c.data_type() == &DataType::Null => None,
            Some(c) => Some(StrCol::new(c.as_ref())?),
        };
        // Whether order i is priced in the engine's places.
        let engine = |i: usize| {
            currency
                .as_ref()
                .is_none_or(|c| c.get(i).is_none_or(|code| code == chunk.currency))
        };
        let Some(items) = chunk.orders.column_by_name("items") else {
            let z = (0..n)
                .map(|i| {
                    engine(i).then(|| value(num::from_input(money::from_minor(0, chunk.exponent))))
                })
                .collect();
            let q = (0..n)
                .map(|i| engine(i).then(|| value(num::from_input(Decimal::ZERO))))
                .collect();
            return Some(Self {
                subtotal: z,
                quantity: q,
            });
        };
        let lists = Lists::new(items.as_ref())?;
        let cols = lists
            .values()
            .as_struct_opt()
            .and_then(|st| LineCols::new(st, chunk.exponent));
        let mut subtotal = Vec::with_capacity(n);
        let mut quantity = Vec::with_capacity(n);
        for i in 0..n {
            let range = lists.range(i).unwrap_or(0..0);
            let sums = if !engine(i) {
                None
            } else if range.is_empty() {
                Some((0i128, 0u64))
            } else {
                cols.as_ref().and_then(|cols| {
                    let mut sub = 0i128;
                    let mut qty = 0u64;
                    for j in range {
                        let (line, q) = cols.amount(j, chunk.exponent, chunk.mode)?;
                        sub = sub.saturating_add(line);
                        qty += u64::from(q);
                    }
                    Some((sub, qty))
                })
            };
            subtotal.push(
                sums.map(|(s, _)| value(num::from_input(money::from_minor(s, chunk.exponent)))),
            );
            quantity.push(sums.map(|(_, q)| value(num::from_input(Decimal::from(q)))));
        }
        Some(Self { subtotal, quantity })
    }

    pub fn subtotal(&self, op: Cmp, c: Decimal) -> Option<Bits> {
        Some(test(&self.subtotal, op, c))
    }

    pub fn quantity(&self, op: Cmp, c: Decimal) -> Option<Bits> {
        Some(test(&self.quantity, op, c))
    }
}

fn test(values: &[Option<Value<'static>>], op: Cmp, c: Decimal) -> Bits {
    let cv = Value::Num(c);
    Bits::from_fn(values.len(), |i| match &values[i] {
        None => true,
        // What `compare` does on two numbers, without moving them into values.
        Some(Value::Num(d)) => super::holds(op, num::cmp(d, &c)),
        Some(v) => compare(op, v, &cv),
    })
}
