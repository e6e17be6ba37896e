//! A redeem's programme part ([`Program::checkout`]): what `engine.redeem` decides beyond the
//! discounts. Gift cards and points pay what is due (cards in the order given, then points),
//! every loyalty programme earns on the amount paid after discounts and before shipping, and
//! referral programmes refer and convert the customer. [`Program::checkout_families`] and
//! [`Program::checkout_more`] say what the store reads first.

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::loyalty::context;
use super::work::Work;
use super::{code_key, gift_cards, keys, Event, Loyalty};
use crate::compile::Program;
use crate::eval::derive;
use crate::eval::expr::Facts;
use crate::input::Input;
use crate::money::to_minor;
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

impl Program {
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
        let decided = match pools {
            Some(pools) => self.decide_with(input, snapshot, pools, explain),
            None => self.decide(input, snapshot, explain),
        };
        self.settle(input, snapshot, pay, decided, true)
    }

    /// [`Program::checkout_with`] without rejections, noting in `trace` which campaigns
    /// passed their rules and which a limit refused ([`Program::decide_traced`]): the
    /// simulation's replay of a redeem. Its events leave out the order's own
    /// `points_earned`, whose facts [`Checkout::earned`] carries: the simulation counts
    /// points from `earned` and has no outbox, and building that event's JSON was a tenth
    /// of the replay's time.
    pub fn checkout_traced(
        &self,
        input: &Input,
        snapshot: &Snapshot,
        pay: &Pay,
        pools: Option<&crate::state::pools::PoolCodes>,
        trace: &mut crate::eval::Trace,
    ) -> Result<Checkout, String> {
        let decided = self.decide_traced_with(input, snapshot, pools, trace);
        self.settle(input, snapshot, pay, decided, false)
    }

    /// What a redeem decides once the discounts are: payments, points earned, referral.
    /// `earned_events`: whether the order's own `points_earned` events are written.
    fn settle(
        &self,
        input: &Input,
        snapshot: &Snapshot,
        pay: &Pay,
        (mut outcome, mut deltas): (Outcome, Vec<Delta>),
        earned_events: bool,
    ) -> Result<Checkout, String> {
        let p = &*self.0;
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
        // The facts earning rules and referral conditions read, derived once, and only for
        // them: earning rules without `rules` read none (a schedule reads `now`).
        let mut facts = None;
        let no_facts = Facts::default();
        if let (Some(customer), true) = (customer, same_currency) {
            let paid = outcome.subtotal - (outcome.discount - outcome.shipping_discount);
            for l in &p.programs.loyalty {
                let family = keys::loyalty(&l.id, customer);
                let today = today_of(l);
                // Read once, before the credit, which then updates what it changed.
                let mut reading = l.read(&work, &family, today);
                let tier = l.tier_for(reading.window);
                let facts: &Facts = if l.earn.iter().any(|r| r.rules.is_some()) {
                    facts.get_or_insert_with(|| {
                        derive(input, outcome.currency.clone(), exponent, p.mode).0
                    })
                } else {
                    &no_facts
                };
                let mut ctx = context(input, facts, p.mode);
                let points = l.points(&mut ctx, None, paid, tier, now);
                if points > 0 {
                    let available = l.order_available(today);
                    let lot = l.credit(&mut work, &family, points, available, false);
                    l.credited(
                        &work,
                        &family,
                        &mut reading,
                        (&lot, available, points),
                        today,
                    );
                    if earned_events {
                        events.push(l.earned_event(
                            customer,
                            points,
                            &lot,
                            "order",
                            json!({"order_id": pay.order_id}),
                        ));
                    }
                    earned.push((l.id.clone(), points));
                }
                l.announce_read(&mut work, &family, customer, today, reading, &mut events);
            }
        }
        if let (Some(friend), false) = (customer, p.programs.referral.is_empty()) {
            let mut codes = pay.codes.clone();
            let facts = facts
                .get_or_insert_with(|| derive(input, outcome.currency.clone(), exponent, p.mode).0);
            let mut ctx = context(input, facts, p.mode);
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
