//! The operations on programme state, each a pure function of (program, request, snapshot)
//! returning the deltas and events a store commits, and an answer for the caller:
//!
//! - [`Program::checkout`]: what `engine.redeem` decides beyond the discounts: gift cards and
//!   points pay what is due (cards in the order given, then points), and every loyalty
//!   programme earns on the amount paid after discounts and before shipping.
//! - [`Program::operate`] with an [`Op`]: `track`, `reward`, `import` (rows decided in
//!   order, each with its own deltas), `rollback`, the gift-card operations, `announce`, and
//!   the reads `balance` and `gift_card`.
//!
//! [`Op::reads`] says which keys and families the store reads first.

use std::collections::HashMap;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value as J};

use super::loyalty::context;
use super::work::Work;
use super::{code_key, gift_cards, keys, Event, Loyalty};
use crate::compile::Program;
use crate::eval::derive;
use crate::input::{Input, Map};
use crate::money::{from_minor, to_minor};
use crate::outcome::{Outcome, Rejected};
use crate::state::{Delta, Snapshot};

/// What a redeem pays with beyond the discounts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pay {
    /// `(programme id, points)` to pay with, at most the balance and what is due.
    #[serde(default)]
    pub points: Vec<(String, i64)>,
    /// Gift-card codes as given, used in this order.
    #[serde(default)]
    pub gift_cards: Vec<String>,
    /// Carried into `points_earned` payloads.
    #[serde(default)]
    pub order_id: Option<String>,
    /// Fresh codes (display forms) for referral rewards this order may issue.
    #[serde(default)]
    pub codes: Vec<String>,
}

/// One payment: `kind` is `gift_card` or `points`; `amount` in minor units.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Payment {
    pub kind: &'static str,
    #[serde(rename = "ref")]
    pub reference: String,
    pub amount: i64,
    pub points: Option<i64>,
}

/// What a checkout decided.
#[derive(Debug, Clone, PartialEq)]
pub struct Checkout {
    pub outcome: Outcome,
    pub deltas: Vec<Delta>,
    pub events: Vec<Event>,
    pub payments: Vec<Payment>,
    /// Minor units still owed after the payments.
    pub amount_due: i64,
    /// `(programme id, points earned)`.
    pub earned: Vec<(String, i64)>,
}

/// What an operation decided.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Decision {
    pub deltas: Vec<(String, i64, Option<i64>, Option<i64>)>,
    pub events: Vec<Event>,
    pub answer: J,
}

fn tuples(d: Vec<Delta>) -> Vec<(String, i64, Option<i64>, Option<i64>)> {
    d.into_iter()
        .map(|d| (d.key, d.add, d.max, d.min))
        .collect()
}

/// One row of an import.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Row {
    pub customer: String,
    pub points: i64,
    /// `add`, `replace` (the available balance becomes `points`) or `retroactive` (added,
    /// counted toward tiers).
    pub mode: String,
}

