//! Effects: each computes a discount in minor units on the cart's current amounts.

pub mod amount_off;
pub mod percent_off;
pub mod shipping_off;

use rust_decimal::Decimal;

use crate::compile::node::Node;
use crate::compile::CEffect;
use crate::eval::expr::Ctx;
use crate::num::RoundMode;
use crate::value::Val;

/// The cart as left by the campaigns applied so far, in minor units.
#[derive(Debug, Clone)]
pub struct State {
    pub lines: Vec<i128>,
    pub shipping: i128,
}

/// What one campaign takes off: per line (same length as the cart) and off shipping.
#[derive(Debug, Clone, Default)]
pub struct Discount {
    pub lines: Vec<i128>,
    pub shipping: i128,
}

impl Discount {
    pub fn total(&self) -> i128 {
        self.lines.iter().sum::<i128>() + self.shipping
    }
}

pub struct Money {
    pub exponent: u32,
    pub mode: RoundMode,
}

/// Evaluates an effect number against the original cart; `None` for null or a non-number.
pub fn number<'a>(ctx: &mut Ctx<'a>, n: &'a Node) -> Option<Decimal> {
    match ctx.eval(n) {
        Val::Num(d) => Some(d),
        _ => None,
    }
}

/// Applies an effect; `None` when a number of the effect is null (`no_effect`).
pub fn apply<'a>(
    effect: &'a CEffect,
    ctx: &mut Ctx<'a>,
    state: &State,
    money: &Money,
) -> Option<Discount> {
    match effect {
        CEffect::PercentOff { percent, cap } => {
            percent_off::apply(ctx, percent, cap.as_ref(), state, money)
        }
        CEffect::AmountOff { amount } => amount_off::apply(ctx, amount, state, money),
        CEffect::ShippingOff { amount, percent } => {
            shipping_off::apply(ctx, amount, *percent, state, money)
        }
    }
}

/// `round(amount x p / 100)` in minor units, with `p` clamped to [0, 100].
pub fn percent_of(amount: i128, p: Decimal, mode: RoundMode) -> Option<i128> {
    let p = p.clamp(Decimal::ZERO, Decimal::ONE_HUNDRED);
    let n = amount.checked_mul(p.mantissa())?;
    let d = 100i128.checked_mul(crate::num::pow10(p.scale())?)?;
    crate::num::div_round(n, d, mode)
}
