//! A friend's order: evaluation matching given advocates' codes ([`match_codes`]), the
//! families a checkout reads once the first read named the referrers ([`follow`]), and the
//! checkout's referral part: refer, then convert where the conversion rule holds.

use serde_json::json;

use super::{code_owner, Friend, Referral, RewardKind};
use crate::compile::Inner;
use crate::eval::rejected;
use crate::input::Input;
use crate::outcome::Rejected;
use crate::programs::work::Work;
use crate::programs::{code_key, keys, Event};
use crate::state::Snapshot;

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
    let snapshot = Snapshot::from(work.values());
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
