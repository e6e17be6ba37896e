//! `gift(sku, quantity=1, price=0)`.

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
}

pub fn compile(
    cx: &mut EffectCx<'_, '_>,
    sku: &str,
    quantity: u32,
    price: &Expr,
) -> Option<CEffect> {
    if quantity == 0 {
        cx.error(
            "quantity",
            ErrorKind::TooSmall {
                min: "1".to_owned(),
            },
        );
    }
    let price = cx.number("price", price, ZERO, None, false);
    (quantity > 0).then(|| {
        Box::new(Gift {
            sku: sku.to_owned(),
            quantity,
            price,
        }) as CEffect
    })
}

impl Effect for Gift {
    /// Adds `quantity` free units of `sku`, reported with `price` rounded to the minor unit;
    /// takes nothing off any amount. A null price is `no_effect`, like any null effect number.
    fn apply<'a>(&'a self, ctx: &mut Ctx<'a>, state: &State, unit: &MinorUnit) -> Option<Discount> {
        let p = money_amount(number(ctx, &self.price)?, unit)?;
        let mut d = Discount::lines(vec![0; state.lines.len()]);
        d.gifts.push(Given {
            sku: self.sku.clone(),
            quantity: self.quantity,
            price: from_minor(p, unit.exponent),
        });
        Some(d)
    }
}
