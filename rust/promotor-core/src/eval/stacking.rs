//! Sequential stacking: candidates by priority then position; each effect sees the cart as left
//! by the campaigns applied before it, rules and amounts see the original cart.

use std::collections::BTreeMap;

use super::effects::{self, Money, State};
use super::explain::{explain, holds};
use super::expr::Ctx;
use super::{allocations, rejected};
use crate::compile::{Body, CCampaign, Inner};
use crate::money::from_minor;
use crate::outcome::{Applied, Reason, Rejected};
use crate::time;

pub struct Stacked {
    pub applied: Vec<Applied>,
    pub rejected: Vec<Rejected>,
    /// Per applied campaign: line index -> share.
    pub allocations: Vec<BTreeMap<usize, i128>>,
    pub shipping_total: i128,
}

/// `None` when active, else the `not_active` detail.
fn inactive(c: &CCampaign, now: i64) -> Option<&'static str> {
    if !c.active {
        return Some("inactive");
    }
    if c.starts_at.is_some_and(|s| now < s) {
        return Some("not_started");
    }
    if c.ends_at.is_some_and(|e| now >= e) {
        return Some("ended");
    }
    if let Some(s) = &c.schedule {
        let Some(l) = time::local(now, s.tz) else {
            return Some("outside_schedule");
        };
        if let Some(days) = &s.weekdays {
            if !days.iter().any(|d| u32::from(*d) == l.weekday) {
                return Some("outside_schedule");
            }
        }
        if let Some((a, b)) = s.hours {
            let (a, b, h) = (u32::from(a), u32::from(b), l.hour);
            let inside = if a < b {
                a <= h && h < b
            } else {
                h >= a || h < b
            };
            if !inside {
                return Some("outside_schedule");
            }
        }
    }
    None
}

pub(crate) fn sequential<'a>(
    p: &'a Inner,
    ctx: &mut Ctx<'a>,
    matched: &[Option<&'a str>],
    lines: &[i128],
    shipping: i128,
    mismatch: bool,
    exponent: u32,
) -> Stacked {
    let mut out = Stacked {
        applied: Vec::new(),
        rejected: Vec::new(),
        allocations: Vec::new(),
        shipping_total: 0,
    };
    let mut state = State {
        lines: lines.to_vec(),
        shipping,
    };
    let money = Money {
        exponent,
        mode: p.mode,
    };
    let now = ctx.input.context.now;
    for &ci in &p.order {
        let Some(c) = p.campaigns.get(ci) else {
            continue;
        };
        let code = matched.get(ci).copied().flatten();
        if !c.automatic && code.is_none() {
            continue;
        }
        let id = Some(c.id.as_str());
        if mismatch {
            out.rejected
                .push(rejected(id, code, Reason::CurrencyMismatch));
            continue;
        }
        if let Some(detail) = inactive(c, now) {
            let mut r = rejected(id, code, Reason::NotActive);
            r.detail = Some(detail.to_owned());
            out.rejected.push(r);
            continue;
        }
        if let Some(rules) = &c.rules {
            if !holds(ctx, rules) {
                let (cond, actual, expected) = explain(ctx, rules);
                let mut r = rejected(id, code, Reason::RulesNotMet);
                r.condition = Some(cond);
                r.actual = Some(actual);
                r.expected = Some(expected);
                out.rejected.push(r);
                continue;
            }
        }
        let (effect, tier) = match &c.body {
            Body::Effect(e) => (&**e, None),
            Body::Tiers(tiers) => {
                let mut chosen = None;
                for (ti, (rule, eff)) in tiers.iter().enumerate() {
                    if rule.as_ref().is_none_or(|r| holds(ctx, r)) {
                        chosen = Some((eff, ti));
                    }
                }
                if let Some((e, ti)) = chosen {
                    (e, Some(ti))
                } else {
                    let mut r = rejected(id, code, Reason::RulesNotMet);
                    if let Some((Some(rule), _)) = tiers.first() {
                        let (cond, actual, expected) = explain(ctx, rule);
                        r.condition = Some(cond);
                        r.actual = Some(actual);
                        r.expected = Some(expected);
                    }
                    r.detail = Some("tier 0".to_owned());
                    out.rejected.push(r);
                    continue;
                }
            }
        };
        let Some(d) = effects::apply(effect, ctx, &state, &money) else {
            out.rejected.push(rejected(id, code, Reason::NoEffect));
            continue;
        };
        let total = d.total();
        if total <= 0 && d.gifts.is_empty() {
            out.rejected.push(rejected(id, code, Reason::NoEffect));
            continue;
        }
        for (cur, taken) in state.lines.iter_mut().zip(&d.lines) {
            *cur -= *taken;
        }
        state.shipping -= d.shipping;
        out.shipping_total += d.shipping;
        let alloc = allocations(&d.lines);
        out.applied.push(Applied {
            campaign_id: c.id.clone(),
            code: code.map(str::to_owned),
            tier,
            amount: from_minor(total, exponent),
            shipping_amount: from_minor(d.shipping, exponent),
            allocations: alloc
                .iter()
                .map(|(i, v)| (*i, from_minor(*v, exponent)))
                .collect(),
            gifts: d.gifts,
        });
        out.allocations.push(alloc);
    }
    out
}
