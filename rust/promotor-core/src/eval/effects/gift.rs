//! `gift(sku, quantity=1, price=0, per=None, of=None)`.

use super::target::holds;
use super::{money_amount, number, Discount, Effect, MinorUnit, State, ZERO};
use crate::compile::node::Node;
use crate::compile::{CEffect, EffectCx};
use crate::error::ErrorKind;
use crate::eval::expr::Ctx;
use crate::ir::Expr;
use crate::money::from_minor;
use crate::outcome::Gift as Given;

#[derive(Debug)]
pub struct Gift {
    sku: String,
    quantity: u32,
    price: Node,
    /// `quantity` gifts per `per` qualifying units.
    per: Option<u32>,
    /// Which lines' units qualify (`None`: every line).
    of: Option<Node>,
}

pub fn compile(
    cx: &mut EffectCx<'_, '_>,
    sku: &str,
    quantity: u32,
    price: &Expr,
    per: Option<u32>,
    of: Option<&Expr>,
) -> Option<CEffect> {
    let one = || ErrorKind::TooSmall {
        min: "1".to_owned(),
    };
    if quantity == 0 {
        cx.error("quantity", one());
    }
    if per == Some(0) {
        cx.error("per", one());
    }
    if of.is_some() && per.is_none() {
        cx.error(
            "of",
            ErrorKind::Incompatible {
                option: "of".to_owned(),
                other: "a gift without per".to_owned(),
            },
        );
    }
    let price = cx.number("price", price, ZERO, None, false);
    let of = of.map(|o| cx.pred("of", o));
    (quantity > 0 && per != Some(0)).then(|| {
        Box::new(Gift {
            sku: sku.to_owned(),
            quantity,
            price,
            per,
            of,
        }) as CEffect
    })
}

impl Effect for Gift {
    /// Adds `quantity` free units of `sku` (with `per`: `quantity` for each complete `per`
    /// qualifying units, at most `u32::MAX`), reported with `price` rounded to the minor unit;
    /// takes nothing off any amount. A null price is `no_effect`, like any null effect number,
    /// and so is `per` with fewer than `per` qualifying units.
    fn apply<'a>(&'a self, ctx: &mut Ctx<'a>, state: &State, unit: &MinorUnit) -> Option<Discount> {
        let p = money_amount(number(ctx, &self.price)?, unit)?;
        let mut d = Discount::lines(vec![0; state.lines.len()]);
        let quantity = match self.per {
            None => u64::from(self.quantity),
            Some(per) => {
                let input = ctx.input;
                let mut units = 0u64;
                for (i, it) in input.cart.items.iter().enumerate() {
                    if holds(ctx, self.of.as_ref(), i) {
                        units += u64::from(it.quantity);
                    }
                }
                u64::from(self.quantity).saturating_mul(units / u64::from(per))
            }
        };
        if quantity > 0 {
            d.gifts.push(Given {
                sku: self.sku.clone(),
                quantity: u32::try_from(quantity).unwrap_or(u32::MAX),
                price: from_minor(p, unit.exponent),
            });
        }
        Some(d)
    }
}
