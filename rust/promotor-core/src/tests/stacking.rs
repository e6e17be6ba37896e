//! Stacking: every check in order, base original, `max_discount`, best deal (hand-checked numbers),
//! and seeded properties (best deal vs sequential vs brute force over all subsets).

use rust_decimal::Decimal;
use serde_json::{json, Value as J};

use super::*;
use crate::compile::{compile, Program};
use crate::input::Input;
use crate::ir::{BinaryOp as B, EngineDef};
use crate::outcome::{Outcome, Reason};

fn ship(a: &str, percent: bool) -> J {
    json!({"type": "shipping_off", "amount": num(a), "percent": percent})
}

fn def(stacking: J, campaigns: J) -> EngineDef {
    serde_json::from_value(json!({"version": 1, "stacking": stacking, "campaigns": campaigns}))
        .unwrap()
}

fn engine(stacking: J, campaigns: J) -> Program {
    program(json!({"version": 1, "stacking": stacking, "campaigns": campaigns}))
}

fn cart(items: &[&str], shipping: &str) -> Input {
    let items = items
        .iter()
        .enumerate()
        .map(|(i, p)| json!({"sku": format!("S{i}"), "price": p, "quantity": 1}))
        .collect();
    cart_of(items, shipping)
}

fn check(o: &Outcome) {
    let line_disc: Decimal = o.lines.iter().map(|l| l.discount).sum();
    assert_eq!(o.discount, line_disc + o.shipping_discount);
    let applied: Decimal = o.applied.iter().map(|a| a.amount).sum();
    assert_eq!(o.discount, applied);
    let ship: Decimal = o.applied.iter().map(|a| a.shipping_amount).sum();
    assert_eq!(o.shipping_discount, ship);
    assert!(o.shipping_discount <= o.shipping);
    for a in &o.applied {
        let s: Decimal = a.allocations.iter().map(|(_, v)| *v).sum();
        assert_eq!(a.amount, s + a.shipping_amount);
        assert!(a.amount > Decimal::ZERO || !a.gifts.is_empty());
    }
    for l in &o.lines {
        assert!(l.discount >= Decimal::ZERO && l.discount <= l.subtotal);
        assert_eq!(l.total, l.subtotal - l.discount);
    }
    assert!(o.total >= Decimal::ZERO);
}

fn applied(o: &Outcome) -> Vec<(&str, Decimal)> {
    o.applied
        .iter()
        .map(|a| (a.campaign_id.as_str(), a.amount))
        .collect()
}

fn rejected(o: &Outcome) -> Vec<(&str, Reason, Option<&str>)> {
    o.rejected
        .iter()
        .map(|r| {
            (
                r.campaign_id.as_deref().unwrap_or("?"),
                r.reason,
                r.by.as_deref(),
            )
        })
        .collect()
}

fn eval(stacking: J, campaigns: J, items: &[&str], shipping: &str) -> Outcome {
    let o = engine(stacking, campaigns).evaluate(&cart(items, shipping));
    check(&o);
    o
}

fn never() -> J {
    serde_json::to_value(bin(B::Gt, f("cart.subtotal"), n("100000"))).unwrap()
}

#[test]
fn exclusive_winner_is_the_first_that_discounts() {
    let o = eval(
        json!({}),
        json!([
            {"id": "a", "effect": pct("10")},
            {"id": "zero", "exclusive": true, "effect": pct("0")},
            {"id": "x", "exclusive": true, "effect": amt("5")},
            {"id": "y", "exclusive": true, "effect": amt("7")},
            {"id": "r", "rules": never(), "effect": amt("1")},
        ]),
        &["100"],
        "0",
    );
    assert_eq!(applied(&o), [("x", d("5.00"))]);
    assert_eq!(
        rejected(&o),
        [
            ("a", Reason::ExclusiveConflict, Some("x")),
            ("zero", Reason::ExclusiveConflict, Some("x")),
            ("y", Reason::ExclusiveConflict, Some("x")),
            ("r", Reason::RulesNotMet, None),
        ]
    );
    assert_eq!(o.total, d("95.00"));
    // no exclusive campaign discounts: the others stack, the exclusive one is no_effect
    let o = eval(
        json!({}),
        json!([{"id": "zero", "exclusive": true, "effect": pct("0")}, {"id": "a", "effect": pct("10")}]),
        &["100"],
        "0",
    );
    assert_eq!(applied(&o), [("a", d("10.00"))]);
    assert_eq!(rejected(&o), [("zero", Reason::NoEffect, None)]);
}

