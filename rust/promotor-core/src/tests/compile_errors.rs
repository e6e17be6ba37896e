use serde_json::{json, Value as J};

use super::*;
use crate::compile::{check_expr, compile, Scope};
use crate::error::{Error, Errors, Loc};
use crate::ir::{BinaryOp as B, EngineDef, MacroOp as M, RuleBounds};

fn def(campaigns: J) -> EngineDef {
    serde_json::from_value(json!({"version": 2, "campaigns": campaigns})).unwrap()
}

fn errors(campaigns: J) -> Errors {
    compile(&def(campaigns)).expect_err("should not compile")
}

fn k(s: &str) -> Loc {
    Loc::Key(s.into())
}

/// The one error of a rule: its type, its path inside the rule, and its message.
fn rule_error(e: &Expr) -> (&'static str, Vec<Loc>, String) {
    let errs = errors(json!([{"id": "a", "rules": x(e), "effect": pct("10")}]));
    assert_eq!(errs.errors.len(), 1, "{errs}");
    let Error { kind, loc, .. } = &errs.errors[0];
    let base = [k("campaigns"), Loc::Index(0), k("rules")];
    assert_eq!(loc[..3], base[..], "{errs}");
    (kind.type_name(), loc[3..].to_vec(), kind.message())
}

fn rules_err(e: &Expr) -> String {
    rule_error(e).2
}

/// Whether `e` compiles on its own in `scope`, with the default bounds.
fn compiles(e: &Expr, scope: Scope) -> bool {
    check_expr(e, scope, &RuleBounds::default()).is_ok()
}

#[test]
fn unknown_field_with_suggestion() {
    let m = rules_err(&bin(B::Ge, f("cart.subtotl"), n("5")));
    assert_eq!(
        m, "unknown field 'cart.subtotl'; did you mean 'cart.subtotal'?",
        "{m}"
    );
    // located at the node: the left operand
    let (t, path, _) = rule_error(&bin(B::Ge, f("cart.subtotl"), n("5")));
    assert_eq!((t, path), ("unknown_field", vec![k("left")]));
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
    assert!(compiles(
        &bin(B::Eq, f("customer.metadata.any.thing"), s("x")),
        Scope::Rules
    ));
    // `item` is bound in item predicates
    assert!(compiles(
        &bin(B::Eq, f("item.category"), s("x")),
        Scope::Item
    ));
}

