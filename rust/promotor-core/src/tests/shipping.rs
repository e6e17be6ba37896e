//! Shipping methods: per-method shares add up to the campaign's shipping amount, each method
//! stays within its price, and the `shipping` shorthand answers as one method.

use proptest::prelude::*;
use rust_decimal::Decimal;
use serde_json::{json, Value as J};

use crate::compile::{compile, Program};
use crate::input::Input;
use crate::ir::EngineDef;

fn program(campaigns: &J) -> Program {
    let def: EngineDef =
        serde_json::from_value(json!({"version": 2, "campaigns": campaigns})).unwrap();
    compile(&def).unwrap_or_else(|e| panic!("{e}"))
}

fn express() -> J {
    json!({"type": "binary", "op": "eq", "left": {"type": "field", "path": ["method", "code"]},
           "right": {"type": "str", "value": "express"}})
}

fn methods(prices: &[(&str, u32)]) -> Input {
    let listed: Vec<J> = prices
        .iter()
        .map(|(code, cents)| json!({"code": code, "price": Decimal::new(i64::from(*cents), 2).to_string()}))
        .collect();
    crate::input::read(
        &&json!({"cart": {"items": [{"price": "10"}], "shipping_methods": listed}}),
        0,
    )
    .unwrap()
}

#[test]
fn free_express_takes_only_the_express_method() {
    let p = program(&json!([{"id": "c", "effect": {"type": "shipping_off",
        "amount": {"type": "num", "value": "100"}, "percent": true,
        "on": {"type": "shipping", "pred": express()}}}]));
    let o = p.evaluate(&methods(&[("standard", 499), ("express", 1200)]));
    let per: Vec<String> = o
        .shipping_methods
        .iter()
        .map(|m| m.discount.to_string())
        .collect();
    assert_eq!(per, ["0.00", "12.00"]);
    assert_eq!(
        o.applied[0].shipping_allocations,
        vec![(1, Decimal::new(1200, 2))]
    );
}

#[test]
fn the_shorthand_is_one_method_and_reports_none() {
    let p = program(&json!([{"id": "c", "effect": {"type": "shipping_off",
        "amount": {"type": "num", "value": "3"}}}]));
    let input =
        crate::input::read(&&json!({"cart": {"items": [], "shipping": "4.99"}}), 0).unwrap();
    let o = p.evaluate(&input);
    assert_eq!(o.shipping_discount, Decimal::new(300, 2));
    assert!(o.shipping_methods.is_empty());
    assert!(o.applied[0].shipping_allocations.is_empty());
}

#[test]
fn shorthand_and_methods_together_are_refused() {
    let e = crate::input::read(
        &&json!({"cart": {"shipping": "1", "shipping_methods": [{"price": "2"}]}}),
        0,
    )
    .unwrap_err();
    assert!(e.to_string().contains("shipping_methods"), "{e}");
}

proptest! {
    #[test]
    fn method_shares_add_up_and_stay_within_prices(
        prices in prop::collection::vec(0u32..5000, 1..5),
        amount in 0u32..10_000,
        each in any::<bool>(),
        percent in any::<bool>(),
    ) {
        let on = if each {
            json!({"type": "shipping", "allocation": "each"})
        } else {
            json!({"type": "shipping"})
        };
        let value = if percent { (amount % 101).to_string() } else { Decimal::new(i64::from(amount), 2).to_string() };
        let p = program(&json!([
            {"id": "a", "effect": {"type": "shipping_off", "amount": {"type": "num", "value": value},
                "percent": percent, "on": on}},
            {"id": "b", "effect": {"type": "percent_off", "percent": {"type": "num", "value": "30"},
                "on": {"type": "shipping", "pred": express()}}},
        ]));
        let codes = ["standard", "express"];
        let listed: Vec<(&str, u32)> =
            prices.iter().enumerate().map(|(j, c)| (codes[j % 2], *c)).collect();
        let o = p.evaluate(&methods(&listed));
        let mut sum = Decimal::ZERO;
        for m in &o.shipping_methods {
            prop_assert!(m.discount >= Decimal::ZERO && m.discount <= m.price);
            prop_assert_eq!(m.total, m.price - m.discount);
            sum += m.discount;
        }
        prop_assert_eq!(sum, o.shipping_discount);
        for a in &o.applied {
            let s: Decimal = a.shipping_allocations.iter().map(|(_, v)| *v).sum();
            prop_assert_eq!(s, a.shipping_amount);
        }
    }
}
