//! `shipping_off(a, percent=False)` (and `free_shipping()`, its 100 percent).

use super::{money_amount, number, percent_of, Discount, Effect, MinorUnit, State, ZERO};
use crate::compile::node::Node;
use crate::compile::{CEffect, EffectCx};
use crate::eval::expr::Ctx;
use crate::ir::Expr;

#[derive(Debug)]
pub struct ShippingOff {
    amount: Node,
    percent: bool,
}

pub fn compile(cx: &mut EffectCx<'_, '_>, amount: &Expr, percent: bool) -> Option<CEffect> {
    let max = if percent { super::HUNDRED } else { None };
    let amount = cx.number("amount", amount, ZERO, max, false);
    Some(Box::new(ShippingOff { amount, percent }))
}

impl Effect for ShippingOff {
    /// `D = min(round(a), S)`, or with `percent`, `D = round(S x p / 100)`.
    fn apply<'a>(&'a self, ctx: &mut Ctx<'a>, state: &State, unit: &MinorUnit) -> Option<Discount> {
        let a = number(ctx, &self.amount)?;
        let s = state.shipping.max(0);
        let d = if self.percent {
            percent_of(s, a, unit.mode)?
        } else {
            money_amount(a, unit)?
        };
        Some(Discount::shipping(state, d.min(s).max(0)))
    }
}
