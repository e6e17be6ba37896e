use serde_json::{json, Value as J};

use super::*;
use crate::compile::{check_expr, compile, CompileErrors, Loc, Scope};
use crate::ir::{BinaryOp as B, EngineDef, Limits, MacroOp as M};

fn x(e: &Expr) -> J {
    serde_json::to_value(e).unwrap()
}

fn pct(p: &str) -> J {
    json!({"type": "percent_off", "percent": {"type": "num", "value": p}})
}

fn def(campaigns: J) -> EngineDef {
    serde_json::from_value(json!({"version": 1, "campaigns": campaigns})).unwrap()
}

fn errors(campaigns: J) -> CompileErrors {
    compile(&def(campaigns)).expect_err("should not compile")
}

fn k(s: &str) -> Loc {
    Loc::Key(s.into())
}

fn rules_err(e: &Expr) -> String {
    let errs = errors(json!([{"id": "a", "rules": x(e), "effect": pct("10")}]));
    assert_eq!(errs.0.len(), 1, "{errs}");
    assert_eq!(
        errs.0[0].loc,
        vec![k("campaigns"), Loc::Index(0), k("rules")]
    );
    errs.0[0].msg.clone()
}

#[test]
fn unknown_field_with_suggestion() {
    let m = rules_err(&bin(B::Ge, f("cart.subtotl"), n("5")));
    assert!(
        m.contains("unknown field 'cart.subtotl'; did you mean 'cart.subtotal'?"),
        "{m}"
    );
    assert!(m.starts_with("in `"), "{m}");
    let m = rules_err(&bin(B::Eq, f("custmer.id"), s("x")));
    assert!(m.contains("did you mean 'customer'?"), "{m}");
    let m = rules_err(&bin(B::Eq, f("item.sku"), s("x")));
    assert!(m.contains("`item` can only be used inside"), "{m}");
    let m = rules_err(&mac(
        M::Exists,
        f("cart.items"),
        "i",
        bin(B::Eq, f("i.skux"), s("x")),
    ));
    assert!(
        m.contains("unknown field 'i.skux'; did you mean 'i.sku'?"),
        "{m}"
    );
    // metadata keys are free
    assert!(check_expr(
        &bin(B::Eq, f("customer.metadata.any.thing"), s("x")),
        Scope::Rules,
        &Limits::default()
    )
    .is_ok());
    // `item` is bound in item predicates
    assert!(check_expr(
        &bin(B::Eq, f("item.category"), s("x")),
        Scope::Item,
        &Limits::default()
    )
    .is_ok());
}

#[test]
fn type_errors() {
    assert!(
        rules_err(&bin(B::Eq, f("cart.subtotal"), s("5"))).contains("cannot compare num with str")
    );
    assert!(rules_err(&bin(
        B::Lt,
        Expr::Bool { value: true },
        Expr::Bool { value: false }
    ))
    .contains("cannot compare"));
    assert!(
        rules_err(&bin(B::Gt, bin(B::Add, f("cart.currency"), n("1")), n("1")))
            .contains("cannot apply `+`")
    );
    assert!(rules_err(&mac(
        M::Exists,
        f("cart.subtotal"),
        "i",
        Expr::Bool { value: true }
    ))
    .contains("needs a list"));
    assert!(rules_err(&bin(B::In, s("x"), s("xy"))).contains("`in` needs a list"));
    assert!(rules_err(&f("cart.subtotal")).contains("must be a bool"));
    let m = rules_err(&call("sizee", vec![s("x")]));
    assert!(
        m.contains("unknown function 'sizee'; did you mean 'size'?"),
        "{m}"
    );
    assert!(rules_err(&call("startsWith", vec![s("x")])).contains("takes 2 argument(s), got 1"));
    // comparing with metadata (dyn) is fine
    assert!(check_expr(
        &bin(B::Eq, f("cart.metadata.x"), n("5")),
        Scope::Rules,
        &Limits::default()
    )
    .is_ok());
}

#[test]
fn literal_errors() {
    assert!(
        rules_err(&bin(B::Gt, f("cart.subtotal"), n("1.0000000000001")))
            .contains("more than 12 decimal places")
    );
    assert!(
        rules_err(&bin(B::Gt, f("cart.subtotal"), n("100000000000000"))).contains("below 10^14")
    );
    assert!(rules_err(&bin(B::Gt, f("cart.subtotal"), n("1e5"))).contains("invalid number literal"));
    assert!(
        rules_err(&call("matches", vec![f("context.channel"), s("(")]))
            .contains("invalid regular expression")
    );
    assert!(
        rules_err(&bin(B::Gt, f("context.now"), ts("2026-13-01T00:00:00Z")))
            .contains("invalid timestamp literal")
    );
    assert!(rules_err(&bin(B::Gt, dur("1y"), dur("1h"))).contains("invalid duration literal"));
    let m = rules_err(&bin(
        B::Eq,
        call("hour", vec![f("context.now"), s("Europe/Warsw")]),
        n("1"),
    ));
    assert!(
        m.contains("unknown timezone 'Europe/Warsw'; did you mean 'Europe/Warsaw'?"),
        "{m}"
    );
}

