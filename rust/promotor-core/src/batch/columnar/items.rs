//! `cart.items.exists(item, pred)`: some line of the order may satisfy `pred`, each line's
//! `sku`, `product`, `category` (text comparisons and `in [...]`, a dictionary's values
//! compared once each), `quantity` and `price` (number comparisons) read from the nested
//! `items` column as the validator reads them. A missing text field is null, which no
//! comparison holds for; a missing quantity is 1. Parts of `pred` of other kinds are "may".

use arrow_array::cast::AsArray;
use arrow_array::{Array, StructArray};
use arrow_schema::DataType;
use rust_decimal::Decimal;

use super::amounts::whole;
use super::plan::Pred;
use super::{Bits, Chunk, StrTest};
use crate::arrow::read::{Col, Ints, Lists, StrCol};
use crate::compile::node::{Cmp, ItemField};
use crate::eval::expr::compare;
use crate::input::arrow::Cell;
use crate::input::number;
use crate::input::source::Source;
use crate::num;
use crate::value::Value;

/// The orders some line of which may satisfy `pred`; `None` when the lines are in a separate
/// table or a column `pred` reads is not readable.
pub fn exists(chunk: &Chunk<'_>, pred: &Pred) -> Option<Bits> {
    if !chunk.nested {
        return None;
    }
    let n = chunk.len();
    let Some(items) = chunk.orders.column_by_name("items") else {
        return Some(Bits::zeros(n));
    };
    if items.data_type() == &DataType::Null {
        return Some(Bits::zeros(n));
    }
    let lists = Lists::new(items.as_ref())?;
    let st = lists.values().as_struct_opt()?;
    let test = Test::new(pred, st, chunk.exponent)?;
    Some(Bits::from_fn(n, |i| {
        lists.range(i).is_some_and(|mut r| r.any(|j| test.line(j)))
    }))
}

/// A test of a line's text (`None`: null).
type TextFn<'a> = Box<dyn Fn(Option<&str>) -> bool + 'a>;

/// A predicate bound to the item struct's columns.
enum Test<'a> {
    Any,
    And(Box<Test<'a>>, Box<Test<'a>>),
    Or(Box<Test<'a>>, Box<Test<'a>>),
    /// A text test per line (`None` column: the field is absent, every line null).
    Text(Option<StrTest<'a, TextFn<'a>>>, bool),
    /// `item.quantity|price op c`; quantity absent: 1.
    Num(Option<Col<'a>>, bool, Cmp, Decimal),
}

fn field_name(f: ItemField) -> &'static str {
    match f {
        ItemField::Sku => "sku",
        ItemField::Product => "product",
        ItemField::Category => "category",
        ItemField::Tags => "tags",
        ItemField::Price => "price",
        ItemField::Quantity => "quantity",
        ItemField::Subtotal => "subtotal",
        ItemField::Metadata => "metadata",
    }
}

impl<'a> Test<'a> {
    fn new(pred: &Pred, st: &'a StructArray, exponent: u32) -> Option<Self> {
        Some(match pred {
            Pred::Any => Self::Any,
            Pred::And(a, b) => Self::And(
                Box::new(Self::new(a, st, exponent)?),
                Box::new(Self::new(b, st, exponent)?),
            ),
            Pred::Or(a, b) => Self::Or(
                Box::new(Self::new(a, st, exponent)?),
                Box::new(Self::new(b, st, exponent)?),
            ),
            Pred::Text(field, op, c) => {
                // `compare` on two texts: byte order.
                let (op, c) = (*op, c.clone());
                let test: TextFn<'a> =
                    Box::new(move |s| s.is_some_and(|s| super::holds(op, s.cmp(&c))));
                Self::text(st, field_name(*field), test)?
            }
            Pred::TextIn(field, set) => {
                let set = set.clone();
                let test: TextFn<'a> =
                    Box::new(move |s| s.is_some_and(|s| set.iter().any(|x| x.as_ref() == s)));
                Self::text(st, field_name(*field), test)?
            }
            Pred::Num(f, op, c) => {
                let name = field_name(*f);
                let col = match st.column_by_name(name) {
                    Some(a) => Some(Col::new(a.as_ref())?),
                    None if *f == ItemField::Price => match st.column_by_name("price_minor") {
                        Some(a) => Some(Col::Minor(Ints::new(a.as_ref())?, exponent)),
                        None => return None,
                    },
                    None => None,
                };
                if *f == ItemField::Price
                    && st.column_by_name("price").is_some()
                    && st.column_by_name("price_minor").is_some()
                {
                    return None;
                }
                Self::Num(col, *f == ItemField::Quantity, *op, *c)
            }
        })
    }

    fn text(st: &'a StructArray, name: &str, f: TextFn<'a>) -> Option<Self> {
        let null = f(None);
        match st.column_by_name(name) {
            None => Some(Self::Text(None, null)),
            Some(a) if a.data_type() == &DataType::Null => Some(Self::Text(None, null)),
            Some(a) => Some(Self::Text(
                Some(StrTest::new(StrCol::new(a.as_ref())?, f)),
                null,
            )),
        }
    }

    /// Whether line `j` may satisfy the predicate.
    fn line(&self, j: usize) -> bool {
        match self {
            Self::Any => true,
            Self::And(a, b) => a.line(j) && b.line(j),
            Self::Or(a, b) => a.line(j) || b.line(j),
            Self::Text(None, null) => *null,
            Self::Text(Some(t), _) => t.test(j),
            Self::Num(None, _, op, c) => compare(*op, &Value::Num(Decimal::ONE), &Value::Num(*c)),
            Self::Num(Some(col), quantity, op, c) => {
                let cell = Cell::Value(col, j);
                let Ok(n) = cell.number() else {
                    return true;
                };
                if *quantity {
                    let Some(q) = whole(&n) else {
                        return true;
                    };
                    return super::holds(*op, num::cmp(&Decimal::from(q), c));
                }
                let Ok(d) = number::exact(&n) else {
                    return true;
                };
                compare(*op, &Value::opt_num(Some(d)), &Value::Num(*c))
            }
        }
    }
}
