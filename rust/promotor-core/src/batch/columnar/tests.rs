//! Per leaf kind: the bitmap columns give, and that batch output with pruning equals the row
//! path (every order priced by `Program::price`).

use std::sync::Arc;

use arrow_array::builder::{ListBuilder, StringBuilder, StringDictionaryBuilder};
use arrow_array::types::Int32Type;
use arrow_array::{
    Array, ArrayRef, Decimal128Array, Int64Array, ListArray, RecordBatch, StringArray, StructArray,
    TimestampMicrosecondArray,
};
use arrow_buffer::OffsetBuffer;
use arrow_schema::{DataType, Field, Fields};
use serde_json::{json, Value as J};

use super::{Bits, Selection};
use crate::arrow::write::{MoneyOut, Row};
use crate::batch::Batch;
use crate::compile::{compile, Program};
use crate::input::arrow::Extra;
use crate::input::Input;
use crate::ir::{EngineDef, RuleBounds};

/// 2026-11-27T00:00:00Z.
const NOW: i64 = 1_795_737_600_000_000;
const DAY: i64 = 86_400_000_000;

fn engine(campaigns: &[J]) -> Program {
    let campaigns: Vec<J> = campaigns
        .iter()
        .map(|c| {
            let mut c = c.clone();
            if let Some(text) = c.get("rules").and_then(J::as_str) {
                let e = crate::syntax::parse(text, &RuleBounds::default()).unwrap();
                c["rules"] = serde_json::to_value(e).unwrap();
            }
            if c.get("effect").is_none() {
                c["effect"] =
                    json!({"type": "percent_off", "percent": {"type": "num", "value": "10"}});
            }
            c
        })
        .collect();
    let def: EngineDef =
        serde_json::from_value(json!({"version": 1, "currency": "USD", "campaigns": campaigns}))
            .unwrap();
    compile(&def).unwrap_or_else(|e| panic!("{e}"))
}

/// One order: segments, lines (sku, category, price in cents, quantity), `created_at`
/// (`None`: null), codes.
#[derive(Clone, Default)]
struct O {
    segments: Vec<&'static str>,
    lines: Vec<(&'static str, Option<&'static str>, i128, i64)>,
    created_at: Option<i64>,
    codes: Vec<&'static str>,
}

