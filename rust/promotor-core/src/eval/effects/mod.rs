//! Effects: each computes a discount in minor units on the cart's current amounts
//! (docs/semantics.md, "Current amounts", "Targets", "Effects"). One file per effect: its
//! compiled type, how it compiles from the IR, and its [`Effect`] implementation; [`compile`]
//! is the one place that lists them. Nothing outside an effect's file looks at its kind.

pub mod amount_off;
pub mod buy_x_get_y;
pub mod fixed_price;
pub mod gift;
pub mod percent_off;
pub mod shipping_off;
pub mod target;

use std::fmt;

use rust_decimal::Decimal;

use crate::compile::node::Node;
use crate::compile::{CEffect, EffectCx};
use crate::eval::expr::Ctx;
use crate::ir;
use crate::money::to_minor;
use crate::num::RoundMode;
use crate::outcome::Gift;
use crate::value::Value;

/// A compiled effect.
pub trait Effect: fmt::Debug + Send + Sync {
    /// What the effect takes off the cart as left in `state`; `None` when a number of it is
    /// null or out of range (`no_effect`). Numbers and predicates see the original cart.
    fn apply<'a>(&'a self, ctx: &mut Ctx<'a>, state: &State, unit: &MinorUnit) -> Option<Discount>;

    /// An upper bound on what the effect can take when applied after any set of other
    /// campaigns, given `alone`, what it takes alone from the original cart: the best-deal
    /// search prunes with it, so it must never be too small. Effects are monotone in the
    /// amounts they see, so `alone` is the bound unless the effect chooses its units by their
    /// current prices.
    fn bound(&self, alone: i128, _cart: &CartBound) -> i128 {
        alone
    }
}

/// What [`Effect::bound`] may use of the cart: its line count and its whole amount (lines and
/// shipping), in minor units.
pub struct CartBound {
    pub lines: usize,
    pub whole: i128,
}

/// The one registration of effects: the IR effect -> its compiled type.
pub fn compile(e: &ir::Effect, cx: &mut EffectCx<'_, '_>) -> Option<CEffect> {
    match e {
        ir::Effect::PercentOff { percent, on, cap } => {
            percent_off::compile(cx, percent, on, cap.as_ref())
        }
        ir::Effect::AmountOff {
            amount,
            on,
            allocation,
        } => amount_off::compile(cx, amount, on, *allocation),
        ir::Effect::FixedPrice { price, on } => fixed_price::compile(cx, price, on),
        ir::Effect::ShippingOff { amount, percent } => shipping_off::compile(cx, amount, *percent),
        ir::Effect::BuyXGetY {
            buy,
            buy_quantity,
            get,
            get_quantity,
            percent,
            max_applications,
        } => buy_x_get_y::compile(
            cx,
            &buy_x_get_y::Ir {
                buy: buy.as_ref(),
                buy_quantity,
                get: get.as_ref(),
                get_quantity,
                percent,
                max_applications: max_applications.as_ref(),
            },
        ),
        ir::Effect::Gift {
            sku,
            quantity,
            price,
            per,
            of,
        } => gift::compile(cx, sku, *quantity, price, *per, of.as_ref()),
    }
}

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

    /// Whether it discounts anything or adds a gift.
    pub fn takes_effect(&self) -> bool {
        self.total() > 0 || !self.gifts.is_empty()
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

/// How amounts become minor units: the currency's exponent and the engine's rounding mode.
pub struct MinorUnit {
    pub exponent: u32,
    pub mode: RoundMode,
}

/// Evaluates an effect number against the original cart; `None` for null or a non-number.
pub fn number<'a>(ctx: &mut Ctx<'a>, n: &'a Node) -> Option<Decimal> {
    match ctx.eval(n) {
        Value::Num(d) => Some(d),
        _ => None,
    }
}

/// A money amount in minor units, rounded with the engine's mode; a negative one counts as 0.
pub fn money_amount(a: Decimal, unit: &MinorUnit) -> Option<i128> {
    Some(to_minor(a, unit.exponent, unit.mode)?.max(0))
}

/// A whole number; `None` for a fraction.
pub fn count(d: Decimal) -> Option<i128> {
    let d = d.normalize();
    (d.scale() == 0).then(|| d.mantissa())
}

/// `round(amount x p / 100)` in minor units, with `p` clamped to [0, 100].
pub fn percent_of(amount: i128, p: Decimal, mode: RoundMode) -> Option<i128> {
    let p = p.clamp(Decimal::ZERO, Decimal::ONE_HUNDRED);
    let n = amount.checked_mul(p.mantissa())?;
    let d = 100i128.checked_mul(crate::num::pow10(p.scale())?)?;
    crate::num::div_round(n, d, mode)
}

/// Bounds of literal effect numbers.
pub(crate) const ZERO: Option<Decimal> = Some(Decimal::ZERO);
pub(crate) const ONE: Option<Decimal> = Some(Decimal::ONE);
pub(crate) const HUNDRED: Option<Decimal> = Some(Decimal::ONE_HUNDRED);
