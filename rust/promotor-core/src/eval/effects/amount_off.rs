use super::{money_amount, number, target, Discount, Money, State};
use crate::alloc::largest_remainder;
use crate::compile::node::Node;
use crate::compile::CTarget;
use crate::eval::expr::Ctx;

/// `"across"`: `D = min(a, T)` allocated in proportion to `T_i` (on `SHIPPING`: `min(a, S)`).
/// `"each"`: line `i` gets `min(a × t_i, T_i)` directly.
pub fn apply<'a>(
    ctx: &mut Ctx<'a>,
    amount: &'a Node,
    on: &'a CTarget,
    each: bool,
    state: &State,
    money: &Money,
) -> Option<Discount> {
    let a = money_amount(number(ctx, amount)?, money)?;
    match target::lines(ctx, on, state) {
        None => {
            let s = state.shipping.max(0);
            Some(Discount::shipping(state, a.min(s)))
        }
        Some(t) if each => Some(Discount::lines(
            t.units
                .iter()
                .zip(&t.amounts)
                .map(|(u, w)| a.saturating_mul(*u).min(*w).max(0))
                .collect(),
        )),
        Some(t) => {
            let d = a.min(t.total());
            Some(Discount::lines(largest_remainder(d, &t.amounts)))
        }
    }
}
