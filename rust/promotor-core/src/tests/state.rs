//! Usage limits and budgets decided on snapshots (hand-checked numbers): the order of the
//! checks, shared keys in both stacking modes, budgets that shrink a discount exactly, the
//! deltas' bounds, and the in-memory state applying them all or nothing.

use serde_json::{json, Value as J};

use super::{d, program};
use crate::compile::{compile, Program};
use crate::input::Input;
use crate::ir::EngineDef;
use crate::outcome::{Reason, Reported};
use crate::state::memory::MemoryState;
use crate::state::{Delta, Snapshot};

fn engine(mode: &str, campaigns: J) -> Program {
    program(json!({"version": 1, "stacking": {"mode": mode}, "campaigns": campaigns}))
}

/// 2026-11-29T23:30:00Z: Sunday in UTC, Monday in Warsaw.
const NOW: i64 = 1_795_995_000_000_000;

fn input(prices: &[&str], shipping: &str, customer: Option<&str>, codes: &[&str]) -> Input {
    let items: Vec<J> = prices
        .iter()
        .enumerate()
        .map(|(i, p)| json!({"sku": format!("S{i}"), "price": p, "quantity": 1}))
        .collect();
    serde_json::from_value(json!({
        "cart": {"items": items, "shipping": shipping},
        "customer": customer.map(|c| json!({"id": c})),
        "codes": codes,
        "context": {"now": NOW},
    }))
    .unwrap()
}

fn snap(pairs: &[(&str, i64)]) -> Snapshot {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect()
}

fn amount(a: &str) -> J {
    json!({"type": "amount_off", "amount": {"type": "num", "value": a}})
}

fn percent(p: &str) -> J {
    json!({"type": "percent_off", "percent": {"type": "num", "value": p}})
}

#[test]
fn keys_follow_customer_code_period_and_shared_key() {
    let p = engine(
        "sequential",
        json!([
            {"id": "a", "effect": amount("5"), "limits": [
                {"type": "limit", "max": 3, "per": "customer", "every": "week",
                 "timezone": "Europe/Warsaw"},
                {"type": "budget", "amount": "100", "key": "q4"}]},
            {"id": "b", "codes": ["BF", "bf2"], "effect": amount("1"), "limits": [
                {"type": "limit", "max": 1, "per": "code", "every": "day"}]},
            {"id": "c", "code": "NOT-GIVEN", "effect": amount("1"), "limits": [
                {"type": "limit", "max": 1}]},
        ]),
    );
    let keys = p.state_keys(&input(&["10"], "0", Some("c1"), &[" Bf2 "]));
    assert_eq!(
        keys,
        [
            "count|campaign=a|customer=c1|week@Europe/Warsaw=2026-W49",
            "budget|key=q4",
            "count|campaign=b|code=bf2|day@UTC=2026-11-29",
        ]
    );
    // Without limited campaigns nothing is read.
    let plain = engine("sequential", json!([{"id": "x", "effect": amount("1")}]));
    assert!(!plain.is_stateful());
    assert!(plain.state_keys(&input(&["10"], "0", None, &[])).is_empty());
}

#[test]
fn the_first_blocking_limit_in_list_order_is_reported() {
    let p = engine(
        "sequential",
        json!([{"id": "a", "effect": amount("5"), "limits": [
            {"type": "budget", "amount": "20.00"},
            {"type": "limit", "max": 2},
            {"type": "limit", "max": 1, "per": "customer"}]}]),
    );
    let cart = input(&["10"], "0", None, &[]);
    let (o, deltas) = p.decide(&cart, &snap(&[("count|campaign=a", 2)]), true);
    let r = &o.rejected[0];
    assert_eq!(
        (r.reason, r.detail.as_deref()),
        (Reason::LimitReached, Some("total"))
    );
    assert_eq!(
        (r.actual.clone(), r.expected.clone()),
        (Some(Reported::Num(d("2"))), Some(Reported::Num(d("2"))))
    );
    assert!(deltas.is_empty());
    let (o, _) = p.decide(&cart, &snap(&[]), true);
    let r = &o.rejected[0];
    assert_eq!(
        (r.reason, r.detail.as_deref(), r.actual.clone()),
        (Reason::LimitReached, Some("customer required"), None)
    );
    let (o, _) = p.decide(
        &cart,
        &snap(&[("budget|campaign=a", 2000), ("count|campaign=a", 2)]),
        true,
    );
    let r = &o.rejected[0];
    assert_eq!(
        (r.reason, r.detail.as_deref()),
        (Reason::BudgetExhausted, Some("budget"))
    );
    assert_eq!(r.actual, Some(Reported::Num(d("20.00"))));
}

#[test]
fn a_budget_shrinks_a_discount_by_largest_remainder_shipping_last() {
    // 30% of (10.00 + 20.00 + 5.00 shipping... percent_off on ORDER) = 9.00 over lines 3.00/6.00;
    // 4.00 left: shares 10:20 of 4.00 = 1.33 + 2.67.
    let p = engine(
        "sequential",
        json!([{"id": "a", "effect": percent("30"), "limits": [
            {"type": "budget", "amount": "50.00"}]}]),
    );
    let cart = input(&["10.00", "20.00"], "5.00", None, &[]);
    let (o, deltas) = p.decide(&cart, &snap(&[("budget|campaign=a", 4600)]), true);
    let a = &o.applied[0];
    assert_eq!((a.amount, a.limited_by), (d("4.00"), Some("budget")));
    assert_eq!(a.allocations, vec![(0, d("1.33")), (1, d("2.67"))]);
    assert_eq!(o.total, d("31.00"));
    assert_eq!(
        deltas,
        [Delta {
            key: "budget|campaign=a".into(),
            add: 400,
            max: Some(5000),
            min: None
        }]
    );
    // Not partial: refused whole.
    let strict = engine(
        "sequential",
        json!([{"id": "a", "effect": percent("30"), "limits": [
            {"type": "budget", "amount": "50.00", "partial": false}]}]),
    );
    let (o, deltas) = strict.decide(&cart, &snap(&[("budget|campaign=a", 4600)]), true);
    assert!(o.applied.is_empty());
    assert_eq!(o.rejected[0].reason, Reason::BudgetExhausted);
    assert!(deltas.is_empty());
}