fn o(segments: &[&'static str], lines: &[(&'static str, &'static str, i128, i64)]) -> O {
    O {
        segments: segments.to_vec(),
        lines: lines
            .iter()
            .map(|(s, c, p, q)| (*s, Some(*c), *p, *q))
            .collect(),
        created_at: Some(NOW),
        codes: Vec::new(),
    }
}

fn strs(rows: impl Iterator<Item = Vec<&'static str>>) -> ArrayRef {
    let mut b = ListBuilder::new(StringBuilder::new());
    for r in rows {
        for s in r {
            b.values().append_value(s);
        }
        b.append(true);
    }
    Arc::new(b.finish())
}

/// The orders as an Arrow table; `dict`: categories dictionary-encoded.
fn table(orders: &[O], dict: bool) -> RecordBatch {
    let ids: ArrayRef = Arc::new(StringArray::from_iter_values(
        (0..orders.len()).map(|i| format!("o{i}")),
    ));
    let lines: Vec<_> = orders.iter().flat_map(|o| o.lines.clone()).collect();
    let sku: ArrayRef = Arc::new(StringArray::from_iter_values(lines.iter().map(|l| l.0)));
    let category: ArrayRef = if dict {
        let mut b = StringDictionaryBuilder::<Int32Type>::new();
        for l in &lines {
            b.append_option(l.1);
        }
        Arc::new(b.finish())
    } else {
        Arc::new(lines.iter().map(|l| l.1).collect::<StringArray>())
    };
    let price: ArrayRef = Arc::new(
        Decimal128Array::from_iter_values(lines.iter().map(|l| l.2))
            .with_precision_and_scale(18, 2)
            .unwrap(),
    );
    let quantity: ArrayRef = Arc::new(Int64Array::from_iter_values(lines.iter().map(|l| l.3)));
    let fields = Fields::from(vec![
        Field::new("sku", DataType::Utf8, true),
        Field::new("category", category.data_type().clone(), true),
        Field::new("price", price.data_type().clone(), true),
        Field::new("quantity", DataType::Int64, true),
    ]);
    let st = StructArray::new(fields.clone(), vec![sku, category, price, quantity], None);
    let offsets = OffsetBuffer::from_lengths(orders.iter().map(|o| o.lines.len()));
    let items: ArrayRef = Arc::new(ListArray::new(
        Arc::new(Field::new("item", DataType::Struct(fields), true)),
        offsets,
        Arc::new(st),
        None,
    ));
    let created: ArrayRef = Arc::new(
        orders
            .iter()
            .map(|o| o.created_at)
            .collect::<TimestampMicrosecondArray>()
            .with_timezone("UTC"),
    );
    RecordBatch::try_from_iter(vec![
        ("order_id", ids),
        ("segments", strs(orders.iter().map(|o| o.segments.clone()))),
        ("items", items),
        ("created_at", created),
        ("codes", strs(orders.iter().map(|o| o.codes.clone()))),
    ])
    .unwrap()
}

/// Prices `orders` with pruning and by the row path, asserts the outputs are equal, and
/// returns the selection.
fn check(p: &Program, orders: &[O], dict: bool) -> Selection {
    let rb = table(orders, dict);
    let mut batch = Batch::new(p, MoneyOut::Decimal, true, None, NOW, Extra::Forbid);
    let mut got = batch.chunk(&rb, 0).unwrap();
    assert_eq!(got.len(), 1, "a small chunk is one slice");
    let got = got.remove(0);
    let rows = batch
        .read(&rb, 0, |fill| {
            (0..rb.num_rows())
                .map(|i| {
                    let mut input = Input::default();
                    fill(&mut input, i).unwrap();
                    Row::new(p.price(&input))
                })
                .collect::<Vec<_>>()
        })
        .unwrap();
    let want = batch
        .output(rb.column_by_name("order_id").unwrap().as_ref(), &rows)
        .unwrap();
    assert_eq!(got.summary, want.summary);
    assert_eq!(got.detail, want.detail);
    batch
        .select(&rb)
        .expect("the engine has conditions columns decide")
}

fn bits(s: &Selection, ci: usize) -> Vec<bool> {
    let b = s.campaigns[ci]
        .as_ref()
        .expect("columns decide this campaign");
    (0..b.len()).map(|i| b.get(i)).collect()
}

#[test]
fn segments_by_value_and_by_or() {
    let p = engine(&[
        json!({"id": "vip", "rules": "customer.segments.contains(\"vip\")"}),
        json!({"id": "either", "rules": "\"gold\" in customer.segments || customer.segments.contains(\"vip\")"}),
    ]);
    let line = [("a", "tea", 1000, 1)];
    let orders = [
        o(&["vip"], &line),
        o(&["gold", "x"], &line),
        o(&[], &line),
        o(&["vipx"], &line),
    ];
    let s = check(&p, &orders, false);
    assert_eq!(bits(&s, 0), [true, false, false, false]);
    assert_eq!(bits(&s, 1), [true, true, false, false]);
    assert_eq!(
        (0..4).map(|i| s.any.get(i)).collect::<Vec<_>>(),
        [true, true, false, false]
    );
}

#[test]
fn subtotal_and_quantity_comparisons_either_way_round() {
    let p = engine(&[
        json!({"id": "sub", "rules": "cart.subtotal >= 30"}),
        json!({"id": "flip", "rules": "25.5 > cart.subtotal"}),
        json!({"id": "qty", "rules": "cart.quantity == 3"}),
    ]);
    let orders = [
        o(&[], &[("a", "tea", 1000, 3)]),                   // 30.00, 3 units
        o(&[], &[("a", "tea", 1275, 2)]),                   // 25.50, 2
        o(&[], &[("a", "tea", 1, 1), ("b", "x", 2549, 1)]), // 25.50, 2
        o(&[], &[]),                                        // 0, 0
        o(&[], &[("a", "tea", 999, 2), ("b", "x", 1, 1)]),  // 19.99, 3
    ];
    let s = check(&p, &orders, false);
    assert_eq!(bits(&s, 0), [true, false, false, false, false]);
    assert_eq!(bits(&s, 1), [false, false, false, true, true]);
    assert_eq!(bits(&s, 2), [true, false, false, false, true]);
}

#[test]
fn item_existence_by_category_sku_quantity_and_price() {
    let p = engine(&[
        json!({"id": "coffee2", "rules": "cart.items.exists(item, item.category == \"coffee\" && item.quantity >= 2)"}),
        json!({"id": "skus", "rules": "cart.items.exists(i, i.sku in [\"s1\", \"s2\"] || i.price > 50)"}),
    ]);
    let orders = [
        o(&[], &[("s0", "coffee", 100, 2)]),
        o(&[], &[("s0", "coffee", 100, 1), ("s9", "tea", 100, 5)]),
        o(&[], &[("s2", "tea", 100, 1)]),
        o(&[], &[("s3", "tea", 5001, 1)]),
        O {
            lines: vec![("s4", None, 100, 3)],
            ..o(&[], &[])
        },
    ];
    for dict in [false, true] {
        let s = check(&p, &orders, dict);
        assert_eq!(bits(&s, 0), [true, false, false, false, false]);
        assert_eq!(bits(&s, 1), [false, false, true, true, false]);
    }
}

#[test]
fn windows_and_now_leaves() {
    let p = engine(&[
        json!({"id": "open", "starts_at": "2026-11-20T00:00:00Z", "ends_at": "2026-11-28T00:00:00Z"}),
        json!({"id": "off", "active": false}),
        json!({"id": "late", "rules": "context.now >= timestamp(\"2026-11-27T12:00:00Z\")"}),
    ]);
    let at = |t: Option<i64>| O {
        created_at: t,
        ..o(&[], &[("a", "tea", 100, 1)])
    };
    let orders = [
        at(Some(NOW)),
        at(Some(NOW + DAY)),
        at(Some(NOW - 10 * DAY)),
        at(None), // the call's now
        at(Some(NOW + DAY / 2)),
    ];
    let s = check(&p, &orders, false);
    assert_eq!(bits(&s, 0), [true, false, false, true, true]);
    assert_eq!(bits(&s, 1), [false; 5]);
    assert_eq!(bits(&s, 2), [false, true, false, false, true]);
}

#[test]
fn code_only_campaigns_need_some_code() {
    let p = engine(&[json!({"id": "code", "code": "SAVE"})]);
    let with = |codes: &[&'static str]| O {
        codes: codes.to_vec(),
        ..o(&[], &[("a", "tea", 100, 1)])
    };
    let orders = [with(&["save"]), with(&[]), with(&["OTHER"])];
    let s = check(&p, &orders, false);
    assert_eq!(bits(&s, 0), [true, false, true]);
}

#[test]
fn rules_columns_cannot_decide_prune_nothing() {
    // `!` and `||` with an undecided side leave the campaign to the interpreter; a deferred
    // campaign is never pruned; other campaigns still are.
    let p = engine(&[
        json!({"id": "not", "rules": "!customer.segments.contains(\"vip\")"}),
        json!({"id": "or", "rules": "customer.segments.contains(\"vip\") || customer.email == \"a@b.c\""}),
        json!({"id": "deferred", "rules": "cart.subtotal >= 1000", "rules_on": "discounted"}),
        json!({"id": "vip", "rules": "customer.segments.contains(\"vip\") && customer.orders_count > 3"}),
    ]);
    let orders = [
        o(&["vip"], &[("a", "tea", 100, 1)]),
        o(&[], &[("a", "tea", 100, 1)]),
    ];
    let s = check(&p, &orders, false);
    assert!(s.campaigns[0].is_none() && s.campaigns[1].is_none() && s.campaigns[2].is_none());
    assert_eq!(bits(&s, 3), [true, false]);
    assert!(s.any.all());
}

#[test]
fn w20_shape_over_many_orders_equals_the_row_path() {
    let rules = "(customer.segments.contains(\"vip\") || customer.segments.contains(\"gold\")) \
                 && cart.subtotal >= X && cart.items.exists(item, item.category == \"coffee\" \
                 && item.quantity >= 2)";
    let campaigns: Vec<J> = (0..6)
        .map(|k| {
            json!({"id": format!("w{k}"), "rules": rules.replace('X', &(20 + 30 * k).to_string()),
                        "exclusive": k == 4, "priority": k % 3})
        })
        .collect();
    let p = engine(&campaigns);
    let segs: [&[&str]; 4] = [&["vip"], &["gold", "new"], &["new"], &[]];
    let cats = ["coffee", "tea", "cups"];
    let orders: Vec<O> = (0..300)
        .map(|i| {
            let lines: Vec<_> = (0..(i % 5))
                .map(|j| {
                    (
                        "s",
                        cats[(i + j) % 3],
                        (((i * 37 + j * 101) % 9000) + 100) as i128,
                        ((i + j) % 3 + 1) as i64,
                    )
                })
                .collect();
            o(segs[i % 4], &lines)
        })
        .collect();
    let s = check(&p, &orders, true);
    assert!(s.any.count() < orders.len());
}

#[test]
fn bits_helpers() {
    let b = Bits::from_fn(3, |i| i != 1);
    assert_eq!((b.get(0), b.get(1), b.get(2)), (true, false, true));
}
