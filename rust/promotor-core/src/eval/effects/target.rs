//! Targets (docs/semantics.md, "Targets"): which units of which lines an effect works on, and
//! what they are worth now. Per group of alike units with counts, never per unit.

use std::cmp::Ordering;

use crate::compile::node::Node;
use crate::compile::{CTarget, Pick};
use crate::eval::expr::Ctx;

use super::{CartBound, Group, State, Take};

/// The targeted amounts `T_i` of every line (zero for lines not targeted), and the groups
/// they come from (`takes`, with no share yet, weighing what they are worth; their counts are
/// the targeted units).
#[derive(Debug, Clone, Default)]
pub struct Lines {
    pub amounts: Vec<i128>,
    pub takes: Vec<Take>,
    /// Whether every take is all the units of its line, on a state where no line is split
    /// into groups: see [`super::Discount::whole`].
    pub whole: bool,
}

impl Lines {
    /// `T = Σ T_i`.
    pub fn total(&self) -> i128 {
        self.amounts.iter().fold(0i128, |a, b| a.saturating_add(*b))
    }

    /// Adds `taken` units (none: nothing) of group `group` (worth `g` now) of line `line`.
    fn push(&mut self, line: usize, group: usize, g: Group, taken: i128) {
        if taken <= 0 {
            return;
        }
        if taken != g.count || group != 0 {
            self.whole = false;
        }
        let worth = part(g.amount, taken, g.count);
        self.amounts[line] += worth;
        self.takes.push(Take {
            line,
            group,
            count: taken,
            worth,
            share: 0,
            weight: worth,
            used: false,
        });
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
    ctx.test_on(p, crate::value::Value::Item(i))
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

/// Group `a` against group `b` by current unit price.
pub fn cmp_groups(a: &Group, b: &Group) -> Ordering {
    cmp_unit(a.amount.max(0), a.count, b.amount.max(0), b.count)
}

/// [`super::Effect::bound`] for an effect on this target: what it takes alone, unless it takes
/// some units of a line only (which ones depends on the current prices, and earlier campaigns
/// may leave a line's most expensive units dearer than its average): then the whole cart.
pub fn bound(on: &CTarget, alone: i128, cart: &CartBound) -> i128 {
    if partial(on) {
        cart.whole
    } else {
        alone
    }
}

/// Whether the target may take some units of a line and not others.
pub fn partial(on: &CTarget) -> bool {
    matches!(
        on,
        CTarget::Items { pick, max_quantity, groups_of, .. }
            if pick.is_some() || max_quantity.is_some() || groups_of.is_some()
    )
}

/// One candidate: `taken` units of group `group` (worth `g` now) of line `line`.
struct Cand {
    line: usize,
    group: usize,
    g: Group,
    taken: i128,
}

/// Keeps at most `left` units of the candidates, in `order`.
fn keep(cands: &mut [Cand], order: &[usize], mut left: i128) {
    for &k in order {
        let t = cands[k].taken.min(left);
        cands[k].taken = t;
        left -= t;
    }
}

/// The candidates' positions by unit price (descending with `desc`), ties to the lower line
/// index, then to the group listed first.
fn by_price(cands: &[Cand], desc: bool) -> Vec<usize> {
    let mut order: Vec<usize> = (0..cands.len()).filter(|k| cands[*k].taken > 0).collect();
    order.sort_by(|&a, &b| {
        let (x, y) = (&cands[a], &cands[b]);
        let o = cmp_groups(&x.g, &y.g);
        let o = if desc { o.reverse() } else { o };
        o.then(x.line.cmp(&y.line)).then(x.group.cmp(&y.group))
    });
    order
}

/// The units `items(pred, max_quantity=m)` takes, before `pick` and `groups_of`:
/// `f(line, group, units of the group, units taken)` for each group of each matching line,
/// the line's most expensive units first (`max_quantity` caps the units per line).
fn items_units<'a>(
    ctx: &mut Ctx<'a>,
    pred: Option<&'a Node>,
    max_quantity: Option<u32>,
    state: &State,
    mut f: impl FnMut(usize, usize, Group, i128),
) {
    for i in 0..state.lines.len() {
        if !holds(ctx, pred, i) {
            continue;
        }
        let q = quantity(ctx, i);
        let mut left = max_quantity.map_or(q, |m| q.min(i128::from(m)));
        for (group, g) in state.groups(i, q).enumerate() {
            let taken = g.count.min(left);
            left -= taken;
            f(i, group, g, taken);
        }
    }
}

/// The targeted units and amounts of `ORDER` or `items(...)`; `None` for `SHIPPING`.
pub fn lines<'a>(ctx: &mut Ctx<'a>, on: &'a CTarget, state: &State) -> Option<Lines> {
    let n = state.lines.len();
    let mut out = Lines {
        amounts: vec![0; n],
        takes: Vec::with_capacity(n),
        whole: state.units.iter().all(Vec::is_empty),
    };
    match on {
        CTarget::Shipping { .. } => return None,
        // Every unit of every line: straight into `out`, without ranking candidates.
        CTarget::Order => {
            for i in 0..n {
                for (group, g) in state.groups(i, quantity(ctx, i)).enumerate() {
                    out.push(i, group, g, g.count);
                }
            }
        }
        CTarget::Items {
            pred,
            pick: None,
            max_quantity,
            groups_of: None,
        } => {
            items_units(
                ctx,
                pred.as_ref(),
                *max_quantity,
                state,
                |i, group, g, taken| out.push(i, group, g, taken),
            );
        }
        CTarget::Items {
            pred,
            pick,
            max_quantity,
            groups_of,
        } => {
            let mut cands: Vec<Cand> = Vec::with_capacity(n);
            items_units(
                ctx,
                pred.as_ref(),
                *max_quantity,
                state,
                |line, group, g, taken| {
                    cands.push(Cand {
                        line,
                        group,
                        g,
                        taken,
                    });
                },
            );
            if let Some(pick) = pick {
                let (k, desc) = match *pick {
                    Pick::Cheapest(k) => (k, false),
                    Pick::MostExpensive(k) => (k, true),
                };
                let order = by_price(&cands, desc);
                keep(&mut cands, &order, i128::from(k));
            }
            if let Some(size) = groups_of {
                let size = i128::from((*size).max(1));
                let all: i128 = cands.iter().map(|c| c.taken).sum();
                let order = by_price(&cands, true);
                keep(&mut cands, &order, all - all % size);
            }
            for c in &cands {
                out.push(c.line, c.group, c.g, c.taken);
            }
        }
    }
    Some(out)
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