#[test]
fn campaigns_sharing_a_key_see_each_other_in_both_modes() {
    for mode in ["sequential", "best_deal"] {
        let p = engine(
            mode,
            json!([
                {"id": "a", "effect": amount("5"), "limits": [{"type": "limit", "max": 10, "key": "k"}]},
                {"id": "b", "effect": amount("3"), "limits": [{"type": "limit", "max": 5, "key": "k"}]},
                {"id": "c", "effect": amount("2"), "limits": [{"type": "budget", "amount": "6.00", "key": "m"}]},
                {"id": "d", "effect": amount("4"), "limits": [{"type": "budget", "amount": "9.00", "key": "m"}]},
            ]),
        );
        let cart = input(&["50.00"], "0", None, &[]);
        // k at 4: a takes it to 5; b would need 6 <= 5. m at 300: c takes 2.00 (500), d gets
        // what is left of its own 9.00: 4.00 fits (900).
        let (o, deltas) = p.decide(
            &cart,
            &snap(&[("count|key=k", 4), ("budget|key=m", 300)]),
            true,
        );
        let ids: Vec<&str> = o.applied.iter().map(|a| a.campaign_id.as_str()).collect();
        assert_eq!(ids, ["a", "c", "d"], "{mode}");
        let b = o
            .rejected
            .iter()
            .find(|r| r.campaign_id.as_deref() == Some("b"))
            .unwrap();
        assert_eq!(
            (b.reason, b.actual.clone()),
            (Reason::LimitReached, Some(Reported::Num(d("5")))),
            "{mode}"
        );
        // Bounds keep each application's own check: k: 4 + 1 <= 10; m: v + 200 <= 600 and
        // v + 600 <= 900, i.e. v + 600 <= min(600 - 200, 900 - 600) + 600 = 900.
        assert_eq!(
            deltas,
            [
                Delta {
                    key: "count|key=k".into(),
                    add: 1,
                    max: Some(10),
                    min: None
                },
                Delta {
                    key: "budget|key=m".into(),
                    add: 600,
                    max: Some(900),
                    min: None
                },
            ],
            "{mode}"
        );
    }
}

#[test]
fn the_memory_state_replays_decisions_and_refuses_stale_ones() {
    let p = engine(
        "sequential",
        json!([{"id": "a", "effect": amount("5"), "limits": [
            {"type": "limit", "max": 3},
            {"type": "budget", "amount": "12.00"}]}]),
    );
    let cart = input(&["10.00"], "0", None, &[]);
    let mut state = MemoryState::new();
    let mut given = Vec::new();
    for _ in 0..4 {
        let keys = p.state_keys(&cart);
        let (o, deltas) = p.decide(&cart, &state.snapshot(&keys), false);
        given.push(o.discount);
        state.apply(&deltas).unwrap();
    }
    assert_eq!(given, [d("5.00"), d("5.00"), d("2.00"), d("0")]);
    assert_eq!(
        (
            state.get("count|campaign=a"),
            state.get("budget|campaign=a")
        ),
        (3, 1200)
    );
    // A decision taken on an old snapshot no longer fits: nothing of it applies.
    let mut fresh = MemoryState::new();
    let (_, stale) = p.decide(&cart, &fresh.snapshot(&p.state_keys(&cart)), false);
    fresh
        .apply(&[Delta {
            key: "budget|campaign=a".into(),
            add: 1000,
            max: None,
            min: None,
        }])
        .unwrap();
    assert!(fresh.apply(&stale).is_err());
    assert_eq!(fresh.get("count|campaign=a"), 0);
}

#[test]
fn limits_are_checked_when_compiled() {
    let bad: EngineDef =
        serde_json::from_value(json!({"version": 1, "currency": "JPY", "campaigns": [
        {"id": "a", "effect": amount("1"), "limits": [
            {"type": "budget", "amount": "10.5"},
            {"type": "limit", "max": 1, "per": "code"},
            {"type": "limit", "max": 1, "timezone": "Mars/Base"},
            {"type": "limit", "max": 1, "key": " "}]}]}))
        .unwrap();
    let errs = compile(&bad).unwrap_err().errors;
    let msgs: Vec<String> = errs.iter().map(ToString::to_string).collect();
    assert_eq!(msgs.len(), 4, "{msgs:?}");
    assert!(msgs[0]
        .starts_with("campaigns.0.limits.0.amount: invalid budget \"10.5\": more decimal places"));
    assert!(msgs[1]
        .contains("limits.1.per: per='code' cannot be combined with a campaign without codes"));
    assert!(msgs[2].contains("limits.2.timezone: unknown timezone 'Mars/Base'"));
    assert!(msgs[3].contains("limits.3.key: must not be empty"));
    let types: Vec<&str> = errs.iter().map(|e| e.kind.type_name()).collect();
    assert_eq!(
        types,
        [
            "invalid_literal",
            "incompatible",
            "unknown_timezone",
            "empty"
        ]
    );
}
