//! Effects against per-unit models on small carts, and the bulk paths on absurd carts.

use proptest::prelude::*;
use serde_json::{json, Value as J};

use super::num;
use crate::compile::{compile, Program};
use crate::input::Input;
use crate::ir::EngineDef;

fn program(effect: J) -> Program {
    super::program(json!({"version": 1, "campaigns": [{"id": "c", "effect": effect}]}))
}

fn in_cats(cats: &[&str]) -> J {
    json!({"type": "binary", "op": "in", "left": {"type": "field", "path": ["item", "category"]},
           "right": {"type": "list", "items": cats.iter().map(|c| json!({"type": "str", "value": c})).collect::<Vec<_>>()}})
}

/// Lines as (whole price in dollars, quantity, category).
fn cart(lines: &[(u32, u32, &str)]) -> Input {
    let items: Vec<J> = lines
        .iter()
        .map(|(p, q, c)| json!({"price": p.to_string(), "quantity": q, "category": c}))
        .collect();
    serde_json::from_value(json!({"cart": {"items": items}})).unwrap()
}

fn line_cents(p: &Program, input: &Input) -> Vec<i128> {
    p.evaluate(input)
        .lines
        .iter()
        .map(|l| crate::money::to_minor(l.discount, 2, crate::num::RoundMode::Down).unwrap())
        .collect()
}

/// Per-unit `buy_x_get_y`, straight from the spec: get-units taken per line.
fn bxgy_model(lines: &[(u32, u32, &str)], bq: usize, gq: usize, max: Option<usize>) -> Vec<u32> {
    let is_buy = |c: &str| c == "b" || c == "bg";
    let is_get = |c: &str| c == "g" || c == "bg";
    let mut idx: Vec<usize> = (0..lines.len())
        .filter(|i| is_buy(lines[*i].2) || is_get(lines[*i].2))
        .collect();
    idx.sort_by(|a, b| lines[*b].0.cmp(&lines[*a].0).then(a.cmp(b)));
    let units: Vec<usize> = idx
        .iter()
        .flat_map(|i| std::iter::repeat_n(*i, lines[*i].1 as usize))
        .collect();
    let mut taken = vec![false; units.len()];
    let mut got = vec![0u32; lines.len()];
    let mut apps = 0;
    while max.is_none_or(|m| apps < m) {
        let mut t = taken.clone();
        let buys: Vec<usize> = (0..units.len())
            .filter(|u| !t[*u] && is_buy(lines[units[*u]].2))
            .take(bq)
            .collect();
        if buys.len() < bq {
            break;
        }
        for u in &buys {
            t[*u] = true;
        }
        let gets: Vec<usize> = (0..units.len())
            .rev()
            .filter(|u| !t[*u] && is_get(lines[units[*u]].2))
            .take(gq)
            .collect();
        if gets.len() < gq {
            break;
        }
        for u in &gets {
            t[*u] = true;
            got[units[*u]] += 1;
        }
        taken = t;
        apps += 1;
    }
    got
}

fn line_strategy() -> impl Strategy<Value = Vec<(u32, u32, &'static str)>> {
    prop::collection::vec(
        (
            1u32..4,
            1u32..6,
            prop::sample::select(vec!["b", "g", "bg", "x"]),
        ),
        1..7,
    )
}

proptest! {
    #[test]
    fn bxgy_matches_per_unit_model(
        lines in line_strategy(),
        bq in 1usize..4,
        gq in 1usize..4,
        max in prop::option::of(0usize..5),
        same in any::<bool>(),
    ) {
        let mut e = json!({"type": "buy_x_get_y", "buy": in_cats(&["b", "bg"]),
                           "buy_quantity": num(&bq.to_string()), "get_quantity": num(&gq.to_string()),
                           "percent": num("100")});
        if !same {
            e["get"] = in_cats(&["g", "bg"]);
        }
        if let Some(m) = max {
            e["max_applications"] = num(&m.to_string());
        }
        let lines2: Vec<(u32, u32, &str)> = if same {
            // get = buy: the get set is the buy set
            lines.iter().map(|(p, q, c)| (*p, *q, if *c == "b" || *c == "bg" { "bg" } else { "x" })).collect()
        } else {
            lines.clone()
        };
        let got = bxgy_model(&lines2, bq, gq, max);
        let want: Vec<i128> = lines2.iter().zip(&got).map(|((p, _, _), g)| i128::from(*p * *g) * 100).collect();
        prop_assert_eq!(line_cents(&program(e), &cart(&lines)), want);
    }

    #[test]
    fn cheapest_and_most_expensive_match_per_unit_model(
        lines in line_strategy(),
        n in 0u32..12,
        cheapest in any::<bool>(),
    ) {
        let key = if cheapest { "cheapest" } else { "most_expensive" };
        let e = json!({"type": "percent_off", "percent": num("100"),
                       "on": {"type": "items", "pred": in_cats(&["b", "bg"]), key: n}});
        let mut units: Vec<usize> = (0..lines.len())
            .filter(|i| matches!(lines[*i].2, "b" | "bg"))
            .flat_map(|i| std::iter::repeat_n(i, lines[i].1 as usize))
            .collect();
        units.sort_by(|a, b| {
            let o = lines[*a].0.cmp(&lines[*b].0);
            (if cheapest { o } else { o.reverse() }).then(a.cmp(b))
        });
        let mut want = vec![0i128; lines.len()];
        for u in units.into_iter().take(n as usize) {
            want[u] += i128::from(lines[u].0) * 100;
        }
        prop_assert_eq!(line_cents(&program(e), &cart(&lines)), want);
    }
}

