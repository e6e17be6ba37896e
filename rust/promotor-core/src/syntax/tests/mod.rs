use proptest::prelude::*;

use super::{is_identifier, is_reserved, parse, print, SyntaxError, MAX_SUPPORTED_DEPTH};
use crate::ir::{BinaryOp, Expr, MacroOp, RuleBounds, UnaryOp};

mod errors;
mod printer;
mod property;

fn p(text: &str) -> Expr {
    match parse(text, &RuleBounds::default()) {
        Ok(e) => e,
        Err(e) => panic!("{text:?} failed: {e}"),
    }
}

fn err(text: &str) -> SyntaxError {
    match parse(text, &RuleBounds::default()) {
        Ok(e) => panic!("{text:?} parsed as {e:?}"),
        Err(e) => e,
    }
}

/// Asserts the error's message contains `needle` and its position is (line, column).
fn err_is(text: &str, needle: &str, line: u32, column: u32) {
    let e = err(text);
    assert!(
        e.message.contains(needle),
        "{text:?}: message {:?} lacks {needle:?}",
        e.message
    );
    assert_eq!((e.line, e.column), (line, column), "{text:?}: {e}");
}

fn f(path: &[&str]) -> Expr {
    Expr::field(path.iter().copied())
}

fn n(v: &str) -> Expr {
    Expr::num(v)
}

fn s(v: &str) -> Expr {
    Expr::str(v)
}

fn b(op: BinaryOp, l: Expr, r: Expr) -> Expr {
    Expr::binary(op, l, r)
}

fn un(op: UnaryOp, arg: Expr) -> Expr {
    Expr::Unary {
        op,
        arg: Box::new(arg),
    }
}

fn cond(c: Expr, t: Expr, e: Expr) -> Expr {
    Expr::Cond {
        cond: Box::new(c),
        then: Box::new(t),
        otherwise: Box::new(e),
    }
}

fn mac(op: MacroOp, list: Expr, var: Option<&str>, body: Option<Expr>) -> Expr {
    Expr::Macro {
        op,
        list: Box::new(list),
        var: var.map(str::to_owned),
        body: body.map(Box::new),
    }
}

fn list(items: Vec<Expr>) -> Expr {
    Expr::List { items }
}

/// The children of a node.
fn children(e: &Expr) -> Vec<&Expr> {
    match e {
        Expr::List { items } | Expr::Call { args: items, .. } => items.iter().collect(),
        Expr::Unary { arg, .. } => vec![arg],
        Expr::Binary { left, right, .. } => vec![left, right],
        Expr::Cond {
            cond,
            then,
            otherwise,
        } => vec![cond, then, otherwise],
        Expr::Macro { list, body, .. } => std::iter::once(&**list).chain(body.as_deref()).collect(),
        Expr::Null
        | Expr::Bool { .. }
        | Expr::Num { .. }
        | Expr::Str { .. }
        | Expr::Field { .. } => vec![],
    }
}

/// Node depth, iteratively.
fn depth(root: &Expr) -> usize {
    let mut max = 0;
    let mut stack = vec![(root, 1)];
    while let Some((e, d)) = stack.pop() {
        max = max.max(d);
        stack.extend(children(e).into_iter().map(|c| (c, d + 1)));
    }
    max
}

/// Drops a tree without recursing (the derived drop recurses once per level).
fn dismantle(root: Expr) {
    let mut stack = vec![root];
    while let Some(mut e) = stack.pop() {
        match &mut e {
            Expr::List { items } | Expr::Call { args: items, .. } => stack.append(items),
            Expr::Unary { arg, .. } => stack.push(std::mem::replace(&mut **arg, Expr::Null)),
            Expr::Binary { left, right, .. } => {
                stack.push(std::mem::replace(&mut **left, Expr::Null));
                stack.push(std::mem::replace(&mut **right, Expr::Null));
            }
            Expr::Cond {
                cond,
                then,
                otherwise,
            } => {
                stack.push(std::mem::replace(&mut **cond, Expr::Null));
                stack.push(std::mem::replace(&mut **then, Expr::Null));
                stack.push(std::mem::replace(&mut **otherwise, Expr::Null));
            }
            Expr::Macro { list, body, .. } => {
                stack.push(std::mem::replace(&mut **list, Expr::Null));
                if let Some(body) = body.take() {
                    stack.push(*body);
                }
            }
            Expr::Null
            | Expr::Bool { .. }
            | Expr::Num { .. }
            | Expr::Str { .. }
            | Expr::Field { .. } => {}
        }
    }
}

