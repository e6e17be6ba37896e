//! `buy_x_get_y` (docs/semantics.md, "Effects"), in bulk: groups of alike units are sorted once
//! by current unit price, and while the front buy group and the back get group can serve whole
//! applications, those are taken all at once. Every single application in between exhausts a
//! group, so the work is O(groups log groups), whatever the quantities and `max_applications`.
//! Units an application takes (buy and get) are marked used: no later buy-x-get-y sees them.

use super::{
    count, money_amount, number, percent_of, target, CartBound, Discount, Effect, Group, MinorUnit,
    State, Take, HUNDRED, ONE, ZERO,
};
use crate::alloc::largest_remainder;
use crate::compile::node::Node;
use crate::compile::{CEffect, EffectCx};
use crate::error::ErrorKind;
use crate::eval::expr::Ctx;
use crate::ir::{Expr, GetFrom};
use crate::value::Value;
use rust_decimal::Decimal;

/// The IR fields of a `buy_x_get_y`.
pub struct Ir<'e> {
    pub buy: Option<&'e Expr>,
    pub buy_quantity: &'e Expr,
    pub get: Option<&'e Expr>,
    pub get_quantity: &'e Expr,
    pub percent: &'e Expr,
    pub max_applications: Option<&'e Expr>,
    pub amount: Option<&'e Expr>,
    pub fixed_price: Option<&'e Expr>,
    pub get_from: GetFrom,
}

/// What the get-units get.
#[derive(Debug)]
enum Reward {
    Percent(Node),
    /// An amount off each get-unit.
    Amount(Node),
    /// A price for each get-unit.
    Price(Node),
}

#[derive(Debug)]
pub struct BuyXGetY {
    buy: Option<Node>,
    buy_quantity: Node,
    /// `None`: the same set as `buy`.
    get: Option<Node>,
    get_quantity: Node,
    reward: Reward,
    max_applications: Option<Node>,
    most_expensive: bool,
}

pub fn compile(cx: &mut EffectCx<'_, '_>, x: &Ir<'_>) -> Option<CEffect> {
    let percent = cx.number("percent", x.percent, ZERO, HUNDRED, false);
    let hundred = matches!(&percent, Node::Const(Value::Num(p)) if *p == Decimal::ONE_HUNDRED);
    let reward = match (x.amount, x.fixed_price) {
        (Some(_), Some(_)) => {
            cx.error(
                "fixed_price",
                ErrorKind::Incompatible {
                    option: "fixed_price".to_owned(),
                    other: "amount".to_owned(),
                },
            );
            None
        }
        (Some(a), None) => Some(Reward::Amount(cx.number("amount", a, ZERO, None, false))),
        (None, Some(p)) => Some(Reward::Price(cx.number(
            "fixed_price",
            p,
            ZERO,
            None,
            false,
        ))),
        (None, None) => Some(Reward::Percent(percent)),
    };
    // One reward: with `amount` or `fixed_price`, `percent` stays at its default, 100.
    if !hundred && !matches!(reward, Some(Reward::Percent(_))) {
        let other = if x.amount.is_some() {
            "amount"
        } else {
            "fixed_price"
        };
        cx.error(
            "percent",
            ErrorKind::Incompatible {
                option: "percent".to_owned(),
                other: other.to_owned(),
            },
        );
        return None;
    }
    let x = BuyXGetY {
        buy: x.buy.map(|b| cx.pred("buy", b)),
        buy_quantity: cx.number("buy_quantity", x.buy_quantity, ONE, None, true),
        get: x.get.map(|g| cx.pred("get", g)),
        get_quantity: cx.number("get_quantity", x.get_quantity, ONE, None, true),
        reward: reward?,
        max_applications: x
            .max_applications
            .map(|m| cx.number("max_applications", m, ZERO, None, true)),
        most_expensive: x.get_from == GetFrom::MostExpensive,
    };
    Some(Box::new(x))
}

impl Effect for BuyXGetY {
    fn apply<'a>(&'a self, ctx: &mut Ctx<'a>, state: &State, unit: &MinorUnit) -> Option<Discount> {
        apply(ctx, self, state, unit)
    }

    /// Which units it takes depends on their current prices: any of the cart.
    fn bound(&self, _alone: i128, cart: &CartBound) -> i128 {
        cart.whole
    }
}

/// One group of unused units in the list.
struct Entry {
    line: usize,
    group: usize,
    g: Group,
    buy: bool,
    get: bool,
}