/// An operation on programme state (`op` names it in JSON).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
pub enum Op {
    Track {
        customer: String,
        event: String,
        now: i64,
        #[serde(default)]
        properties: Map,
        /// Fresh codes for referral rewards a conversion on this event may issue.
        #[serde(default)]
        codes: Vec<String>,
    },
    /// An advocate's code (`engine.referral_code`): `code` is a fresh one to record.
    ReferralCode {
        program: String,
        advocate: String,
        code: String,
        #[serde(default)]
        email: Option<String>,
        now: i64,
    },
    /// An advocate's progress (`engine.referrals`).
    Referrals {
        program: String,
        advocate: String,
    },
    /// A friend using an advocate's code, decided alone (what checkout decides for a code
    /// whose friend's effect applied).
    Refer {
        program: String,
        advocate: String,
        #[serde(default)]
        advocate_email: Option<String>,
        friend: String,
        #[serde(default)]
        email: Option<String>,
        now: i64,
    },
    /// A pending friend converting, decided alone (what checkout and track decide once
    /// the conversion rule holds).
    Convert {
        program: String,
        friend: String,
        now: i64,
        #[serde(default)]
        codes: Vec<String>,
    },
    Reward {
        program: String,
        customer: String,
        reward: String,
        /// The new code's display form.
        code: String,
        now: i64,
    },
    Import {
        program: String,
        rows: Vec<Row>,
        now: i64,
    },
    Rollback {
        deltas: Vec<(String, i64, Option<i64>, Option<i64>)>,
        now: i64,
    },
    IssueGiftCard {
        code: String,
        amount: String,
        #[serde(default)]
        expires: Option<i64>,
        #[serde(default)]
        customer: Option<String>,
        now: i64,
    },
    TopUp {
        code: String,
        amount: String,
        now: i64,
    },
    Deactivate {
        code: String,
        now: i64,
    },
    Announce {
        program: String,
        customer: String,
        now: i64,
    },
    Balance {
        program: String,
        customer: String,
        now: i64,
    },
    GiftCard {
        code: String,
    },
}

/// The loyalty family a key belongs to, with its programme id and customer.
fn loyalty_family(key: &str) -> Option<(String, String, String)> {
    let (family, _) = key.split_once('#')?;
    let rest = family.strip_prefix("loyalty|program=")?;
    let (program, customer) = rest.split_once("|customer=")?;
    Some((
        family.to_owned(),
        keys::unescape(program),
        keys::unescape(customer),
    ))
}

fn money(amount: &str, exponent: u32) -> Result<i64, String> {
    let d: Decimal = crate::compile::literal::parse_num_literal(amount.trim())
        .map_err(|e| format!("expected a decimal amount: {}", e.message()))?;
    let scaled = d * Decimal::from(10i64.pow(exponent));
    if scaled.fract() != Decimal::ZERO {
        return Err(format!(
            "{amount} has more decimal places than the currency ({exponent})"
        ));
    }
    i64::try_from(scaled.mantissa() / 10i128.pow(scaled.scale()))
        .map_err(|_| format!("{amount} is too large"))
}

impl Program {
    /// The minor-unit exponent of the engine's currency.
    pub fn exponent(&self) -> u32 {
        self.0.exponent
    }

    /// Whether the engine has programmes.
    pub fn has_programs(&self) -> bool {
        !self.0.programs.is_empty()
    }

    /// The families a checkout of `input` reads: each loyalty programme's for the customer
    /// (earning and paying with points), each given gift card's, and issued codes'.
    pub fn checkout_families(&self, input: &Input, pay: &Pay) -> Vec<String> {
        let p = &*self.0;
        let mut out = super::issued::families(p, input);
        if let Some(c) = input.customer.as_ref().and_then(|c| c.id.as_deref()) {
            out.extend(p.programs.loyalty.iter().map(|l| keys::loyalty(&l.id, c)));
        }
        for code in &pay.gift_cards {
            let f = keys::gift_card(&code_key(code));
            if !out.contains(&f) {
                out.push(f);
            }
        }
        for f in super::referral::families(p, input) {
            if !out.contains(&f) {
                out.push(f);
            }
        }
        out
    }

    /// The families a checkout reads once the first read (`snapshot`) named the advocate of
    /// the customer (by a given code, or as their referrer): the advocate's, and what
    /// rewards may issue into.
    pub fn checkout_more(&self, input: &Input, pay: &Pay, snapshot: &Snapshot) -> Vec<String> {
        let p = &*self.0;
        let Some(friend) = input.customer.as_ref().and_then(|c| c.id.as_deref()) else {
            return Vec::new();
        };
        let mut advocates: Vec<(usize, String)> = Vec::new();
        for raw in &input.codes {
            let norm = code_key(raw);
            if let Some((program, advocate, _)) = super::referral::code_owner(snapshot, &norm) {
                if let Some(ri) = p.programs.referral.iter().position(|r| r.id == program) {
                    advocates.push((ri, advocate));
                }
            }
        }
        super::referral::follow(p, snapshot, friend, advocates, &pay.codes, None)
    }

