use super::{money_amount, number, target, Discount, Money, State};
use crate::alloc::largest_remainder;
use crate::compile::node::Node;
use crate::compile::CTarget;
use crate::eval::expr::Ctx;

/// `items(...)`: each targeted unit costs `p`, never more than before: line `i` gets
/// `max(0, T_i − p × t_i)`. `ORDER`: `D = max(0, T − p)` allocated in proportion to `A_i`.
/// `SHIPPING`: `max(0, S − p)`.
pub fn apply<'a>(
    ctx: &mut Ctx<'a>,
    price: &'a Node,
    on: &'a CTarget,
    state: &State,
    money: &Money,
) -> Option<Discount> {
    let p = money_amount(number(ctx, price)?, money)?;
    let lines = target::lines(ctx, on, state);
    match (on, lines) {
        (_, None) => {
            let s = state.shipping.max(0);
            Some(Discount::shipping(state, s.saturating_sub(p).max(0)))
        }
        (CTarget::Order, Some(t)) => {
            let d = t.total().saturating_sub(p).max(0);
            Some(Discount::lines(largest_remainder(d, &t.amounts)))
        }
        (_, Some(t)) => Some(Discount::lines(
            t.units
                .iter()
                .zip(&t.amounts)
                .map(|(u, w)| w.saturating_sub(p.saturating_mul(*u)).max(0))
                .collect(),
        )),
    }
}
