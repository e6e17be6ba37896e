//! Clawback: rolling back the order (or event) that converted reverses its deltas (see
//! `ops/rollback.rs`); here, the `referral_reversed` events saying what was taken back, and
//! [`unrefer`]: what rolling back the order that referred a friend (without converting them)
//! does to the referral.

use serde_json::{json, Value as J};

use super::esc;
use crate::programs::work::Work;
use crate::programs::{keys, Event};

/// The referrals `deltas` made without converting the friend (an order that used an
/// advocate's code, the friend converting on none or a later one): per referral the friend's
/// `by=<advocate>` key and every key of `deltas` that referring moved.
pub(crate) fn referred(
    deltas: &[(String, i64, Option<i64>, Option<i64>)],
) -> Vec<(String, Vec<String>)> {
    let moved = |key: &str| deltas.iter().any(|(k, n, _, _)| k == key && *n == 1);
    let mut out = Vec::new();
    for (key, add, _, _) in deltas {
        let Some((family, member)) = key.split_once('#') else {
            continue;
        };
        let (Some(rest), Some(advocate)) = (
            family.strip_prefix("referral|program="),
            member.strip_prefix("by="),
        ) else {
            continue;
        };
        let Some((program, friend)) = rest.split_once("|friend=") else {
            continue;
        };
        // Referring adds 1; referring and converting on the same order adds 2.
        let referred = keys::member(family, "referred");
        if *add != 1 || !moved(&referred) {
            continue;
        }
        let af = format!("referral|program={program}|advocate={advocate}");
        let email = format!("referral|program={program}|email=");
        let mut made = vec![key.clone(), referred];
        made.extend(
            [format!("{af}#friend={friend}"), format!("{af}#referred")]
                .into_iter()
                .filter(|k| moved(k)),
        );
        made.extend(
            deltas
                .iter()
                .filter(|(k, n, _, _)| *n == 1 && k.starts_with(&email) && k.ends_with("#referred"))
                .map(|(k, _, _, _)| k.clone()),
        );
        out.push((key.clone(), made));
    }
    out
}

/// Rolls back the referrals an order made without converting the friend ([`referred`]);
/// returns the keys it decided on, which the plain reversal must leave alone. A friend still
/// pending is unreferred (the plain reversal, with `by` bounded so that a conversion
/// committed meanwhile makes the rollback decide again). A friend who converted since, on a
/// later order or an event, stays referred: that conversion stands until its own order is
/// rolled back (which leaves the friend pending), and reversing the referral under it would
/// leave `by=` at 1 (pending) with the advocate's `friend=` at 2 or 3, a state every later
/// conversion's bounds refuse, so the friend's orders could never commit again.
pub(crate) fn unrefer(
    work: &mut Work<'_>,
    deltas: &[(String, i64, Option<i64>, Option<i64>)],
) -> Vec<String> {
    let mut decided = Vec::new();
    for (by, made) in referred(deltas) {
        if work.get(&by) >= 2 {
            // Still converted when applied, or this decides again.
            work.add(&by, 0, Some(2), None);
            decided.extend(made);
        } else {
            work.add(&by, -1, None, Some(0));
            decided.push(by);
        }
    }
    decided
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
    use crate::state::Snapshot;

    const BY: &str = "referral|program=friends|friend=bob#by=ana";
    const FM: &str = "referral|program=friends|advocate=ana#friend=bob";

    /// The deltas of bob's first order with ana's code (referred, not converted).
    fn referring() -> Vec<(String, i64, Option<i64>, Option<i64>)> {
        [
            "referral|program=friends|friend=bob#referred",
            BY,
            "referral|program=friends|email=bob@x.com#referred",
            FM,
        ]
        .into_iter()
        .map(|k| (k.to_owned(), 1, Some(1), Some(1)))
        .chain([(
            "referral|program=friends|advocate=ana#referred".to_owned(),
            1,
            None,
            None,
        )])
        .collect()
    }

    #[test]
    fn a_pending_friend_is_unreferred_unless_a_conversion_commits_first() {
        let deltas = referring();
        let snap: Snapshot = deltas.iter().map(|d| (d.0.clone(), 1)).collect();
        let mut work = Work::new(&snap);
        assert_eq!(unrefer(&mut work, &deltas), vec![BY.to_owned()]);
        let d = &work.deltas()[0];
        assert_eq!(
            (d.key.as_str(), d.add, d.min, d.max),
            (BY, -1, None, Some(0))
        );
        assert!(d.holds(1) && !d.holds(2));
    }

    #[test]
    fn a_friend_converted_since_stays_referred() {
        let deltas = referring();
        let mut snap: Snapshot = deltas.iter().map(|d| (d.0.clone(), 1)).collect();
        snap.counters.insert(BY.to_owned(), 2);
        snap.counters.insert(FM.to_owned(), 3);
        let mut work = Work::new(&snap);
        let mut kept = unrefer(&mut work, &deltas);
        kept.sort();
        let mut all: Vec<String> = deltas.iter().map(|d| d.0.clone()).collect();
        all.sort();
        assert_eq!(kept, all);
        let d = &work.deltas()[0];
        assert_eq!(
            (d.key.as_str(), d.add, d.min, d.max),
            (BY, 0, Some(2), None)
        );
        assert!(d.holds(2) && !d.holds(1));
    }

    #[test]
    fn an_order_that_referred_and_converted_is_reversed_plainly() {
        let mut deltas = referring();
        deltas[1].1 = 2;
        assert!(referred(&deltas).is_empty());
    }
}