#[test]
fn limits() {
    let mut deep = bin(B::Eq, f("cart.subtotal"), n("1"));
    for _ in 0..70 {
        deep = not(deep);
    }
    assert!(rules_err(&deep).contains("nested more than 64 levels"));
    let wide = list((0..20).map(|i| n(&i.to_string())).collect());
    let lim = Limits {
        max_nodes: 10,
        ..Limits::default()
    };
    let e = check_expr(&bin(B::In, n("1"), wide), Scope::Rules, &lim).unwrap_err();
    assert!(e.0[0].msg.contains("23 nodes"), "{e}");
    // three nested macros: body nodes cost 10^9 each
    let inner = mac(M::Exists, f("c.tags"), "t", bin(B::Eq, f("t"), f("b.sku")));
    let mid = mac(M::Exists, f("cart.items"), "c", inner);
    let outer = mac(M::Exists, f("cart.items"), "b", mid);
    let e = check_expr(&outer, Scope::Rules, &Limits::default()).unwrap_err();
    assert!(e.0[0].msg.contains("worst-case cost"), "{e}");
}

#[test]
fn campaign_errors_all_reported() {
    let bad = json!([
        {"id": "", "effect": pct("10")},
        {"id": "a", "code": "SAVE", "effect": pct("10")},
        {"id": "a", "codes": [" save ", "  "], "effect": pct("10")},
        {"id": "b", "effect": pct("10"), "tiers": [{"effect": pct("5")}]},
        {"id": "c", "tiers": []},
        {"id": "d", "starts_at": "2026-01-02T00:00:00Z", "ends_at": "2026-01-01T00:00:00Z", "effect": pct("1")},
        {"id": "e", "starts_at": "2026-01-02", "effect": pct("1")},
        {"id": "f", "schedule": {"weekdays": [0, 7], "hours": [5, 5], "timezone": "Europe/Warsw"}, "effect": pct("1")},
        {"id": "g", "effect": {"type": "fixed_price", "price": {"type": "num", "value": "1"}, "on": {"type": "items", "cheapest": 1, "most_expensive": 1}}},
        {"id": "h", "effect": {"type": "percent_off", "percent": x(&s("x"))}},
        {"id": "i", "exclusive": true, "effect": pct("1")},
    ]);
    let errs = errors(bad);
    let locs: Vec<(Vec<Loc>, &str)> = errs
        .0
        .iter()
        .map(|e| (e.loc.clone(), e.msg.as_str()))
        .collect();
    let has = |loc: Vec<Loc>, needle: &str| {
        assert!(
            locs.iter().any(|(l, m)| *l == loc && m.contains(needle)),
            "missing {loc:?} {needle}: {errs}"
        );
    };
    let c = |i: usize| vec![k("campaigns"), Loc::Index(i)];
    let at = |i: usize, more: &[Loc]| {
        let mut v = c(i);
        v.extend_from_slice(more);
        v
    };
    has(at(0, &[k("id")]), "must not be empty");
    has(at(2, &[k("id")]), "duplicate campaign id 'a'");
    has(at(2, &[k("codes"), Loc::Index(0)]), "duplicate code 'save'");
    has(at(2, &[k("codes"), Loc::Index(1)]), "must not be empty");
    has(c(3), "not both");
    has(at(4, &[k("tiers")]), "must not be empty");
    has(at(5, &[k("ends_at")]), "after starts_at");
    has(at(6, &[k("starts_at")]), "invalid timestamp");
    has(
        at(7, &[k("schedule"), k("weekdays"), Loc::Index(0)]),
        "not in 1..7",
    );
    has(at(7, &[k("schedule"), k("hours")]), "empty");
    has(
        at(7, &[k("schedule"), k("timezone")]),
        "did you mean 'Europe/Warsaw'?",
    );
    has(
        at(8, &[k("effect"), k("on")]),
        "either 'cheapest' or 'most_expensive', not both",
    );
    has(at(9, &[k("effect"), k("percent")]), "must be a num");
    assert!(errs
        .to_string()
        .contains("campaigns.0.id: campaign id must not be empty"));
}

