//! Referral programmes (DESIGN section 10, docs/referral.md): an advocate shares one stable
//! code; a friend's first order with it gets the friend's effect (a campaign named like the
//! programme); the friend converts on an order satisfying `conversion` (or the event `on`),
//! and each reward tier the advocate's rewarded referrals reach issues a code, points or a
//! gift card. All of it lives in counter families ([`keys::referral`]), decided here:
//!
//! - evaluation ([`match_codes`]): a given code whose family names an advocate selects the
//!   friend campaign, or is rejected `self_referral` (the advocate's id, or the same
//!   canonical email, [`canonical_email`]) or `already_referred` (the friend, or a friend
//!   with the same canonical email, was referred before: the first referrer wins);
//! - [`Referral::refer`]: the friend is referred (when the friend's effect applied, or at
//!   once for a single-sided programme) with bounds that let one referrer win under any
//!   concurrency;
//! - [`Referral::convert`]: the conversion, the limits (a conversion over a limit counts as
//!   converted, not rewarded) and the tiers (`tier` moves from the last tier rewarded to the
//!   new one with both bounds set, so two conversions racing for a tier issue it once);
//! - clawback: rolling back the order (or event) that converted reverses exactly what it did,
//!   so a tier it rewarded can be reached, and rewarded, again (see `ops::Op::Rollback`).

use chrono_tz::Tz;
use rust_decimal::Decimal;
use serde_json::{json, Value as J};

use super::compile::{at, err, k, number};
use super::work::Work;
use super::{code_key, gift_cards, keys, Event, Loyalty, ProgramDef};
use crate::compile::node::Rule;
use crate::compile::{program_rule, program_time, Inner};
use crate::error::{Error, Loc};
use crate::eval::rejected;
use crate::input::Input;
use crate::ir::{Every, Per, RuleBounds, UsageLimit};
use crate::num::RoundMode;
use crate::outcome::{Reason, Rejected};
use crate::state::Snapshot;

/// What a reward tier gives.
#[derive(Debug, Clone)]
pub enum RewardKind {
    /// A code for this campaign (index in the program) into the advocate's wallet.
    Code(usize),
    /// Points in a loyalty programme, available at once.
    Points { program: String, points: i64 },
    /// A new gift card of this many minor units.
    GiftCard(i64),
}

#[derive(Debug, Clone)]
pub struct CReferralReward {
    /// Rewarded referrals that reach this tier.
    pub referrals: i64,
    pub kind: RewardKind,
}

/// A limit on rewarded referrals per advocate: at most `max` in a period (`None`: ever).
#[derive(Debug, Clone)]
pub struct CLimit {
    pub max: i64,
    pub every: Option<(Every, Tz)>,
}

/// A compiled referral programme.
#[derive(Debug, Clone)]
pub struct Referral {
    pub id: String,
    /// The friend's campaign (index in the program), when double-sided.
    pub friend_campaign: Option<usize>,
    pub advocate_rules: Option<Rule>,
    pub conversion: Option<Rule>,
    pub on: Option<String>,
    pub rewards: Vec<CReferralReward>,
    pub limits: Vec<CLimit>,
    pub starts_at: Option<i64>,
    pub ends_at: Option<i64>,
}

