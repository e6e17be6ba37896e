//! `amount_off(a, on=T, allocation="across" | "each")`.

use super::{money_amount, number, target, CartBound, Discount, Effect, MinorUnit, State, ZERO};
use crate::compile::node::Node;
use crate::compile::{CEffect, CTarget, EffectCx};
use crate::error::ErrorKind;
use crate::eval::expr::Ctx;
use crate::ir::{Allocation, Expr, Target};

#[derive(Debug)]
pub struct AmountOff {
    amount: Node,
    on: CTarget,
    each: bool,
}

pub fn compile(
    cx: &mut EffectCx<'_, '_>,
    amount: &Expr,
    on: &Target,
    allocation: Allocation,
) -> Option<CEffect> {
    let each = allocation == Allocation::Each;
    let bad = each && matches!(on, Target::Shipping);
    if bad {
        cx.error(
            "allocation",
            ErrorKind::Incompatible {
                option: "allocation 'each'".to_owned(),
                other: "the shipping target (it needs item units)".to_owned(),
            },
        );
    }
    let on = cx.target(on);
    let amount = cx.number("amount", amount, ZERO, None, false);
    (!bad).then_some(())?;
    Some(Box::new(AmountOff {
        amount,
        on: on?,
        each,
    }))
}

impl Effect for AmountOff {
    /// `"across"`: `D = min(a, T)` allocated in proportion to `T_i` (on `SHIPPING`:
    /// `min(a, S)`). `"each"`: each group of targeted units gets `min(a × t, worth)` directly.
    fn apply<'a>(&'a self, ctx: &mut Ctx<'a>, state: &State, unit: &MinorUnit) -> Option<Discount> {
        let a = money_amount(number(ctx, &self.amount)?, unit)?;
        match target::lines(ctx, &self.on, state) {
            None => {
                let s = state.shipping.max(0);
                Some(Discount::shipping(state, a.min(s)))
            }
            Some(t) if self.each => Some(t.each(|k| a.saturating_mul(k.count))),
            Some(t) => {
                let d = a.min(t.total());
                Some(t.across(d))
            }
        }
    }

    fn bound(&self, alone: i128, cart: &CartBound) -> i128 {
        target::bound(&self.on, alone, cart)
    }
}
