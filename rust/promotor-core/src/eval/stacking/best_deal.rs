//! Best-deal mode (docs/semantics.md, "Best-deal mode"): branch and bound over the allowed
//! subsets of the eligible campaigns, exact over the ones that take most alone within a work
//! budget.

use super::{Eligible, Stacker};
use crate::eval::effects::{self, State};
use crate::state::{Meter, Usage};

/// Best deal searches exactly over at most this many eligible campaigns.
pub const BEST_DEAL_LIMIT: usize = 16;

/// The work the best-deal search may do, in subsets times lines: it searches exactly over the
/// `k` campaigns that take most alone, `k` the largest number (at most [`BEST_DEAL_LIMIT`]) with
/// `2^k × (lines + 1)` within this budget (docs/semantics.md, "Best-deal mode").
pub const BEST_DEAL_BUDGET: u64 = 1 << 22;

/// How many eligible campaigns best deal searches exactly on a cart of `lines` lines.
pub fn best_deal_limit(lines: usize) -> usize {
    let per = lines as u64 + 1;
    let mut k = BEST_DEAL_LIMIT;
    while k > 1 && (1u64 << k).saturating_mul(per) > BEST_DEAL_BUDGET {
        k -= 1;
    }
    k
}

impl<'a> Stacker<'a, '_> {
    /// Best deal: the allowed subset (ascending eligible indices) of the largest value, ties to
    /// the lexicographically smallest.
    pub fn best_subset(&mut self, el: &[Eligible<'a>]) -> Vec<usize> {
        let mut consider: Vec<usize> = (0..el.len()).collect();
        let limit = best_deal_limit(self.original.lines.len());
        if consider.len() > limit {
            consider.sort_by(|a, b| el[*b].alone_total.cmp(&el[*a].alone_total).then(a.cmp(b)));
            consider.truncate(limit);
            consider.sort_unstable();
        }
        let mut search = Search {
            el,
            consider: &consider,
            chosen: Vec::with_capacity(consider.len()),
            best_value: -1,
            best: Vec::new(),
            usage: self.meter.map(Meter::usage).unwrap_or_default(),
        };
        let mut state = self.original.clone();
        search.visit(self, 0, &mut state, 0);
        search.best
    }
}

/// Branch and bound over the allowed subsets, in lexicographic order of their sorted positions
/// (a node's subset comes before its extensions, so only a strictly larger value replaces the
/// best and a subtree whose bound does not exceed it is skipped).
struct Search<'s, 'a> {
    el: &'s [Eligible<'a>],
    consider: &'s [usize],
    chosen: Vec<usize>,
    best_value: i128,
    best: Vec<usize>,
    /// What the campaigns of `chosen` have counted against usage limits and budgets.
    usage: Usage,
}

impl<'a> Search<'_, 'a> {
    /// Visits the subset `chosen` (its campaigns applied to `state`, adding up to `sum`), then
    /// its extensions by `consider[from..]`.
    fn visit(&mut self, st: &mut Stacker<'a, '_>, from: usize, state: &mut State, sum: i128) {
        let value = st.cap.map_or(sum, |m| sum.min(m));
        if value > self.best_value {
            self.best_value = value;
            self.best.clone_from(&self.chosen);
        }
        let el = self.el;
        if self
            .chosen
            .iter()
            .any(|&c| el[c].exclusive || el[c].stop_after)
        {
            return;
        }
        let room = st
            .max_applied
            .map_or(usize::MAX, |m| m.saturating_sub(self.chosen.len()));
        if room == 0 {
            return;
        }
        let fits = |chosen: &[usize], e: &Eligible<'_>| {
            (!e.exclusive || chosen.is_empty())
                && e.group
                    .is_none_or(|g| !chosen.iter().any(|&c| el[c].group == Some(g)))
        };
        // Bound: what is applied plus the largest `room` standalone discounts that could join.
        let mut adds = [0i128; BEST_DEAL_LIMIT];
        let mut n = 0;
        for &j in &self.consider[from..] {
            if fits(&self.chosen, &el[j]) {
                adds[n] = el[j].bound;
                n += 1;
            }
        }
        if n == 0 {
            return;
        }
        let adds = &mut adds[..n];
        if room < n {
            adds.sort_unstable_by(|a, b| b.cmp(a));
        }
        let bound = sum + adds.iter().take(room).sum::<i128>();
        let bound = st.cap.map_or(bound, |m| bound.min(m));
        if bound <= self.best_value {
            return;
        }
        for t in from..self.consider.len() {
            let j = self.consider[t];
            let e = &el[j];
            if !fits(&self.chosen, e) {
                continue;
            }
            let mut d = st.take(e, state);
            let saved = st.meter.map(|_| self.usage.clone());
            if let (Some(m), Some(taken)) = (st.meter, d.as_mut()) {
                if taken.takes_effect() && m.admit(e.ci, taken, &mut self.usage).is_err() {
                    d = None;
                }
            }
            let add = d.as_ref().map_or(0, |d| d.total().max(0));
            let before = d.as_ref().map(|d| {
                let saved = state.clone();
                let ctx = &*st.ctx;
                state.take(d, |i| effects::target::quantity(ctx, i));
                saved
            });
            self.chosen.push(j);
            self.visit(st, t + 1, state, sum + add);
            self.chosen.pop();
            if let Some(u) = saved {
                self.usage = u;
            }
            if let Some(saved) = before {
                *state = saved;
            }
        }
    }
}
