//! Shipping methods (docs/semantics.md, "Shipping methods"): which methods a shipping target
//! takes, a discount computed on each method alone or on their sum, and how a shipping
//! discount is kept per method when stacking clips or re-splits it.

use std::collections::BTreeMap;

use crate::alloc::largest_remainder;
use crate::compile::node::Node;
use crate::compile::CTarget;
use crate::eval::expr::Ctx;
use crate::input::{self, Input, MetaValue};
use crate::value::Value;

use super::{Discount, State};

/// The methods of a cart as rules see them: one map each (`id`, `code`, `name`, `price`,
/// `metadata`), in input order (the `shipping` shorthand is one method without texts).
pub fn maps(input: &Input) -> Vec<MetaValue> {
    let text = |t: Option<&str>| t.map_or(MetaValue::Null, |s| MetaValue::Str(s.to_owned()));
    input::methods(&input.cart)
        .map(|m| {
            let mut out = BTreeMap::new();
            out.insert("id".to_owned(), text(m.id));
            out.insert("code".to_owned(), text(m.code));
            out.insert("name".to_owned(), text(m.name));
            out.insert("price".to_owned(), MetaValue::Num(m.price));
            out.insert(
                "metadata".to_owned(),
                MetaValue::Map(m.metadata.cloned().unwrap_or_default()),
            );
            MetaValue::Map(out)
        })
        .collect()
}

/// Whether the method predicate holds for method `j` (no predicate: every method); `method`
/// is its slot 0.
fn holds<'a>(ctx: &mut Ctx<'a>, pred: Option<&'a Node>, j: usize) -> bool {
    let Some(p) = pred else { return true };
    let m = ctx
        .facts
        .method_maps(ctx.input)
        .get(j)
        .map_or(Value::Null, Value::from_meta);
    ctx.test_on(p, m)
}

/// The shipping methods a shipping target takes: each method's current amount `S_j` (0 for a
/// method its predicate leaves out), and whether the effect is computed on each alone; `None`
/// for other targets.
pub fn targeted<'a>(
    ctx: &mut Ctx<'a>,
    on: &'a CTarget,
    state: &State,
) -> Option<(Vec<i128>, bool)> {
    let CTarget::Shipping { pred, each } = on else {
        return None;
    };
    let mut amounts: Vec<i128> = state.methods.iter().map(|s| (*s).max(0)).collect();
    for (j, a) in amounts.iter_mut().enumerate() {
        if !holds(ctx, pred.as_ref(), j) {
            *a = 0;
        }
    }
    Some((amounts, *each))
}

/// A shipping discount: `f(S)` (clamped to `[0, S]`) on each targeted method alone with
/// `each`, else `f` of their sum allocated in proportion to the `S_j` by largest remainder.
pub fn discount(
    state: &State,
    amounts: &[i128],
    each: bool,
    f: impl Fn(i128) -> Option<i128>,
) -> Option<Discount> {
    let shares = if each {
        let mut out = Vec::with_capacity(amounts.len());
        for &s in amounts {
            out.push(if s > 0 { f(s)?.clamp(0, s) } else { 0 });
        }
        out
    } else {
        let total = amounts.iter().fold(0i128, |a, b| a.saturating_add(*b));
        let d = f(total)?.clamp(0, total);
        largest_remainder(d, amounts)
    };
    Some(Discount::on_methods(state, shares))
}

/// `f` on a shipping target (or the whole shipping, across, for `None`).
pub fn apply<'a>(
    ctx: &mut Ctx<'a>,
    on: Option<&'a CTarget>,
    state: &State,
    f: impl Fn(i128) -> Option<i128>,
) -> Option<Discount> {
    let (amounts, each) = match on {
        Some(t) => targeted(ctx, t, state)?,
        None => (state.methods.iter().map(|s| (*s).max(0)).collect(), false),
    };
    discount(state, &amounts, each, f)
}

impl Discount {
    /// A discount on shipping only: `shares` per method.
    pub fn on_methods(state: &State, shares: Vec<i128>) -> Self {
        Self {
            lines: vec![0; state.lines.len()],
            shipping: shares.iter().sum(),
            gifts: Vec::new(),
            takes: Vec::new(),
            methods: shares,
            steps: Vec::new(),
            whole: false,
        }
    }

    /// Each method's share (for `n` methods): as computed, or, if the shipping share changed
    /// since (a budget, `max_discount`), re-split over the old method shares by largest
    /// remainder (over the methods' amounts `weights` when there were none).
    pub fn method_shares(&self, weights: &[i128]) -> Vec<i128> {
        let n = weights.len();
        if self.methods.len() == n && self.methods.iter().sum::<i128>() == self.shipping {
            return self.methods.clone();
        }
        if self.shipping <= 0 || n == 0 {
            return vec![0; n];
        }
        let old: Vec<i128> = if self.methods.len() == n && self.methods.iter().any(|m| *m > 0) {
            self.methods.clone()
        } else {
            weights.iter().map(|w| (*w).max(0)).collect()
        };
        largest_remainder(self.shipping, &old)
    }

    /// Clips each method's share to what is left of it in `state` (`base="original"`).
    pub fn clip_shipping(&mut self, state: &State) {
        let mut shares = self.method_shares(&state.methods);
        for (s, left) in shares.iter_mut().zip(&state.methods) {
            *s = (*s).min(*left).max(0);
        }
        self.shipping = shares.iter().sum();
        self.methods = shares;
    }

    /// Makes the method shares add up to the (changed) shipping share.
    pub fn resplit_methods(&mut self) {
        if !self.methods.is_empty() {
            let weights = self.methods.clone();
            self.methods = self.method_shares(&weights);
        }
    }
}
