use super::{money_amount, number, percent_of, Discount, Money, State};
use crate::compile::node::Node;
use crate::eval::expr::Ctx;

/// `D = min(round(a), S)`, or with `percent`, `D = round(S x p / 100)`.
pub fn apply<'a>(
    ctx: &mut Ctx<'a>,
    amount: &'a Node,
    percent: bool,
    state: &State,
    money: &Money,
) -> Option<Discount> {
    let a = number(ctx, amount)?;
    let s = state.shipping.max(0);
    let d = if percent {
        percent_of(s, a, money.mode)?
    } else {
        money_amount(a, money)?
    };
    Some(Discount::shipping(state, d.min(s).max(0)))
}
