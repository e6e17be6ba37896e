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
//!   so a tier it rewarded can be reached, and rewarded, again (see `ops::Op::Rollback`);
//!   rolling back the order that only referred the friend unrefers a friend still pending
//!   and keeps the referral of one who converted since ([`clawback::unrefer`]).
//!
//! Files: this one has the compiled types, code ownership, referring and an advocate's
//! progress; `compile.rs` the definition's checks and campaigns; `checkout.rs` a friend's
//! order (matching codes in evaluation, what a checkout reads next, refer and convert);
//! `convert.rs` conversions, limits and reward tiers; `clawback.rs` a rollback's events.

mod checkout;
mod clawback;
mod compile;
mod convert;

use chrono_tz::Tz;
use serde_json::{json, Value as J};

use super::work::Work;
use super::{code_key, keys, Event};
use crate::compile::node::Rule;
use crate::compile::Inner;
use crate::input::Input;
use crate::ir::Every;
use crate::outcome::Reason;
use crate::state::Snapshot;

pub(crate) use checkout::{checkout, follow, follow_only, match_codes};
pub(crate) use clawback::{referred, reversals, unrefer};
pub use compile::{campaigns, compile};

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
    for (m, v) in snapshot.members(&family) {
        if v <= 0 {
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
