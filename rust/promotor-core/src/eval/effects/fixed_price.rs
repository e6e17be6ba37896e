//! `fixed_price(p, on=T)`.

use super::{money_amount, number, target, CartBound, Discount, Effect, MinorUnit, State, ZERO};
use crate::compile::node::Node;
use crate::compile::{CEffect, CTarget, EffectCx};
use crate::eval::expr::Ctx;
use crate::ir::{Expr, Target};

#[derive(Debug)]
pub struct FixedPrice {
    price: Node,
    on: CTarget,
}

pub fn compile(cx: &mut EffectCx<'_, '_>, price: &Expr, on: &Target) -> Option<CEffect> {
    let on = cx.target(on);
    let price = cx.number("price", price, ZERO, None, false);
    Some(Box::new(FixedPrice { price, on: on? }))
}

impl Effect for FixedPrice {
    /// `items(...)`: each targeted unit costs `p`, never more than before: line `i` gets
    /// `max(0, worth − p × t)` for each group of targeted units. `ORDER`: `D = max(0, T − p)` allocated in proportion to `A_i`.
    /// `SHIPPING`: `max(0, S − p)`.
    fn apply<'a>(&'a self, ctx: &mut Ctx<'a>, state: &State, unit: &MinorUnit) -> Option<Discount> {
        let p = money_amount(number(ctx, &self.price)?, unit)?;
        let lines = target::lines(ctx, &self.on, state);
        match (&self.on, lines) {
            (_, None) => {
                let s = state.shipping.max(0);
                Some(Discount::shipping(state, s.saturating_sub(p).max(0)))
            }
            (CTarget::Order, Some(t)) => {
                let d = t.total().saturating_sub(p).max(0);
                Some(t.across(d))
            }
            (_, Some(t)) => Some(t.each(|k| k.worth.saturating_sub(p.saturating_mul(k.count)))),
        }
    }

    /// On items, unit by unit: a line whose units an earlier campaign left unequal can give
    /// more than the same line at its average price, so the whole cart.
    fn bound(&self, alone: i128, cart: &CartBound) -> i128 {
        if matches!(self.on, CTarget::Items { .. }) {
            cart.whole
        } else {
            target::bound(&self.on, alone, cart)
        }
    }
}
