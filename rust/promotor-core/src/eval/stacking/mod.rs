//! Stacking (docs/semantics.md, "Stacking"): candidates by priority then position; rules see the
//! original cart, effects the cart as left by the campaigns applied before them (or the original
//! amounts with `base="original"`). Sequential mode applies every candidate that passes the
//! checks; best-deal mode searches the allowed subsets of the eligible candidates. Both apply the
//! chosen campaigns through [`Stacker::run`].

mod active;
mod best_deal;

pub use best_deal::{best_deal_limit, BEST_DEAL_BUDGET, BEST_DEAL_LIMIT};

use super::effects::{self, CartBound, Discount, Effect, MinorUnit, State};
use super::explain::{explain as explain_rule, holds};
use super::expr::Ctx;
use super::rejected;
use crate::alloc::largest_remainder;
use crate::compile::{Body, CCampaign, Inner};
use crate::ir::{StackingBase, StackingMode};
use crate::money::from_minor;
use crate::num;
use crate::outcome::{Applied, Gift, Part, Reason, Rejected};
use crate::state::{Block, Delta, Meter};
use active::inactive;

pub struct Stacked {
    pub applied: Vec<Applied>,
    pub rejected: Vec<Rejected>,
    /// Per applied campaign: its share of every line (0 for lines it does not touch).
    pub allocations: Vec<Vec<i128>>,
    pub shipping_total: i128,
    /// Per shipping method: the discount on it, all campaigns together.
    pub method_totals: Vec<i128>,
    /// What a store applies to commit this outcome (usage limits and budgets).
    pub deltas: Vec<Delta>,
}

/// What a traced evaluation ([`crate::compile::Program::decide_traced`]) notes beside its
/// outcome, by campaign index: the campaigns that passed their rules (a tier's included), and
/// those of them a usage limit or budget refused, with the reason and the limit's detail.
#[derive(Debug, Clone, Default)]
pub struct Trace {
    pub passed: Vec<usize>,
    pub refused: Vec<(usize, Reason, String)>,
}

/// The rejection of a campaign that a usage limit or budget blocks.
fn blocked(id: &str, code: Option<&str>, b: Block) -> Rejected {
    let mut r = rejected(Some(id), code, b.reason);
    r.detail = Some(b.detail);
    r.actual = b.actual;
    r.expected = b.expected;
    r
}

/// A candidate that passed checks 1-3.
pub(crate) struct Eligible<'a> {
    /// Position in candidate order (among all candidates).
    pub pos: usize,
    /// Index of the campaign in the engine.
    pub ci: usize,
    pub id: &'a str,
    pub code: Option<&'a str>,
    pub effect: &'a dyn Effect,
    pub tier: Option<usize>,
    /// `rules_on="discounted"`: checks 3 and the usage prefilter wait for its turn in
    /// [`Stacker::run`] (`effect` and `tier` are chosen there).
    pub deferred: Option<&'a CCampaign>,
    pub exclusive: bool,
    pub stop_after: bool,
    pub group_name: Option<&'a str>,
    /// Index of the first eligible campaign of the same group.
    pub group: Option<usize>,
    /// Its effect alone on the original cart; `None` when a number of it is null.
    pub alone: Option<Discount>,
    /// Discount of `alone` (0 when `None`): ranks campaigns beyond the exact-search limit.
    pub alone_total: i128,
    /// What this campaign can add to any subset, for the branch-and-bound search: its discount
    /// alone (effects are monotone in the amounts they see), plus one minor unit a line when it
    /// picks the cheapest or most expensive units (another pick floors differently); for
    /// `buy_x_get_y`, whose choice of units depends on the current prices, the whole cart.
    pub bound: i128,
}

/// An applied campaign: index into the eligible list and what it takes (after clipping).
pub(crate) struct Taken {
    pub k: usize,
    /// The tier it applied with.
    pub tier: Option<usize>,
    pub d: Discount,
    pub gifts: Vec<Gift>,
    /// A budget shrank it.
    pub limited: bool,
    /// `max_discount` reduced it.
    pub clipped: bool,
}

