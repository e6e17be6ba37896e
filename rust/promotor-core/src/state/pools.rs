//! Code pools (DESIGN section 9): the unique codes of campaigns with `unique_codes`, kept by a
//! store, one row per code (its normalised key, display form, campaign and, once assigned,
//! customer).
//!
//! Evaluation reads them in two steps, like counters: the core names the keys to look up
//! ([`lookups`]: the given codes that no campaign defines, only when some campaign has
//! `unique_codes`), the store answers with the rows it has ([`PoolCodes`]), and the core decides
//! ([`match_pool`]):
//!
//! - a code of the pool of a `unique_codes` campaign of this engine makes that campaign a
//!   candidate, with the code's display form as its matched code (`Applied.code`), when the code
//!   is free or assigned to this customer;
//! - a code assigned to another customer (or given without a customer id) is rejected
//!   `not_assigned_to_customer`, with its campaign id;
//! - anything else (no row, or a row of a campaign this engine does not define or that has no
//!   `unique_codes`) is `unknown_code`, the same answer as for a code that exists nowhere.
//!
//! Rejections of pool codes come after the candidates' and before the unknown codes, each in
//! the order the codes were given. Per-code limits count pool codes by their key as for any
//! code, so `limit(1, per="code")` makes one-time codes.

use std::collections::HashMap;

use crate::compile::Inner;
use crate::eval::rejected;
use crate::input::Input;
use crate::outcome::{Reason, Rejected};

/// One code of a pool, as a store keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolCode {
    /// The campaign whose pool holds it.
    pub campaign: String,
    /// The code as it was added (its display form).
    pub code: String,
    /// The customer it is assigned to, if any.
    pub customer: Option<String>,
}

/// The pool rows a store found for the looked-up keys, by normalised key.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PoolCodes(pub HashMap<String, PoolCode>);

impl FromIterator<(String, PoolCode)> for PoolCodes {
    fn from_iter<I: IntoIterator<Item = (String, PoolCode)>>(iter: I) -> Self {
        Self(iter.into_iter().collect())
    }
}

/// The normalised keys a store looks up for `input`: the given codes that no campaign defines
/// (valid, non-empty, once each, in the order given). Empty when no campaign has
/// `unique_codes`, so such engines never look up a code.
pub(crate) fn lookups(p: &Inner, input: &Input) -> Vec<String> {
    if !p.pooled {
        return Vec::new();
    }
    let case_sensitive = p.def.codes_case_sensitive;
    let mut out: Vec<String> = Vec::new();
    for raw in &input.codes {
        // Stores index pools by the case-insensitive key; a case-sensitive engine looks up by
        // it too and compares the row's display form in `match_pool`.
        let (Ok(norm), Ok(own)) = (
            crate::codes::key(raw),
            crate::codes::key_with(raw, case_sensitive),
        ) else {
            continue;
        };
        if norm.is_empty() || p.codes.contains_key(&own) || out.contains(&norm) {
            continue;
        }
        out.push(norm);
    }
    out
}

/// The index of the `unique_codes` campaign `id`, if this engine has one.
pub(crate) fn pooled_campaign(p: &Inner, id: &str) -> Option<usize> {
    p.def
        .campaigns
        .iter()
        .position(|c| c.id == id && c.unique_codes)
}

