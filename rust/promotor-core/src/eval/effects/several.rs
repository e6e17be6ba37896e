//! `Campaign(effects=[...])`: several effects applied in order as one campaign (docs/
//! semantics.md, "Several effects"). Each effect computes on the cart as the ones before it
//! left it; the campaign takes their sum, and stacking, tiers, budgets and best deal see one
//! effect.

use super::{CartBound, Discount, Effect, MinorUnit, State};
use crate::alloc::largest_remainder;
use crate::compile::CEffect;
use crate::eval::expr::Ctx;

#[derive(Debug)]
pub struct Several {
    pub parts: Vec<CEffect>,
}

impl Effect for Several {
    /// Each part on the state the parts before it left; `None` (`no_effect`) when a number of
    /// any part is null.
    fn apply<'a>(&'a self, ctx: &mut Ctx<'a>, state: &State, unit: &MinorUnit) -> Option<Discount> {
        let mut now = state.clone();
        let mut out = Discount {
            lines: vec![0; state.lines.len()],
            ..Discount::default()
        };
        for part in &self.parts {
            let d = part.apply(ctx, &now, unit)?;
            let seen = &*ctx;
            now.take(&d, |i| super::target::quantity(seen, i));
            for (s, x) in out.lines.iter_mut().zip(&d.lines) {
                *s += x;
            }
            out.shipping += d.shipping;
            if d.shipping != 0 {
                let shares = d.method_shares(&state.methods);
                if out.methods.len() < shares.len() {
                    out.methods.resize(shares.len(), 0);
                }
                for (m, x) in out.methods.iter_mut().zip(&shares) {
                    *m += x;
                }
            }
            out.gifts.extend(d.gifts.iter().cloned());
            out.steps.push(d);
        }
        Some(out)
    }

    /// What a later part takes depends on what the earlier parts and other campaigns left,
    /// and the campaign's total alone need not bound it (an earlier part that takes less
    /// leaves more to a later one), so the whole cart bounds it: best deal stays exact and
    /// prunes less around such campaigns.
    fn bound(&self, _alone: i128, cart: &CartBound) -> i128 {
        cart.whole
    }
}

/// The steps of `d` with their shares re-split so that they add up to `d`'s, line by line and
/// shipping method by method: a budget, `max_discount` or the clipping of `base="original"`
/// reduced the campaign's shares, and each reduced share is split over the steps in
/// proportion to their shares of it by largest remainder (ties to the earlier step). A step's
/// shipping is the sum of its method shares. When a line share is reduced, the steps after the
/// first land their shares on all of a line's units (in proportion to the units' amounts).
pub fn settle(d: &Discount) -> Vec<Discount> {
    // One effect (most campaigns): no steps to settle.
    if d.steps.is_empty() {
        return Vec::new();
    }
    let mut steps = d.steps.clone();
    let mut reduced = false;
    for (i, want) in d.lines.iter().enumerate() {
        let weights: Vec<i128> = steps
            .iter()
            .map(|s| s.lines.get(i).copied().unwrap_or(0))
            .collect();
        if weights.iter().sum::<i128>() == *want {
            continue;
        }
        reduced = true;
        for (s, v) in steps.iter_mut().zip(largest_remainder(*want, &weights)) {
            if let Some(x) = s.lines.get_mut(i) {
                *x = v;
            }
        }
    }
    if reduced {
        // The steps after the first were computed on units as the unreduced steps before them
        // left them, which are now worth more: their shares land on all of a line's units.
        for s in steps.iter_mut().skip(1) {
            s.forget_units();
        }
    }
    let n = steps.iter().map(|s| s.methods.len()).max().unwrap_or(0);
    if n == 0 {
        return steps;
    }
    let mut own: Vec<Vec<i128>> = steps.iter().map(|s| s.method_shares(&vec![0; n])).collect();
    let total: Vec<i128> = (0..n).map(|j| own.iter().map(|m| m[j]).sum()).collect();
    for (j, want) in d.method_shares(&total).into_iter().enumerate() {
        let weights: Vec<i128> = own.iter().map(|m| m[j]).collect();
        if weights.iter().sum::<i128>() == want {
            continue;
        }
        for (m, v) in own.iter_mut().zip(largest_remainder(want, &weights)) {
            m[j] = v;
        }
    }
    for (s, m) in steps.iter_mut().zip(own) {
        s.shipping = m.iter().sum();
        s.methods = m;
    }
    steps
}
