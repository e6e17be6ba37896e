use proptest::prelude::*;

use super::{is_identifier, is_reserved, parse, print, SyntaxError, MAX_SUPPORTED_DEPTH};
use crate::ir::{BinaryOp, Expr, MacroOp, RuleBounds, UnaryOp};

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

// ---------------------------------------------------------------- errors

#[test]
fn lexical_errors() {
    err_is("a # b", "unexpected character '#'", 1, 3);
    err_is("\"abc", "unterminated string", 1, 1);
    err_is("x == 'abc\n'", "unterminated string", 1, 6);
    err_is("1e5", "number has an exponent; write it out in full", 1, 1);
    err_is("x > 1.5E-3", "number has an exponent", 1, 5);
    err_is("0x1F", "hexadecimal", 1, 1);
    err_is("12abc", "right after the number", 1, 3);
    err_is(".5", "write 0.5", 1, 1);
    err_is("1.2.3", "only one decimal point", 1, 4);
    err_is("a = b", "write '==' to compare", 1, 3);
    err_is("a & b", "'&&'", 1, 3);
    err_is("a | b", "'||'", 1, 3);
    err_is(r#""a\qb""#, "invalid escape sequence '\\q'", 1, 3);
    err_is(r#""\u12""#, "exactly 4 hexadecimal digits", 1, 2);
    err_is(r#""\uD800""#, "not a valid Unicode character", 1, 2);
    err_is(r#""\U00110000""#, "not a valid Unicode character", 1, 2);
    err_is("\"é\" == ü", "unexpected character 'ü'", 1, 8);
    err_is("x\n  == ¤", "unexpected character '¤'", 2, 6);
}

#[test]
fn grammar_errors() {
    err_is("", "empty", 1, 1);
    err_is("  // nothing\n", "empty", 2, 1);
    err_is(
        "f(a, (b + c)",
        "expected ',' or ')' to close '(' opened at line 1, column 2",
        1,
        13,
    );
    err_is(
        "(a + b",
        "expected ')' to close '(' opened at line 1, column 1",
        1,
        7,
    );
    err_is(
        "x && (a\n + b c",
        "expected ')' to close '(' opened at line 1, column 6",
        2,
        6,
    );
    err_is(
        "[1, 2",
        "expected ',' or ']' to close '[' opened at line 1, column 1",
        1,
        6,
    );
    err_is("[1,,2]", "unexpected ','; expected an expression", 1, 4);
    err_is("f(a,)", "unexpected ')'; expected an expression", 1, 5);
    err_is(
        "a +",
        "unexpected end of the rule; expected an expression",
        1,
        4,
    );
    err_is("a b", "unexpected 'b' after a complete expression", 1, 3);
    err_is("a)", "unmatched ')'", 1, 2);
    err_is(
        "a ? b",
        "expected ':' for the '?' at line 1, column 3",
        1,
        6,
    );
    err_is("if", "'if' is a reserved word", 1, 1);
    err_is(
        "cart.while",
        "'while' is a reserved word; write [\"while\"]",
        1,
        6,
    );
    err_is("cart.in", "'in' is a reserved word; write [\"in\"]", 1, 6);
    err_is("cart.", "expected a name after '.'", 1, 6);
    err_is("cart.5", "expected a name after '.'", 1, 6);
    err_is(
        "size(x).y",
        "field selection on a computed value is not supported",
        1,
        8,
    );
    err_is(
        "(a + b).c",
        "field selection on a computed value is not supported",
        1,
        8,
    );
    err_is("cart.items[0]", "list indexing is not supported", 1, 12);
    err_is("m[k]", "expected a string key", 1, 3);
    err_is(
        "size(m)[\"a\"]",
        "indexing is only supported on fields",
        1,
        8,
    );
    err_is(
        "m[\"a\"",
        "expected ']' to close '[' opened at line 1, column 2",
        1,
        6,
    );
    err_is("x.filter(i)", "filter expects (variable, predicate)", 1, 3);
    err_is("x.map(i, i, i)", "map expects (variable, expression)", 1, 3);
    err_is("x.all()", "all expects (variable, predicate)", 1, 3);
    err_is("x.sum(i)", "sum expects () or (variable, expression)", 1, 3);
    err_is(
        "x.count(1, true)",
        "the first argument of count must be a variable name",
        1,
        9,
    );
    err_is(
        "x.exists(i.a, true)",
        "the first argument of exists must be a variable name",
        1,
        10,
    );
    err_is("-", "unexpected end of the rule", 1, 2);
    err_is("*a", "unexpected '*'; expected an expression", 1, 1);
}

#[test]
fn error_display_and_positions_in_chars() {
    let e = err("\"żółć\" # x");
    assert_eq!(
        e.to_string(),
        "unexpected character '#' at line 1, column 8"
    );
    assert_eq!(e.offset, "\"żółć\" ".len());
}

// ---------------------------------------------------------------- limits

fn limits(max_depth: u32, max_text_len: u32) -> RuleBounds {
    RuleBounds {
        max_depth,
        max_text_len,
        ..RuleBounds::default()
    }
}

#[test]
fn text_length_limit() {
    let text = "a + b";
    let e = parse(text, &limits(64, 4)).unwrap_err();
    assert!(
        e.message.contains("longer than the limit of 4 bytes"),
        "{e}"
    );
    assert!(parse(text, &limits(64, 5)).is_ok());
    // The position is clamped to a character boundary.
    let e = parse("\"ż\"", &limits(64, 2)).unwrap_err();
    assert_eq!((e.offset, e.column), (1, 2));
}

#[test]
fn depth_limit_is_exact() {
    // `!!...!x`: depth = number of `!` + 1.
    let text = |k: usize| format!("{}x", "!".repeat(k));
    assert!(parse(&text(63), &limits(64, 100_000)).is_ok());
    let e = parse(&text(64), &limits(64, 100_000)).unwrap_err();
    assert!(e.message.contains("nests too deeply"), "{e}");
    // Left-associative chains are built in a loop and still counted.
    let chain = |k: usize| format!("a{}", " + a".repeat(k));
    assert_eq!(depth(&parse(&chain(63), &limits(64, 100_000)).unwrap()), 64);
    let e = parse(&chain(64), &limits(64, 100_000)).unwrap_err();
    assert_eq!(e.offset, chain(63).len() + 1, "{e}");
    // So are method chains.
    let methods = |k: usize| format!("x{}", ".lower()".repeat(k));
    assert!(parse(&methods(63), &limits(64, 100_000)).is_ok());
    assert!(parse(&methods(64), &limits(64, 100_000)).is_err());
    // Parentheses do not add depth, but cannot nest without bound either.
    let parens = |k: usize| format!("{}x{}", "(".repeat(k), ")".repeat(k));
    assert_eq!(p(&parens(100)), f(&["x"]));
    assert!(parse(&parens(200), &RuleBounds::default()).is_err());
    // A huge configured limit is capped.
    let e = parse(
        &text(MAX_SUPPORTED_DEPTH as usize),
        &limits(u32::MAX, 100_000),
    )
    .unwrap_err();
    assert!(
        e.message
            .contains(&format!("limit is {MAX_SUPPORTED_DEPTH}")),
        "{e}"
    );
    assert!(parse(
        &text(MAX_SUPPORTED_DEPTH as usize - 1),
        &limits(u32::MAX, 100_000)
    )
    .is_ok());
}

#[test]
fn deep_inputs_do_not_overflow_the_stack() {
    let big = limits(u32::MAX, 10_000_000);
    let parens = format!("{}x{}", "(".repeat(100_000), ")".repeat(100_000));
    assert!(parse(&parens, &big)
        .unwrap_err()
        .message
        .contains("nests too deeply"));
    let bangs = format!("{}x", "!".repeat(100_000));
    assert!(parse(&bangs, &big)
        .unwrap_err()
        .message
        .contains("nests too deeply"));
    let minus = format!("{}x", "-".repeat(100_000));
    assert!(parse(&minus, &big).is_err());
    let brackets = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    assert!(parse(&brackets, &big).is_err());
    let calls = format!("{}x{}", "f(".repeat(100_000), ")".repeat(100_000));
    assert!(parse(&calls, &big).is_err());
    let ternary = format!("{}x", "a ? b : ".repeat(100_000));
    assert!(parse(&ternary, &big).is_err());
    let right = format!("{}x", "a + (".repeat(100_000));
    assert!(parse(&right, &big).is_err());
    // Worst case that still parses: deepest allowed nesting, with every kind of recursion.
    let cap = MAX_SUPPORTED_DEPTH as usize;
    let ok = format!("{}x{}", "!(".repeat(cap - 1), ")".repeat(cap - 1));
    assert!(parse(&ok, &limits(MAX_SUPPORTED_DEPTH, 100_000)).is_ok());
    let ok = format!("{}x{}", "(".repeat(2 * cap), ")".repeat(2 * cap));
    assert!(parse(&ok, &limits(MAX_SUPPORTED_DEPTH, 100_000)).is_ok());
}

#[test]
fn one_megabyte_inputs() {
    let big = limits(64, 2_000_000);
    // Flat and wide: fine.
    let items = vec!["12.50"; 150_000].join(", ");
    let text = format!("x in [{items}]");
    assert!(text.len() > 1_000_000);
    let parsed = parse(&text, &big).unwrap();
    assert!(
        matches!(&parsed, Expr::Binary { right, .. } if matches!(&**right, Expr::List { items } if items.len() == 150_000))
    );
    // Long chains fail fast on depth.
    let chain = format!("a{}", " + a".repeat(300_000));
    assert!(parse(&chain, &big)
        .unwrap_err()
        .message
        .contains("nests too deeply"));
    // A long string, a long comment, a long path.
    let long = format!(
        "\"{}\" == x // {}",
        "é".repeat(300_000),
        "c".repeat(400_000)
    );
    assert!(parse(&long, &big).is_ok());
    let path = format!("x{}", ".y".repeat(500_000));
    assert!(matches!(parse(&path, &big).unwrap(), Expr::Field { path } if path.len() == 500_001));
    // Over the default limit.
    assert!(parse(&text, &RuleBounds::default())
        .unwrap_err()
        .message
        .contains("longer than"));
}

#[test]
fn printer_handles_deep_trees() {
    let mut neg = f(&["x"]);
    let mut add = f(&["x"]);
    let mut sub = f(&["x"]);
    for _ in 0..10_000 {
        neg = un(UnaryOp::Neg, neg);
        add = b(BinaryOp::Add, add, n("1"));
        sub = b(BinaryOp::Sub, n("1"), sub);
    }
    assert!(print(&neg) == format!("{}x", "-".repeat(10_000)));
    assert!(print(&add) == format!("x{}", " + 1".repeat(10_000)));
    assert!(print(&sub) == format!("{}1 - x{}", "1 - (".repeat(9_999), ")".repeat(9_999)));
    dismantle(neg);
    dismantle(add);
    dismantle(sub);
}

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

// ---------------------------------------------------------------- property: print then parse

fn ident() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "cart", "item", "customer", "context", "x", "has", "size", "lower", "all", "count",
            "in_", "iff",
        ])
        .prop_map(str::to_owned),
        "[a-zA-Z_][a-zA-Z0-9_]{0,6}",
    ]
    .prop_filter("not reserved", |s| !is_reserved(s))
}

