//! The operations on programme state, each a pure function of (program, request, snapshot)
//! returning the deltas and events a store commits, and an answer for the caller:
//!
//! - [`Program::checkout`] (`programs/checkout.rs`): what `engine.redeem` decides beyond the
//!   discounts.
//! - [`Program::operate`] with an [`Op`]: `track`, `reward`, `import` (rows decided in
//!   order, each with its own deltas), `rollback`, the gift-card operations, `announce`, and
//!   the reads `balance` and `gift_card`.
//!
//! [`Program::op_reads`] says which keys and families the store reads first. The longer
//! operations have a file each: `track.rs`, `rollback.rs`, `import.rs`.

mod import;
mod rollback;
mod track;

use rollback::loyalty_family;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value as J};

use super::loyalty::context;
use super::work::Work;
use super::{code_key, gift_cards, keys, Event, Loyalty};
use crate::compile::Program;
use crate::eval::derive;
use crate::input::{Input, Map};
use crate::money::from_minor;
use crate::state::{Delta, Snapshot};

// The checkout's types stay reachable here, where the binding has always imported them.
pub use super::checkout::{Checkout, Pay, Payment};

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
                // Other counters are reversed as they are, but for a referral the order made:
                // whether the friend converted since decides what undoing it means.
                let keys = super::referral::referred(deltas)
                    .into_iter()
                    .map(|(by, _)| by)
                    .collect();
                (keys, fams)
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
            } => self.track(
                customer,
                event,
                *now,
                properties,
                codes,
                input,
                &mut work,
                &mut events,
            )?,
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
            Op::Rollback { deltas, now } => self.rollback(deltas, *now, &mut work, &mut events)?,
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
}