/// Moves the given codes found in a pool from `unknown` to `matched` (by campaign index, the
/// code's display form; the first such code of a campaign wins, as for defined codes) and
/// returns the rejections of those assigned to someone else.
pub(crate) fn match_pool<'a>(
    p: &'a Inner,
    input: &'a Input,
    pools: &'a PoolCodes,
    matched: &mut [Option<&'a str>],
    unknown: &mut Vec<&'a str>,
) -> Vec<Rejected> {
    let mut out = Vec::new();
    if !p.pooled || pools.0.is_empty() {
        return out;
    }
    let customer = input.customer.as_ref().and_then(|c| c.id.as_deref());
    unknown.retain(|raw| {
        let Ok(norm) = crate::codes::key(raw) else {
            return true;
        };
        let Some(row) = pools.0.get(&norm) else {
            return true;
        };
        if p.def.codes_case_sensitive
            && crate::codes::key_with(raw, true).ok()
                != crate::codes::key_with(&row.code, true).ok()
        {
            return true;
        }
        let Some(ci) = pooled_campaign(p, &row.campaign) else {
            return true;
        };
        if row.customer.is_some() && row.customer.as_deref() != customer {
            out.push(rejected(
                Some(p.campaigns[ci].id.as_str()),
                Some(raw),
                Reason::NotAssignedToCustomer,
            ));
        } else if matched[ci].is_none() {
            matched[ci] = Some(row.code.as_str());
        }
        false
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compile::compile;
    use crate::input::Customer;
    use crate::ir::EngineDef;
    use crate::state::Snapshot;

    fn engine() -> crate::compile::Program {
        let def: EngineDef = serde_json::from_str(
            r#"{"version": 1, "currency": "USD", "campaigns": [
                {"id": "bf", "code": "BLCKFRDY", "effect": {"type": "amount_off",
                 "amount": {"type": "num", "value": "5"}}},
                {"id": "sorry", "unique_codes": true, "effect": {"type": "amount_off",
                 "amount": {"type": "num", "value": "10"}},
                 "limits": [{"type": "limit", "max": 1, "per": "code"}]},
                {"id": "plain", "effect": {"type": "amount_off",
                 "amount": {"type": "num", "value": "1"}}}
            ]}"#,
        )
        .unwrap();
        compile(&def).unwrap()
    }

    fn input(codes: &[&str], customer: Option<&str>) -> Input {
        let mut input: Input = serde_json::from_str(
            r#"{"cart": {"currency": null, "shipping": "0", "metadata": {}, "items": [
                {"sku": "A", "product": null, "category": null, "tags": [], "metadata": {},
                 "price": "30", "quantity": 1}]},
               "customer": null, "codes": [],
               "context": {"now": 0, "channel": null, "country": null, "metadata": {}}}"#,
        )
        .unwrap();
        input.codes = codes.iter().map(|c| (*c).to_owned()).collect();
        input.customer = customer.map(|id| Customer {
            id: Some(id.to_owned()),
            ..Customer::default()
        });
        input
    }

    fn row(campaign: &str, code: &str, customer: Option<&str>) -> PoolCode {
        PoolCode {
            campaign: campaign.to_owned(),
            code: code.to_owned(),
            customer: customer.map(str::to_owned),
        }
    }

    #[test]
    fn looks_up_only_codes_no_campaign_defines() {
        let p = engine();
        let keys = p.pool_lookups(&input(&["blckfrdy", " SRY-1 ", "sry-1", "", "x"], None));
        assert_eq!(keys, ["sry-1", "x"]);
    }

    #[test]
    fn pool_codes_decide_by_assignment() {
        let p = engine();
        let pools: PoolCodes = [
            ("sry-1".to_owned(), row("sorry", "SRY-1", Some("c1"))),
            ("sry-2".to_owned(), row("sorry", "SRY-2", None)),
            ("old-1".to_owned(), row("gone", "OLD-1", None)),
            ("pl-1".to_owned(), row("plain", "PL-1", None)),
        ]
        .into_iter()
        .collect();
        let empty = Snapshot::default();
        // Assigned to c1: c1 gets it, with the display form as the applied code.
        let (o, deltas) = p.decide_with(&input(&["sry-1"], Some("c1")), &empty, &pools, true);
        let applied: Vec<_> = o
            .applied
            .iter()
            .map(|a| (a.campaign_id.as_str(), a.code.as_deref()))
            .collect();
        assert!(applied.contains(&("sorry", Some("SRY-1"))), "{applied:?}");
        assert_eq!(deltas[0].key, "count|campaign=sorry|code=sry-1");
        // Anyone else, or no customer: not_assigned_to_customer, campaign id set.
        for customer in [Some("c2"), None] {
            let (o, _) = p.decide_with(&input(&["sry-1"], customer), &empty, &pools, true);
            let r = o
                .rejected
                .iter()
                .find(|r| r.code.as_deref() == Some("sry-1"))
                .unwrap();
            assert_eq!(r.reason, Reason::NotAssignedToCustomer);
            assert_eq!(r.campaign_id.as_deref(), Some("sorry"));
        }
        // A free code is anyone's; a code of a campaign without unique_codes, of a campaign
        // the engine does not define, or of no pool at all are all just unknown.
        let (o, _) = p.decide_with(&input(&["SRY-2"], None), &empty, &pools, true);
        assert!(o.applied.iter().any(|a| a.campaign_id == "sorry"));
        for code in ["old-1", "pl-1", "nowhere"] {
            let (o, _) = p.decide_with(&input(&[code], Some("c1")), &empty, &pools, true);
            let r = o
                .rejected
                .iter()
                .find(|r| r.code.as_deref() == Some(code))
                .unwrap();
            assert_eq!(
                (r.reason, r.campaign_id.as_deref()),
                (Reason::UnknownCode, None)
            );
        }
        // Used once: the per-code limit refuses it.
        let used: Snapshot = [("count|campaign=sorry|code=sry-1".to_owned(), 1)]
            .into_iter()
            .collect();
        let (o, _) = p.decide_with(&input(&["sry-1"], Some("c1")), &used, &pools, true);
        let r = o
            .rejected
            .iter()
            .find(|r| r.campaign_id.as_deref() == Some("sorry"))
            .unwrap();
        assert_eq!(
            (r.reason, r.detail.as_deref()),
            (Reason::LimitReached, Some("per_code"))
        );
    }
}