/// The campaign id of a referral reward tier: `programme:referrals`.
pub fn reward_campaign_id(program: &str, referrals: u32) -> String {
    format!("{program}:{referrals}")
}

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
            "codes": [super::reward_placeholder_code(id)],
        }));
    }
    for r in rewards {
        if let Some(effect) = &r.effect {
            let cid = reward_campaign_id(id, r.referrals);
            push(json!({
                "id": cid,
                "effect": effect,
                "codes": [super::reward_placeholder_code(&cid)],
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
                let tz = crate::time::parse_tz(timezone);
                if tz.is_none() {
                    err(
                        out,
                        at(&loc, &[k("timezone")]),
                        format!("unknown timezone '{timezone}'"),
                    );
                }
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

/// One person's addresses as one: trimmed and case-folded, the `+tag` of the local part
/// dropped, and for gmail.com and googlemail.com the dots of the local part dropped
/// (googlemail.com becomes gmail.com). `None` for text that is not an email.
pub fn canonical_email(email: &str) -> Option<String> {
    use caseless::Caseless;
    let text: String = email.trim().chars().default_case_fold().collect();
    let (local, domain) = text.rsplit_once('@')?;
    if local.is_empty()
        || domain.is_empty()
        || local.contains('@')
        || text.chars().any(char::is_whitespace)
        || !domain.contains('.')
        || domain.starts_with('.')
        || domain.ends_with('.')
    {
        return None;
    }
    let local = local.split('+').next().unwrap_or_default();
    if domain == "gmail.com" || domain == "googlemail.com" {
        return Some(format!("{}@gmail.com", local.replace('.', "")));
    }
    Some(format!("{local}@{domain}"))
}

/// Whom a code was made for: `(programme id, advocate, advocate's canonical email)`.
pub fn code_owner(snapshot: &Snapshot, norm: &str) -> Option<(String, String, Option<String>)> {
    let family = keys::issued_code(norm);
    let mut found = None;
    let mut email = None;
    for (key, v) in &snapshot.0 {
        let Some(m) = keys::member_of(&family, key) else {
            continue;
        };
        if *v <= 0 {
            continue;
        }
        if let Some(rest) = m.strip_prefix("referral=") {
            if let Some((p, a)) = rest.split_once("|advocate=") {
                found = Some((keys::unescape(p), keys::unescape(a)));
            }
        } else if let Some(e) = m.strip_prefix("email=") {
            email = Some(keys::unescape(e));
        }
    }
    found.map(|(p, a)| (p, a, email))
}

/// A friend found by evaluation: the programme (index), the advocate, the code as given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Friend {
    pub program: usize,
    pub advocate: String,
    pub code: String,
}

/// The families evaluation reads for referral: the friend's and their canonical email's of
/// every programme (codes' families are read as issued codes').
pub(crate) fn families(p: &Inner, input: &Input) -> Vec<String> {
    let Some(c) = input.customer.as_ref() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for r in &p.programs.referral {
        if let Some(id) = c.id.as_deref() {
            out.push(keys::referral(&r.id, "friend", id));
        }
        if let Some(e) = c.email.as_deref().and_then(canonical_email) {
            out.push(keys::referral(&r.id, "email", &e));
        }
    }
    out
}

impl Referral {
    pub fn advocate(&self, advocate: &str) -> String {
        keys::referral(&self.id, "advocate", advocate)
    }

    pub fn friend(&self, friend: &str) -> String {
        keys::referral(&self.id, "friend", friend)
    }

    /// Why `friend` (with `email`) cannot use `advocate`'s code at `now`, if they cannot.
    pub fn refusal(
        &self,
        work: &Work<'_>,
        advocate: (&str, Option<&str>),
        friend: Option<&str>,
        email: Option<&str>,
        now: i64,
    ) -> Option<(Reason, &'static str)> {
        if self.starts_at.is_some_and(|s| now < s) || self.ends_at.is_some_and(|e| now >= e) {
            return Some((Reason::NotActive, "the programme is not running"));
        }
        let Some(friend) = friend else {
            return Some((Reason::LimitReached, "customer required"));
        };
        if friend == advocate.0 {
            return Some((Reason::SelfReferral, "own code"));
        }
        let canonical = email.and_then(canonical_email);
        if canonical.is_some() && canonical.as_deref() == advocate.1 {
            return Some((Reason::SelfReferral, "same email"));
        }
        if work.get(&keys::member(&self.friend(friend), "referred")) > 0 {
            return Some((Reason::AlreadyReferred, "referred before"));
        }
        if let Some(e) = &canonical {
            if work.get(&keys::member(
                &keys::referral(&self.id, "email", e),
                "referred",
            )) > 0
            {
                return Some((Reason::AlreadyReferred, "same email referred before"));
            }
        }
        None
    }

    /// Marks `friend` as referred by `advocate`: bounds let only the first referrer win.
    pub fn refer(&self, work: &mut Work<'_>, advocate: &str, friend: &str, email: Option<&str>) {
        let ff = self.friend(friend);
        work.add(&keys::member(&ff, "referred"), 1, Some(1), Some(1));
        work.add(
            &keys::member(&ff, &keys::named("by", advocate)),
            1,
            Some(1),
            Some(1),
        );
        if let Some(e) = email.and_then(canonical_email) {
            let ef = keys::referral(&self.id, "email", &e);
            work.add(&keys::member(&ef, "referred"), 1, Some(1), Some(1));
        }
        let af = self.advocate(advocate);
        work.add(
            &keys::member(&af, &keys::named("friend", friend)),
            1,
            Some(1),
            Some(1),
        );
        work.add(&keys::member(&af, "referred"), 1, None, None);
    }

    /// The advocate who referred `friend` and whether the friend converted already.
    pub fn referrer(&self, work: &Work<'_>, friend: &str) -> Option<(String, bool)> {
        let ff = self.friend(friend);
        work.members(&ff).into_iter().find_map(|(m, v)| {
            let a = m.strip_prefix("by=")?;
            (v > 0).then(|| (keys::unescape(a), v >= 2))
        })
    }

    /// The period members of the limits at `now`, with their maximum.
    fn periods(&self, now: i64) -> Vec<(String, i64)> {
        self.limits
            .iter()
            .map(|l| {
                let member = match l.every {
                    None => "period=all".to_owned(),
                    Some((every, tz)) => format!(
                        "period={}:{}",
                        crate::state::keys::every_name(every),
                        crate::state::keys::period(every, tz, now).unwrap_or_default()
                    ),
                };
                (member, l.max)
            })
            .collect()
    }

    /// Converts `friend` (referred, not converted yet): counts the conversion, and within
    /// the limits counts it as rewarded and issues every tier reached. `codes` are fresh
    /// codes (display forms) for rewards that need one. Returns what it did, or `None` when
    /// the friend is not a pending referral of this programme.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn convert(
        &self,
        p: &Inner,
        work: &mut Work<'_>,
        friend: &str,
        now: i64,
        codes: &mut Vec<String>,
        source: J,
        events: &mut Vec<Event>,
    ) -> Result<Option<J>, String> {
        let Some((advocate, converted)) = self.referrer(work, friend) else {
            return Ok(None);
        };
        if converted {
            return Ok(None);
        }
        let ff = self.friend(friend);
        work.add(
            &keys::member(&ff, &keys::named("by", &advocate)),
            1,
            Some(2),
            Some(2),
        );
        let af = self.advocate(&advocate);
        let fm = keys::member(&af, &keys::named("friend", friend));
        work.add(&fm, 1, Some(2), Some(2));
        work.add(&keys::member(&af, "converted"), 1, None, None);
        let periods = self.periods(now);
        let within = periods
            .iter()
            .all(|(m, max)| work.get(&keys::member(&af, m)) < *max);
        let mut issued = Vec::new();
        let start = events.len();
        let rewarded_key = keys::member(&af, "rewarded");
        let mut rewarded = work.get(&rewarded_key);
        if within {
            for (m, max) in &periods {
                work.add(&keys::member(&af, m), 1, None, Some(*max));
            }
            rewarded += 1;
            work.add(&rewarded_key, 1, Some(rewarded), Some(rewarded));
            work.add(&fm, 1, Some(3), Some(3));
            let tier_key = keys::member(&af, "tier");
            let tier = work.get(&tier_key);
            let mut reached = tier;
            for r in &self.rewards {
                if r.referrals > tier && r.referrals <= rewarded {
                    issued.push(self.issue(p, work, r, &advocate, friend, now, codes, events)?);
                    reached = r.referrals;
                }
            }
            if reached != tier {
                work.add(&tier_key, reached - tier, Some(reached), Some(reached));
            }
        }
        let next = self.rewards.iter().find(|r| r.referrals > rewarded);
        let answer = json!({
            "program": self.id,
            "advocate": advocate,
            "friend": friend,
            "rewarded": within,
            "referrals": rewarded,
            "next_tier": next.map(|r| r.referrals),
            "to_next_tier": next.map(|r| r.referrals - rewarded),
            "rewards": issued,
        });
        let mut payload = json!({
            "program": self.id,
            "friend_id": friend,
            "rewarded": within,
            "referrals": rewarded,
            "next_tier": next.map(|r| r.referrals),
            "to_next_tier": next.map(|r| r.referrals - rewarded),
        });
        if let (Some(obj), J::Object(more)) = (payload.as_object_mut(), source) {
            obj.extend(more);
        }
        // Before the rewards' events: the CRM learns of the conversion, then of each reward.
        events.insert(
            start,
            Event::new("referral_converted", Some(&advocate), payload),
        );
        Ok(Some(answer))
    }

    /// Issues one reward tier to `advocate`.
    #[allow(clippy::too_many_arguments)]
    fn issue(
        &self,
        p: &Inner,
        work: &mut Work<'_>,
        r: &CReferralReward,
        advocate: &str,
        friend: &str,
        now: i64,
        codes: &mut Vec<String>,
        events: &mut Vec<Event>,
    ) -> Result<J, String> {
        let mut base = json!({"program": self.id, "referrals": r.referrals, "friend_id": friend});
        let extra = match &r.kind {
            RewardKind::Code(ci) => {
                let code = fresh_code(work, codes)?;
                let campaign = &p.campaigns[*ci].id;
                let cfam = keys::issued_code(&code_key(&code));
                work.add(
                    &keys::member(&cfam, &keys::owner(campaign, advocate)),
                    1,
                    None,
                    Some(1),
                );
                json!({"kind": "code", "code": code, "campaign_id": campaign})
            }
            RewardKind::Points { program, points } => {
                let l: &Loyalty = p
                    .programs
                    .loyalty(program)
                    .ok_or_else(|| format!("no loyalty programme {program:?}"))?;
                let family = keys::loyalty(&l.id, advocate);
                let lot = l.credit(work, &family, *points, l.today(now), false);
                events.push(l.earned_event(
                    advocate,
                    *points,
                    &lot,
                    "referral",
                    json!({"referral_program": self.id}),
                ));
                l.announce(work, &family, advocate, now, events);
                json!({"kind": "points", "points": points, "points_program": l.id})
            }
            RewardKind::GiftCard(minor) => {
                let code = fresh_code(work, codes)?;
                gift_cards::issue(
                    work,
                    &code_key(&code),
                    &code,
                    *minor,
                    &p.def.currency,
                    None,
                    Some(advocate),
                    events,
                    p.exponent,
                )?;
                json!({"kind": "gift_card", "code": code,
                       "amount": crate::money::from_minor(i128::from(*minor), p.exponent).to_string()})
            }
        };
        if let (Some(obj), J::Object(more)) = (base.as_object_mut(), extra) {
            obj.extend(more);
        }
        events.push(Event::new("reward_issued", Some(advocate), base.clone()));
        Ok(base)
    }

    /// What `engine.referrals` answers for `advocate`.
    pub fn progress(&self, work: &Work<'_>, advocate: &str) -> J {
        let af = self.advocate(advocate);
        let (mut pending, mut converted, mut rewarded) = (0, 0, 0);
        let mut friends = Vec::new();
        for (m, v) in work.members(&af) {
            let Some(f) = m.strip_prefix("friend=") else {
                continue;
            };
            let status = match v {
                1 => "pending",
                2 => "converted",
                3 => "rewarded",
                _ => continue,
            };
            pending += i64::from(v == 1);
            converted += i64::from(v >= 2);
            rewarded += i64::from(v == 3);
            friends.push(json!([keys::unescape(f), status]));
        }
        let next = self.rewards.iter().find(|r| r.referrals > rewarded);
        json!({
            "program": self.id,
            "has_code": work.get(&keys::member(&af, "code")) > 0,
            "pending": pending,
            "converted": converted,
            "rewarded": rewarded,
            "tier": work.get(&keys::member(&af, "tier")),
            "next_tier": next.map(|r| r.referrals),
            "to_next_tier": next.map(|r| r.referrals - rewarded),
            "friends": friends,
        })
    }
}

/// The first of `codes` whose family holds nothing (no code, no gift card), taken out.
fn fresh_code(work: &Work<'_>, codes: &mut Vec<String>) -> Result<String, String> {
    while !codes.is_empty() {
        let code = codes.remove(0);
        let norm = code_key(&code);
        if norm.is_empty() {
            continue;
        }
        if work.members(&keys::issued_code(&norm)).is_empty()
            && work.members(&keys::gift_card(&norm)).is_empty()
        {
            return Ok(code);
        }
    }
    Err("no fresh code left for a referral reward: give more codes".to_owned())
}

/// Moves given advocates' codes from `unknown` to the friend campaign (when the friend may
/// use them) and returns the rejections of the others and the friends found.
pub(crate) fn match_codes<'a>(
    p: &'a Inner,
    input: &'a Input,
    snapshot: Option<&Snapshot>,
    matched: &mut [Option<&'a str>],
    unknown: &mut Vec<&'a str>,
) -> (Vec<Rejected>, Vec<Friend>) {
    let mut out = Vec::new();
    let mut found = Vec::new();
    let Some(snapshot) = snapshot else {
        return (out, found);
    };
    if p.programs.referral.is_empty() {
        return (out, found);
    }
    let customer = input.customer.as_ref();
    let friend = customer.and_then(|c| c.id.as_deref());
    let email = customer.and_then(|c| c.email.as_deref());
    let work = Work::new(snapshot);
    unknown.retain(|raw| {
        let norm = code_key(raw);
        let Some((program, advocate, adv_email)) = code_owner(snapshot, &norm) else {
            return true;
        };
        let Some(ri) = p.programs.referral.iter().position(|r| r.id == program) else {
            return true;
        };
        let r = &p.programs.referral[ri];
        if found.iter().any(|f: &Friend| f.program == ri) {
            return false; // one advocate's code per programme per order
        }
        let now = input.context.now;
        if let Some((reason, detail)) =
            r.refusal(&work, (&advocate, adv_email.as_deref()), friend, email, now)
        {
            let mut rej = rejected(Some(&r.id), Some(raw), reason);
            rej.detail = Some(detail.to_owned());
            out.push(rej);
            return false;
        }
        if let Some(ci) = r.friend_campaign {
            if matched[ci].is_none() {
                matched[ci] = Some(raw);
            }
        }
        found.push(Friend {
            program: ri,
            advocate,
            code: (*raw).to_owned(),
        });
        false
    });
    (out, found)
}

fn esc(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    keys::escape_into(&mut out, value);
    out
}

/// Records `advocate`'s new code `code` (display form; its family must be empty): the
/// code names its advocate (and their canonical email, for `self_referral`), the advocate
/// holds one code, and `code_assigned` goes out.
pub fn assign(
    r: &Referral,
    work: &mut Work<'_>,
    advocate: &str,
    code: &str,
    email: Option<&str>,
    events: &mut Vec<Event>,
) -> Result<(), String> {
    let norm = code_key(code);
    let cfam = keys::issued_code(&norm);
    if norm.is_empty() || !work.members(&cfam).is_empty() {
        return Err(format!("code {code:?} is already issued"));
    }
    let af = r.advocate(advocate);
    if work.get(&keys::member(&af, "code")) > 0 {
        return Err(format!("advocate {advocate:?} already has a code"));
    }
    let owner = format!("referral={}|advocate={}", esc(&r.id), esc(advocate));
    work.add(&keys::member(&cfam, &owner), 1, Some(1), Some(1));
    if let Some(e) = email.and_then(canonical_email) {
        work.add(
            &keys::member(&cfam, &keys::named("email", &e)),
            1,
            Some(1),
            Some(1),
        );
    }
    work.add(&keys::member(&af, "code"), 1, Some(1), Some(1));
    events.push(Event::new(
        "code_assigned",
        Some(advocate),
        json!({"program": r.id, "campaign_id": r.id, "code": code, "kind": "referral"}),
    ));
    Ok(())
}

/// Families to read once the first read named the referrers: each advocate's (those
/// `given` by a code, or the friend's referrer in `snapshot` for programmes converting on
/// orders, or on `event`), the loyalty families their points rewards credit, and the
/// families of the fresh `codes`.
pub(crate) fn follow(
    p: &Inner,
    snapshot: &Snapshot,
    friend: &str,
    given: Vec<(usize, String)>,
    codes: &[String],
    event: Option<&str>,
) -> Vec<String> {
    let only: Vec<usize> = p
        .programs
        .referral
        .iter()
        .enumerate()
        .filter(|(_, r)| r.on.as_deref() == event)
        .map(|(i, _)| i)
        .collect();
    let mut out = follow_only(p, snapshot, friend, &only, codes);
    for (ri, advocate) in given {
        push_advocate(p, &p.programs.referral[ri], &advocate, codes, &mut out);
    }
    out
}

/// [`follow`] for the programmes `only`.
pub(crate) fn follow_only(
    p: &Inner,
    snapshot: &Snapshot,
    friend: &str,
    only: &[usize],
    codes: &[String],
) -> Vec<String> {
    let work = Work::new(snapshot);
    let mut out = Vec::new();
    for &ri in only {
        let r = &p.programs.referral[ri];
        if let Some((advocate, false)) = r.referrer(&work, friend) {
            push_advocate(p, r, &advocate, codes, &mut out);
        }
    }
    out
}

fn push_advocate(p: &Inner, r: &Referral, advocate: &str, codes: &[String], out: &mut Vec<String>) {
    let mut add = |f: String| {
        if !out.contains(&f) {
            out.push(f);
        }
    };
    add(r.advocate(advocate));
    for reward in &r.rewards {
        match &reward.kind {
            RewardKind::Points { program, .. } => add(keys::loyalty(program, advocate)),
            RewardKind::Code(_) | RewardKind::GiftCard(_) => {
                for c in codes {
                    let norm = code_key(c);
                    add(keys::issued_code(&norm));
                    add(keys::gift_card(&norm));
                }
            }
        }
    }
    let _ = p;
}

/// The referral part of a checkout by `friend`: a given advocate's code whose friend's
/// effect applied (or any, single-sided) refers the friend; then every programme converting
/// on orders converts a pending friend when `conversion` holds on this order.
#[allow(clippy::too_many_arguments)]
pub(crate) fn checkout<'a>(
    p: &'a Inner,
    work: &mut Work<'_>,
    input: &'a Input,
    friend: &str,
    applied: &[&str],
    ctx: &mut crate::eval::expr::Ctx<'a>,
    codes: &mut Vec<String>,
    order_id: Option<&str>,
    events: &mut Vec<Event>,
) -> Result<(), String> {
    if p.programs.referral.is_empty() {
        return Ok(());
    }
    let mut matched: Vec<Option<&str>> = vec![None; p.campaigns.len()];
    let mut unknown: Vec<&str> = input
        .codes
        .iter()
        .map(String::as_str)
        .filter(|c| !p.codes.contains_key(&code_key(c)))
        .collect();
    let snapshot = Snapshot(work.values());
    let (_, friends) = match_codes(p, input, Some(&snapshot), &mut matched, &mut unknown);
    let email = input.customer.as_ref().and_then(|c| c.email.as_deref());
    for f in friends {
        let r = &p.programs.referral[f.program];
        let took = r
            .friend_campaign
            .is_none_or(|ci| applied.contains(&p.campaigns[ci].id.as_str()));
        if took {
            r.refer(work, &f.advocate, friend, email);
        }
    }
    for r in &p.programs.referral {
        if r.on.is_some() {
            continue;
        }
        let holds = r
            .conversion
            .as_ref()
            .is_none_or(|rule| crate::eval::explain::holds(ctx, rule));
        if holds {
            r.convert(
                p,
                work,
                friend,
                input.context.now,
                codes,
                json!({"via": "order", "order_id": order_id}),
                events,
            )?;
        }
    }
    Ok(())
}

/// The `referral_reversed` events of a rollback's `deltas` (one per conversion it undoes),
/// with the rewards taken back; `cards` are `(balance key, issued, recovered)`.
pub(crate) fn reversals(
    deltas: &[(String, i64, Option<i64>, Option<i64>)],
    cards: &[(String, i64, i64)],
    exponent: u32,
) -> Vec<Event> {
    let mut out = Vec::new();
    for (key, add, _, _) in deltas {
        let Some((family, "converted")) = key.split_once('#') else {
            continue;
        };
        let Some(rest) = family.strip_prefix("referral|program=") else {
            continue;
        };
        let Some((program, advocate)) = rest.split_once("|advocate=") else {
            continue;
        };
        if *add <= 0 {
            continue;
        }
        let (program, advocate) = (keys::unescape(program), keys::unescape(advocate));
        let friend = deltas.iter().find_map(|(k, _, _, _)| {
            let m = keys::member_of(family, k)?;
            m.strip_prefix("friend=").map(keys::unescape)
        });
        let prefix = format!("campaign={}:", esc(&program));
        let codes: Vec<String> = deltas
            .iter()
            .filter(|(k, n, _, _)| *n > 0 && k.starts_with("code|code="))
            .filter_map(|(k, _, _, _)| {
                let (f, m) = k.split_once('#')?;
                m.starts_with(&prefix)
                    .then(|| keys::unescape(f.trim_start_matches("code|code=")))
            })
            .collect();
        let gift_cards: Vec<J> = cards
            .iter()
            .map(|(k, issued, took)| {
                let code = k
                    .trim_start_matches("gift_card|code=")
                    .trim_end_matches("#balance");
                json!({
                    "code": keys::unescape(code),
                    "amount": crate::money::from_minor(i128::from(*issued), exponent).to_string(),
                    "recovered": crate::money::from_minor(i128::from(*took), exponent).to_string(),
                })
            })
            .collect();
        out.push(Event::new(
            "referral_reversed",
            Some(&advocate),
            json!({"program": program, "friend_id": friend, "codes": codes,
                   "gift_cards": gift_cards}),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_fold_tags_and_gmail_dots() {
        assert_eq!(
            canonical_email(" Ana.Nowak+shop@GoogleMail.com ").as_deref(),
            Some("ananowak@gmail.com")
        );
        assert_eq!(
            canonical_email("ana.nowak+x@example.com").as_deref(),
            Some("ana.nowak@example.com")
        );
        assert_eq!(canonical_email("no-at-sign"), None);
        assert_eq!(canonical_email("a@nodot"), None);
    }
}