/// 1000 lines of 1,000,000 units each: every effect works per line, not per unit (a per-unit
/// loop would not finish), with no bound on applications. Speed itself is for benchmarks.
#[test]
fn huge_cart_is_priced_per_line() {
    let lines: Vec<(u32, u32, &str)> = (0..1000u32)
        .map(|i| (1 + i % 97, 1_000_000, if i % 3 == 0 { "g" } else { "bg" }))
        .collect();
    let input = cart(&lines);
    let effects = [
        json!({"type": "buy_x_get_y", "buy_quantity": num("1"), "get_quantity": num("1"), "percent": num("100")}),
        json!({"type": "buy_x_get_y", "buy": in_cats(&["bg"]), "get": in_cats(&["g"]),
               "buy_quantity": num("3"), "get_quantity": num("7"), "percent": num("50")}),
        json!({"type": "buy_x_get_y", "buy_quantity": num("999999"), "get_quantity": num("2"), "percent": num("100")}),
        json!({"type": "percent_off", "percent": num("100"), "on": {"type": "items", "cheapest": 999_999_999}}),
        json!({"type": "percent_off", "percent": num("10"), "on": {"type": "items", "most_expensive": 123_456_789, "max_quantity": 999_999}}),
        json!({"type": "amount_off", "amount": num("0.01"), "on": {"type": "items"}, "allocation": "each"}),
        json!({"type": "fixed_price", "price": num("0.5"), "on": {"type": "items", "pred": in_cats(&["g"])}}),
    ];
    for e in effects {
        let p = program(e.clone());
        let o = p.evaluate(&input);
        assert_eq!(o.applied.len(), 1, "{e}: {:?}", o.rejected);
        assert!(o.total >= rust_decimal::Decimal::ZERO);
    }
    // buy 1 get 1 on everything: half of all units free, the cheapest half.
    let p = program(
        json!({"type": "buy_x_get_y", "buy_quantity": num("1"), "get_quantity": num("1"), "percent": num("100")}),
    );
    let o = p.evaluate(&cart(&[(5, 1_000_000, "bg"), (3, 1_000_000, "bg")]));
    assert_eq!(o.discount.to_string(), "3000000.00");
}

/// Several effects (issue 10): each sees what the ones before it left, and the parts add up.
#[test]
fn several_effects_apply_in_order_and_report_parts() {
    let def: EngineDef = serde_json::from_value(json!({"version": 2, "campaigns": [{
        "id": "c",
        "effects": [
            {"type": "percent_off", "percent": num("50")},
            {"type": "amount_off", "amount": num("30")},
            {"type": "shipping_off", "amount": num("100"), "percent": true},
        ],
    }]}))
    .unwrap();
    let p = compile(&def).unwrap_or_else(|e| panic!("{e}"));
    let input: Input = serde_json::from_value(json!({"cart": {
        "items": [{"price": "40", "quantity": 1}, {"price": "20", "quantity": 1}],
        "shipping": "5",
    }}))
    .unwrap();
    let o = p.evaluate(&input);
    let [applied] = o.applied.as_slice() else {
        panic!("{o:?}")
    };
    let amounts: Vec<String> = applied.parts.iter().map(|x| x.amount.to_string()).collect();
    // 50% of 60.00, then 30.00 off the 30.00 left, then the shipping
    assert_eq!(amounts, ["30.00", "30.00", "5.00"]);
    assert_eq!(applied.amount.to_string(), "65.00");
    assert_eq!(o.total.to_string(), "0.00");
}
