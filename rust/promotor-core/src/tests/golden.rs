//! Golden carts shared with pytest: every file in `tests/data/golden` holds an engine, an input,
//! the expected outcome and the arithmetic behind it, worked out by hand from docs/semantics.md.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value as J;

use crate::compile::compile;
use crate::input::Input;
use crate::ir::EngineDef;
use crate::outcome::Outcome;

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/data/golden");

/// The golden input, read by the one input validator (its JSON source).
fn input(v: &J, file: &str) -> Input {
    crate::input::read(&v, 0).unwrap_or_else(|e| panic!("{file}: bad input: {e}"))
}

fn s(v: &J, key: &str, file: &str) -> String {
    v.get(key)
        .and_then(J::as_str)
        .unwrap_or_else(|| panic!("{file}: expected.{key} missing or not a string"))
        .to_owned()
}

fn check(file: &str, case: &J) {
    let arithmetic = case.get("arithmetic").and_then(J::as_array);
    assert!(
        arithmetic.is_some_and(|a| !a.is_empty()),
        "{file}: `arithmetic` must be a non-empty list"
    );
    assert!(
        case.get("description").and_then(J::as_str).is_some(),
        "{file}: `description` missing"
    );
    let def: EngineDef = serde_json::from_value(case["engine"].clone())
        .unwrap_or_else(|e| panic!("{file}: bad engine: {e}"));
    let program = compile(&def).unwrap_or_else(|e| panic!("{file}: {e}"));
    let inp = input(&case["input"], file);
    let o: Outcome = program.evaluate(&inp);
    let priced = program.price(&inp);
    assert!(
        priced.rejected.is_empty(),
        "{file}: price() explains nothing"
    );
    assert_eq!(
        priced,
        Outcome {
            rejected: Vec::new(),
            ..o.clone()
        },
        "{file}: price() == evaluate() but for the rejections"
    );
    let exp = &case["expected"];
    for (key, got) in [
        ("subtotal", o.subtotal),
        ("shipping", o.shipping),
        ("discount", o.discount),
        ("shipping_discount", o.shipping_discount),
        ("total", o.total),
    ] {
        assert_eq!(got.to_string(), s(exp, key, file), "{file}: {key}");
    }
    let lines: Vec<String> = o.lines.iter().map(|l| l.discount.to_string()).collect();
    let want: Vec<String> = exp["lines"]
        .as_array()
        .unwrap_or_else(|| panic!("{file}: expected.lines missing"))
        .iter()
        .map(|x| x.as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(lines, want, "{file}: line discounts");

    let mut applied: BTreeMap<String, J> = BTreeMap::new();
    for a in &o.applied {
        let allocations: serde_json::Map<String, J> = a
            .allocations
            .iter()
            .map(|(i, d)| (i.to_string(), J::from(d.to_string())))
            .collect();
        let gifts: Vec<J> = a
            .gifts
            .iter()
            .map(|g| serde_json::json!({"sku": g.sku, "quantity": g.quantity, "price": g.price.to_string()}))
            .collect();
        applied.insert(
            a.campaign_id.clone(),
            serde_json::json!({
                "amount": a.amount.to_string(),
                "shipping_amount": a.shipping_amount.to_string(),
                "allocations": allocations,
                "gifts": gifts,
            }),
        );
    }
    let want_applied: BTreeMap<String, J> = exp["applied"]
        .as_object()
        .unwrap_or_else(|| panic!("{file}: expected.applied missing"))
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    assert_eq!(applied, want_applied, "{file}: applied");

    let rejected: BTreeMap<String, String> = o
        .rejected
        .iter()
        .filter_map(|r| {
            r.campaign_id
                .clone()
                .map(|id| (id, r.reason.as_str().to_owned()))
        })
        .collect();
    let want_rejected: BTreeMap<String, String> = exp
        .get("rejected")
        .and_then(J::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(rejected, want_rejected, "{file}: rejected");
}

#[test]
fn golden_carts() {
    let mut files: Vec<_> = std::fs::read_dir(Path::new(DIR))
        .unwrap_or_else(|e| panic!("{DIR}: {e}"))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    assert!(files.len() >= 25, "only {} golden files", files.len());
    let mut failures = Vec::new();
    for path in &files {
        let name = path
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
        let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{name}: {e}"));
        let case: J = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        if let Err(e) = std::panic::catch_unwind(|| check(&name, &case)) {
            let msg = e
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| e.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_default();
            failures.push(format!("{name}: {msg}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} golden file(s) failed:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}
