use rust_decimal::Decimal;
use serde_json::{json, Value as J};

use super::*;
use crate::input::Input;
use crate::ir::BinaryOp as B;
use crate::outcome::{Outcome, Reason, Reported};
use crate::syntax;

fn engine(extra: J, campaigns: J) -> crate::compile::Program {
    let mut v = json!({"version": 1, "campaigns": campaigns});
    if let (J::Object(m), J::Object(e)) = (&mut v, extra) {
        m.extend(e);
    }
    program(v)
}

fn cart(items: &[(&str, &str, u32)], shipping: &str) -> Input {
    let items = items
        .iter()
        .map(|(sku, p, q)| json!({"sku": sku, "price": p, "quantity": q}))
        .collect();
    cart_of(items, shipping)
}

fn with_codes(mut i: Input, codes: &[&str]) -> Input {
    i.codes = codes.iter().map(|c| (*c).to_owned()).collect();
    i
}

fn check_invariants(o: &Outcome) {
    let line_disc: Decimal = o.lines.iter().map(|l| l.discount).sum();
    assert_eq!(o.discount, line_disc + o.shipping_discount);
    for a in &o.applied {
        let s: Decimal = a.allocations.iter().map(|(_, v)| *v).sum();
        assert_eq!(a.amount, s + a.shipping_amount);
    }
    for l in &o.lines {
        assert!(l.discount >= Decimal::ZERO && l.discount <= l.subtotal);
        assert_eq!(l.total, l.subtotal - l.discount);
    }
    assert!(o.total >= Decimal::ZERO);
}

#[test]
fn amount_off_over_three_equal_lines() {
    let p = engine(json!({}), json!([{"id": "ten", "effect": amt("10")}]));
    let o = p.evaluate(&cart(&[("A", "5", 1), ("B", "5", 1), ("C", "5", 1)], "0"));
    check_invariants(&o);
    assert_eq!(o.applied.len(), 1);
    let a = &o.applied[0];
    assert_eq!(a.amount.to_string(), "10.00");
    let shares: Vec<String> = a.allocations.iter().map(|(_, v)| v.to_string()).collect();
    assert_eq!(shares, ["3.34", "3.33", "3.33"]);
    assert_eq!(o.subtotal.to_string(), "15.00");
    assert_eq!(o.total.to_string(), "5.00");
    assert_eq!(o.discount.to_string(), "10.00");
    assert_eq!(o.lines[0].total.to_string(), "1.66");
}

#[test]
fn percent_off_rounding_cap_and_modes() {
    let p = engine(json!({}), json!([{"id": "p", "effect": pct("15")}]));
    // 3 x 0.33 = 0.99 * 15% = 0.1485 -> 0.15
    let o = p.evaluate(&cart(&[("A", "0.33", 3)], "0"));
    assert_eq!(o.applied[0].amount.to_string(), "0.15");
    let p = engine(
        json!({"rounding": "down"}),
        json!([{"id": "p", "effect": pct("15")}]),
    );
    let o = p.evaluate(&cart(&[("A", "0.33", 3)], "0"));
    assert_eq!(o.applied[0].amount.to_string(), "0.14");
    let capped = json!([{"id": "p", "effect": {"type": "percent_off", "percent": num("50"), "cap": num("7.005")}}]);
    let o = engine(json!({}), capped).evaluate(&cart(&[("A", "100", 1)], "0"));
    assert_eq!(o.applied[0].amount.to_string(), "7.00");
    // a percent computed at run time is clamped to 100 (a literal over 100 does not compile)
    let over = bin(B::Mul, f("cart.subtotal"), n("100"));
    let o = engine(
        json!({}),
        json!([{"id": "p", "effect": {"type": "percent_off", "percent": x(&over)}}]),
    )
    .evaluate(&cart(&[("A", "9.99", 1)], "5"));
    assert_eq!(o.applied[0].amount.to_string(), "9.99");
    assert_eq!(o.total.to_string(), "5.00");
    // JPY: no minor unit; line subtotals rounded half-even
    let o = engine(
        json!({"currency": "JPY"}),
        json!([{"id": "p", "effect": pct("10")}]),
    )
    .evaluate(&cart(&[("A", "1005", 1), ("B", "2.5", 1)], "0"));
    assert_eq!(o.subtotal.to_string(), "1007");
    assert_eq!(o.applied[0].amount.to_string(), "101");
    check_invariants(&o);
}