/// The result of applying a sequence of eligible campaigns.
pub(crate) struct Run {
    pub applied: Vec<Taken>,
    /// (index into the eligible list, rejection).
    pub rejected: Vec<(usize, Rejected)>,
    /// Deferred campaigns whose rules held at their turn (eligible indices).
    pub passed: Vec<usize>,
}

pub(crate) struct Stacker<'a, 'c> {
    pub ctx: &'c mut Ctx<'a>,
    pub unit: MinorUnit,
    pub original: State,
    pub base_original: bool,
    pub max_applied: Option<usize>,
    /// `M` of `max_discount`, in minor units.
    pub cap: Option<i128>,
    /// Usage limits and budgets, when any campaign has them.
    pub meter: Option<&'c Meter<'c>>,
    /// Whether rejections are explained (a deferred campaign's failing condition).
    pub explain: bool,
}

/// What a deferred campaign's rules decide at its turn.
enum Turn<'a> {
    Apply(&'a dyn Effect, Option<usize>),
    Rejected(Rejected),
}

impl<'a> Stacker<'a, '_> {
    /// Checks 3 of a deferred campaign on the cart as left in `state`: its rules, then its
    /// tiers' (the last that holds), read with the current line amounts, subtotal and shipping.
    fn turn(&mut self, c: &'a CCampaign, e: &Eligible<'a>, state: &State) -> Turn<'a> {
        let mut facts = self.ctx.facts.clone();
        let exponent = facts.exponent;
        let subtotal = state.lines.iter().fold(0i128, |a, b| a.saturating_add(*b));
        facts.subtotal = num::from_input(from_minor(subtotal, exponent));
        facts.shipping = num::from_input(from_minor(state.shipping, exponent));
        facts.lines.clone_from(&state.lines);
        let mut ctx = Ctx::new(self.ctx.input, &facts, self.ctx.mode, 0);
        let failed: (Option<&crate::compile::node::Rule>, Option<&str>) = 'check: {
            if let Some(rules) = &c.rules {
                if !holds(&mut ctx, rules) {
                    break 'check (Some(rules), None);
                }
            }
            match &c.body {
                Body::Effect(eff) => return Turn::Apply(eff.as_ref(), None),
                Body::Tiers(tiers) => {
                    let mut chosen = None;
                    for (ti, (rule, eff)) in tiers.iter().enumerate() {
                        if rule.as_ref().is_none_or(|r| holds(&mut ctx, r)) {
                            chosen = Some((eff, ti));
                        }
                    }
                    if let Some((eff, ti)) = chosen {
                        return Turn::Apply(eff.as_ref(), Some(ti));
                    }
                    (tiers.first().and_then(|(r, _)| r.as_ref()), Some("tier 0"))
                }
            }
        };
        let mut r = rejected(Some(e.id), e.code, Reason::RulesNotMet);
        if self.explain {
            if let Some(rule) = failed.0 {
                let (cond, actual, expected) = explain_rule(&mut ctx, rule);
                r.condition = Some(cond);
                r.actual = Some(actual);
                r.expected = Some(expected);
            }
            r.detail = failed.1.map(str::to_owned);
        }
        Turn::Rejected(r)
    }

    /// What eligible campaign `e` (with `effect`) takes from `state`; `None` when a number of
    /// its effect is null.
    fn take_with(
        &mut self,
        e: &Eligible<'a>,
        effect: &'a dyn Effect,
        state: &State,
    ) -> Option<Discount> {
        if e.deferred.is_none() {
            return self.take(e, state);
        }
        if self.base_original {
            let mut d = effect.apply(self.ctx, &self.original, &self.unit)?;
            for (s, left) in d.lines.iter_mut().zip(&state.lines) {
                *s = (*s).min(*left).max(0);
            }
            d.clip_shipping(state);
            Some(d)
        } else {
            effect.apply(self.ctx, state, &self.unit)
        }
    }

    /// What eligible campaign `e` takes from `state`; `None` when a number of its effect is null.
    fn take(&mut self, e: &Eligible<'a>, state: &State) -> Option<Discount> {
        if self.base_original {
            let mut d = e.alone.clone()?;
            for (s, left) in d.lines.iter_mut().zip(&state.lines) {
                *s = (*s).min(*left).max(0);
            }
            d.clip_shipping(state);
            // Computed on the original cart: its shares land on all of a line's units.
            d.forget_units();
            Some(d)
        } else {
            e.effect.apply(self.ctx, state, &self.unit)
        }
    }

    /// Applies the eligible campaigns `seq` (ascending indices) in order with checks 4-8
    /// (a deferred campaign's check 3 first, at its turn), then `max_discount`. With an
    /// exclusive `winner`, every other campaign that passes check 3 is `exclusive_conflict`.
    pub fn run(
        &mut self,
        el: &[Eligible<'a>],
        seq: impl IntoIterator<Item = usize>,
        winner: Option<usize>,
    ) -> Run {
        let mut state = self.original.clone();
        let mut usage = self.meter.map(Meter::usage).unwrap_or_default();
        let mut out = Run {
            applied: Vec::with_capacity(el.len()),
            rejected: Vec::new(),
            passed: Vec::new(),
        };
        for k in seq {
            let e = &el[k];
            let reject = |reason: Reason, by: Option<&str>| {
                let mut r = rejected(Some(e.id), e.code, reason);
                r.by = by.map(str::to_owned);
                (k, r)
            };
            let (effect, tier) = match e.deferred {
                None => (e.effect, e.tier),
                Some(c) => match self.turn(c, e, &state) {
                    Turn::Rejected(r) => {
                        out.rejected.push((k, r));
                        continue;
                    }
                    Turn::Apply(effect, tier) => {
                        out.passed.push(k);
                        if let Some(b) = self.meter.and_then(|m| m.prefilter(e.ci)) {
                            out.rejected.push((k, blocked(e.id, e.code, b)));
                            continue;
                        }
                        (effect, tier)
                    }
                },
            };
            if let Some(w) = winner.filter(|w| *w != k) {
                out.rejected
                    .push(reject(Reason::ExclusiveConflict, Some(el[w].id)));
                continue;
            }
            if let Some(s) = out.applied.iter().find(|t| el[t.k].stop_after) {
                out.rejected.push(reject(Reason::Stopped, Some(el[s.k].id)));
                continue;
            }
            if self.max_applied.is_some_and(|m| out.applied.len() >= m) {
                out.rejected.push(reject(Reason::MaxApplied, None));
                continue;
            }
            if let Some(g) = e.group {
                if let Some(s) = out.applied.iter().find(|t| el[t.k].group == Some(g)) {
                    out.rejected
                        .push(reject(Reason::GroupConflict, Some(el[s.k].id)));
                    continue;
                }
            }
            let Some(mut d) = self.take_with(e, effect, &state) else {
                out.rejected.push(reject(Reason::NoEffect, None));
                continue;
            };
            if !d.takes_effect() {
                out.rejected.push(reject(Reason::NoEffect, None));
                continue;
            }
            let mut limited = false;
            if let Some(m) = self.meter {
                match m.admit(e.ci, &mut d, &mut usage) {
                    Ok(l) => limited = l,
                    Err(b) => {
                        out.rejected.push((k, blocked(e.id, e.code, b)));
                        continue;
                    }
                }
            }
            let g = d.gifts.clone();
            let ctx = &*self.ctx;
            state.take(&d, |i| effects::target::quantity(ctx, i));
            out.applied.push(Taken {
                k,
                tier,
                d,
                gifts: g,
                limited,
                clipped: false,
            });
        }
        if let Some(m) = self.cap {
            clip_to(m, el, &mut out);
        }
        out
    }
}