    /// Decides a redeem on a snapshot: the discounts (as [`Program::decide`]), then gift
    /// cards and points paying what is due, then the points every programme earns.
    pub fn checkout(
        &self,
        input: &Input,
        snapshot: &Snapshot,
        pay: &Pay,
        explain: bool,
    ) -> Result<Checkout, String> {
        self.checkout_with(input, snapshot, pay, None, explain)
    }

    /// [`Program::checkout`] with the pool rows the store found for
    /// [`Program::pool_lookups`] (unique codes, DESIGN section 9).
    pub fn checkout_with(
        &self,
        input: &Input,
        snapshot: &Snapshot,
        pay: &Pay,
        pools: Option<&crate::state::pools::PoolCodes>,
        explain: bool,
    ) -> Result<Checkout, String> {
        let p = &*self.0;
        let (mut outcome, mut deltas) = match pools {
            Some(pools) => self.decide_with(input, snapshot, pools, explain),
            None => self.decide(input, snapshot, explain),
        };
        let now = input.context.now;
        let customer = input.customer.as_ref().and_then(|c| c.id.as_deref());
        let engine_currency = p.def.currency.as_str();
        let same_currency = outcome.currency == engine_currency;
        let exponent = p.exponent;
        let mut work = Work::new(snapshot);
        let mut events = Vec::new();
        let mut payments = Vec::new();
        let mut due = if same_currency {
            i64::try_from(to_minor(outcome.total, exponent, p.mode).unwrap_or(0)).unwrap_or(0)
        } else {
            0
        };
        let mut seen: Vec<String> = Vec::new();
        for raw in &pay.gift_cards {
            let code = code_key(raw);
            if code.is_empty() || seen.contains(&code) {
                continue;
            }
            seen.push(code.clone());
            let card = gift_cards::read(&work, &code);
            if let Some((reason, detail)) = gift_cards::refusal(&card, &outcome.currency, now) {
                outcome.rejected.push(Rejected {
                    campaign_id: None,
                    code: Some(raw.clone()),
                    reason,
                    condition: None,
                    actual: None,
                    expected: None,
                    detail: detail.map(str::to_owned),
                    by: None,
                });
                continue;
            }
            let took = gift_cards::take(&mut work, &code, due);
            if took > 0 {
                due -= took;
                payments.push(Payment {
                    kind: "gift_card",
                    reference: raw.clone(),
                    amount: took,
                    points: None,
                });
            }
        }
        let today_of = |l: &Loyalty| l.today(now);
        for (program, n) in &pay.points {
            let Some(l) = p.programs.loyalty(program) else {
                return Err(format!("no loyalty programme {program:?}"));
            };
            let Some(value) = l.point_minor else {
                return Err(format!(
                    "programme {program:?} has no point_value: points cannot pay"
                ));
            };
            let Some(customer) = customer else {
                return Err("paying with points needs a customer id".to_owned());
            };
            if *n < 0 {
                return Err(format!("points to pay must not be negative, got {n}"));
            }
            let family = keys::loyalty(&l.id, customer);
            let balance = l.balance(&work, &family, now).available.max(0);
            let usable = (*n).min(balance).min(due / value);
            if usable > 0 {
                let took = l.spend(&mut work, &family, usable, today_of(l));
                due -= took * value;
                payments.push(Payment {
                    kind: "points",
                    reference: l.id.clone(),
                    amount: took * value,
                    points: Some(took),
                });
            }
        }
        let mut earned = Vec::new();
        if let (Some(customer), true) = (customer, same_currency) {
            let paid = outcome.subtotal - (outcome.discount - outcome.shipping_discount);
            let (facts, _) = derive(input, outcome.currency.clone(), exponent, p.mode);
            for l in &p.programs.loyalty {
                let family = keys::loyalty(&l.id, customer);
                let today = today_of(l);
                let tier = l.tier(&work, &family, today);
                let mut ctx = context(input, &facts, p.mode);
                let points = l.points(&mut ctx, None, paid, tier, now);
                if points > 0 {
                    let lot = l.credit(&mut work, &family, points, l.order_available(today), false);
                    events.push(l.earned_event(
                        customer,
                        points,
                        &lot,
                        "order",
                        json!({"order_id": pay.order_id}),
                    ));
                    earned.push((l.id.clone(), points));
                }
                l.announce(&mut work, &family, customer, now, &mut events);
            }
        }
        if let Some(friend) = customer {
            let mut codes = pay.codes.clone();
            let (facts, _) = derive(input, outcome.currency.clone(), exponent, p.mode);
            let mut ctx = context(input, &facts, p.mode);
            let applied: Vec<&str> = outcome
                .applied
                .iter()
                .map(|a| a.campaign_id.as_str())
                .collect();
            super::referral::checkout(
                p,
                &mut work,
                input,
                friend,
                &applied,
                &mut ctx,
                &mut codes,
                pay.order_id.as_deref(),
                &mut events,
            )?;
        }
        deltas.extend(work.deltas());
        Ok(Checkout {
            outcome,
            deltas,
            events,
            payments,
            amount_due: due,
            earned,
        })
    }

