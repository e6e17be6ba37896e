//! Codes a programme issues into a wallet (a reward's code): kept by the store as the family
//! [`keys::issued_code`] of the code, with one member naming its campaign and customer and a
//! `used` counter. Evaluation reads the family of every given code that no campaign defines,
//! so such a code is accepted for the customer it was issued to (`not_assigned_to_customer`
//! for anyone else) and once (`limit_reached`, detail `per_code`, once used).

use std::collections::HashMap;

use rust_decimal::Decimal;

use super::{code_key, keys};
use crate::compile::Inner;
use crate::eval::rejected;
use crate::input::Input;
use crate::outcome::{Reason, Rejected, Reported};
use crate::state::{Delta, Snapshot};

/// The families evaluation reads for `input`: those of given codes no campaign defines, when
/// the engine has reward campaigns.
pub(crate) fn families(p: &Inner, input: &Input) -> Vec<String> {
    if !p.programs.reads_codes() {
        return Vec::new();
    }
    let mut out: Vec<String> = Vec::new();
    for raw in &input.codes {
        let norm = code_key(raw);
        if norm.is_empty() || p.codes.contains_key(&norm) {
            continue;
        }
        let f = keys::issued_code(&norm);
        if !out.contains(&f) {
            out.push(f);
        }
    }
    out
}

/// Who a code was issued to: `(campaign index, customer, used)`.
fn owner(p: &Inner, snapshot: &Snapshot, norm: &str) -> Option<(usize, String, bool)> {
    let family = keys::issued_code(norm);
    let mut found = None;
    let mut used = false;
    for (m, v) in snapshot.members(&family) {
        if m == "used" {
            used = v > 0;
        } else if v > 0 {
            if let Some((campaign, customer)) = keys::parse_owner(m) {
                let ci = p.campaigns.iter().position(|c| c.id == campaign)?;
                found = Some((ci, customer));
            }
        }
    }
    found.map(|(ci, c)| (ci, c, used))
}

/// Moves the given codes that a store issued from `unknown` to `matched` (for the customer
/// they were issued to, unused), and returns the rejections of the others.
pub(crate) fn match_issued<'a>(
    p: &'a Inner,
    input: &'a Input,
    snapshot: Option<&Snapshot>,
    matched: &mut [Option<&'a str>],
    unknown: &mut Vec<&'a str>,
    issued: &mut HashMap<usize, String>,
) -> Vec<Rejected> {
    let mut out = Vec::new();
    let Some(snapshot) = snapshot else {
        return out;
    };
    if !p.programs.reads_codes() {
        return out;
    }
    let customer = input.customer.as_ref().and_then(|c| c.id.as_deref());
    unknown.retain(|raw| {
        let norm = code_key(raw);
        let Some((ci, owner_id, used)) = owner(p, snapshot, &norm) else {
            return true;
        };
        let id = p.campaigns[ci].id.as_str();
        if customer != Some(owner_id.as_str()) {
            out.push(rejected(Some(id), Some(raw), Reason::NotAssignedToCustomer));
        } else if used {
            let mut r = rejected(Some(id), Some(raw), Reason::LimitReached);
            r.detail = Some("per_code".to_owned());
            r.actual = Some(Reported::Num(Decimal::ONE));
            r.expected = Some(Reported::Num(Decimal::ONE));
            out.push(r);
        } else if matched[ci].is_none() {
            matched[ci] = Some(raw);
            issued.insert(ci, norm);
        }
        false
    });
    out
}

/// `used += 1 (stays <= 1)` for each issued code whose campaign applied.
pub fn used_deltas<S: std::hash::BuildHasher>(
    issued: &HashMap<usize, String, S>,
    applied: &[usize],
) -> Vec<Delta> {
    let mut out = Vec::new();
    for ci in applied {
        if let Some(norm) = issued.get(ci) {
            out.push(Delta {
                key: keys::member(&keys::issued_code(norm), "used"),
                add: 1,
                max: Some(1),
                min: None,
            });
        }
    }
    out
}