#[test]
fn stop_after_max_applied_group_in_order() {
    let o = eval(
        json!({}),
        json!([
            {"id": "z", "stop_after": true, "effect": pct("0")},
            {"id": "a", "stop_after": true, "effect": pct("10")},
            {"id": "b", "effect": amt("5")},
        ]),
        &["100"],
        "0",
    );
    assert_eq!(applied(&o), [("a", d("10.00"))]);
    assert_eq!(
        rejected(&o),
        [
            ("z", Reason::NoEffect, None),
            ("b", Reason::Stopped, Some("a"))
        ]
    );
    let o = eval(
        json!({"max_applied": 2}),
        json!([
            {"id": "a", "effect": pct("10")},
            {"id": "b", "effect": pct("0")},
            {"id": "c", "effect": amt("5")},
            {"id": "d", "effect": amt("1")},
        ]),
        &["100"],
        "0",
    );
    assert_eq!(applied(&o), [("a", d("10.00")), ("c", d("5.00"))]);
    assert_eq!(
        rejected(&o),
        [
            ("b", Reason::NoEffect, None),
            ("d", Reason::MaxApplied, None)
        ]
    );
    let o = eval(
        json!({}),
        json!([
            {"id": "n", "group": "g", "effect": pct("0")},
            {"id": "a", "group": "g", "effect": pct("10")},
            {"id": "b", "group": "g", "effect": amt("5")},
            {"id": "c", "group": "h", "effect": amt("1")},
        ]),
        &["100"],
        "0",
    );
    assert_eq!(applied(&o), [("a", d("10.00")), ("c", d("1.00"))]);
    assert_eq!(
        rejected(&o),
        [
            ("n", Reason::NoEffect, None),
            ("b", Reason::GroupConflict, Some("a"))
        ]
    );
    // precedence: stopped, then max_applied, then group_conflict
    let o = eval(
        json!({"max_applied": 1}),
        json!([
            {"id": "a", "stop_after": true, "group": "g", "effect": amt("1")},
            {"id": "b", "group": "g", "effect": amt("1")},
        ]),
        &["100"],
        "0",
    );
    assert_eq!(rejected(&o), [("b", Reason::Stopped, Some("a"))]);
    let o = eval(
        json!({"max_applied": 1}),
        json!([
            {"id": "a", "group": "g", "effect": amt("1")},
            {"id": "b", "group": "g", "effect": amt("1")},
        ]),
        &["100"],
        "0",
    );
    assert_eq!(rejected(&o), [("b", Reason::MaxApplied, None)]);
    // priority decides the order, `by` names the campaign
    let o = eval(
        json!({}),
        json!([
            {"id": "low", "group": "g", "effect": amt("9")},
            {"id": "high", "priority": 5, "group": "g", "effect": amt("1")},
        ]),
        &["100"],
        "0",
    );
    assert_eq!(applied(&o), [("high", d("1.00"))]);
    assert_eq!(rejected(&o), [("low", Reason::GroupConflict, Some("high"))]);
}

#[test]
fn base_original_clips_shares() {
    let two = json!([{"id": "a", "effect": pct("50")}, {"id": "b", "effect": pct("60")}]);
    let o = eval(json!({}), two.clone(), &["100"], "0");
    assert_eq!(applied(&o), [("a", d("50.00")), ("b", d("30.00"))]);
    let o = eval(json!({"base": "original"}), two, &["100"], "0");
    assert_eq!(applied(&o), [("a", d("50.00")), ("b", d("50.00"))]);
    assert_eq!(o.total, d("0.00"));
    // 35 over 10/30: 8.75 + 26.25; then 50% on the original, 5 + 15, clipped to 1.25 + 3.75
    let o = eval(
        json!({"base": "original"}),
        json!([
            {"id": "a", "effect": amt("35")},
            {"id": "b", "effect": pct("50")},
            {"id": "c", "effect": amt("10")},
            {"id": "s", "effect": ship("10", false)},
        ]),
        &["10", "30"],
        "4",
    );
    assert_eq!(
        applied(&o),
        [("a", d("35.00")), ("b", d("5.00")), ("s", d("4.00"))]
    );
    assert_eq!(o.applied[0].share(0), d("8.75"));
    assert_eq!(o.applied[1].share(0), d("1.25"));
    assert_eq!(o.applied[1].share(1), d("3.75"));
    assert_eq!(rejected(&o), [("c", Reason::NoEffect, None)]);
    assert_eq!(o.total, d("0.00"));
}

