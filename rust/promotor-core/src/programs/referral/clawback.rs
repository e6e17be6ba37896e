//! Clawback: rolling back the order (or event) that converted reverses its deltas (see
//! `ops/rollback.rs`); here, the `referral_reversed` events saying what was taken back.

use serde_json::{json, Value as J};

use super::esc;
use crate::programs::{keys, Event};

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