#[allow(clippy::too_many_lines)]
fn apply<'a>(
    ctx: &mut Ctx<'a>,
    x: &'a BuyXGetY,
    state: &State,
    unit: &MinorUnit,
) -> Option<Discount> {
    let bq = count(number(ctx, &x.buy_quantity)?).filter(|b| *b >= 1)?;
    let gq = count(number(ctx, &x.get_quantity)?).filter(|g| *g >= 1)?;
    let reward = match &x.reward {
        Reward::Percent(p) => Reward2::Percent(number(ctx, p)?),
        Reward::Amount(a) => Reward2::Amount(money_amount(number(ctx, a)?, unit)?),
        Reward::Price(p) => Reward2::Price(money_amount(number(ctx, p)?, unit)?),
    };
    let max = match &x.max_applications {
        Some(m) => Some(count(number(ctx, m)?).filter(|m| *m >= 0)?),
        None => None,
    };
    let n = state.lines.len();
    let mut list: Vec<Entry> = Vec::with_capacity(n);
    for i in 0..n {
        let b = target::holds(ctx, x.buy.as_ref(), i);
        let g = match &x.get {
            Some(g) => target::holds(ctx, Some(g), i),
            None => b,
        };
        if !(b || g) {
            continue;
        }
        for (group, u) in state.groups(i, target::quantity(ctx, i)).enumerate() {
            if !u.used {
                list.push(Entry {
                    line: i,
                    group,
                    g: u,
                    buy: b,
                    get: g,
                });
            }
        }
    }
    // By current unit price descending, ties to the lower line index (then the group listed
    // first); read backwards for `get_from="most_expensive"`.
    list.sort_by(|a, b| {
        target::cmp_groups(&b.g, &a.g)
            .then(a.line.cmp(&b.line))
            .then(a.group.cmp(&b.group))
    });
    if x.most_expensive {
        list.reverse();
    }
    let buy: Vec<bool> = list.iter().map(|e| e.buy).collect();
    let get: Vec<bool> = list.iter().map(|e| e.get).collect();
    let mut rem: Vec<i128> = list.iter().map(|e| e.g.count).collect();
    let len = list.len();
    let mut got = vec![0i128; len];
    let mut bought = vec![0i128; len];
    let mut apps: i128 = 0;
    // `front`: first position that may hold a buy unit; `back`: one past the last that may hold
    // a get unit. Units only ever leave, so both move one way.
    let (mut front, mut back) = (0usize, len);
    loop {
        let left = max.map(|m| m - apps);
        if left.is_some_and(|l| l <= 0) {
            break;
        }
        while front < len && !(buy[front] && rem[front] > 0) {
            front += 1;
        }
        while back > 0 && !(get[back - 1] && rem[back - 1] > 0) {
            back -= 1;
        }
        if front >= len || back == 0 {
            break;
        }
        let (f, b) = (front, back - 1);
        // Whole applications served by these two groups alone.
        let k = if f == b {
            rem[f] / (bq + gq)
        } else {
            (rem[f] / bq).min(rem[b] / gq)
        };
        let k = left.map_or(k, |l| k.min(l));
        if k >= 1 {
            rem[f] -= k * bq;
            rem[b] -= k * gq;
            bought[f] += k * bq;
            got[b] += k * gq;
            apps += k;
            continue;
        }
        // One application across groups; it exhausts at least one group.
        let mut need = bq;
        let mut at = front;
        let mut took: Vec<(usize, i128)> = Vec::new();
        while need > 0 && at < len {
            if buy[at] && rem[at] > 0 {
                let t = rem[at].min(need);
                rem[at] -= t;
                need -= t;
                took.push((at, t));
            }
            if need > 0 {
                at += 1;
            }
        }
        if need > 0 {
            break;
        }
        let mut need = gq;
        let mut taken: Vec<(usize, i128)> = Vec::new();
        let mut at = back;
        while need > 0 && at > 0 {
            let pos = at - 1;
            if get[pos] && rem[pos] > 0 {
                let t = rem[pos].min(need);
                rem[pos] -= t;
                need -= t;
                taken.push((pos, t));
            }
            if need > 0 {
                at -= 1;
            }
        }
        if need > 0 {
            // Not in full: this application does not happen, and applying stops.
            break;
        }
        for (pos, t) in took {
            bought[pos] += t;
        }
        for (pos, t) in taken {
            got[pos] += t;
        }
        apps += 1;
    }
    // The get-units at what they cost before this campaign (`G`), and every unit taken.
    let mut takes: Vec<Take> = Vec::new();
    let mut lines = vec![0i128; n];
    let mut per_line = vec![0i128; n];
    for (k, e) in list.iter().enumerate() {
        // The get-units are taken from the group first, the buy-units from what they leave,
        // so the two parts and the rest of the group add up to what the group is worth.
        let (mut left, mut units) = (e.g.amount, e.g.count);
        if got[k] > 0 {
            let worth = target::part(e.g.amount, got[k], e.g.count);
            left -= worth;
            units -= got[k];
            let share = match reward {
                Reward2::Percent(_) => 0,
                Reward2::Amount(a) => a.saturating_mul(got[k]).min(worth),
                Reward2::Price(p) => worth.saturating_sub(p.saturating_mul(got[k])).max(0),
            };
            per_line[e.line] += worth;
            lines[e.line] += share;
            takes.push(Take {
                line: e.line,
                group: e.group,
                count: got[k],
                worth,
                share,
                weight: if matches!(reward, Reward2::Percent(_)) {
                    worth
                } else {
                    share
                },
                used: true,
            });
        }
        if bought[k] > 0 {
            takes.push(Take {
                line: e.line,
                group: e.group,
                count: bought[k],
                worth: target::part(left, bought[k], units),
                share: 0,
                weight: 0,
                used: true,
            });
        }
    }
    if let Reward2::Percent(p) = reward {
        let total = per_line.iter().fold(0i128, |a, b| a.saturating_add(*b));
        let d = percent_of(total, p, unit.mode)?.min(total).max(0);
        lines = largest_remainder(d, &per_line);
    }
    Some(Discount::landed(lines, takes))
}

/// [`Reward`] evaluated: a percentage, or an amount or price in minor units.
#[derive(Clone, Copy)]
enum Reward2 {
    Percent(rust_decimal::Decimal),
    Amount(i128),
    Price(i128),
}