#[test]
fn dynamic_amount_and_no_effect() {
    let formula = call(
        "min",
        vec![bin(B::Mul, f("cart.subtotal"), n("0.15")), n("50")],
    );
    let p = engine(
        json!({}),
        json!([
            {"id": "dyn", "effect": {"type": "amount_off", "amount": x(&formula)}},
            {"id": "null", "effect": {"type": "amount_off", "amount": x(&f("cart.metadata.nope"))}},
            {"id": "zero", "effect": amt("0")},
            {"id": "neg", "effect": {"type": "amount_off", "amount": x(&bin(B::Sub, f("cart.subtotal"), n("100")))}},
        ]),
    );
    let o = p.evaluate(&cart(&[("A", "40", 1)], "0"));
    assert_eq!(o.applied[0].amount.to_string(), "6.00");
    let reasons: Vec<(Option<String>, Reason)> = o
        .rejected
        .iter()
        .map(|r| (r.campaign_id.clone(), r.reason))
        .collect();
    assert_eq!(
        reasons,
        [
            (Some("null".into()), Reason::NoEffect),
            (Some("zero".into()), Reason::NoEffect),
            (Some("neg".into()), Reason::NoEffect)
        ]
    );
}

#[test]
fn literal_effect_mistakes_do_not_compile() {
    let num = |v: &str| json!({"type": "num", "value": v});
    let def: crate::ir::EngineDef = serde_json::from_value(json!({"version": 2, "campaigns": [
        {"id": "a", "effect": pct("150")},
        {"id": "b", "effect": amt("-5")},
        {"id": "c", "effect": {"type": "gift", "sku": "G", "quantity": 0, "price": num("0")}},
        {"id": "d", "effect": {"type": "buy_x_get_y", "buy_quantity": num("1.5"),
                               "get_quantity": num("0"), "percent": num("100")}},
        {"id": "e", "effect": {"type": "percent_off", "percent": x(&bin(B::Add, n("60"), n("60")))}},
    ]}))
    .unwrap();
    let errs = crate::compile::compile(&def).unwrap_err();
    let got: Vec<(String, &str)> = errs
        .errors
        .iter()
        .map(|e| {
            let loc: Vec<String> = e.loc.iter().map(ToString::to_string).collect();
            (loc.join("."), e.kind.type_name())
        })
        .collect();
    assert_eq!(
        got,
        [
            ("campaigns.0.effect.percent".to_owned(), "too_large"),
            ("campaigns.1.effect.amount".to_owned(), "too_small"),
            ("campaigns.2.effect.quantity".to_owned(), "too_small"),
            ("campaigns.3.effect.buy_quantity".to_owned(), "not_integer"),
            ("campaigns.3.effect.get_quantity".to_owned(), "too_small"),
            ("campaigns.4.effect.percent".to_owned(), "too_large"),
        ],
        "{errs}"
    );
}

#[test]
fn sequential_stacking_sees_discounted_amounts() {
    let p = engine(
        json!({}),
        json!([
            {"id": "low", "priority": 0, "effect": pct("10")},
            {"id": "high", "priority": 5, "effect": amt("50")},
            {"id": "last", "effect": amt("100")},
        ]),
    );
    let o = p.evaluate(&cart(&[("A", "60", 1), ("B", "40", 1)], "0"));
    check_invariants(&o);
    let ids: Vec<&str> = o.applied.iter().map(|a| a.campaign_id.as_str()).collect();
    assert_eq!(ids, ["high", "low", "last"]);
    assert_eq!(
        o.applied[0]
            .allocations
            .iter()
            .map(|(_, v)| v.to_string())
            .collect::<Vec<_>>(),
        ["30.00", "20.00"]
    );
    assert_eq!(o.applied[1].amount.to_string(), "5.00");
    // "last" wants 100 but only 45.00 is left
    assert_eq!(o.applied[2].amount.to_string(), "45.00");
    assert_eq!(o.rejected.len(), 0);
    assert_eq!(o.total.to_string(), "0.00");
    assert_eq!(o.discount.to_string(), "100.00");
}

