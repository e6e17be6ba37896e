//! Gift cards: balances in minor units, paying after discounts (DESIGN section 10).
//!
//! A card is a family ([`keys::gift_card`]) with `balance`, `status` (1 active, 2
//! inactive, 0 no such card), `expires` (microseconds, 0 never) and `currency=<code>`. Paying
//! takes `min(balance, still due)` with `min: 0`, so two concurrent orders never take more
//! than the card holds: the second one's delta fails on the latest balance and it decides
//! again.

use serde_json::json;

use super::keys;
use super::work::Work;
use super::Event;
use crate::outcome::Reason;

/// A card as the state holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Card {
    pub balance: i64,
    pub status: i64,
    pub expires: Option<i64>,
    pub currency: Option<String>,
}

pub fn read(work: &Work<'_>, code: &str) -> Card {
    let family = keys::gift_card(code);
    let currency = work.members(&family).into_iter().find_map(|(m, v)| {
        (v > 0)
            .then_some(m)?
            .strip_prefix("currency=")
            .map(keys::unescape)
    });
    let expires = work.get(&keys::member(&family, "expires"));
    Card {
        balance: work.get(&keys::member(&family, "balance")),
        status: work.get(&keys::member(&family, "status")),
        expires: (expires != 0).then_some(expires),
        currency,
    }
}

/// Why a card cannot pay now, if it cannot.
pub fn refusal(card: &Card, currency: &str, now: i64) -> Option<(Reason, Option<&'static str>)> {
    if card.status == 0 {
        return Some((Reason::UnknownCode, Some("gift_card")));
    }
    if card.currency.as_deref() != Some(currency) {
        return Some((Reason::CurrencyMismatch, Some("gift_card")));
    }
    if card.status != 1 {
        return Some((Reason::GiftCardInactive, None));
    }
    if card.expires.is_some_and(|e| now >= e) {
        return Some((Reason::GiftCardExpired, None));
    }
    if card.balance <= 0 {
        return Some((Reason::GiftCardEmpty, None));
    }
    None
}

/// Takes up to `due` minor units from a card that may pay; returns what it took.
pub fn take(work: &mut Work<'_>, code: &str, due: i64) -> i64 {
    let key = keys::member(&keys::gift_card(code), "balance");
    let take = work.get(&key).min(due).max(0);
    if take > 0 {
        work.add(&key, -take, Some(0), None);
    }
    take
}

/// Why a gift-card operation is refused: a message for the caller's error.
pub type Refused = String;

/// Issues a card: it must not exist (`status` moves from 0 to 1 with both bounds 1).
#[allow(clippy::too_many_arguments)]
pub fn issue(
    work: &mut Work<'_>,
    code: &str,
    display: &str,
    amount: i64,
    currency: &str,
    expires: Option<i64>,
    customer: Option<&str>,
    events: &mut Vec<Event>,
    exponent: u32,
) -> Result<(), Refused> {
    let family = keys::gift_card(code);
    if read(work, code).status != 0 {
        return Err(format!("gift card {display:?} already exists"));
    }
    if amount < 0 {
        return Err("a gift card's amount must not be negative".to_owned());
    }
    work.add(&keys::member(&family, "status"), 1, Some(1), Some(1));
    work.add(&keys::member(&family, "balance"), amount, None, None);
    let mut cur = String::from("currency=");
    keys::escape_into(&mut cur, currency);
    work.add(&keys::member(&family, &cur), 1, Some(1), Some(1));
    if let Some(e) = expires {
        work.add(&keys::member(&family, "expires"), e, Some(e), Some(e));
    }
    events.push(Event::new(
        "gift_card_issued",
        customer,
        json!({
            "code": display,
            "amount": crate::money::from_minor(i128::from(amount), exponent).to_string(),
            "currency": currency,
            "expires_at": expires,
        }),
    ));
    Ok(())
}

/// Adds to an active card's balance.
pub fn top_up(work: &mut Work<'_>, code: &str, display: &str, amount: i64) -> Result<(), Refused> {
    let card = read(work, code);
    if card.status == 0 {
        return Err(format!("no gift card {display:?}"));
    }
    if card.status != 1 {
        return Err(format!("gift card {display:?} is inactive"));
    }
    if amount <= 0 {
        return Err("a top-up must be positive".to_owned());
    }
    let family = keys::gift_card(code);
    // The card must still be active when this applies.
    work.add(&keys::member(&family, "status"), 0, Some(1), Some(1));
    work.add(&keys::member(&family, "balance"), amount, None, None);
    Ok(())
}

/// Deactivates a card (idempotent): it pays nothing from then on.
pub fn deactivate(work: &mut Work<'_>, code: &str, display: &str) -> Result<(), Refused> {
    let card = read(work, code);
    if card.status == 0 {
        return Err(format!("no gift card {display:?}"));
    }
    if card.status == 1 {
        let key = keys::member(&keys::gift_card(code), "status");
        work.add(&key, 1, Some(2), Some(2));
    }
    Ok(())
}
