//! The printer's canonical forms, strings, fields and identifiers.

use super::*;

// ---------------------------------------------------------------- printer

#[test]
fn printer_canonical_forms() {
    let (a, bb, c, x) = (f(&["a"]), f(&["b"]), f(&["c"]), f(&["x"]));
    both_ways(
        &b(
            BinaryOp::Sub,
            a.clone(),
            b(BinaryOp::Sub, bb.clone(), c.clone()),
        ),
        "a - (b - c)",
    );
    both_ways(
        &b(
            BinaryOp::Sub,
            b(BinaryOp::Sub, a.clone(), bb.clone()),
            c.clone(),
        ),
        "a - b - c",
    );
    both_ways(
        &b(
            BinaryOp::And,
            a.clone(),
            b(BinaryOp::And, bb.clone(), c.clone()),
        ),
        "a && (b && c)",
    );
    both_ways(
        &b(
            BinaryOp::Or,
            b(BinaryOp::And, a.clone(), bb.clone()),
            c.clone(),
        ),
        "a && b || c",
    );
    both_ways(
        &b(
            BinaryOp::And,
            b(BinaryOp::Or, a.clone(), bb.clone()),
            c.clone(),
        ),
        "(a || b) && c",
    );
    both_ways(
        &b(
            BinaryOp::Mul,
            b(BinaryOp::Add, a.clone(), bb.clone()),
            c.clone(),
        ),
        "(a + b) * c",
    );
    both_ways(
        &b(
            BinaryOp::Add,
            a.clone(),
            b(BinaryOp::Mul, bb.clone(), c.clone()),
        ),
        "a + b * c",
    );
    both_ways(
        &b(BinaryOp::In, x.clone(), list(vec![n("1"), n("2")])),
        "x in [1, 2]",
    );
    both_ways(
        &b(
            BinaryOp::In,
            a.clone(),
            b(BinaryOp::Eq, bb.clone(), c.clone()),
        ),
        "a in (b == c)",
    );
    both_ways(&b(BinaryOp::Sub, a.clone(), n("-5")), "a - -5");
    both_ways(
        &b(BinaryOp::Sub, a.clone(), un(UnaryOp::Neg, n("5"))),
        "a - -(5)",
    );
    both_ways(
        &b(BinaryOp::Sub, a.clone(), un(UnaryOp::Neg, a.clone())),
        "a - -a",
    );
    both_ways(&un(UnaryOp::Neg, n("5")), "-(5)");
    both_ways(&un(UnaryOp::Neg, n("-5")), "-(-5)");
    both_ways(&un(UnaryOp::Neg, un(UnaryOp::Neg, x.clone())), "--x");
    both_ways(&un(UnaryOp::Not, un(UnaryOp::Neg, x.clone())), "!-x");
    both_ways(&un(UnaryOp::Neg, un(UnaryOp::Not, x.clone())), "-!x");
    both_ways(&un(UnaryOp::Not, n("-5")), "!-5");
    both_ways(
        &un(UnaryOp::Not, b(BinaryOp::And, a.clone(), bb.clone())),
        "!(a && b)",
    );
    both_ways(&b(BinaryOp::Mul, n("-5"), a.clone()), "-5 * a");
    both_ways(
        &b(BinaryOp::Mul, un(UnaryOp::Neg, a.clone()), bb.clone()),
        "-a * b",
    );
    both_ways(
        &un(UnaryOp::Neg, Expr::call("lower", vec![n("5")])),
        "-5.lower()",
    );
    both_ways(&Expr::call("lower", vec![n("-5")]), "(-5).lower()");
    both_ways(&Expr::call("lower", vec![n("5.25")]), "5.25.lower()");
    both_ways(&Expr::call("lower", vec![]), "lower()");
    both_ways(&Expr::call("lower", vec![x.clone()]), "x.lower()");
    both_ways(
        &Expr::call("contains", vec![x.clone(), s("a"), s("b")]),
        "x.contains(\"a\", \"b\")",
    );
    both_ways(
        &Expr::call(
            "contains",
            vec![b(BinaryOp::Add, a.clone(), bb.clone()), s("x")],
        ),
        "(a + b).contains(\"x\")",
    );
    both_ways(
        &Expr::call("endsWith", vec![un(UnaryOp::Not, x.clone()), s("x")]),
        "(!x).endsWith(\"x\")",
    );
    both_ways(
        &Expr::call(
            "matches",
            vec![cond(a.clone(), bb.clone(), c.clone()), s("^a+$")],
        ),
        "(a ? b : c).matches(\"^a+$\")",
    );
    both_ways(
        &Expr::call("startsWith", vec![s("abc"), s("a")]),
        "\"abc\".startsWith(\"a\")",
    );
    both_ways(
        &Expr::call("upper", vec![Expr::call("size", vec![x.clone()])]),
        "size(x).upper()",
    );
    both_ways(&Expr::call("size", vec![x.clone()]), "size(x)");
    both_ways(
        &Expr::call("size", vec![x.clone(), a.clone()]),
        "size(x, a)",
    );
    both_ways(&Expr::call("has", vec![f(&["m", "k"])]), "has(m.k)");
    both_ways(&Expr::call("round", vec![a.clone(), n("2")]), "round(a, 2)");
    both_ways(
        &Expr::call("weekday", vec![f(&["context", "now"]), s("Europe/Warsaw")]),
        "weekday(context.now, \"Europe/Warsaw\")",
    );
    both_ways(
        &Expr::call("filter", vec![x.clone(), a.clone(), bb.clone()]),
        "filter(x, a, b)",
    );
    both_ways(
        &cond(cond(a.clone(), bb.clone(), c.clone()), x.clone(), x.clone()),
        "(a ? b : c) ? x : x",
    );
    both_ways(
        &cond(a.clone(), cond(bb.clone(), c.clone(), x.clone()), x.clone()),
        "a ? (b ? c : x) : x",
    );
    both_ways(
        &cond(a.clone(), bb.clone(), cond(c.clone(), x.clone(), x.clone())),
        "a ? b : c ? x : x",
    );
    both_ways(
        &b(
            BinaryOp::Add,
            cond(a.clone(), bb.clone(), c.clone()),
            x.clone(),
        ),
        "(a ? b : c) + x",
    );
    both_ways(
        &b(
            BinaryOp::Or,
            a.clone(),
            cond(a.clone(), bb.clone(), c.clone()),
        ),
        "a || (a ? b : c)",
    );
    both_ways(
        &list(vec![cond(a.clone(), bb.clone(), c.clone()), n("1")]),
        "[a ? b : c, 1]",
    );
    both_ways(&list(vec![]), "[]");
    both_ways(
        &mac(
            MacroOp::Filter,
            f(&["cart", "items"]),
            Some("i"),
            Some(b(BinaryOp::Gt, f(&["i", "price"]), n("10"))),
        ),
        "cart.items.filter(i, i.price > 10)",
    );
    both_ways(
        &mac(MacroOp::Count, f(&["cart", "items"]), None, None),
        "cart.items.count()",
    );
    both_ways(
        &mac(
            MacroOp::Sum,
            b(BinaryOp::Add, a.clone(), bb.clone()),
            None,
            None,
        ),
        "(a + b).sum()",
    );
    both_ways(
        &mac(
            MacroOp::Map,
            list(vec![n("1")]),
            Some("v"),
            Some(cond(a.clone(), bb.clone(), c.clone())),
        ),
        "[1].map(v, a ? b : c)",
    );
    both_ways(
        &mac(MacroOp::ExistsOne, x.clone(), Some("y"), Some(f(&["y"]))),
        "x.exists_one(y, y)",
    );
}

