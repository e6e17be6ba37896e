//! Effects: each computes a discount in minor units on the cart's current amounts
//! (docs/semantics.md, "Current amounts", "Targets", "Effects").

pub mod amount_off;
pub mod buy_x_get_y;
pub mod fixed_price;
pub mod gift;
pub mod percent_off;
pub mod shipping_off;
pub mod target;

use rust_decimal::Decimal;

use crate::compile::node::Node;
use crate::compile::CEffect;
use crate::eval::expr::Ctx;
use crate::money::to_minor;
use crate::num::RoundMode;
use crate::outcome::Gift;
use crate::value::Val;

/// The cart as left by the campaigns applied so far, in minor units.
#[derive(Debug, Clone)]
pub struct State {
    pub lines: Vec<i128>,
    pub shipping: i128,
}

/// What one campaign takes off: per line (same length as the cart) and off shipping, and the
/// gifts it adds.
#[derive(Debug, Clone, Default)]
pub struct Discount {
    pub lines: Vec<i128>,
    pub shipping: i128,
    pub gifts: Vec<Gift>,
}

impl Discount {
    pub fn total(&self) -> i128 {
        self.lines.iter().sum::<i128>() + self.shipping
    }

    fn lines(lines: Vec<i128>) -> Self {
        Self {
            lines,
            shipping: 0,
            gifts: Vec::new(),
        }
    }

    fn shipping(state: &State, d: i128) -> Self {
        Self {
            lines: vec![0; state.lines.len()],
            shipping: d.max(0),
            gifts: Vec::new(),
        }
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

/// A money amount in minor units, rounded with the engine's mode; a negative one counts as 0.
pub fn money_amount(a: Decimal, money: &Money) -> Option<i128> {
    Some(to_minor(a, money.exponent, money.mode)?.max(0))
}

/// A whole number; `None` for a fraction.
pub fn count(d: Decimal) -> Option<i128> {
    let d = d.normalize();
    (d.scale() == 0).then(|| d.mantissa())
}

/// Applies an effect; `None` when a number of the effect is null or out of range (`no_effect`).
pub fn apply<'a>(
    effect: &'a CEffect,
    ctx: &mut Ctx<'a>,
    state: &State,
    money: &Money,
) -> Option<Discount> {
    match effect {
        CEffect::PercentOff { percent, cap, on } => {
            percent_off::apply(ctx, percent, cap.as_ref(), on, state, money)
        }
        CEffect::AmountOff { amount, on, each } => {
            amount_off::apply(ctx, amount, on, *each, state, money)
        }
        CEffect::FixedPrice { price, on } => fixed_price::apply(ctx, price, on, state, money),
        CEffect::ShippingOff { amount, percent } => {
            shipping_off::apply(ctx, amount, *percent, state, money)
        }
        CEffect::BuyXGetY {
            buy,
            buy_quantity,
            get,
            get_quantity,
            percent,
            max_applications,
        } => {
            let params = buy_x_get_y::Params {
                buy: buy.as_ref(),
                buy_quantity,
                get: get.as_ref(),
                get_quantity,
                percent,
                max_applications: max_applications.as_ref(),
            };
            buy_x_get_y::apply(ctx, &params, state, money)
        }
        CEffect::Gift {
            sku,
            quantity,
            price,
        } => gift::apply(ctx, sku, *quantity, price, state, money),
    }
}

/// `round(amount x p / 100)` in minor units, with `p` clamped to [0, 100].
pub fn percent_of(amount: i128, p: Decimal, mode: RoundMode) -> Option<i128> {
    let p = p.clamp(Decimal::ZERO, Decimal::ONE_HUNDRED);
    let n = amount.checked_mul(p.mantissa())?;
    let d = 100i128.checked_mul(crate::num::pow10(p.scale())?)?;
    crate::num::div_round(n, d, mode)
}
