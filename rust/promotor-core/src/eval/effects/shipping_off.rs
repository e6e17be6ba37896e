//! `shipping_off(a, percent=False, on=shipping())` (and `free_shipping()`, its 100 percent).

use super::{money_amount, number, percent_of, shipping, Discount, Effect, MinorUnit, State, ZERO};
use crate::compile::node::Node;
use crate::compile::{CEffect, CTarget, EffectCx};
use crate::error::ErrorKind;
use crate::eval::expr::Ctx;
use crate::ir::{Expr, Target};

#[derive(Debug)]
pub struct ShippingOff {
    amount: Node,
    percent: bool,
    /// The shipping methods; `None`: all, across.
    on: Option<CTarget>,
}

pub fn compile(
    cx: &mut EffectCx<'_, '_>,
    amount: &Expr,
    percent: bool,
    on: Option<&Target>,
) -> Option<CEffect> {
    let max = if percent { super::HUNDRED } else { None };
    let amount = cx.number("amount", amount, ZERO, max, false);
    let on = match on {
        None => None,
        Some(t @ Target::Shipping { .. }) => Some(cx.target(t)?),
        Some(other) => {
            let got = match other {
                Target::Order => "ORDER",
                _ => "items(...)",
            };
            cx.error(
                "on",
                ErrorKind::TypeMismatch {
                    expected: "shipping(...)".to_owned(),
                    got: got.to_owned(),
                },
            );
            return None;
        }
    };
    Some(Box::new(ShippingOff {
        amount,
        percent,
        on,
    }))
}

impl Effect for ShippingOff {
    /// `D = min(round(a), S)`, or with `percent`, `D = round(S x p / 100)`, where `S` is the
    /// targeted methods' sum, or each targeted method alone with `allocation="each"`.
    fn apply<'a>(&'a self, ctx: &mut Ctx<'a>, state: &State, unit: &MinorUnit) -> Option<Discount> {
        let a = number(ctx, &self.amount)?;
        let off = if self.percent {
            None
        } else {
            Some(money_amount(a, unit)?)
        };
        shipping::apply(ctx, self.on.as_ref(), state, |s| match off {
            Some(off) => Some(off.min(s)),
            None => percent_of(s, a, unit.mode),
        })
    }
}
