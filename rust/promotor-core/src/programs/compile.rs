//! `EngineDef.programs` -> [`Programs`]: checks every field, with its location.

use chrono_tz::Tz;
use rust_decimal::Decimal;

use super::ratio::Ratio;
use super::{reward_campaign_id, CEarn, CReward, CTier, Loyalty, ProgramDef, Programs};
use crate::compile::literal::parse_num_literal;
use crate::compile::{program_rule, program_schedule, program_time};
use crate::error::{Error, ErrorKind, Loc};
use crate::ir::{Campaign, RuleBounds};
use crate::num::RoundMode;

pub(super) fn k(s: &str) -> Loc {
    Loc::Key(s.to_owned())
}

pub(super) fn at(base: &[Loc], more: &[Loc]) -> Vec<Loc> {
    let mut v = base.to_vec();
    v.extend_from_slice(more);
    v
}

/// An error of a programme's definition; its message says what is wrong.
pub(super) fn err(out: &mut Vec<Error>, loc: Vec<Loc>, msg: impl Into<String>) {
    out.push(Error::new(
        ErrorKind::Invalid {
            message: msg.into(),
        },
        loc,
    ));
}

/// Records an empty programme id, or `duplicate()` when another programme has it or `taken`
/// (by a campaign); then counts it among the programmes' `ids`.
fn check_id<'d>(
    id: &'d str,
    taken: bool,
    base: &[Loc],
    ids: &mut Vec<&'d str>,
    out: &mut Vec<Error>,
    duplicate: impl FnOnce() -> String,
) {
    if id.trim().is_empty() {
        err(
            out,
            at(base, &[k("id")]),
            "a programme id must not be empty",
        );
    } else if taken || ids.contains(&id) {
        err(out, at(base, &[k("id")]), duplicate());
    }
    ids.push(id);
}

/// A programme's timezone, or `None` after recording that it is unknown.
pub(super) fn timezone_of(name: &str, loc: Vec<Loc>, out: &mut Vec<Error>) -> Option<Tz> {
    let tz = crate::time::parse_tz(name);
    if tz.is_none() {
        err(out, loc, format!("unknown timezone '{name}'"));
    }
    tz
}

/// A non-negative decimal (`positive`: above zero) from a programme's field.
pub(super) fn number(
    text: &str,
    what: &str,
    positive: bool,
    loc: Vec<Loc>,
    out: &mut Vec<Error>,
) -> Option<Decimal> {
    match parse_num_literal(text.trim()) {
        Ok(d) if d.is_sign_negative() && !d.is_zero() => {
            err(out, loc, format!("{what} must not be negative, got {text}"));
            None
        }
        Ok(d) if positive && d.is_zero() => {
            err(out, loc, format!("{what} must be above zero"));
            None
        }
        Ok(d) => Some(d.normalize()),
        Err(e) => {
            err(
                out,
                loc,
                format!("{what} must be a decimal number: {}", e.message()),
            );
            None
        }
    }
}