#[test]
fn printer_strings_and_fields() {
    both_ways(&s("a\"b\\c\nd\re\tf"), r#""a\"b\\c\nd\re\tf""#);
    both_ways(&s("it's"), r#""it's""#);
    both_ways(
        &s("\u{0}\u{7}\u{1b}\u{7f}\u{85}"),
        r#""\u0000\u0007\u001B\u007F\u0085""#,
    );
    both_ways(&s("żółć 😀 \u{2028}"), "\"żółć 😀 \u{2028}\"");
    both_ways(
        &f(&["customer", "metadata", "my-key"]),
        "customer.metadata[\"my-key\"]",
    );
    both_ways(&f(&["cart", "metadata", "in"]), "cart.metadata[\"in\"]");
    both_ways(&f(&["cart", "metadata", "if"]), "cart.metadata[\"if\"]");
    both_ways(&f(&["cart", "metadata", ""]), "cart.metadata[\"\"]");
    both_ways(
        &f(&["cart", "metadata", "a\"b"]),
        r#"cart.metadata["a\"b"]"#,
    );
    both_ways(&f(&["cart", "metadata", "1a"]), "cart.metadata[\"1a\"]");
    both_ways(&f(&["cart", "metadata", "ok_1"]), "cart.metadata.ok_1");
    both_ways(&f(&["has"]), "has");
    both_ways(
        &Expr::call("contains", vec![f(&["has"]), f(&["m", "x y"])]),
        "has.contains(m[\"x y\"])",
    );
    both_ways(&n("12.50"), "12.50");
    both_ways(&n("-0"), "-0");
    // Not well-formed: printed verbatim, documented as not parsing back.
    assert_eq!(print(&f(&["my key", "a"])), "my key.a");
    assert_eq!(print(&f(&[])), "");
    assert_eq!(print(&mac(MacroOp::All, f(&["x"]), None, None)), "x.all()");
}

#[test]
fn identifiers() {
    for ok in [
        "a",
        "_",
        "cart",
        "A_1",
        "startsWith",
        "exists_one",
        "has",
        "size",
        "NULL",
        "True",
        "iff",
    ] {
        assert!(is_identifier(ok), "{ok}");
    }
    for bad in [
        "",
        "1a",
        "a-b",
        "a b",
        "é",
        "in",
        "true",
        "null",
        "if",
        "while",
        "namespace",
        "a.b",
    ] {
        assert!(!is_identifier(bad), "{bad}");
    }
    assert!(is_reserved("in") && is_reserved("void") && !is_reserved("has"));
}

#[test]
fn design_examples_round_trip() {
    for text in [
        "cart.subtotal >= 100 && customer.segments.exists(s, s in [\"vip\", \"gold\"])",
        "cart.items.filter(i, i.category == \"coffee\").sum(i, i.quantity) >= 2",
        "has(customer.metadata.tier) && customer.metadata.tier == \"gold\"",
        "context.now >= timestamp(\"2026-11-27T00:00:00Z\")",
        "min(cart.subtotal * 0.15, 50)",
        "customer.orders_count == 0 ? 10 : 5",
        "weekday(context.now, \"Europe/Warsaw\") in [6, 7] && hour(context.now) < 12",
        "!customer.metadata.flag",
    ] {
        let e = p(text);
        assert_eq!(print(&e), text);
    }
}
