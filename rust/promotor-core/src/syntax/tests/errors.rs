//! Lexical and grammar errors, their positions, and the parser's bounds.

use super::*;

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
