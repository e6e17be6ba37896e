//! Compiling a referral programme: its checks (rules, event, code pattern, dates, reward
//! tiers, limits) and the code-only campaigns it adds (the friend's and the tiers').

use rust_decimal::Decimal;
use serde_json::{json, Value as J};

use super::{reward_campaign_id, CLimit, CReferralReward, Referral, RewardKind};
use crate::compile::{program_rule, program_time};
use crate::error::{Error, Loc};
use crate::ir::{Per, RuleBounds, UsageLimit};
use crate::num::RoundMode;
use crate::programs::compile::{at, err, k, number, timezone_of};
use crate::programs::ProgramDef;

/// The campaigns of a referral programme, in the order [`compile`] numbers them: the
/// friend's (id = the programme's id), then one per reward tier with an effect. Both are
/// code-only: only codes the store holds for them select them.
pub fn campaigns(def: &ProgramDef) -> Vec<crate::ir::Campaign> {
    let ProgramDef::Referral {
        id,
        name,
        friend_effect,
        friend_rules,
        rewards,
        ..
    } = def
    else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut push = |value: J| {
        if let Ok(c) = serde_json::from_value(value) {
            out.push(c);
        }
    };
    if let Some(effect) = friend_effect {
        push(json!({
            "id": id,
            "name": name,
            "effect": effect,
            "rules": friend_rules,
            "codes": [crate::programs::reward_placeholder_code(id)],
        }));
    }
    for r in rewards {
        if let Some(effect) = &r.effect {
            let cid = reward_campaign_id(id, r.referrals);
            push(json!({
                "id": cid,
                "effect": effect,
                "codes": [crate::programs::reward_placeholder_code(&cid)],
            }));
        }
    }
    out
}

/// Compiles one referral programme; its campaigns take the indices from `next_campaign` on.
#[allow(clippy::too_many_arguments)]
pub fn compile(
    def: &ProgramDef,
    defs: &[ProgramDef],
    base: &[Loc],
    next_campaign: &mut usize,
    exponent: u32,
    mode: RoundMode,
    bounds: &RuleBounds,
    out: &mut Vec<Error>,
) -> Option<Referral> {
    let ProgramDef::Referral {
        id,
        friend_effect,
        advocate_rules,
        conversion,
        on,
        rewards,
        starts_at,
        ends_at,
        limits: referral_limits,
        code_pattern,
        ..
    } = def
    else {
        return None;
    };
    let friend_campaign = friend_effect.as_ref().map(|_| {
        let i = *next_campaign;
        *next_campaign += 1;
        i
    });
    let advocate_rules = advocate_rules
        .as_ref()
        .and_then(|r| program_rule(r, bounds, mode, &at(base, &[k("advocate_rules")]), out));
    let conversion = conversion
        .as_ref()
        .and_then(|r| program_rule(r, bounds, mode, &at(base, &[k("conversion")]), out));
    if on.as_ref().is_some_and(|o| o.trim().is_empty()) {
        err(out, at(base, &[k("on")]), "an event name must not be empty");
    }
    if !code_pattern.contains('#') {
        err(
            out,
            at(base, &[k("code_pattern")]),
            "a code pattern needs at least one '#' (a random character)",
        );
    }
    let starts = program_time(starts_at.as_ref(), "starts_at", base, out);
    let ends = program_time(ends_at.as_ref(), "ends_at", base, out);
    if let (Some(s), Some(e)) = (starts, ends) {
        if e <= s {
            err(
                out,
                at(base, &[k("ends_at")]),
                "ends_at must be after starts_at",
            );
        }
    }
    let mut crewards: Vec<CReferralReward> = Vec::with_capacity(rewards.len());
    for (ri, r) in rewards.iter().enumerate() {
        let loc = at(base, &[k("rewards"), Loc::Index(ri)]);
        if r.referrals == 0 {
            err(
                out,
                at(&loc, &[k("referrals")]),
                "a reward tier needs at least 1 referral",
            );
        }
        if crewards
            .last()
            .is_some_and(|p| p.referrals >= i64::from(r.referrals))
        {
            err(
                out,
                at(&loc, &[k("referrals")]),
                "reward tiers must be listed by ascending referrals, each once",
            );
        }
        let given = [
            r.effect.is_some(),
            r.points.is_some(),
            r.gift_card.is_some(),
        ];
        if given.iter().filter(|g| **g).count() != 1 {
            err(
                out,
                loc.clone(),
                "a reward tier gives exactly one of 'effect', 'points' or 'gift_card'",
            );
            continue;
        }
        let kind = if r.effect.is_some() {
            let i = *next_campaign;
            *next_campaign += 1;
            RewardKind::Code(i)
        } else if let Some(points) = r.points {
            let loyalty: Vec<&str> = defs
                .iter()
                .filter_map(|d| match d {
                    ProgramDef::Loyalty { id, .. } => Some(id.as_str()),
                    ProgramDef::Referral { .. } => None,
                })
                .collect();
            let program = match (&r.program, loyalty.as_slice()) {
                (Some(p), _) if loyalty.contains(&p.as_str()) => p.clone(),
                (None, [only]) => (*only).to_owned(),
                (p, _) => {
                    err(
                        out,
                        at(&loc, &[k("program")]),
                        format!(
                            "points need a loyalty programme of this engine: got {p:?}, known: {loyalty:?}"
                        ),
                    );
                    continue;
                }
            };
            if points == 0 {
                err(out, at(&loc, &[k("points")]), "points must be above zero");
            }
            RewardKind::Points {
                program,
                points: i64::try_from(points).unwrap_or(i64::MAX),
            }
        } else {
            let text = r.gift_card.as_deref().unwrap_or_default();
            let Some(d) = number(text, "gift_card", true, at(&loc, &[k("gift_card")]), out) else {
                continue;
            };
            let minor = d * Decimal::from(10i64.pow(exponent));
            if minor.fract() != Decimal::ZERO {
                err(
                    out,
                    at(&loc, &[k("gift_card")]),
                    format!("{text} has more decimal places than the currency ({exponent})"),
                );
                continue;
            }
            let m = minor.trunc();
            RewardKind::GiftCard(
                i64::try_from(m.mantissa() / 10i128.pow(m.scale())).unwrap_or(i64::MAX),
            )
        };
        crewards.push(CReferralReward {
            referrals: i64::from(r.referrals),
            kind,
        });
    }
    let mut climits = Vec::new();
    for (li, l) in referral_limits.iter().enumerate() {
        let loc = at(base, &[k("limits"), Loc::Index(li)]);
        match l {
            UsageLimit::Limit {
                max,
                per,
                every,
                timezone,
                key,
            } if key.is_none() && matches!(per, None | Some(Per::Customer)) => {
                let tz = timezone_of(timezone, at(&loc, &[k("timezone")]), out);
                climits.push(CLimit {
                    max: i64::try_from(*max).unwrap_or(i64::MAX),
                    every: every.map(|e| (e, tz.unwrap_or(chrono_tz::UTC))),
                });
            }
            _ => err(
                out,
                loc,
                "a referral programme's limits count rewarded referrals per advocate: \
                 pm.limit(n) or pm.limit(n, every=...) (no budget, per='code' or key)",
            ),
        }
    }
    Some(Referral {
        id: id.clone(),
        friend_campaign,
        advocate_rules,
        conversion,
        on: on.clone(),
        rewards: crewards,
        limits: climits,
        starts_at: starts,
        ends_at: ends,
    })
}
