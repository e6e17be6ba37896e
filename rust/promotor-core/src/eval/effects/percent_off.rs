//! `percent_off(p, on=T, cap=None)`.

use super::{
    money_amount, number, percent_of, target, CartBound, Discount, Effect, MinorUnit, State,
    HUNDRED, ZERO,
};
use crate::compile::node::Node;
use crate::compile::{CEffect, CTarget, EffectCx};
use crate::eval::expr::Ctx;
use crate::ir::{Expr, Target};

#[derive(Debug)]
pub struct PercentOff {
    percent: Node,
    cap: Option<Node>,
    on: CTarget,
}

pub fn compile(
    cx: &mut EffectCx<'_, '_>,
    percent: &Expr,
    on: &Target,
    cap: Option<&Expr>,
) -> Option<CEffect> {
    let on = cx.target(on);
    let percent = cx.number("percent", percent, ZERO, HUNDRED, false);
    let cap = cap.map(|c| cx.number("cap", c, ZERO, None, false));
    Some(Box::new(PercentOff {
        percent,
        cap,
        on: on?,
    }))
}

impl Effect for PercentOff {
    /// `D = round(T × p / 100)`, then `min(D, cap)`, then `min(D, T)`; allocated over the
    /// targeted lines in proportion to `T_i`. On `SHIPPING`, `T` is `S`.
    fn apply<'a>(&'a self, ctx: &mut Ctx<'a>, state: &State, unit: &MinorUnit) -> Option<Discount> {
        let p = number(ctx, &self.percent)?;
        let cap = match &self.cap {
            Some(c) => Some(money_amount(number(ctx, c)?, unit)?),
            None => None,
        };
        let clip = |t: i128| -> Option<i128> {
            let mut d = percent_of(t, p, unit.mode)?;
            if let Some(c) = cap {
                d = d.min(c);
            }
            Some(d.min(t).max(0))
        };
        match target::lines(ctx, &self.on, state) {
            None => {
                let s = state.shipping.max(0);
                Some(Discount::shipping(state, clip(s)?))
            }
            Some(t) => {
                let d = clip(t.total())?;
                Some(t.across(d))
            }
        }
    }

    fn bound(&self, alone: i128, cart: &CartBound) -> i128 {
        target::bound(&self.on, alone, cart)
    }
}