/// Compiles the programmes; reward `r` of a programme is the campaign at index
/// `user_campaigns + (rewards before it)`.
pub fn compile(
    defs: &[ProgramDef],
    user_campaigns: usize,
    campaigns: &[Campaign],
    exponent: u32,
    mode: RoundMode,
    bounds: &RuleBounds,
    out: &mut Vec<Error>,
) -> Programs {
    let mut programs = Programs::default();
    let mut next_campaign = user_campaigns;
    let mut ids: Vec<&str> = Vec::new();
    for (pi, def) in defs.iter().enumerate() {
        if let ProgramDef::Referral { id, .. } = def {
            let base = vec![k("programs"), Loc::Index(pi)];
            let a_campaigns = campaigns[..user_campaigns].iter().any(|c| &c.id == id);
            check_id(id, a_campaigns, &base, &mut ids, out, || {
                format!(
                    "duplicate id '{id}': a referral programme's id is also its friend campaign's"
                )
            });
            let r = super::referral::compile(
                def,
                defs,
                &base,
                &mut next_campaign,
                exponent,
                mode,
                bounds,
                out,
            );
            programs.referral.extend(r);
            continue;
        }
        let ProgramDef::Loyalty {
            id,
            earn,
            pending_days,
            expire_after_days,
            tiers,
            tier_window_days,
            rewards,
            point_value,
            timezone,
            expiring_notice_days,
            ..
        } = def
        else {
            continue;
        };
        let base = vec![k("programs"), Loc::Index(pi)];
        check_id(id, false, &base, &mut ids, out, || {
            format!("duplicate programme id '{id}'")
        });
        let tz = timezone_of(timezone, at(&base, &[k("timezone")]), out);
        if *expire_after_days == Some(0) {
            err(
                out,
                at(&base, &[k("expire_after_days")]),
                "expire_after_days must be at least 1 (or null: points never expire)",
            );
        }
        let mut cearn = Vec::with_capacity(earn.len());
        for (ei, e) in earn.iter().enumerate() {
            let loc = at(&base, &[k("earn"), Loc::Index(ei)]);
            let points = e
                .points
                .as_ref()
                .and_then(|p| number(p, "points", false, at(&loc, &[k("points")]), out));
            let multiplier = e
                .multiplier
                .as_ref()
                .and_then(|m| number(m, "multiplier", false, at(&loc, &[k("multiplier")]), out));
            let per = number(&e.per, "per", true, at(&loc, &[k("per")]), out);
            if e.points.is_none() && e.multiplier.is_none() {
                err(
                    out,
                    loc.clone(),
                    "an earning rule needs 'points' or 'multiplier'",
                );
            }
            if e.on.as_ref().is_some_and(|o| o.trim().is_empty()) {
                err(out, at(&loc, &[k("on")]), "an event name must not be empty");
            }
            let rules = e
                .rules
                .as_ref()
                .and_then(|r| program_rule(r, bounds, mode, &at(&loc, &[k("rules")]), out));
            let schedule = e
                .schedule
                .as_ref()
                .and_then(|s| program_schedule(s, &loc, out));
            let starts_at = program_time(e.starts_at.as_ref(), "starts_at", &loc, out);
            let ends_at = program_time(e.ends_at.as_ref(), "ends_at", &loc, out);
            let per = per.unwrap_or(Decimal::ONE);
            cearn.push(CEarn {
                points,
                per,
                multiplier: multiplier.map(Ratio::of),
                rate: points.and_then(|p| Ratio::of(p).over(Ratio::of(per))),
                on: e.on.clone(),
                rules,
                schedule,
                starts_at,
                ends_at,
            });
        }
        let mut ctiers = Vec::with_capacity(tiers.len());
        for (ti, t) in tiers.iter().enumerate() {
            let loc = at(&base, &[k("tiers"), Loc::Index(ti)]);
            if t.name.trim().is_empty() {
                err(out, at(&loc, &[k("name")]), "a tier name must not be empty");
            }
            let multiplier = t.multiplier.as_ref().map_or(Some(Decimal::ONE), |m| {
                number(m, "multiplier", false, at(&loc, &[k("multiplier")]), out)
            });
            let points = i64::try_from(t.points).unwrap_or(i64::MAX);
            if ctiers.last().is_some_and(|p: &CTier| p.points >= points) {
                err(
                    out,
                    at(&loc, &[k("points")]),
                    "tiers must be listed by ascending points",
                );
            }
            ctiers.push(CTier {
                name: t.name.clone(),
                points,
                multiplier: Ratio::of(multiplier.unwrap_or(Decimal::ONE)),
            });
        }
        let point_minor = point_value.as_ref().and_then(|v| {
            let loc = at(&base, &[k("point_value")]);
            let d = number(v, "point_value", true, loc.clone(), out)?;
            let minor = d * Decimal::from(10i64.pow(exponent));
            if minor.fract() != Decimal::ZERO {
                err(
                    out,
                    loc,
                    format!("point_value {v} is not a whole number of the currency's minor units"),
                );
                return None;
            }
            i64::try_from(minor.trunc().mantissa() / 10i128.pow(minor.trunc().scale())).ok()
        });
        let mut crewards = Vec::with_capacity(rewards.len());
        let mut reward_ids: Vec<&str> = Vec::new();
        for (ri, r) in rewards.iter().enumerate() {
            let loc = at(&base, &[k("rewards"), Loc::Index(ri)]);
            if r.id.trim().is_empty() {
                err(out, at(&loc, &[k("id")]), "a reward id must not be empty");
            } else if reward_ids.contains(&r.id.as_str()) {
                err(
                    out,
                    at(&loc, &[k("id")]),
                    format!("duplicate reward id '{}'", r.id),
                );
            }
            reward_ids.push(&r.id);
            let cid = reward_campaign_id(id, &r.id);
            if campaigns[..user_campaigns].iter().any(|c| c.id == cid) {
                err(
                    out,
                    at(&loc, &[k("id")]),
                    format!("reward campaign id '{cid}' is also a campaign's id"),
                );
            }
            programs
                .reward_campaigns
                .push((next_campaign, programs.loyalty.len(), ri));
            crewards.push(CReward {
                id: r.id.clone(),
                cost: i64::try_from(r.cost).unwrap_or(i64::MAX),
                campaign: next_campaign,
            });
            next_campaign += 1;
        }
        programs.loyalty.push(Loyalty {
            id: id.clone(),
            earn: cearn,
            pending_days: *pending_days,
            expire_after_days: *expire_after_days,
            tiers: ctiers,
            tier_window_days: *tier_window_days,
            rewards: crewards,
            point_minor,
            tz: tz.unwrap_or(chrono_tz::UTC),
            notice_days: *expiring_notice_days,
        });
    }
    programs
}