#[test]
fn type_errors() {
    let (t, path, m) = rule_error(&bin(B::Eq, f("cart.subtotal"), s("5")));
    assert_eq!(t, "type_mismatch");
    assert!(path.is_empty());
    assert_eq!(
        m,
        "in `cart.subtotal == \"5\"`: `==` needs two values of one type, got num and str"
    );
    assert!(rules_err(&bin(
        B::Lt,
        Expr::Bool { value: true },
        Expr::Bool { value: false }
    ))
    .contains("one ordered type"));
    // located down to the node: the `+` inside the comparison
    let (t, path, m) = rule_error(&bin(B::Gt, bin(B::Add, f("cart.currency"), n("1")), n("1")));
    assert_eq!((t, path), ("type_mismatch", vec![k("left")]));
    assert!(m.contains("`+` needs"), "{m}");
    assert!(rules_err(&mac(
        M::Exists,
        f("cart.subtotal"),
        "i",
        Expr::Bool { value: true }
    ))
    .contains("needs a list"));
    assert!(rules_err(&bin(B::In, s("x"), s("xy"))).contains("`in` needs a list"));
    assert!(rules_err(&f("cart.subtotal")).contains("a rule needs a bool, got num"));
    let (t, _, m) = rule_error(&call("sizee", vec![s("x")]));
    assert_eq!(t, "unknown_function");
    assert_eq!(m, "unknown function 'sizee'; did you mean 'size'?");
    let (t, _, m) = rule_error(&call("startsWith", vec![s("x")]));
    assert_eq!(t, "argument_count");
    assert_eq!(m, "'startsWith' takes 2 arguments, got 1");
    // deep inside: the third argument of `min`, inside a macro body
    let (_, path, _) = rule_error(&mac(
        M::Exists,
        f("cart.items"),
        "i",
        bin(
            B::Gt,
            call("min", vec![f("i.price"), n("1"), f("i.nope")]),
            n("0"),
        ),
    ));
    assert_eq!(path, vec![k("body"), k("left"), k("args"), Loc::Index(2)]);
    // comparing with metadata (dyn) is fine
    assert!(compiles(
        &bin(B::Eq, f("cart.metadata.x"), n("5")),
        Scope::Rules
    ));
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
    let (t, path, m) = rule_error(&bin(B::Gt, f("cart.subtotal"), n("1e5")));
    assert_eq!((t, path), ("invalid_literal", vec![k("right")]));
    assert_eq!(m, "invalid number \"1e5\"");
    assert!(
        rules_err(&call("matches", vec![f("context.channel"), s("(")]))
            .contains("invalid regular expression \"(\"")
    );
    assert!(
        rules_err(&bin(B::Gt, f("context.now"), ts("2026-13-01T00:00:00Z")))
            .contains("invalid timestamp \"2026-13-01T00:00:00Z\"")
    );
    assert!(rules_err(&bin(B::Gt, dur("1y"), dur("1h"))).contains("invalid duration \"1y\""));
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
    let (t, path, m) = rule_error(&deep);
    assert_eq!((t, path), ("too_deep", vec![]));
    assert!(m.contains("at most 64 levels"), "{m}");
    let wide = list((0..20).map(|i| n(&i.to_string())).collect());
    let lim = RuleBounds {
        max_nodes: 10,
        ..RuleBounds::default()
    };
    let e = check_expr(&bin(B::In, n("1"), wide), Scope::Rules, &lim).unwrap_err();
    assert_eq!(e.errors[0].kind.type_name(), "too_many_nodes", "{e}");
    assert!(e.errors[0].message().contains("more than 10 nodes"), "{e}");
    // three nested macros: body nodes run 10^9 times
    let inner = mac(M::Exists, f("c.tags"), "t", bin(B::Eq, f("t"), f("b.sku")));
    let mid = mac(M::Exists, f("cart.items"), "c", inner);
    let outer = mac(M::Exists, f("cart.items"), "b", mid);
    let e = check_expr(&outer, Scope::Rules, &RuleBounds::default()).unwrap_err();
    assert_eq!(e.errors[0].kind.type_name(), "too_complex", "{e}");
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
    let locs: Vec<(Vec<Loc>, String)> = errs
        .errors
        .iter()
        .map(|e| (e.loc.clone(), e.message()))
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
    has(at(2, &[k("id")]), "duplicate 'a' (also at campaigns.1)");
    has(
        at(2, &[k("codes"), Loc::Index(0)]),
        "duplicate 'save' (also in campaign 'a'",
    );
    has(at(2, &[k("codes"), Loc::Index(1)]), "must not be empty");
    has(c(3), "give exactly one of 'effect' and 'tiers'");
    has(at(4, &[k("tiers")]), "must not be empty");
    has(
        at(5, &[k("ends_at")]),
        "ends_at must be later than starts_at",
    );
    has(at(6, &[k("starts_at")]), "invalid timestamp");
    has(
        at(7, &[k("schedule"), k("weekdays"), Loc::Index(0)]),
        "must be at least 1",
    );
    has(at(7, &[k("schedule"), k("hours")]), "empty");
    has(
        at(7, &[k("schedule"), k("timezone")]),
        "did you mean 'Europe/Warsaw'?",
    );
    has(
        at(8, &[k("effect"), k("on"), k("most_expensive")]),
        "most_expensive cannot be combined with cheapest",
    );
    has(
        at(9, &[k("effect"), k("percent")]),
        "an effect amount needs a num",
    );
    assert!(errs
        .to_string()
        .contains("campaigns.0.id: must not be empty"));
}

#[test]
fn engine_level_errors() {
    let mut d = def(json!([]));
    d.version = 3;
    d.currency = "USX".into();
    let errs = compile(&d).unwrap_err();
    assert_eq!(errs.errors[0].loc, vec![k("version")]);
    assert_eq!(errs.errors[0].kind.type_name(), "unsupported_version");
    assert_eq!(errs.errors[1].loc, vec![k("currency")]);
    assert_eq!(errs.errors[1].kind.type_name(), "unknown_currency");
    assert!(errs.errors[1].message().contains("unknown currency 'USX'"));
}

