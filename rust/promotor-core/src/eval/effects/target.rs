//! Targets (docs/semantics.md, "Targets"): which units of which lines an effect works on, and
//! what they are worth now. Per line with counts, never per unit.

use std::cmp::Ordering;

use crate::compile::node::Node;
use crate::compile::{CTarget, Pick};
use crate::eval::expr::Ctx;

use super::{CartBound, State};

/// The targeted units `t_i` and amounts `T_i` of every line (zero for lines not targeted).
#[derive(Debug, Clone, Default)]
pub struct Lines {
    pub units: Vec<i128>,
    pub amounts: Vec<i128>,
}

impl Lines {
    /// `T = Σ T_i`.
    pub fn total(&self) -> i128 {
        self.amounts.iter().fold(0i128, |a, b| a.saturating_add(*b))
    }
}

/// Units of line `i` (validated `1..=1_000_000`; at least 1 here so nothing divides by zero).
pub fn quantity(ctx: &Ctx<'_>, i: usize) -> i128 {
    ctx.input
        .cart
        .items
        .get(i)
        .map_or(1, |it| i128::from(it.quantity).max(1))
}

/// Whether the item predicate holds for line `i` (no predicate: every line). The predicate sees
/// the original item; `item` is its slot 0.
pub fn holds<'a>(ctx: &mut Ctx<'a>, pred: Option<&'a Node>, i: usize) -> bool {
    let Some(p) = pred else { return true };
    let saved = std::mem::take(&mut ctx.vars);
    ctx.vars.push(crate::value::Value::Item(i));
    let r = ctx.test(p);
    ctx.vars = saved;
    r
}

/// `floor(a × t / q)` for `0 <= a`, `0 <= t <= q`, `q >= 1`, without overflow:
/// with `a = Q q + R`, it is `Q t + floor(R t / q)`.
pub fn part(a: i128, t: i128, q: i128) -> i128 {
    let (a, q) = (a.max(0), q.max(1));
    let t = t.clamp(0, q);
    if t == q {
        return a;
    }
    (a / q) * t + (a % q) * t / q
}

/// Compares the unit prices `a / b` and `c / d` (`a, c >= 0`, `b, d >= 1`) exactly: by
/// cross-multiplication, or, should that overflow, by continued fractions.
pub fn cmp_unit(a: i128, b: i128, c: i128, d: i128) -> Ordering {
    if let (Some(x), Some(y)) = (a.checked_mul(d), c.checked_mul(b)) {
        return x.cmp(&y);
    }
    let (mut a, mut b, mut c, mut d) = (a, b.max(1), c, d.max(1));
    let mut flip = false;
    loop {
        let (qa, qc) = (a / b, c / d);
        if qa != qc {
            let o = qa.cmp(&qc);
            return if flip { o.reverse() } else { o };
        }
        let (ra, rc) = (a % b, c % d);
        let o = match (ra == 0, rc == 0) {
            (true, true) => return Ordering::Equal,
            (true, false) => Ordering::Less,
            (false, true) => Ordering::Greater,
            (false, false) => {
                // ra/b vs rc/d is the reverse of b/ra vs d/rc
                (a, b, c, d) = (b, ra, d, rc);
                flip = !flip;
                continue;
            }
        };
        return if flip { o.reverse() } else { o };
    }
}

/// Line `i` against line `j` by current unit price `A_i / q_i`.
pub fn cmp_lines(ctx: &Ctx<'_>, state: &State, i: usize, j: usize) -> Ordering {
    let a = |k: usize| state.lines.get(k).copied().unwrap_or(0).max(0);
    cmp_unit(a(i), quantity(ctx, i), a(j), quantity(ctx, j))
}

/// [`super::Effect::bound`] for an effect on this target: what it takes alone, plus, when it
/// picks the cheapest or most expensive units (which units depends on the current prices and
/// floors differently), one minor unit a line, never more than the whole cart.
pub fn bound(on: &CTarget, alone: i128, cart: &CartBound) -> i128 {
    if matches!(on, CTarget::Items { pick: Some(_), .. }) {
        let slack = i128::try_from(cart.lines).unwrap_or(i128::MAX / 4) + 1;
        alone.saturating_add(slack).min(cart.whole)
    } else {
        alone
    }
}

/// The targeted units and amounts of `ORDER` or `items(...)`; `None` for `SHIPPING`.
pub fn lines<'a>(ctx: &mut Ctx<'a>, on: &'a CTarget, state: &State) -> Option<Lines> {
    let n = state.lines.len();
    let mut units: Vec<i128> = Vec::with_capacity(n);
    match on {
        CTarget::Shipping => return None,
        CTarget::Order => units.extend((0..n).map(|i| quantity(ctx, i))),
        CTarget::Items {
            pred,
            pick,
            max_quantity,
        } => {
            for i in 0..n {
                let q = quantity(ctx, i);
                let t = if holds(ctx, pred.as_ref(), i) {
                    max_quantity.map_or(q, |m| q.min(i128::from(m)))
                } else {
                    0
                };
                units.push(t);
            }
            if let Some(pick) = pick {
                let (mut left, cheapest) = match *pick {
                    Pick::Cheapest(k) => (i128::from(k), true),
                    Pick::MostExpensive(k) => (i128::from(k), false),
                };
                let mut order: Vec<usize> = (0..n).filter(|i| units[*i] > 0).collect();
                order.sort_by(|&i, &j| {
                    let o = cmp_lines(ctx, state, i, j);
                    let o = if cheapest { o } else { o.reverse() };
                    o.then(i.cmp(&j))
                });
                for i in order {
                    let keep = units[i].min(left);
                    units[i] = keep;
                    left -= keep;
                }
            }
        }
    }
    let amounts = units
        .iter()
        .enumerate()
        .map(|(i, t)| part(state.lines[i], *t, quantity(ctx, i)))
        .collect();
    Some(Lines { units, amounts })
}

#[cfg(test)]
mod tests {
    use super::{cmp_unit, part};
    use std::cmp::Ordering::{Equal, Greater, Less};

    #[test]
    fn parts_floor_exactly() {
        assert_eq!(part(1000, 1, 3), 333);
        assert_eq!(part(1000, 2, 3), 666);
        assert_eq!(part(1000, 3, 3), 1000);
        assert_eq!(
            part(i128::MAX, 999_999, 1_000_000),
            i128::MAX / 1_000_000 * 999_999 + (i128::MAX % 1_000_000) * 999_999 / 1_000_000
        );
    }

    #[test]
    fn unit_prices_compare_exactly() {
        assert_eq!(cmp_unit(1000, 3, 333, 1), Greater);
        assert_eq!(cmp_unit(1000, 3, 334, 1), Less);
        assert_eq!(cmp_unit(2000, 6, 1000, 3), Equal);
        let big = i128::MAX / 3;
        assert_eq!(cmp_unit(big, 7, big - 1, 7), Greater);
        assert_eq!(cmp_unit(big, 7, big, 7), Equal);
        assert_eq!(cmp_unit(big, 1_000_000, big, 999_999), Less);
        assert_eq!(cmp_unit(0, 5, 0, 7), Equal);
    }
}
