use super::{money_amount, number, Discount, Money, State};
use crate::compile::node::Node;
use crate::eval::expr::Ctx;
use crate::money::from_minor;
use crate::outcome::Gift;

/// Adds `quantity` free units of `sku`, reported with `price` rounded to the minor unit; takes
/// nothing off any amount. A null price is `no_effect`, like any null effect number.
pub fn apply<'a>(
    ctx: &mut Ctx<'a>,
    sku: &str,
    quantity: u32,
    price: &'a Node,
    state: &State,
    money: &Money,
) -> Option<Discount> {
    let p = money_amount(number(ctx, price)?, money)?;
    let mut d = Discount::lines(vec![0; state.lines.len()]);
    d.gifts.push(Gift {
        sku: sku.to_owned(),
        quantity,
        price: from_minor(p, money.exponent),
    });
    Some(d)
}