#[test]
fn shipping_off_and_free_shipping() {
    let p = engine(
        json!({}),
        json!([
            {"id": "half", "effect": {"type": "shipping_off", "amount": num("50"), "percent": true}},
            {"id": "two", "effect": {"type": "shipping_off", "amount": num("2")}},
            {"id": "free", "effect": {"type": "shipping_off", "amount": num("100"), "percent": true}},
        ]),
    );
    let o = p.evaluate(&cart(&[("A", "10", 1)], "4.99"));
    check_invariants(&o);
    let amounts: Vec<String> = o
        .applied
        .iter()
        .map(|a| a.shipping_amount.to_string())
        .collect();
    assert_eq!(amounts, ["2.50", "2.00", "0.49"]);
    assert_eq!(o.shipping_discount.to_string(), "4.99");
    assert_eq!(o.total.to_string(), "10.00");
    assert!(o.applied[0].allocations.is_empty());
    let o = p.evaluate(&cart(&[("A", "10", 1)], "0"));
    assert!(o.applied.is_empty());
    assert!(o.rejected.iter().all(|r| r.reason == Reason::NoEffect));
}

#[test]
fn codes_and_unknown_codes() {
    let p = engine(
        json!({}),
        json!([
            {"id": "auto", "effect": pct("1")},
            {"id": "coded", "code": "Save10", "effect": amt("1")},
            {"id": "multi", "codes": ["A1", "B2"], "effect": amt("1")},
            {"id": "unused", "code": "ZZZ", "effect": amt("1")},
        ]),
    );
    let i = with_codes(
        cart(&[("A", "10", 1)], "0"),
        &["  save10 ", "nope", "SAVE10", "", "b2", "a1", " Nope"],
    );
    let o = p.evaluate(&i);
    let applied: Vec<(&str, Option<&str>)> = o
        .applied
        .iter()
        .map(|a| (a.campaign_id.as_str(), a.code.as_deref()))
        .collect();
    assert_eq!(
        applied,
        [
            ("auto", None),
            ("coded", Some("Save10")),
            ("multi", Some("B2"))
        ]
    );
    assert_eq!(o.rejected.len(), 1);
    assert_eq!(o.rejected[0].reason, Reason::UnknownCode);
    assert_eq!(o.rejected[0].code.as_deref(), Some("nope"));
    assert_eq!(o.rejected[0].campaign_id, None);
}

#[test]
fn not_active_details() {
    let p = engine(
        json!({}),
        json!([
            {"id": "off", "active": false, "starts_at": "2030-01-01T00:00:00Z", "effect": pct("1")},
            {"id": "later", "starts_at": "2026-11-27T00:00:01Z", "effect": pct("1")},
            {"id": "over", "ends_at": "2026-11-27T00:00:00Z", "effect": pct("1")},
            {"id": "now", "starts_at": "2026-11-27T00:00:00Z", "ends_at": "2026-11-27T00:00:01Z", "effect": pct("1")},
            // 2026-11-27T00:00Z is Friday 01:00 in Warsaw
            {"id": "sat", "schedule": {"weekdays": [6], "timezone": "Europe/Warsaw"}, "effect": pct("1")},
            // 01:00 on Friday belongs to Thursday's night, not Friday's
            {"id": "fri-night", "schedule": {"weekdays": [5], "hours": [22, 2], "timezone": "Europe/Warsaw"}, "effect": pct("1")},
            {"id": "thu-night", "schedule": {"weekdays": [4], "hours": [22, 2], "timezone": "Europe/Warsaw"}, "effect": pct("1")},
            {"id": "day", "schedule": {"hours": [9, 17], "timezone": "Europe/Warsaw"}, "effect": pct("1")},
            {"id": "all-day", "schedule": {"hours": [0, 24]}, "effect": pct("1")},
        ]),
    );
    let o = p.evaluate(&cart(&[("A", "10", 1)], "0"));
    let details: Vec<(&str, Option<&str>)> = o
        .rejected
        .iter()
        .map(|r| (r.campaign_id.as_deref().unwrap_or(""), r.detail.as_deref()))
        .collect();
    assert_eq!(
        details,
        [
            ("off", Some("inactive")),
            ("later", Some("not_started")),
            ("over", Some("ended")),
            ("sat", Some("outside_schedule")),
            ("fri-night", Some("outside_schedule")),
            ("day", Some("outside_schedule")),
        ]
    );
    let ids: Vec<&str> = o.applied.iter().map(|a| a.campaign_id.as_str()).collect();
    assert_eq!(ids, ["now", "thu-night", "all-day"]);
}