#[test]
fn max_discount_clips_the_crossing_campaign() {
    // M = 15.00 of a 100.00 subtotal; 10 (6 + 4) fits, free shipping 10 is cut to 5, then 0
    let o = eval(
        json!({"max_discount": "15"}),
        json!([
            {"id": "a", "effect": amt("10")},
            {"id": "s", "effect": ship("100", true)},
            {"id": "c", "effect": amt("3")},
        ]),
        &["60", "40"],
        "10",
    );
    assert_eq!(applied(&o), [("a", d("10.00")), ("s", d("5.00"))]);
    assert_eq!(o.applied[1].shipping_amount, d("5.00"));
    assert_eq!(rejected(&o), [("c", Reason::MaxDiscount, None)]);
    assert_eq!((o.discount, o.total), (d("15.00"), d("95.00")));
    // 7.01 over 60/40 is 4.21 + 2.80; cut to 5.00 with those weights: 3.00 + 2.00
    let o = eval(
        json!({"max_discount": "15"}),
        json!([
            {"id": "s", "priority": 1, "effect": ship("10", false)},
            {"id": "b", "effect": amt("7.01")},
        ]),
        &["60", "40"],
        "10",
    );
    assert_eq!(applied(&o), [("s", d("10.00")), ("b", d("5.00"))]);
    assert_eq!(o.applied[1].share(0), d("3.00"));
    assert_eq!(o.applied[1].share(1), d("2.00"));
    assert_eq!(o.lines[0].discount, d("3.00"));
    assert_eq!(o.shipping_discount, d("10.00"));
    // clamped: p < 0 is 0, p > 100 is 100
    let o = eval(
        json!({"max_discount": "-5"}),
        json!([{"id": "a", "effect": amt("1")}]),
        &["10"],
        "0",
    );
    assert_eq!(rejected(&o), [("a", Reason::MaxDiscount, None)]);
    let o = eval(
        json!({"max_discount": "250"}),
        json!([{"id": "a", "effect": amt("8")}, {"id": "s", "effect": ship("5", false)}]),
        &["10"],
        "5",
    );
    assert_eq!(applied(&o), [("a", d("8.00")), ("s", d("2.00"))]);
    // M rounds with the engine's mode: 12.5% of 0.20 = 0.025 -> 0.02 (half even)
    let o = eval(
        json!({"max_discount": "12.5"}),
        json!([{"id": "a", "effect": amt("1")}]),
        &["0.20"],
        "0",
    );
    assert_eq!(applied(&o), [("a", d("0.02"))]);
}

#[test]
fn compile_checks_stacking() {
    let bad = def(json!({"max_applied": 0, "max_discount": "ten"}), json!([]));
    let e = compile(&bad).unwrap_err().to_string();
    assert!(
        e.contains("stacking.max_applied: must be at least 1"),
        "{e}"
    );
    assert!(
        e.contains("stacking.max_discount: invalid number \"ten\""),
        "{e}"
    );
    let ok = def(
        json!({"mode": "best_deal", "base": "original", "max_applied": 1, "max_discount": "12.5"}),
        json!([{"id": "a", "exclusive": true, "stop_after": true, "group": "g", "effect": pct("1")}]),
    );
    assert!(compile(&ok).is_ok());
}

