//! `buy_x_get_y` (docs/semantics.md, "Effects"), in bulk: lines are sorted once by current unit
//! price, and while the front buy line and the back get line can serve whole applications, those
//! are taken all at once. Every single application in between exhausts a line, so the work is
//! O(lines log lines), whatever the quantities and `max_applications`.

use super::{
    count, number, percent_of, target, CartBound, Discount, Effect, MinorUnit, State, HUNDRED, ONE,
    ZERO,
};
use crate::alloc::largest_remainder;
use crate::compile::node::Node;
use crate::compile::{CEffect, EffectCx};
use crate::eval::expr::Ctx;
use crate::ir::Expr;

/// The IR fields of a `buy_x_get_y`.
pub struct Ir<'e> {
    pub buy: Option<&'e Expr>,
    pub buy_quantity: &'e Expr,
    pub get: Option<&'e Expr>,
    pub get_quantity: &'e Expr,
    pub percent: &'e Expr,
    pub max_applications: Option<&'e Expr>,
}

#[derive(Debug)]
pub struct BuyXGetY {
    buy: Option<Node>,
    buy_quantity: Node,
    /// `None`: the same set as `buy`.
    get: Option<Node>,
    get_quantity: Node,
    percent: Node,
    max_applications: Option<Node>,
}

pub fn compile(cx: &mut EffectCx<'_, '_>, x: &Ir<'_>) -> Option<CEffect> {
    Some(Box::new(BuyXGetY {
        buy: x.buy.map(|b| cx.pred("buy", b)),
        buy_quantity: cx.number("buy_quantity", x.buy_quantity, ONE, None, true),
        get: x.get.map(|g| cx.pred("get", g)),
        get_quantity: cx.number("get_quantity", x.get_quantity, ONE, None, true),
        percent: cx.number("percent", x.percent, ZERO, HUNDRED, false),
        max_applications: x
            .max_applications
            .map(|m| cx.number("max_applications", m, ZERO, None, true)),
    }))
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

fn apply<'a>(
    ctx: &mut Ctx<'a>,
    x: &'a BuyXGetY,
    state: &State,
    unit: &MinorUnit,
) -> Option<Discount> {
    let bq = count(number(ctx, &x.buy_quantity)?).filter(|b| *b >= 1)?;
    let gq = count(number(ctx, &x.get_quantity)?).filter(|g| *g >= 1)?;
    let p = number(ctx, &x.percent)?;
    let max = match &x.max_applications {
        Some(m) => Some(count(number(ctx, m)?).filter(|m| *m >= 0)?),
        None => None,
    };
    let n = state.lines.len();
    let mut in_buy = Vec::with_capacity(n);
    let mut in_get = Vec::with_capacity(n);
    for i in 0..n {
        let b = target::holds(ctx, x.buy.as_ref(), i);
        let g = match &x.get {
            Some(g) => target::holds(ctx, Some(g), i),
            None => b,
        };
        in_buy.push(b);
        in_get.push(g);
    }
    // Lines of the union, by current unit price descending, ties to the lower line index.
    let mut order: Vec<usize> = (0..n).filter(|i| in_buy[*i] || in_get[*i]).collect();
    order.sort_by(|&i, &j| target::cmp_lines(ctx, state, j, i).then(i.cmp(&j)));
    let buy: Vec<bool> = order.iter().map(|i| in_buy[*i]).collect();
    let get: Vec<bool> = order.iter().map(|i| in_get[*i]).collect();
    let mut rem: Vec<i128> = order.iter().map(|i| target::quantity(ctx, *i)).collect();
    let len = order.len();
    let mut got = vec![0i128; n];
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
        // Whole applications served by these two lines alone.
        let k = if f == b {
            rem[f] / (bq + gq)
        } else {
            (rem[f] / bq).min(rem[b] / gq)
        };
        let k = left.map_or(k, |l| k.min(l));
        if k >= 1 {
            rem[f] -= k * bq;
            rem[b] -= k * gq;
            got[order[b]] += k * gq;
            apps += k;
            continue;
        }
        // One application across lines; it exhausts at least one line.
        let mut need = bq;
        let mut at = front;
        while need > 0 && at < len {
            if buy[at] && rem[at] > 0 {
                let t = rem[at].min(need);
                rem[at] -= t;
                need -= t;
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
        for (pos, t) in taken {
            got[order[pos]] += t;
        }
        apps += 1;
    }
    let weights: Vec<i128> = got
        .iter()
        .enumerate()
        .map(|(i, g)| target::part(state.lines[i], *g, target::quantity(ctx, i)))
        .collect();
    let total = weights.iter().fold(0i128, |a, b| a.saturating_add(*b));
    let d = percent_of(total, p, unit.mode)?.min(total).max(0);
    Some(Discount::lines(largest_remainder(d, &weights)))
}