#[test]
fn rules_not_met_reports_the_first_failing_leaf() {
    // The rejection of one campaign with these rules, on a cart of 10.00.
    let rejected = |rules: &Expr| {
        let p = engine(
            json!({}),
            json!([{"id": "r", "rules": x(rules), "effect": pct("10")}]),
        );
        p.evaluate(&cart(&[("A", "10", 1)], "0")).rejected.remove(0)
    };
    let big = bin(B::Ge, f("cart.subtotal"), n("100"));
    let vip = call("contains", vec![f("customer.segments"), s("vip")]);
    let coffee = bin(B::Eq, f("cart.metadata.kind"), s("coffee"));
    // (vip || subtotal >= 100) && kind == "coffee": both `||` operands false -> the first one
    let rules = bin(B::And, bin(B::Or, vip.clone(), big.clone()), coffee.clone());
    let r = rejected(&rules);
    assert_eq!(r.reason, Reason::RulesNotMet);
    assert_eq!(r.condition.as_deref(), Some(syntax::print(&vip).as_str()));
    assert_eq!(r.actual, Some(Reported::List(vec![])));
    assert_eq!(r.expected, Some(Reported::Str("vip".into())));
    // `&&`: the first false operand, here the second
    let rules = bin(
        B::And,
        bin(B::Ge, f("cart.subtotal"), n("5")),
        bin(B::Ge, f("cart.subtotal"), bin(B::Mul, n("10"), n("10"))),
    );
    let r = rejected(&rules);
    assert_eq!(
        r.condition.as_deref(),
        Some(
            syntax::print(&bin(
                B::Ge,
                f("cart.subtotal"),
                bin(B::Mul, n("10"), n("10"))
            ))
            .as_str()
        )
    );
    assert_eq!(r.actual, Some(Reported::Num(d("10.00"))));
    assert_eq!(r.expected, Some(Reported::Num(d("100"))));
    // other leaves: the value and `true`
    let rules = call("has", vec![f("customer.email")]);
    let r = rejected(&rules);
    assert_eq!(
        (r.actual, r.expected),
        (Some(Reported::Bool(false)), Some(Reported::Bool(true)))
    );
    // a constant leaf is not folded away from its operands
    let rules = bin(B::Gt, n("1"), n("2"));
    let r = rejected(&rules);
    assert_eq!(
        (r.actual, r.expected),
        (Some(Reported::Num(d("1"))), Some(Reported::Num(d("2"))))
    );
    let _ = (big, coffee);
}

#[test]
fn tiers() {
    let tier = |min: &str, p: &str| json!({"rules": x(&bin(B::Ge, f("cart.subtotal"), n(min))), "effect": pct(p)});
    let p = engine(
        json!({}),
        json!([{"id": "t", "tiers": [tier("100", "10"), tier("150", "12"), tier("200", "15")]}]),
    );
    let o = p.evaluate(&cart(&[("A", "250", 1)], "0"));
    assert_eq!(
        (o.applied[0].tier, o.applied[0].amount.to_string()),
        (Some(2), "37.50".to_owned())
    );
    let o = p.evaluate(&cart(&[("A", "170", 1)], "0"));
    assert_eq!(
        (o.applied[0].tier, o.applied[0].amount.to_string()),
        (Some(1), "20.40".to_owned())
    );
    // A tier that a later one makes unreachable (200 before 150) does not compile.
    let def: crate::ir::EngineDef = serde_json::from_value(json!({"version": 2, "campaigns":
        [{"id": "t", "tiers": [tier("100", "10"), tier("200", "15"), tier("150", "12")]}]}))
    .unwrap();
    let err = crate::compile::compile(&def).unwrap_err().to_string();
    assert!(err.contains("tier 1 can never apply"), "{err}");
    let o = p.evaluate(&cart(&[("A", "120", 1)], "0"));
    assert_eq!(
        (o.applied[0].tier, o.applied[0].amount.to_string()),
        (Some(0), "12.00".to_owned())
    );
    let o = p.evaluate(&cart(&[("A", "50", 1)], "0"));
    let r = &o.rejected[0];
    assert_eq!(
        (r.reason, r.detail.as_deref()),
        (Reason::RulesNotMet, Some("tier 0"))
    );
    assert_eq!(r.expected, Some(Reported::Num(d("100"))));
    // the campaign's own rules come first
    let rules = bin(B::Eq, f("context.channel"), s("app"));
    let p = engine(
        json!({}),
        json!([{"id": "t", "rules": x(&rules), "tiers": [tier("1", "10")]}]),
    );
    let r = &p.evaluate(&cart(&[("A", "50", 1)], "0")).rejected[0];
    assert_eq!((r.reason, r.detail.as_deref()), (Reason::RulesNotMet, None));
}