#[test]
fn best_deal_hand_checked() {
    let camps = json!([
        {"id": "a", "effect": pct("10")},
        {"id": "b", "exclusive": true, "effect": amt("25")},
        {"id": "c", "effect": pct("20")},
        {"id": "d", "group": "g", "effect": amt("5")},
        {"id": "e", "group": "g", "effect": amt("8")},
    ]);
    // {a, c, e}: 10, then 20% of 90 = 18, then 8 = 36 > {b} = 25
    let o = eval(json!({"mode": "best_deal"}), camps.clone(), &["100"], "0");
    assert_eq!(
        applied(&o),
        [("a", d("10.00")), ("c", d("18.00")), ("e", d("8.00"))]
    );
    assert_eq!(
        rejected(&o),
        [
            ("b", Reason::NotBestDeal, None),
            ("d", Reason::NotBestDeal, None)
        ]
    );
    // pairs: {a, c} = 28 ties {c, e} = 28; positions [0, 2] < [2, 4]
    let o = eval(
        json!({"mode": "best_deal", "max_applied": 2}),
        camps.clone(),
        &["100"],
        "0",
    );
    assert_eq!(applied(&o), [("a", d("10.00")), ("c", d("18.00"))]);
    // sequential on the same: b is the exclusive winner
    let o = eval(json!({}), camps, &["100"], "0");
    assert_eq!(applied(&o), [("b", d("25.00"))]);
    // a prefix beats its extensions; an earlier zero campaign is part of the smallest list
    let o = eval(
        json!({"mode": "best_deal"}),
        json!([{"id": "a", "effect": amt("10")}, {"id": "z", "effect": pct("0")}]),
        &["100"],
        "0",
    );
    assert_eq!(rejected(&o), [("z", Reason::NotBestDeal, None)]);
    let o = eval(
        json!({"mode": "best_deal"}),
        json!([{"id": "z", "effect": pct("0")}, {"id": "a", "effect": amt("10")}]),
        &["100"],
        "0",
    );
    assert_eq!(applied(&o), [("a", d("10.00"))]);
    assert_eq!(rejected(&o), [("z", Reason::NoEffect, None)]);
    // stop_after: {a, b} is not allowed; {b} = 50 beats {a} = 10
    let o = eval(
        json!({"mode": "best_deal"}),
        json!([{"id": "a", "stop_after": true, "effect": pct("10")}, {"id": "b", "effect": amt("50")}]),
        &["100"],
        "0",
    );
    assert_eq!(applied(&o), [("b", d("50.00"))]);
    assert_eq!(rejected(&o), [("a", Reason::NotBestDeal, None)]);
    // max_discount caps every value at 20: {a} ties {b} and {a, b}; [0] is smallest
    let o = eval(
        json!({"mode": "best_deal", "max_discount": "20"}),
        json!([{"id": "a", "effect": amt("20")}, {"id": "b", "effect": amt("30")}]),
        &["100"],
        "0",
    );
    assert_eq!(applied(&o), [("a", d("20.00"))]);
    assert_eq!(rejected(&o), [("b", Reason::NotBestDeal, None)]);
    // nothing discounts: the empty set; ineligible ones keep their own reason
    let o = eval(
        json!({"mode": "best_deal"}),
        json!([{"id": "z", "effect": pct("0")}, {"id": "r", "rules": never(), "effect": pct("5")}]),
        &["100"],
        "0",
    );
    assert_eq!(
        rejected(&o),
        [
            ("z", Reason::NotBestDeal, None),
            ("r", Reason::RulesNotMet, None)
        ]
    );
}

fn many(n: usize, mode: &str) -> (Program, Input) {
    let camps: Vec<J> = (1..=n)
        .map(|i| {
            let e = if i % 2 == 0 {
                amt(&i.to_string())
            } else {
                pct(&(i % 7 + 1).to_string())
            };
            json!({"id": format!("c{i}"), "effect": e})
        })
        .collect();
    let p = engine(json!({"mode": mode}), J::Array(camps));
    (p, cart(&["1000", "250.50", "3.99"], "12"))
}

/// 50% off, `n` times: each alone bounds half the cart, so the bound prunes little.
fn loose(n: usize) -> (Program, Input) {
    let camps: Vec<J> = (0..n)
        .map(|i| json!({"id": format!("c{i}"), "effect": pct("50")}))
        .collect();
    let p = engine(json!({"mode": "best_deal"}), J::Array(camps));
    (p, cart(&["1000000", "250.50"], "0"))
}

