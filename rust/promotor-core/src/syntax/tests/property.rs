//! Property: printing then parsing is the identity; parsing never panics.

use super::*;

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
        1 => prop::sample::select(crate::syntax::RESERVED_WORDS.to_vec()).prop_map(str::to_owned),
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
    prop::sample::select(BinaryOp::ALL.to_vec())
}

fn macro_op() -> impl Strategy<Value = MacroOp> {
    prop::sample::select(MacroOp::ALL.to_vec())
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
