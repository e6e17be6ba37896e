//! A conversion ([`Referral::convert`]): the friend counts as converted; within the limits
//! (per period) as rewarded too, and every reward tier reached is issued once (a code, points
//! or a gift card), the tier moving with both bounds set so racing conversions issue it once.

use serde_json::{json, Value as J};

use super::{CReferralReward, Referral, RewardKind};
use crate::compile::Inner;
use crate::programs::work::Work;
use crate::programs::{code_key, gift_cards, keys, Event, Loyalty};

impl Referral {
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