/// `max_discount`: walks the applied campaigns, the one crossing `m` is reduced to what is left
/// (its shares re-split by largest remainder, old shares as weights, shipping last); it and later
/// ones reduced to 0 are rejected `max_discount`.
fn clip_to(m: i128, el: &[Eligible<'_>], run: &mut Run) {
    let mut sum: i128 = 0;
    let mut kept = Vec::with_capacity(run.applied.len());
    for mut t in std::mem::take(&mut run.applied) {
        let amount = t.d.total();
        if amount <= 0 {
            kept.push(t);
            continue;
        }
        if sum + amount <= m {
            sum += amount;
            kept.push(t);
            continue;
        }
        let left = (m - sum).max(0);
        sum += left;
        // A campaign that adds a gift keeps applying with amount 0 (several effects can
        // discount and add a gift).
        if left == 0 && t.d.gifts.is_empty() {
            let e = &el[t.k];
            run.rejected
                .push((t.k, rejected(Some(e.id), e.code, Reason::MaxDiscount)));
            continue;
        }
        let mut weights = t.d.lines.clone();
        weights.push(t.d.shipping);
        let mut shares = largest_remainder(left, &weights);
        t.d.shipping = shares.pop().unwrap_or(0);
        t.d.lines = shares;
        t.d.resplit_methods();
        t.clipped = true;
        kept.push(t);
    }
    run.applied = kept;
}

/// Checks 1-3 for every candidate: the rejections (with candidate positions; only with
/// `explain`) and the eligible. With `defer`, campaigns with `rules_on="discounted"` pass
/// unchecked (stacking checks them at their turn); without, they are checked on the original
/// cart, which is what they see alone (the wallet's values).
// The wallet and stacking share it with different needs (explain, trace, defer).
#[allow(clippy::too_many_arguments)]
pub(crate) fn eligible<'a>(
    p: &'a Inner,
    ctx: &mut Ctx<'a>,
    matched: &[Option<&'a str>],
    mismatch: bool,
    meter: Option<&Meter<'_>>,
    explain: bool,
    mut trace: Option<&mut Trace>,
    defer: bool,
    skip: Option<&dyn Fn(usize) -> bool>,
) -> (Vec<(usize, Rejected)>, Vec<Eligible<'a>>) {
    // Only an unexplained, untraced evaluation skips: there a campaign whose rules are false
    // leaves no trace, so skipping it where its rules would be tested changes nothing.
    let skip = skip.filter(|_| !explain && trace.is_none());
    let mut rej = Vec::new();
    let mut el: Vec<Eligible<'a>> = Vec::with_capacity(p.order.len());
    let now = ctx.input.context.now;
    let mut pos = 0usize;
    for &ci in &p.order {
        let (Some(c), Some(def)) = (p.campaigns.get(ci), p.def.campaigns.get(ci)) else {
            continue;
        };
        let code = matched.get(ci).copied().flatten();
        if !c.automatic && code.is_none() {
            continue;
        }
        pos += 1;
        let id = Some(c.id.as_str());
        if mismatch {
            if explain {
                rej.push((pos, rejected(id, code, Reason::CurrencyMismatch)));
            }
            continue;
        }
        if let Some(detail) = inactive(c, now) {
            if explain {
                let mut r = rejected(id, code, Reason::NotActive);
                r.detail = Some(detail.to_owned());
                rej.push((pos, r));
            }
            continue;
        }
        if c.deferred && defer {
            el.push(Eligible {
                pos,
                ci,
                id: c.id.as_str(),
                code,
                effect: match &c.body {
                    Body::Effect(e) => e.as_ref(),
                    Body::Tiers(tiers) => match tiers.first() {
                        Some((_, e)) => e.as_ref(),
                        None => continue,
                    },
                },
                tier: None,
                deferred: Some(c),
                exclusive: def.exclusive,
                stop_after: def.stop_after,
                group_name: def.group.as_deref(),
                group: def.group.as_deref().map(|g| {
                    el.iter()
                        .position(|e| e.group_name == Some(g))
                        .unwrap_or(el.len())
                }),
                alone: None,
                alone_total: 0,
                bound: 0,
            });
            continue;
        }
        if skip.is_some_and(|s| s(ci)) {
            continue;
        }
        if let Some(rules) = &c.rules {
            if !holds(ctx, rules) {
                if !explain {
                    continue;
                }
                let (cond, actual, expected) = explain_rule(ctx, rules);
                let mut r = rejected(id, code, Reason::RulesNotMet);
                r.condition = Some(cond);
                r.actual = Some(actual);
                r.expected = Some(expected);
                rej.push((pos, r));
                continue;
            }
        }
        let (effect, tier) = match &c.body {
            Body::Effect(e) => (e.as_ref(), None),
            Body::Tiers(tiers) => {
                let mut chosen = None;
                for (ti, (rule, eff)) in tiers.iter().enumerate() {
                    if rule.as_ref().is_none_or(|r| holds(ctx, r)) {
                        chosen = Some((eff, ti));
                    }
                }
                if let Some((e, ti)) = chosen {
                    (e.as_ref(), Some(ti))
                } else if !explain {
                    continue;
                } else {
                    let mut r = rejected(id, code, Reason::RulesNotMet);
                    if let Some((Some(rule), _)) = tiers.first() {
                        let (cond, actual, expected) = explain_rule(ctx, rule);
                        r.condition = Some(cond);
                        r.actual = Some(actual);
                        r.expected = Some(expected);
                    }
                    r.detail = Some("tier 0".to_owned());
                    rej.push((pos, r));
                    continue;
                }
            }
        };
        if let Some(t) = trace.as_deref_mut() {
            t.passed.push(ci);
        }
        if let Some(b) = meter.and_then(|m| m.prefilter(ci)) {
            if let Some(t) = trace.as_deref_mut() {
                t.refused.push((ci, b.reason, b.detail.clone()));
            }
            if explain {
                rej.push((pos, blocked(&c.id, code, b)));
            }
            continue;
        }
        let group_name = def.group.as_deref();
        let group = group_name.map(|g| {
            el.iter()
                .position(|e| e.group_name == Some(g))
                .unwrap_or(el.len())
        });
        el.push(Eligible {
            pos,
            ci,
            id: c.id.as_str(),
            code,
            effect,
            tier,
            deferred: None,
            exclusive: def.exclusive,
            stop_after: def.stop_after,
            group_name,
            group,
            alone: None,
            alone_total: 0,
            bound: 0,
        });
    }
    (rej, el)
}

/// The cart as stacking sees it: line and shipping amounts in minor units.
pub(crate) struct Cart<'l> {
    /// Whether the cart lists its shipping methods (then results report them one by one).
    pub listed: bool,
    pub lines: &'l [i128],
    /// Each shipping method's amount.
    pub methods: &'l [i128],
    /// The cart's currency differs from the engine's: every candidate is rejected.
    pub mismatch: bool,
    pub exponent: u32,
}