#[test]
fn best_deal_worst_case_is_exact() {
    let (p, c) = loose(16);
    let o = p.evaluate(&c);
    check(&o);
    // 50% sixteen times leaves 1000250.50 / 2^16 = 15.26...; every campaign adds a cent or more
    assert_eq!(o.applied.len(), 16);
}

#[test]
fn best_deal_sixteen_and_thirty_eligible() {
    for n in [16, 30] {
        let (p, c) = many(n, "best_deal");
        let o = p.evaluate(&c);
        check(&o);
        assert_eq!(o.applied.len() + o.rejected.len(), n);
        assert_eq!(o.applied.len(), 16);
        if n == 16 {
            // nothing constrains and every campaign adds: all apply, as in sequential mode
            let (seq, _) = many(n, "sequential");
            assert_eq!(o.discount, seq.evaluate(&c).discount);
        } else {
            // only the 16 largest alone (amounts i, or (i % 7 + 1)% of 1266.49) are considered
            let alone = |id: &str| {
                let i: usize = id[1..].parse().unwrap();
                if i % 2 == 0 {
                    d(&i.to_string())
                } else {
                    d("1266.49") * Decimal::from(i % 7 + 1) / Decimal::from(100)
                }
            };
            let worst_in = o.applied.iter().map(|a| alone(&a.campaign_id)).min();
            let best_out = o
                .rejected
                .iter()
                .map(|r| alone(r.campaign_id.as_deref().unwrap()))
                .max();
            assert!(worst_in > best_out, "{worst_in:?} {best_out:?}");
            assert!(o.rejected.iter().all(|r| r.reason == Reason::NotBestDeal));
        }
    }
}

/// A small seeded generator (xorshift), so the properties need no extra dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn chance(&mut self, pct: u64) -> bool {
        self.below(100) < pct
    }
}

fn random_case(r: &mut Rng) -> (J, Vec<J>, Input) {
    let n = 1 + r.below(8) as usize;
    let camps: Vec<J> = (0..n)
        .map(|i| {
            let effect = match r.below(5) {
                0 | 1 => pct(&(r.below(60)).to_string()),
                2 => amt(&format!("{}.{:02}", r.below(40), r.below(100))),
                3 => ship(&(r.below(101)).to_string(), true),
                _ => ship(&r.below(15).to_string(), false),
            };
            let mut c = json!({"id": format!("c{i}"), "priority": r.below(3), "effect": effect});
            let m = c.as_object_mut().unwrap();
            if r.chance(15) {
                m.insert("exclusive".into(), J::Bool(true));
            }
            if r.chance(15) {
                m.insert("stop_after".into(), J::Bool(true));
            }
            if r.chance(40) {
                m.insert("group".into(), json!(format!("g{}", r.below(2))));
            }
            if r.chance(15) {
                m.insert("rules".into(), never());
            }
            c
        })
        .collect();
    let mut st = serde_json::Map::new();
    if r.chance(50) {
        st.insert("base".into(), json!("original"));
    }
    if r.chance(40) {
        st.insert("max_applied".into(), json!(1 + r.below(4)));
    }
    if r.chance(40) {
        st.insert("max_discount".into(), json!(r.below(60).to_string()));
    }
    let lines: Vec<String> = (0..=r.below(3))
        .map(|_| format!("{}.{:02}", r.below(80), r.below(100)))
        .collect();
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    let c = cart(&refs, &r.below(12).to_string());
    (J::Object(st), camps, c)
}

fn with_mode(st: &J, mode: &str) -> J {
    let mut st = st.clone();
    st.as_object_mut()
        .unwrap()
        .insert("mode".into(), json!(mode));
    st
}

/// Candidate order: priority descending, then position.
fn order(camps: &[J]) -> Vec<usize> {
    let mut o: Vec<usize> = (0..camps.len()).collect();
    o.sort_by_key(|i| {
        (
            std::cmp::Reverse(camps[*i]["priority"].as_u64().unwrap_or(0)),
            *i,
        )
    });
    o
}

fn flag(c: &J, k: &str) -> bool {
    c[k].as_bool().unwrap_or(false)
}

