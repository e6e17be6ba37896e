//! `rollback`: spent points, card payments and limit counters are reversed as they were;
//! earned points are taken back where they are now (pending first, then available, then as
//! a debt); a gift card the order issued gives back what is left of it; referral conversions
//! the order made are reported reversed; a referral the order made is undone only while the
//! friend has not converted since (`referral::unrefer`).

use serde_json::{json, Value as J};

use super::super::work::Work;
use super::super::{keys, Event};
use crate::compile::Program;

/// The loyalty family a key belongs to, with its programme id and customer.
pub(super) fn loyalty_family(key: &str) -> Option<(String, String, String)> {
    let (family, _) = key.split_once('#')?;
    let rest = family.strip_prefix("loyalty|program=")?;
    let (program, customer) = rest.split_once("|customer=")?;
    Some((
        family.to_owned(),
        keys::unescape(program),
        keys::unescape(customer),
    ))
}

impl Program {
    /// Decides [`super::Op::Rollback`] of a redemption's or entry's `deltas`.
    pub(super) fn rollback(
        &self,
        deltas: &[(String, i64, Option<i64>, Option<i64>)],
        now: i64,
        work: &mut Work<'_>,
        events: &mut Vec<Event>,
    ) -> Result<J, String> {
        let p = &*self.0;
        let mut takebacks = Vec::new();
        let mut touched: Vec<(String, String, String)> = Vec::new();
        let mut cards = Vec::new();
        let decided = super::super::referral::unrefer(work, deltas);
        for (key, add, _, _) in deltas {
            if decided.contains(key) {
                continue;
            }
            let Some(fam) = loyalty_family(key) else {
                if *add > 0 && key.starts_with("gift_card|") && key.ends_with("#balance") {
                    // A card the order issued (a referral reward) gives back what is
                    // left of it: what was spent from it is not recovered.
                    let took = work.get(key).clamp(0, *add);
                    work.add(key, -took, Some(0), None);
                    cards.push((key.clone(), *add, took));
                    continue;
                }
                work.add(key, -add, None, None);
                continue;
            };
            let member = keys::member_of(&fam.0, key).unwrap_or_default().to_owned();
            let known = p.programs.loyalty(&fam.1).is_some();
            if !touched.contains(&fam) {
                touched.push(fam.clone());
            }
            if member == "tier" || member.starts_with("notice=") {
                continue;
            }
            if known && member.starts_with("lot=") && *add > 0 {
                takebacks.push((fam.clone(), member, *add));
            } else {
                work.add(key, -add, None, None);
            }
        }
        let mut taken = Vec::new();
        for ((family, program, customer), member, n) in takebacks {
            let l = self.loyalty_of(&program)?;
            let (from_lots, owed) = l.take_back(work, &family, n, Some(&member), l.today(now));
            taken.push(json!({"program": program, "customer_id": customer,
                              "points": n, "owed": owed, "from_lots": from_lots}));
        }
        for (family, program, customer) in &touched {
            if let Some(l) = p.programs.loyalty(program) {
                l.announce(work, family, customer, now, events);
            }
        }
        events.extend(super::super::referral::reversals(
            deltas, &cards, p.exponent,
        ));
        Ok(json!({"taken_back": taken}))
    }
}