    fn referral_of(&self, program: &str) -> Result<&super::referral::Referral, String> {
        self.0
            .programs
            .referral(program)
            .ok_or_else(|| format!("no referral programme {program:?}"))
    }

    fn loyalty_of(&self, program: &str) -> Result<&Loyalty, String> {
        self.0
            .programs
            .loyalty(program)
            .ok_or_else(|| format!("no loyalty programme {program:?}"))
    }

    /// The keys and families `op` reads.
    pub fn op_reads(&self, op: &Op) -> (Vec<String>, Vec<String>) {
        let p = &*self.0;
        match op {
            Op::Track {
                customer, event, ..
            } => (
                Vec::new(),
                p.programs
                    .loyalty
                    .iter()
                    .map(|l| keys::loyalty(&l.id, customer))
                    .chain(
                        p.programs
                            .referral
                            .iter()
                            .filter(|r| r.on.as_ref() == Some(event))
                            .map(|r| r.friend(customer)),
                    )
                    .collect(),
            ),
            Op::ReferralCode {
                program,
                advocate,
                code,
                ..
            } => (
                Vec::new(),
                vec![
                    keys::referral(program, "advocate", advocate),
                    keys::issued_code(&code_key(code)),
                ],
            ),
            Op::Referrals { program, advocate } => (
                Vec::new(),
                vec![keys::referral(program, "advocate", advocate)],
            ),
            Op::Refer {
                program,
                advocate,
                friend,
                email,
                ..
            } => {
                let mut fams = vec![
                    keys::referral(program, "friend", friend),
                    keys::referral(program, "advocate", advocate),
                ];
                if let Some(e) = email.as_deref().and_then(super::referral::canonical_email) {
                    fams.push(keys::referral(program, "email", &e));
                }
                (Vec::new(), fams)
            }
            Op::Convert {
                program, friend, ..
            } => (Vec::new(), vec![keys::referral(program, "friend", friend)]),
            Op::Reward {
                program,
                customer,
                code,
                ..
            } => (
                Vec::new(),
                vec![
                    keys::loyalty(program, customer),
                    keys::issued_code(&code_key(code)),
                ],
            ),
            Op::Import { program, rows, .. } => {
                let mut fams: Vec<String> = rows
                    .iter()
                    .filter(|r| r.mode != "add")
                    .map(|r| keys::loyalty(program, &r.customer))
                    .collect();
                fams.sort();
                fams.dedup();
                (Vec::new(), fams)
            }
            Op::Rollback { deltas, .. } => {
                let mut fams: Vec<String> = deltas
                    .iter()
                    .filter_map(|d| loyalty_family(&d.0).map(|f| f.0))
                    .chain(deltas.iter().filter_map(|d| {
                        let card = d.0.strip_suffix("#balance")?;
                        (d.1 > 0 && card.starts_with("gift_card|")).then(|| card.to_owned())
                    }))
                    .collect();
                fams.sort();
                fams.dedup();
                // Other counters are reversed as they are: nothing to read for them.
                (Vec::new(), fams)
            }
            Op::IssueGiftCard { code, .. }
            | Op::TopUp { code, .. }
            | Op::Deactivate { code, .. }
            | Op::GiftCard { code } => (Vec::new(), vec![keys::gift_card(&code_key(code))]),
            Op::Announce {
                program, customer, ..
            }
            | Op::Balance {
                program, customer, ..
            } => (Vec::new(), vec![keys::loyalty(program, customer)]),
        }
    }