#[test]
fn standalone_scopes_and_text_limit() {
    let lim = RuleBounds::default();
    assert!(check_expr(
        &bin(B::Mul, f("cart.subtotal"), n("0.1")),
        Scope::Number,
        &lim
    )
    .is_ok());
    assert!(check_expr(&f("cart.metadata.pct"), Scope::Number, &lim).is_ok());
    let e = check_expr(&s("x"), Scope::Number, &lim).unwrap_err();
    assert!(e.errors[0].message().contains("needs a num"), "{e}");
    assert!(e.errors[0].loc.is_empty());
    let e = check_expr(&f("item.price"), Scope::Number, &lim).unwrap_err();
    assert!(
        e.errors[0].message().contains("`item` can only be used"),
        "{e}"
    );
    let short = RuleBounds {
        max_text_len: 10,
        ..RuleBounds::default()
    };
    let e = check_expr(
        &bin(B::Eq, f("cart.currency"), s("USD")),
        Scope::Rules,
        &short,
    )
    .unwrap_err();
    assert_eq!(e.errors[0].kind.type_name(), "too_long", "{e}");
    // several errors in one expression are all reported
    let two = bin(
        B::And,
        bin(B::Eq, f("cart.nope"), n("1")),
        bin(B::Eq, f("cart.subtotal"), s("x")),
    );
    assert_eq!(
        check_expr(&two, Scope::Rules, &lim)
            .unwrap_err()
            .errors
            .len(),
        2
    );
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
            errs.errors
                .iter()
                .any(|e| e.loc == loc && e.message().contains(needle)),
            "missing {loc:?} {needle}: {errs}"
        );
    };
    let at = |i: usize, more: &[&str]| {
        let mut v = vec![k("campaigns"), Loc::Index(i), k("effect")];
        v.extend(more.iter().map(|m| k(m)));
        v
    };
    found(at(0, &["allocation"]), "shipping");
    found(at(1, &["buy"]), "a condition needs a bool");
    found(at(2, &["percent"]), "`item` can only be used");
    found(at(3, &["on", "pred"]), "unknown field 'cart.nope'");
    assert_eq!(errs.errors.len(), 4, "{errs}");
}

#[test]
fn the_cost_bound_counts_string_work_and_regexes_read_from_the_input() {
    let lim = RuleBounds::default();
    // one macro over the lines comparing strings: fine
    let one = mac(
        M::Exists,
        f("cart.items"),
        "a",
        bin(B::Eq, f("a.sku"), s("X")),
    );
    assert!(check_expr(&one, Scope::Rules, &lim).is_ok());
    // every pair of lines comparing strings of up to 40,000 bytes: 10^6 x 2,500 units
    let every_pair = |body: Expr| {
        mac(
            M::All,
            f("cart.items"),
            "a",
            mac(M::Exists, f("cart.items"), "b", body),
        )
    };
    let pairs = every_pair(bin(B::Eq, f("a.sku"), f("b.sku")));
    let e = check_expr(&pairs, Scope::Rules, &lim).unwrap_err();
    assert_eq!(e.errors[0].kind.type_name(), "too_complex", "{e}");
    // the same with numbers costs a node per pair: fine
    let nums = every_pair(bin(B::Le, f("a.price"), f("b.price")));
    assert!(check_expr(&nums, Scope::Rules, &lim).is_ok());
    // a concatenation is as long as its parts: 200 of them make one comparison cost 200 x
    let mut long = f("cart.currency");
    for _ in 0..200 {
        long = bin(B::Add, long, f("customer.email"));
    }
    let many = mac(
        M::Exists,
        f("cart.items"),
        "a",
        bin(B::Eq, long, f("a.sku")),
    );
    assert!(check_expr(&many, Scope::Rules, &lim).is_err());
    // a pattern read from the input, compiled for every line: counted
    let dynamic = mac(
        M::All,
        f("cart.items"),
        "a",
        call("matches", vec![f("a.sku"), f("a.metadata.re")]),
    );
    let e = check_expr(&dynamic, Scope::Rules, &lim).unwrap_err();
    assert_eq!(e.errors[0].kind.type_name(), "too_complex", "{e}");
    let once = call(
        "matches",
        vec![f("customer.email"), f("customer.metadata.re")],
    );
    assert!(check_expr(&once, Scope::Rules, &lim).is_ok());
    // a bigger bound lets it through
    let big = RuleBounds {
        max_cost: 1 << 40,
        ..RuleBounds::default()
    };
    assert!(check_expr(&dynamic, Scope::Rules, &big).is_ok());
    assert!(check_expr(&pairs, Scope::Rules, &big).is_ok());
}

#[test]
fn bounds_above_what_rule_text_is_read_with_do_not_compile() {
    let mut d = def(json!([]));
    d.bounds.max_depth = 101;
    d.bounds.max_text_len = 2_000_000;
    let errs = compile(&d).unwrap_err();
    let got: Vec<String> = errs.errors.iter().map(ToString::to_string).collect();
    assert_eq!(
        got,
        [
            "bounds.max_depth: must be at most 100",
            "bounds.max_text_len: must be at most 1000000"
        ]
    );
}