#[test]
fn currency_mismatch_rejects_every_candidate() {
    let p = engine(
        json!({}),
        json!([{"id": "a", "effect": pct("10")}, {"id": "b", "code": "X", "effect": pct("10")}]),
    );
    let mut i = with_codes(cart(&[("A", "10", 1)], "1"), &["x"]);
    i.cart.currency = Some("EUR".into());
    let o = p.evaluate(&i);
    assert!(o.applied.is_empty());
    assert_eq!(o.currency, "EUR");
    assert!(o
        .rejected
        .iter()
        .all(|r| r.reason == Reason::CurrencyMismatch));
    assert_eq!(o.rejected.len(), 2);
    assert_eq!(o.total.to_string(), "11.00");
}

#[test]
fn program_is_send_sync_and_cheap_to_clone() {
    fn assert_send_sync<T: Send + Sync + Clone>() {}
    assert_send_sync::<crate::compile::Program>();
    let p = engine(json!({}), json!([]));
    let q = p.clone();
    assert_eq!(q.def().version, crate::ir::IR_VERSION);
    let o = q.evaluate(&Input::default());
    assert_eq!(o.total.to_string(), "0.00");
    assert!(o.lines.is_empty());
}

#[test]
fn extreme_inputs_never_panic() {
    let rules = bin(
        B::And,
        bin(
            B::Gt,
            bin(B::Mul, f("cart.subtotal"), f("cart.metadata.big")),
            n("1"),
        ),
        bin(
            B::Gt,
            bin(
                B::Add,
                f("context.now"),
                call("duration", vec![f("cart.metadata.d")]),
            ),
            f("context.now"),
        ),
    );
    let pct_expr = bin(B::Div, f("cart.metadata.big"), f("cart.metadata.tiny"));
    let p = engine(
        json!({"currency": "KWD"}),
        json!([
            {"id": "a", "rules": x(&rules), "effect": pct("10")},
            {"id": "b", "effect": {"type": "percent_off", "percent": x(&pct_expr)}},
            {"id": "c", "effect": amt("99999999999999")},
        ]),
    );
    let i: Input = serde_json::from_value(json!({
        "cart": {
            "items": [
                {"sku": "A", "price": "79228162514264.337593543950", "quantity": 1_000_000},
                {"sku": "B", "price": "0.0000000000000000000000000001", "quantity": 1},
                {"price": "0", "quantity": 1}
            ],
            "shipping": "79228162514264337593543950335",
            "metadata": {"big": "79228162514264337593543950335", "tiny": "0.0000000000000000000000000001",
                         "d": "99999999999999999999999999999999999d"}
        },
        "context": {"now": i64::MAX}
    }))
    .unwrap();
    let o = p.evaluate(&i);
    assert!(o.total >= Decimal::ZERO);
    let i2: Input = serde_json::from_value(
        json!({"cart": {"items": [{"price": "1.005", "quantity": 3}]},
                                                  "context": {"now": i64::MIN}}),
    )
    .unwrap();
    let o = p.evaluate(&i2);
    check_invariants(&o);
    assert_eq!(o.subtotal.to_string(), "3.015");
}

#[test]
fn campaigns_share_the_leaves_they_have_in_common() {
    let rules = |t: &str| {
        serde_json::to_value(syntax::parse(t, &crate::ir::RuleBounds::default()).unwrap()).unwrap()
    };
    let p = engine(
        json!({}),
        json!([
            {"id": "a", "rules": rules("cart.subtotal >= 10 && cart.quantity >= 2"), "effect": pct("10")},
            {"id": "b", "rules": rules("cart.subtotal >= 10 && cart.quantity >= 3"), "effect": amt("1")},
            {"id": "c", "tiers": [{"rules": rules("cart.subtotal >= 10"), "effect": amt("2")}]},
        ]),
    );
    // four leaves in the text, three distinct: one memo slot each
    assert_eq!(p.0.leaves, 3);
    let o = p.evaluate(&cart(&[("A", "6.00", 2)], "0"));
    let ids: Vec<&str> = o.applied.iter().map(|a| a.campaign_id.as_str()).collect();
    assert_eq!(ids, ["a", "c"]);
    assert_eq!(
        o.rejected[0].condition.as_deref(),
        Some("cart.quantity >= 3")
    );
    assert_eq!(o.rejected[0].actual, Some(Reported::Num(d("2"))));
}