fn segment() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => ident(),
        1 => prop::sample::select(super::RESERVED_WORDS.to_vec()).prop_map(str::to_owned),
        1 => any::<String>(),
        1 => "[ -~]{0,4}",
    ]
}

fn leaf() -> impl Strategy<Value = Expr> {
    prop_oneof![
        Just(Expr::Null),
        any::<bool>().prop_map(|value| Expr::Bool { value }),
        "-?[0-9]{1,4}(\\.[0-9]{1,3})?".prop_map(Expr::num),
        prop_oneof![
            any::<String>(),
            "[ -~]{0,6}",
            "[\\\\\"'\\n\\t\\u{0}-\\u{1f}]{0,4}"
        ]
        .prop_map(Expr::str),
        (ident(), prop::collection::vec(segment(), 0..4)).prop_map(|(root, rest)| {
            let mut path = vec![root];
            path.extend(rest);
            Expr::Field { path }
        }),
    ]
}

fn func_name() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "contains",
            "startsWith",
            "endsWith",
            "matches",
            "lower",
            "upper",
            "size",
            "has",
            "min",
            "max",
            "abs",
            "round",
            "timestamp",
            "filter",
            "all",
            "count",
        ])
        .prop_map(str::to_owned),
        ident(),
    ]
}

fn binary_op() -> impl Strategy<Value = BinaryOp> {
    prop::sample::select(vec![
        BinaryOp::And,
        BinaryOp::Or,
        BinaryOp::Eq,
        BinaryOp::Ne,
        BinaryOp::Lt,
        BinaryOp::Le,
        BinaryOp::Gt,
        BinaryOp::Ge,
        BinaryOp::In,
        BinaryOp::Add,
        BinaryOp::Sub,
        BinaryOp::Mul,
        BinaryOp::Div,
        BinaryOp::Mod,
    ])
}