    /// The families `op` reads once the first read (`snapshot`) named a friend's referrer:
    /// the advocate's and what rewards may issue into (empty for most operations).
    pub fn op_more(&self, op: &Op, snapshot: &Snapshot) -> Vec<String> {
        let p = &*self.0;
        match op {
            Op::Track {
                customer,
                event,
                codes,
                ..
            } => super::referral::follow(
                p,
                snapshot,
                customer,
                Vec::new(),
                codes,
                Some(event.as_str()),
            ),
            Op::Convert {
                program,
                friend,
                codes,
                ..
            } => {
                let only: Vec<usize> = p
                    .programs
                    .referral
                    .iter()
                    .position(|r| &r.id == program)
                    .into_iter()
                    .collect();
                super::referral::follow_only(p, snapshot, friend, &only, codes)
            }
            _ => Vec::new(),
        }
    }

    /// Decides `op` on a snapshot of what [`Program::op_reads`] named. `input` is needed by
    /// `track` (the customer and context its rules see). An `Err` is a refusal to report to
    /// the caller (no such programme, not enough points, a card that exists, ...).
    pub fn operate(
        &self,
        op: &Op,
        snapshot: &Snapshot,
        input: Option<&Input>,
    ) -> Result<Vec<Decision>, String> {
        let p = &*self.0;
        let mut work = Work::new(snapshot);
        let mut events = Vec::new();
        let answer = match op {
            Op::Track {
                customer,
                event,
                now,
                properties,
                codes,
            } => {
                let mut owned = input.cloned().unwrap_or_default();
                owned.context.now = *now;
                if owned.context.metadata.is_empty() {
                    owned.context.metadata.clone_from(properties);
                }
                if owned.customer.is_none() {
                    owned.customer = Some(crate::input::Customer {
                        id: Some(customer.clone()),
                        ..crate::input::Customer::default()
                    });
                }
                let currency = p.def.currency.clone();
                let (facts, _) = derive(&owned, currency, p.exponent, p.mode);
                let mut earned = serde_json::Map::new();
                for l in &p.programs.loyalty {
                    let family = keys::loyalty(&l.id, customer);
                    let today = l.today(*now);
                    let tier = l.tier(&work, &family, today);
                    let mut ctx = context(&owned, &facts, p.mode);
                    let points = l.points(&mut ctx, Some(event), Decimal::ZERO, tier, *now);
                    if points > 0 {
                        let lot = l.credit(&mut work, &family, points, today, false);
                        events.push(l.earned_event(
                            customer,
                            points,
                            &lot,
                            "event",
                            json!({"event": event}),
                        ));
                    }
                    earned.insert(l.id.clone(), J::from(points));
                    l.announce(&mut work, &family, customer, *now, &mut events);
                }
                let mut codes = codes.clone();
                for r in &p.programs.referral {
                    if r.on.as_ref() != Some(event) {
                        continue;
                    }
                    let mut ctx = context(&owned, &facts, p.mode);
                    let holds = r
                        .conversion
                        .as_ref()
                        .is_none_or(|rule| crate::eval::explain::holds(&mut ctx, rule));
                    let done = holds
                        && r.convert(
                            p,
                            &mut work,
                            customer,
                            *now,
                            &mut codes,
                            json!({"via": "event", "event": event}),
                            &mut events,
                        )?
                        .is_some();
                    earned.insert(r.id.clone(), J::from(i64::from(done)));
                }
                J::Object(earned)
            }
            Op::Reward {
                program,
                customer,
                reward,
                code,
                now,
            } => {
                let l = self.loyalty_of(program)?;
                let Some(r) = l.rewards.iter().find(|r| &r.id == reward) else {
                    return Err(format!("programme {program:?} has no reward {reward:?}"));
                };
                let family = keys::loyalty(&l.id, customer);
                let balance = l.balance(&work, &family, *now).available;
                if balance < r.cost {
                    return Err(format!(
                        "not enough points for reward {reward:?}: {balance} available, {} needed",
                        r.cost
                    ));
                }
                let norm = code_key(code);
                let cfam = keys::issued_code(&norm);
                if !work.members(&cfam).is_empty() {
                    return Err(format!("code {code:?} is already issued"));
                }
                l.spend(&mut work, &family, r.cost, l.today(*now));
                let campaign = &p.campaigns[r.campaign].id;
                work.add(
                    &keys::member(&cfam, &keys::owner(campaign, customer)),
                    1,
                    None,
                    Some(1),
                );
                events.push(Event::new(
                    "reward_issued",
                    Some(customer),
                    json!({"program": l.id, "reward": r.id, "code": code, "cost": r.cost,
                           "campaign_id": campaign}),
                ));
                l.announce(&mut work, &family, customer, *now, &mut events);
                json!({"code": code, "campaign_id": campaign, "cost": r.cost})
            }
            Op::ReferralCode {
                program,
                advocate,
                code,
                email,
                ..
            } => {
                let r = self.referral_of(program)?;
                let mut eligible = true;
                if let Some(rule) = &r.advocate_rules {
                    let owned = input.cloned().unwrap_or_default();
                    let (facts, _) = derive(&owned, p.def.currency.clone(), p.exponent, p.mode);
                    let mut ctx = context(&owned, &facts, p.mode);
                    eligible = crate::eval::explain::holds(&mut ctx, rule);
                }
                if eligible {
                    super::referral::assign(
                        r,
                        &mut work,
                        advocate,
                        code,
                        email.as_deref(),
                        &mut events,
                    )?;
                    json!({"code": code, "eligible": true})
                } else {
                    json!({"code": J::Null, "eligible": false})
                }
            }
            Op::Referrals { program, advocate } => {
                self.referral_of(program)?.progress(&work, advocate)
            }
            Op::Refer {
                program,
                advocate,
                advocate_email,
                friend,
                email,
                now,
            } => {
                let r = self.referral_of(program)?;
                let adv_email = advocate_email
                    .as_deref()
                    .and_then(super::referral::canonical_email);
                if let Some((reason, detail)) = r.refusal(
                    &work,
                    (advocate, adv_email.as_deref()),
                    Some(friend),
                    email.as_deref(),
                    *now,
                ) {
                    json!({"referred": false, "reason": reason.as_str(), "detail": detail})
                } else {
                    r.refer(&mut work, advocate, friend, email.as_deref());
                    json!({"referred": true})
                }
            }
            Op::Convert {
                program,
                friend,
                now,
                codes,
            } => {
                let r = self.referral_of(program)?;
                let mut codes = codes.clone();
                r.convert(
                    p,
                    &mut work,
                    friend,
                    *now,
                    &mut codes,
                    json!({"via": "call"}),
                    &mut events,
                )?
                .unwrap_or(J::Null)
            }
            Op::Import { program, rows, now } => {
                let l = self.loyalty_of(program)?;
                return Ok(Self::import(l, rows, snapshot, *now));
            }
            Op::Rollback { deltas, now } => {
                let mut takebacks = Vec::new();
                let mut touched: Vec<(String, String, String)> = Vec::new();
                let mut cards = Vec::new();
                for (key, add, _, _) in deltas {
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
                    let (from_lots, owed) =
                        l.take_back(&mut work, &family, n, Some(&member), l.today(*now));
                    taken.push(json!({"program": program, "customer_id": customer,
                                      "points": n, "owed": owed, "from_lots": from_lots}));
                }
                for (family, program, customer) in &touched {
                    if let Some(l) = p.programs.loyalty(program) {
                        l.announce(&mut work, family, customer, *now, &mut events);
                    }
                }
                events.extend(super::referral::reversals(deltas, &cards, p.exponent));
                json!({"taken_back": taken})
            }
            Op::IssueGiftCard {
                code,
                amount,
                expires,
                customer,
                ..
            } => {
                let minor = money(amount, p.exponent)?;
                let key = crate::codes::key(code).map_err(|kind| kind.message())?;
                gift_cards::issue(
                    &mut work,
                    &key,
                    code,
                    minor,
                    &p.def.currency,
                    *expires,
                    customer.as_deref(),
                    &mut events,
                    p.exponent,
                )?;
                json!({"code": code})
            }
            Op::TopUp { code, amount, .. } => {
                let minor = money(amount, p.exponent)?;
                gift_cards::top_up(&mut work, &code_key(code), code, minor)?;
                json!({"code": code})
            }
            Op::Deactivate { code, .. } => {
                gift_cards::deactivate(&mut work, &code_key(code), code)?;
                json!({"code": code})
            }
            Op::Announce {
                program,
                customer,
                now,
            } => {
                let l = self.loyalty_of(program)?;
                l.announce(
                    &mut work,
                    &keys::loyalty(program, customer),
                    customer,
                    *now,
                    &mut events,
                );
                J::Null
            }
            Op::Balance {
                program,
                customer,
                now,
            } => {
                let l = self.loyalty_of(program)?;
                let b = l.balance(&work, &keys::loyalty(program, customer), *now);
                json!({
                    "available": b.available,
                    "pending": b.pending,
                    "expiring": b.expiring.iter().map(|(d, n)| json!([keys::date(*d), n])).collect::<Vec<_>>(),
                    "tier": b.tier.map(|t| l.tiers[t].name.clone()),
                })
            }
            Op::GiftCard { code } => {
                let card = gift_cards::read(&work, &code_key(code));
                json!({
                    "exists": card.status != 0,
                    "active": card.status == 1,
                    "balance": from_minor(i128::from(card.balance), p.exponent).to_string(),
                    "expires": card.expires,
                    "currency": card.currency,
                })
            }
        };
        Ok(vec![Decision {
            deltas: tuples(work.deltas()),
            events,
            answer,
        }])
    }

