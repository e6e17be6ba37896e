use rust_decimal::Decimal;

use super::{number, Discount, Money, State};
use crate::alloc::largest_remainder;
use crate::compile::node::Node;
use crate::eval::expr::Ctx;
use crate::money::to_minor;

/// `D = min(round(a), A)`, a negative amount counting as 0; allocated "across" the lines.
pub fn apply<'a>(
    ctx: &mut Ctx<'a>,
    amount: &'a Node,
    state: &State,
    money: &Money,
) -> Option<Discount> {
    let a = number(ctx, amount)?.max(Decimal::ZERO);
    let total: i128 = state.lines.iter().sum();
    let d = to_minor(a, money.exponent, money.mode)?.min(total).max(0);
    Some(Discount {
        lines: largest_remainder(d, &state.lines),
        shipping: 0,
    })
}
