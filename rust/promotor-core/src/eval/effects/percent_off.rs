use super::{number, percent_of, Discount, Money, State};
use crate::alloc::largest_remainder;
use crate::compile::node::Node;
use crate::eval::expr::Ctx;
use crate::money::to_minor;

/// `D = round(A x p / 100)`, then `min(D, round(cap))`, then `min(D, A)`; allocated over lines.
pub fn apply<'a>(
    ctx: &mut Ctx<'a>,
    percent: &'a Node,
    cap: Option<&'a Node>,
    state: &State,
    money: &Money,
) -> Option<Discount> {
    let p = number(ctx, percent)?;
    let cap = match cap {
        Some(c) => Some(number(ctx, c)?),
        None => None,
    };
    let total: i128 = state.lines.iter().sum();
    let mut d = percent_of(total, p, money.mode)?;
    if let Some(c) = cap {
        d = d.min(to_minor(c, money.exponent, money.mode)?);
    }
    let d = d.min(total).max(0);
    Some(Discount {
        lines: largest_remainder(d, &state.lines),
        shipping: 0,
    })
}