/// `print(e) == text` and `parse(text) == e`.
fn limits(max_depth: u32, max_text_len: u32) -> RuleBounds {
    RuleBounds {
        max_depth,
        max_text_len,
        ..RuleBounds::default()
    }
}

fn both_ways(e: &Expr, text: &str) {
    assert_eq!(print(e), text, "print of {e:?}");
    assert_eq!(&p(text), e, "parse of {text:?}");
}

// ---------------------------------------------------------------- literals

#[test]
fn literals() {
    assert_eq!(p("true"), Expr::Bool { value: true });
    assert_eq!(p("false"), Expr::Bool { value: false });
    assert_eq!(p("null"), Expr::Null);
    assert_eq!(p("12.50"), n("12.50"));
    assert_eq!(p("007"), n("007"));
    assert_eq!(p("0"), n("0"));
    assert_eq!(p("-5"), n("-5"));
    assert_eq!(p("-0"), n("-0"));
    assert_eq!(p("-12.50"), n("-12.50"));
    assert_eq!(p("  42  // the answer\n"), n("42"));
}

#[test]
fn strings_and_escapes() {
    assert_eq!(p(r#""coffee""#), s("coffee"));
    assert_eq!(p("'coffee'"), s("coffee"));
    assert_eq!(p(r#"'say "hi"'"#), s("say \"hi\""));
    assert_eq!(p(r#""it's""#), s("it's"));
    assert_eq!(p(r#""a\\b\"c\'d\ne\rf\tg""#), s("a\\b\"c'd\ne\rf\tg"));
    assert_eq!(p(r#""\u00e9\U0001F600""#), s("é😀"));
    assert_eq!(p(r#""żółć 😀""#), s("żółć 😀"));
    assert_eq!(p(r#""""#), s(""));
    assert_eq!(p(r#""// not a comment""#), s("// not a comment"));
}

#[test]
fn lists() {
    assert_eq!(p("[]"), list(vec![]));
    assert_eq!(p("[1, 2, 3]"), list(vec![n("1"), n("2"), n("3")]));
    assert_eq!(p("[1, 2,]"), list(vec![n("1"), n("2")]));
    assert_eq!(
        p("[\n  'a',\n  'b', // comment\n]"),
        list(vec![s("a"), s("b")])
    );
    assert_eq!(p("[[1], []]"), list(vec![list(vec![n("1")]), list(vec![])]));
}

// ---------------------------------------------------------------- fields

#[test]
fn fields() {
    assert_eq!(p("cart"), f(&["cart"]));
    assert_eq!(p("cart.subtotal"), f(&["cart", "subtotal"]));
    assert_eq!(
        p("customer.metadata[\"my-key\"]"),
        f(&["customer", "metadata", "my-key"])
    );
    assert_eq!(
        p("customer.metadata['a'].b[\"c d\"]"),
        f(&["customer", "metadata", "a", "b", "c d"])
    );
    assert_eq!(p("cart.metadata[\"in\"]"), f(&["cart", "metadata", "in"]));
    assert_eq!(p("cart . subtotal"), f(&["cart", "subtotal"]));
    assert_eq!(p("(cart).subtotal"), f(&["cart", "subtotal"]));
    assert_eq!(p("cart.items.count"), f(&["cart", "items", "count"]));
    assert_eq!(p("_x1.Y_2"), f(&["_x1", "Y_2"]));
}

// ---------------------------------------------------------------- operators

#[test]
fn unary_minus_folding() {
    assert_eq!(p("a - -5"), b(BinaryOp::Sub, f(&["a"]), n("-5")));
    assert_eq!(p("a-5"), b(BinaryOp::Sub, f(&["a"]), n("5")));
    assert_eq!(p("-x"), un(UnaryOp::Neg, f(&["x"])));
    assert_eq!(p("-(5)"), un(UnaryOp::Neg, n("5")));
    assert_eq!(p("--5"), un(UnaryOp::Neg, n("-5")));
    assert_eq!(p("--x"), un(UnaryOp::Neg, un(UnaryOp::Neg, f(&["x"]))));
    assert_eq!(p("- 5"), n("-5"));
    assert_eq!(p("!x"), un(UnaryOp::Not, f(&["x"])));
    assert_eq!(p("!!x"), un(UnaryOp::Not, un(UnaryOp::Not, f(&["x"]))));
    assert_eq!(p("!-5"), un(UnaryOp::Not, n("-5")));
    assert_eq!(p("-5 * a"), b(BinaryOp::Mul, n("-5"), f(&["a"])));
    // A minus before a number with a postfix applies to the whole postfix expression.
    assert_eq!(
        p("-5.lower()"),
        un(UnaryOp::Neg, Expr::call("lower", vec![n("5")]))
    );
}

#[test]
fn precedence_and_associativity() {
    let (a, bb, c) = (f(&["a"]), f(&["b"]), f(&["c"]));
    assert_eq!(
        p("a || b && c"),
        b(
            BinaryOp::Or,
            a.clone(),
            b(BinaryOp::And, bb.clone(), c.clone())
        )
    );
    assert_eq!(
        p("a && b || c"),
        b(
            BinaryOp::Or,
            b(BinaryOp::And, a.clone(), bb.clone()),
            c.clone()
        )
    );
    assert_eq!(
        p("a + b * c"),
        b(
            BinaryOp::Add,
            a.clone(),
            b(BinaryOp::Mul, bb.clone(), c.clone())
        )
    );
    assert_eq!(
        p("a - b - c"),
        b(
            BinaryOp::Sub,
            b(BinaryOp::Sub, a.clone(), bb.clone()),
            c.clone()
        )
    );
    assert_eq!(
        p("a / b % c"),
        b(
            BinaryOp::Mod,
            b(BinaryOp::Div, a.clone(), bb.clone()),
            c.clone()
        )
    );
    assert_eq!(
        p("a == b == c"),
        b(
            BinaryOp::Eq,
            b(BinaryOp::Eq, a.clone(), bb.clone()),
            c.clone()
        )
    );
    assert_eq!(
        p("a + 1 < b * 2 && c"),
        b(
            BinaryOp::And,
            b(
                BinaryOp::Lt,
                b(BinaryOp::Add, a.clone(), n("1")),
                b(BinaryOp::Mul, bb.clone(), n("2"))
            ),
            c.clone()
        )
    );
    assert_eq!(
        p("x in [1, 2] == true"),
        b(
            BinaryOp::Eq,
            b(BinaryOp::In, f(&["x"]), list(vec![n("1"), n("2")])),
            Expr::Bool { value: true }
        )
    );
    assert_eq!(
        p("!a && b"),
        b(BinaryOp::And, un(UnaryOp::Not, a.clone()), bb.clone())
    );
    assert_eq!(
        p("(a + b) * c"),
        b(
            BinaryOp::Mul,
            b(BinaryOp::Add, a.clone(), bb.clone()),
            c.clone()
        )
    );
    for (text, op) in [
        ("a != b", BinaryOp::Ne),
        ("a < b", BinaryOp::Lt),
        ("a <= b", BinaryOp::Le),
        ("a > b", BinaryOp::Gt),
        ("a >= b", BinaryOp::Ge),
        ("a in b", BinaryOp::In),
        ("a % b", BinaryOp::Mod),
    ] {
        assert_eq!(p(text), b(op, a.clone(), bb.clone()), "{text}");
    }
}

#[test]
fn ternary() {
    let (a, bb, c, d, e) = (f(&["a"]), f(&["b"]), f(&["c"]), f(&["d"]), f(&["e"]));
    assert_eq!(p("a ? b : c"), cond(a.clone(), bb.clone(), c.clone()));
    assert_eq!(
        p("a ? b : c ? d : e"),
        cond(a.clone(), bb.clone(), cond(c.clone(), d.clone(), e.clone()))
    );
    assert_eq!(
        p("a || b ? c : d"),
        cond(b(BinaryOp::Or, a.clone(), bb.clone()), c.clone(), d.clone())
    );
    assert_eq!(
        p("a ? b ? c : d : e"),
        cond(a.clone(), cond(bb.clone(), c.clone(), d.clone()), e.clone())
    );
    assert_eq!(
        p("customer.orders_count == 0 ? 10 : 5"),
        cond(
            b(BinaryOp::Eq, f(&["customer", "orders_count"]), n("0")),
            n("10"),
            n("5")
        )
    );
}

// ---------------------------------------------------------------- calls and macros

#[test]
fn calls_and_methods() {
    let x = f(&["x"]);
    assert_eq!(
        p("has(customer.metadata.tier)"),
        Expr::call("has", vec![f(&["customer", "metadata", "tier"])])
    );
    assert_eq!(p("size(x)"), Expr::call("size", vec![x.clone()]));
    assert_eq!(p("x.size()"), Expr::call("size", vec![x.clone()]));
    assert_eq!(p("min(a, 50)"), Expr::call("min", vec![f(&["a"]), n("50")]));
    assert_eq!(p("now()"), Expr::call("now", vec![]));
    assert_eq!(
        p("x.startsWith(\"a\")"),
        Expr::call("startsWith", vec![x.clone(), s("a")])
    );
    assert_eq!(
        p("x.lower().contains('a')"),
        Expr::call(
            "contains",
            vec![Expr::call("lower", vec![x.clone()]), s("a")]
        )
    );
    assert_eq!(
        p("\"abc\".contains(x)"),
        Expr::call("contains", vec![s("abc"), x.clone()])
    );
    assert_eq!(
        p("x.foo(1, 2)"),
        Expr::call("foo", vec![x.clone(), n("1"), n("2")])
    );
    assert_eq!(
        p("(a + b).contains(\"x\")"),
        Expr::call(
            "contains",
            vec![b(BinaryOp::Add, f(&["a"]), f(&["b"])), s("x")]
        )
    );
    assert_eq!(p("count(x)"), Expr::call("count", vec![x.clone()]));
    assert_eq!(
        p("context.now >= timestamp(\"2026-11-27T00:00:00Z\")"),
        b(
            BinaryOp::Ge,
            f(&["context", "now"]),
            Expr::call("timestamp", vec![s("2026-11-27T00:00:00Z")])
        )
    );
}

#[test]
fn macros() {
    let items = f(&["cart", "items"]);
    let pred = b(BinaryOp::Eq, f(&["i", "category"]), s("coffee"));
    for (name, op) in [
        ("all", MacroOp::All),
        ("exists", MacroOp::Exists),
        ("exists_one", MacroOp::ExistsOne),
        ("filter", MacroOp::Filter),
        ("map", MacroOp::Map),
        ("count", MacroOp::Count),
        ("sum", MacroOp::Sum),
        ("min", MacroOp::Min),
        ("max", MacroOp::Max),
    ] {
        let text = format!("cart.items.{name}(i, i.category == \"coffee\")");
        assert_eq!(
            p(&text),
            mac(op, items.clone(), Some("i"), Some(pred.clone())),
            "{text}"
        );
        if matches!(
            op,
            MacroOp::Count | MacroOp::Sum | MacroOp::Min | MacroOp::Max
        ) {
            assert_eq!(
                p(&format!("cart.items.{name}()")),
                mac(op, items.clone(), None, None)
            );
        }
    }
    assert_eq!(
        p("cart.items.filter(i, i.category == \"coffee\").sum(i, i.quantity) >= 2"),
        b(
            BinaryOp::Ge,
            mac(
                MacroOp::Sum,
                mac(
                    MacroOp::Filter,
                    items.clone(),
                    Some("i"),
                    Some(pred.clone())
                ),
                Some("i"),
                Some(f(&["i", "quantity"]))
            ),
            n("2")
        )
    );
    assert_eq!(
        p("[1, 2].map(x, x * 2)"),
        mac(
            MacroOp::Map,
            list(vec![n("1"), n("2")]),
            Some("x"),
            Some(b(BinaryOp::Mul, f(&["x"]), n("2")))
        )
    );
}