#[test]
fn engine_level_errors() {
    let mut d = def(json!([]));
    d.version = 2;
    d.currency = "USX".into();
    let errs = compile(&d).unwrap_err();
    assert_eq!(errs.0[0].loc, vec![k("version")]);
    assert_eq!(errs.0[1].loc, vec![k("currency")]);
    assert!(errs.0[1].msg.contains("unknown currency 'USX'"));
}

#[test]
fn standalone_scopes_and_text_limit() {
    let lim = Limits::default();
    assert!(check_expr(
        &bin(B::Mul, f("cart.subtotal"), n("0.1")),
        Scope::Number,
        &lim
    )
    .is_ok());
    assert!(check_expr(&f("cart.metadata.pct"), Scope::Number, &lim).is_ok());
    let e = check_expr(&s("x"), Scope::Number, &lim).unwrap_err();
    assert!(e.0[0].msg.contains("must be a num"), "{e}");
    assert!(e.0[0].loc.is_empty());
    let e = check_expr(&f("item.price"), Scope::Number, &lim).unwrap_err();
    assert!(e.0[0].msg.contains("`item` can only be used"), "{e}");
    let short = Limits {
        max_text_len: 10,
        ..Limits::default()
    };
    let e = check_expr(
        &bin(B::Eq, f("cart.currency"), s("USD")),
        Scope::Rules,
        &short,
    )
    .unwrap_err();
    assert!(e.0[0].msg.contains("rule text is"), "{e}");
    // several errors in one expression are all reported
    let two = bin(
        B::And,
        bin(B::Eq, f("cart.nope"), n("1")),
        bin(B::Eq, f("cart.subtotal"), s("x")),
    );
    assert_eq!(check_expr(&two, Scope::Rules, &lim).unwrap_err().0.len(), 2);
}

#[test]
fn effect_and_target_checks() {
    let item_pred = x(&bin(B::Gt, f("item.price"), n("5")));
    let good = json!([
        {"id": "a", "effect": {"type": "percent_off", "percent": {"type": "num", "value": "10"},
                               "on": {"type": "items", "pred": item_pred, "cheapest": 2, "max_quantity": 1}}},
        {"id": "b", "effect": {"type": "amount_off", "amount": {"type": "num", "value": "1"},
                               "on": {"type": "items"}, "allocation": "each"}},
        {"id": "c", "effect": {"type": "fixed_price", "price": {"type": "num", "value": "1"}, "on": {"type": "shipping"}}},
        {"id": "d", "effect": {"type": "buy_x_get_y", "buy": item_pred, "buy_quantity": {"type": "num", "value": "2"},
                               "get_quantity": {"type": "num", "value": "1"}, "percent": {"type": "num", "value": "100"}}},
        {"id": "e", "effect": {"type": "gift", "sku": "MUG", "price": {"type": "num", "value": "4.99"}}},
        {"id": "f", "effect": {"type": "percent_off", "percent": {"type": "num", "value": "10"}, "on": {"type": "shipping"}}},
    ]);
    assert!(compile(&def(good)).is_ok());
    let bad = json!([
        {"id": "a", "effect": {"type": "amount_off", "amount": {"type": "num", "value": "1"},
                               "on": {"type": "shipping"}, "allocation": "each"}},
        {"id": "b", "effect": {"type": "buy_x_get_y", "buy": x(&f("item.price")), "buy_quantity": {"type": "num", "value": "2"},
                               "get_quantity": {"type": "num", "value": "1"}, "percent": {"type": "num", "value": "100"}}},
        {"id": "c", "effect": {"type": "percent_off", "percent": x(&f("item.price"))}},
        {"id": "d", "effect": {"type": "percent_off", "percent": {"type": "num", "value": "10"},
                               "on": {"type": "items", "pred": x(&f("cart.nope"))}}},
    ]);
    let errs = errors(bad);
    let found = |loc: Vec<Loc>, needle: &str| {
        assert!(
            errs.0
                .iter()
                .any(|e| e.loc == loc && e.msg.contains(needle)),
            "missing {loc:?} {needle}: {errs}"
        );
    };
    let at = |i: usize, more: &[&str]| {
        let mut v = vec![k("campaigns"), Loc::Index(i), k("effect")];
        v.extend(more.iter().map(|m| k(m)));
        v
    };
    found(at(0, &["allocation"]), "shipping");
    found(at(1, &["buy"]), "must be a bool");
    found(at(2, &["percent"]), "`item` can only be used");
    found(at(3, &["on", "pred"]), "unknown field 'cart.nope'");
    assert_eq!(errs.0.len(), 4, "{errs}");
}
