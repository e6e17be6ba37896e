use super::{money_amount, number, percent_of, target, Discount, Money, State};
use crate::alloc::largest_remainder;
use crate::compile::node::Node;
use crate::compile::CTarget;
use crate::eval::expr::Ctx;

/// `D = round(T × p / 100)`, then `min(D, cap)`, then `min(D, T)`; allocated over the targeted
/// lines in proportion to `T_i`. On `SHIPPING`, `T` is `S`.
pub fn apply<'a>(
    ctx: &mut Ctx<'a>,
    percent: &'a Node,
    cap: Option<&'a Node>,
    on: &'a CTarget,
    state: &State,
    money: &Money,
) -> Option<Discount> {
    let p = number(ctx, percent)?;
    let cap = match cap {
        Some(c) => Some(money_amount(number(ctx, c)?, money)?),
        None => None,
    };
    let clip = |t: i128| -> Option<i128> {
        let mut d = percent_of(t, p, money.mode)?;
        if let Some(c) = cap {
            d = d.min(c);
        }
        Some(d.min(t).max(0))
    };
    match target::lines(ctx, on, state) {
        None => {
            let s = state.shipping.max(0);
            Some(Discount::shipping(state, clip(s)?))
        }
        Some(t) => {
            let d = clip(t.total())?;
            Some(Discount::lines(largest_remainder(d, &t.amounts)))
        }
    }
}