/// Stacks the candidates: checks 1-3, then sequential or best-deal mode. Without `explain`
/// the rejections are left out (the applied campaigns are the same). `skip`: campaigns known
/// (by index) not to pass their rules, not tested (see [`eligible`]).
#[allow(clippy::too_many_arguments)]
pub(crate) fn stack<'a>(
    p: &'a Inner,
    ctx: &mut Ctx<'a>,
    matched: &[Option<&'a str>],
    cart: &Cart<'_>,
    meter: Option<&Meter<'_>>,
    explain: bool,
    mut trace: Option<&mut Trace>,
    skip: Option<&dyn Fn(usize) -> bool>,
) -> Stacked {
    let Cart {
        listed,
        lines,
        methods,
        mismatch,
        exponent,
    } = *cart;
    let (mut rej, mut el) = eligible(
        p,
        ctx,
        matched,
        mismatch,
        meter,
        explain,
        trace.as_deref_mut(),
        true,
        skip,
    );
    let unit = MinorUnit {
        exponent,
        mode: p.mode,
    };
    let original = State::with_methods(lines.to_vec(), methods.to_vec());
    let shipping = original.shipping;
    let bound = CartBound {
        lines: lines.len(),
        whole: lines.iter().fold(shipping, |a, b| a.saturating_add(*b)),
    };
    let stacking = &p.def.stacking;
    // Each campaign alone on the original cart: the bounds of best deal, the amounts of
    // `base="original"`, and whether an exclusive campaign wins. Sequential stacking on the
    // discounted base needs it for exclusive campaigns only.
    let need_alone =
        stacking.mode == StackingMode::BestDeal || stacking.base == StackingBase::Original;
    for e in &mut el {
        if (!need_alone && !e.exclusive) || e.deferred.is_some() {
            continue;
        }
        e.alone = e.effect.apply(ctx, &original, &unit);
        e.alone_total = e.alone.as_ref().map_or(0, |d| d.total().max(0));
        e.bound = e.effect.bound(e.alone_total, &bound);
    }
    let subtotal = lines.iter().fold(0i128, |a, b| a.saturating_add(*b));
    let cap = p
        .max_discount
        .map(|pct| effects::percent_of(subtotal, pct, p.mode).unwrap_or(subtotal));
    let mut st = Stacker {
        ctx,
        unit,
        original,
        base_original: stacking.base == StackingBase::Original,
        max_applied: stacking.max_applied.map(|m| m as usize),
        cap,
        meter,
        explain,
    };
    let (run, chosen) = if stacking.mode == StackingMode::BestDeal {
        let chosen = st.best_subset(&el);
        (st.run(&el, chosen.iter().copied(), None), Some(chosen))
    } else {
        let winner = el
            .iter()
            .position(|e| e.exclusive && e.alone.as_ref().is_some_and(Discount::takes_effect));
        (st.run(&el, 0..el.len(), winner), None)
    };
    if let Some(chosen) = chosen.filter(|_| explain) {
        for (k, e) in el.iter().enumerate() {
            if chosen.binary_search(&k).is_err() {
                rej.push((e.pos, rejected(Some(e.id), e.code, Reason::NotBestDeal)));
            }
        }
    }
    if let Some(t) = trace {
        t.passed.extend(run.passed.iter().map(|&k| el[k].ci));
        for (k, r) in &run.rejected {
            if matches!(r.reason, Reason::LimitReached | Reason::BudgetExhausted) {
                let detail = r.detail.clone().unwrap_or_default();
                t.refused.push((el[*k].ci, r.reason, detail));
            }
        }
    }
    if explain {
        rej.extend(run.rejected.into_iter().map(|(k, r)| (el[k].pos, r)));
    }
    rej.sort_by_key(|(pos, _)| *pos);
    let deltas = meter.map_or_else(Vec::new, |m| {
        m.deltas(run.applied.iter().map(|t| (el[t.k].ci, t.d.total())))
    });
    let mut out = Stacked {
        applied: Vec::with_capacity(run.applied.len()),
        rejected: rej.into_iter().map(|(_, r)| r).collect(),
        allocations: Vec::with_capacity(run.applied.len()),
        shipping_total: 0,
        method_totals: vec![0; methods.len()],
        deltas,
    };
    for t in run.applied {
        let e = &el[t.k];
        out.shipping_total += t.d.shipping;
        // Nothing off shipping (method shares are never negative): no share per method.
        let per_method = if t.d.shipping == 0 && t.d.methods.iter().all(|m| *m == 0) {
            Vec::new()
        } else {
            t.d.method_shares(methods)
        };
        for (x, s) in out.method_totals.iter_mut().zip(&per_method) {
            *x += *s;
        }
        out.applied.push(Applied {
            campaign_id: e.id.to_owned(),
            code: e.code.map(str::to_owned),
            tier: t.tier,
            amount: from_minor(t.d.total(), exponent),
            shipping_amount: from_minor(t.d.shipping, exponent),
            allocations: shares(&t.d.lines, exponent),
            shipping_allocations: per_method
                .iter()
                .enumerate()
                .filter(|(_, v)| listed && **v != 0)
                .map(|(j, v)| (j, from_minor(*v, exponent)))
                .collect(),
            parts: effects::several::settle(&t.d)
                .iter()
                .map(|p| Part {
                    amount: from_minor(p.total(), exponent),
                    shipping_amount: from_minor(p.shipping, exponent),
                    allocations: shares(&p.lines, exponent),
                    gifts: p.gifts.clone(),
                })
                .collect(),
            gifts: t.gifts,
            // The last reduction names it: max_discount clips after a budget shrank it.
            limited_by: if t.clipped {
                Some("max_discount")
            } else {
                t.limited.then_some("budget")
            },
        });
        out.allocations.push(t.d.lines);
    }
    out
}

/// The non-zero line shares, by ascending line index.
fn shares(lines: &[i128], exponent: u32) -> Vec<(usize, rust_decimal::Decimal)> {
    // Sized first: a filtered `collect` would grow the vector several times per campaign.
    let mut out = Vec::with_capacity(lines.iter().filter(|v| **v != 0).count());
    for (i, v) in lines.iter().enumerate() {
        if *v != 0 {
            out.push((i, from_minor(*v, exponent)));
        }
    }
    out
}