fn macro_op() -> impl Strategy<Value = MacroOp> {
    prop::sample::select(vec![
        MacroOp::All,
        MacroOp::Exists,
        MacroOp::ExistsOne,
        MacroOp::Filter,
        MacroOp::Map,
        MacroOp::Count,
        MacroOp::Sum,
        MacroOp::Min,
        MacroOp::Max,
    ])
}

fn expr() -> impl Strategy<Value = Expr> {
    leaf().prop_recursive(6, 64, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(|items| Expr::List { items }),
            (
                prop::sample::select(vec![UnaryOp::Not, UnaryOp::Neg]),
                inner.clone()
            )
                .prop_map(|(op, arg)| Expr::Unary {
                    op,
                    arg: Box::new(arg)
                }),
            (binary_op(), inner.clone(), inner.clone())
                .prop_map(|(op, l, r)| Expr::binary(op, l, r)),
            (binary_op(), inner.clone(), inner.clone())
                .prop_map(|(op, l, r)| Expr::binary(op, l, r)),
            (inner.clone(), inner.clone(), inner.clone()).prop_map(|(c, t, e)| cond(c, t, e)),
            (func_name(), prop::collection::vec(inner.clone(), 0..4))
                .prop_map(|(func, args)| Expr::Call { func, args }),
            (
                macro_op(),
                inner.clone(),
                ident(),
                inner.clone(),
                any::<bool>()
            )
                .prop_map(|(op, list, var, body, bare)| {
                    let optional = matches!(
                        op,
                        MacroOp::Count | MacroOp::Sum | MacroOp::Min | MacroOp::Max
                    );
                    if optional && bare {
                        mac(op, list, None, None)
                    } else {
                        Expr::Macro {
                            op,
                            list: Box::new(list),
                            var: Some(var),
                            body: Some(Box::new(body)),
                        }
                    }
                }),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn print_then_parse_is_identity(e in expr()) {
        let text = print(&e);
        let parsed = parse(&text, &limits(64, 1_000_000));
        prop_assert_eq!(parsed.as_ref(), Ok(&e), "text: {}", text);
        // Printing is canonical: the text is a fixed point.
        prop_assert_eq!(print(&parsed.unwrap()), text);
    }

    #[test]
    fn parse_never_panics(text in "[a-z0-9 .,()\\[\\]!?:<>=&|+*/%\"'-]{0,40}") {
        let _ = parse(&text, &RuleBounds::default());
    }

    #[test]
    fn parse_never_panics_on_any_text(text in any::<String>()) {
        if let Err(e) = parse(&text, &RuleBounds::default()) {
            prop_assert!(e.offset <= text.len() && text.is_char_boundary(e.offset));
        }
    }
}