fn allowed(camps: &[J], subset: &[usize], max_applied: Option<u64>) -> bool {
    let ex = subset
        .iter()
        .filter(|i| flag(&camps[**i], "exclusive"))
        .count();
    if ex > 1 || (ex == 1 && subset.len() > 1) {
        return false;
    }
    if max_applied.is_some_and(|m| subset.len() as u64 > m) {
        return false;
    }
    let groups: Vec<&str> = subset
        .iter()
        .filter_map(|i| camps[*i]["group"].as_str())
        .collect();
    if (1..groups.len()).any(|k| groups[..k].contains(&groups[k])) {
        return false;
    }
    // `subset` is in candidate order
    subset[..subset.len().saturating_sub(1)]
        .iter()
        .all(|i| !flag(&camps[*i], "stop_after"))
}

#[test]
fn best_deal_properties() {
    let mut r = Rng(0x9E37_79B9_7F4A_7C15);
    for case in 0..400 {
        let (st, camps, c) = random_case(&mut r);
        let seq = engine(with_mode(&st, "sequential"), J::Array(camps.clone())).evaluate(&c);
        let best = engine(with_mode(&st, "best_deal"), J::Array(camps.clone())).evaluate(&c);
        check(&seq);
        check(&best);
        let ctx = format!("case {case}: {st} {}", J::Array(camps.clone()));
        for (mode, full) in [("sequential", &seq), ("best_deal", &best)] {
            let priced = engine(with_mode(&st, mode), J::Array(camps.clone())).price(&c);
            assert_eq!(
                priced.applied, full.applied,
                "{ctx}: price() applies the same"
            );
            assert_eq!(priced.total, full.total, "{ctx}");
            assert_eq!(priced.lines, full.lines, "{ctx}");
        }
        assert!(best.discount >= seq.discount, "{ctx}");
        if let Some(p) = st["max_discount"].as_str() {
            let m = best.subtotal * d(p) / Decimal::from(100);
            assert!(
                best.discount <= m.round_dp(2) && seq.discount <= m.round_dp(2),
                "{ctx}"
            );
        }
        // constraints hold among the applied ones (in candidate order)
        let ord = order(&camps);
        let idx = |id: &str| id[1..].parse::<usize>().unwrap();
        let mut applied: Vec<usize> = best.applied.iter().map(|a| idx(&a.campaign_id)).collect();
        applied.sort_by_key(|i| ord.iter().position(|o| o == i));
        let max_applied = st["max_applied"].as_u64();
        assert!(allowed(&camps, &applied, max_applied), "{ctx}");
        // brute force: every allowed subset of the eligible, applied alone in sequential mode
        let eligible: Vec<usize> = ord
            .iter()
            .copied()
            .filter(|i| {
                !seq.rejected.iter().any(|x| {
                    x.campaign_id.as_deref() == Some(&format!("c{i}"))
                        && x.reason == Reason::RulesNotMet
                })
            })
            .collect();
        let mut best_val = Decimal::NEGATIVE_ONE;
        let mut best_set: Vec<usize> = Vec::new();
        let mut sets: Vec<Vec<usize>> = (0u32..1 << eligible.len())
            .map(|mask| {
                (0..eligible.len())
                    .filter(|b| mask >> b & 1 == 1)
                    .map(|b| eligible[b])
                    .collect()
            })
            .collect();
        let pos = |i: &usize| ord.iter().position(|o| o == i).unwrap();
        sets.sort_by_key(|s| s.iter().map(pos).collect::<Vec<_>>());
        for s in sets {
            if !allowed(&camps, &s, max_applied) {
                continue;
            }
            let only: Vec<J> = s.iter().map(|i| camps[*i].clone()).collect();
            let v = engine(with_mode(&st, "sequential"), J::Array(only))
                .evaluate(&c)
                .discount;
            if v > best_val {
                best_val = v;
                best_set = s;
            }
        }
        assert_eq!(best.discount, best_val, "{ctx}");
        let chosen: Vec<usize> = ord
            .iter()
            .copied()
            .filter(|i| {
                let id = format!("c{i}");
                best.applied.iter().any(|a| a.campaign_id == id)
                    || best.rejected.iter().any(|x| {
                        x.campaign_id.as_deref() == Some(id.as_str())
                            && matches!(x.reason, Reason::NoEffect | Reason::MaxDiscount)
                    })
            })
            .collect();
        assert_eq!(chosen, best_set, "{ctx}");
    }
}