    /// Import rows, decided in order: each sees the rows before it.
    fn import(l: &Loyalty, rows: &[Row], snapshot: &Snapshot, now: i64) -> Vec<Decision> {
        let mut state: HashMap<String, i64> = snapshot.0.clone();
        let today = l.today(now);
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let snap = Snapshot(std::mem::take(&mut state));
            let mut work = Work::new(&snap);
            let mut events = Vec::new();
            let family = keys::loyalty(&l.id, &row.customer);
            let mut answer = json!({"points": row.points});
            match row.mode.as_str() {
                "replace" => {
                    let before = l.balance(&work, &family, now).available;
                    for lot in l.lots(&work, &family) {
                        let live = lot.available <= today && lot.expires.is_none_or(|e| today < e);
                        if live && lot.points != 0 {
                            let k = keys::member(&family, &lot.member);
                            work.add(&k, -lot.points, Some(0), Some(0));
                        }
                    }
                    let debt = keys::member(&family, "debt");
                    let owed = work.get(&debt);
                    if owed != 0 {
                        work.add(&debt, -owed, Some(0), Some(0));
                    }
                    if row.points > 0 {
                        let lot = l.credit(&mut work, &family, row.points, today, true);
                        events.push(l.earned_event(
                            &row.customer,
                            row.points,
                            &lot,
                            "import",
                            json!({"replaced": before}),
                        ));
                    }
                    answer = json!({"points": row.points, "replaced": before});
                }
                mode => {
                    let retro = mode == "retroactive";
                    if row.points > 0 {
                        // An `add` row reads nothing (imports stream): a debt stays owed.
                        let lot =
                            l.credit_with(&mut work, &family, row.points, today, !retro, retro);
                        let source = if retro { "retroactive" } else { "import" };
                        events.push(l.earned_event(
                            &row.customer,
                            row.points,
                            &lot,
                            source,
                            J::Null,
                        ));
                    }
                    if retro {
                        l.announce(&mut work, &family, &row.customer, now, &mut events);
                    }
                }
            }
            let deltas = work.deltas();
            state = snap.0;
            for d in &deltas {
                *state.entry(d.key.clone()).or_insert(0) += d.add;
            }
            out.push(Decision {
                deltas: tuples(deltas),
                events,
                answer,
            });
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compile::compile;
    use crate::input::{Cart, Customer, Item};

    fn program() -> Program {
        let def = serde_json::json!({
            "version": 1,
            "campaigns": [],
            "programs": [{"type": "loyalty", "id": "pts", "point_value": "0.01",
                "earn": [{"points": "1"}, {"multiplier": "2"}]}],
        });
        compile(&serde_json::from_value(def).unwrap()).unwrap()
    }

    fn input(price: &str) -> Input {
        Input {
            cart: Cart {
                items: vec![Item {
                    price: price.parse().unwrap(),
                    quantity: 1,
                    ..Item::default()
                }],
                shipping: "5".parse().unwrap(),
                ..Cart::default()
            },
            customer: Some(Customer {
                id: Some("c1".to_owned()),
                ..Customer::default()
            }),
            ..Input::default()
        }
    }

    #[test]
    fn an_order_earns_once_floored_and_cards_and_points_pay_in_order() {
        let p = program();
        let done = p
            .checkout(
                &input("20.50"),
                &Snapshot::default(),
                &Pay::default(),
                false,
            )
            .unwrap();
        // 20.50 x 2 = 41, not 2 x 20.
        assert_eq!(done.earned, vec![("pts".to_owned(), 41)]);
        let family = keys::loyalty("pts", "c1");
        let card = keys::gift_card("gc");
        let snap: Snapshot = [
            (keys::member(&family, "lot=1970-01-01/-"), 300),
            (keys::member(&card, "balance"), 2000),
            (keys::member(&card, "status"), 1),
            (keys::member(&card, "currency=USD"), 1),
        ]
        .into_iter()
        .collect();
        let pay = Pay {
            points: vec![("pts".to_owned(), 1000)],
            gift_cards: vec!["GC".to_owned()],
            order_id: None,
            codes: Vec::new(),
        };
        let done = p.checkout(&input("20.50"), &snap, &pay, false).unwrap();
        // 25.50 due: 20.00 from the card, then 300 points pay 3.00.
        let paid: Vec<(i64, Option<i64>)> =
            done.payments.iter().map(|x| (x.amount, x.points)).collect();
        assert_eq!(paid, vec![(2000, None), (300, Some(300))]);
        assert_eq!(done.amount_due, 250);
        // Every spend keeps its balance from going negative on the latest values (the lot
        // that paid also takes this order's 41 points: its final value must stay >= 41).
        assert!(done
            .deltas
            .iter()
            .filter(|d| d.add < 0)
            .all(|d| d.min.is_some()));
        let lot = done
            .deltas
            .iter()
            .find(|d| d.key.contains("#lot="))
            .unwrap();
        assert_eq!((lot.add, lot.min), (-259, Some(41)));
    }
}
