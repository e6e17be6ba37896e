//! Best deal bounds the work of its search by the cart's size (docs/semantics.md, "Best-deal
//! mode"); the reference evaluator applies the same rule (`tests/test_reference_stacking.py`).

use serde_json::{json, Value as J};

use crate::compile::compile;
use crate::ir::EngineDef;
use crate::outcome::Reason;

#[test]
fn best_deal_bounds_its_search_by_the_cart_size() {
    use crate::eval::stacking::best_deal_limit;
    assert_eq!(best_deal_limit(0), 16);
    assert_eq!(best_deal_limit(63), 16);
    assert_eq!(best_deal_limit(64), 15);
    assert_eq!(best_deal_limit(1000), 12);
    // 16 campaigns on a 200-line cart: the 14 that take most alone are searched, the two that
    // take least are `not_best_deal` (all 16 would apply with an exact search)
    let camps: Vec<J> = (1..=16)
        .map(|i| json!({"id": format!("c{i}"), "effect": {"type": "percent_off", "percent": {"type": "num", "value": i.to_string()}}}))
        .collect();
    let def: EngineDef = serde_json::from_value(
        json!({"version": 2, "stacking": {"mode": "best_deal"}, "campaigns": camps}),
    )
    .unwrap();
    let p = compile(&def).unwrap();
    let lines: Vec<(String, String, u32)> = (0..200)
        .map(|i| (format!("S{i}"), "10".to_owned(), 1))
        .collect();
    let c = crate::input::Input {
        cart: crate::input::Cart {
            items: lines
                .iter()
                .map(|(sku, price, q)| crate::input::Item {
                    sku: Some(sku.as_str().into()),
                    price: price.parse().unwrap(),
                    quantity: *q,
                    ..crate::input::Item::default()
                })
                .collect(),
            ..crate::input::Cart::default()
        },
        ..crate::input::Input::default()
    };
    let o = p.evaluate(&c);
    let left_out: Vec<&str> = o
        .rejected
        .iter()
        .filter(|r| r.reason == Reason::NotBestDeal)
        .filter_map(|r| r.campaign_id.as_deref())
        .collect();
    assert_eq!(left_out, ["c1", "c2"]);
    assert_eq!(o.applied.len(), 14);
}
