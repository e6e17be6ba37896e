use rust_decimal::Decimal;

use super::*;
use crate::compile::expr::Env;
use crate::compile::Scope;
use crate::eval::explain::report;
use crate::eval::expr::Ctx;
use crate::input::Input;
use crate::ir::{BinaryOp as B, MacroOp as M};
use crate::num::RoundMode;
use crate::outcome::Reported;

const CART: &str = r#"{
  "cart": {
    "items": [
      {"sku": "A", "price": "12.50", "quantity": 2, "category": "coffee", "tags": ["x", "y"],
       "metadata": {"origin": "ET"}},
      {"sku": "B", "price": "3.335", "quantity": 1, "category": "tea"},
      {"sku": "C", "price": "1", "quantity": 3, "category": "coffee"}
    ],
    "shipping": "4.99",
    "metadata": {"flag": true, "n": "2.5", "list": ["1", "2", null], "mixed": ["a", "1"],
                 "re": "(", "nested": {"k": "v"}}
  },
  "customer": {"id": "c1", "segments": ["vip", "gold"], "orders_count": "3",
               "created_at": 1700000000000000},
  "context": {"now": 1795737600000000, "channel": "web"}
}"#;

fn input() -> Input {
    serde_json::from_str(CART).unwrap()
}

fn run_with(e: &Expr, inp: &Input, mode: RoundMode) -> Reported {
    let mut env = Env::new(Scope::Rules, mode);
    let node = env.expr(e, true).node;
    assert!(env.errors.is_empty(), "{:?}", env.errors);
    let (facts, _) = crate::eval::derive(inp, "USD".into(), 2, mode);
    let mut ctx = Ctx::new(inp, &facts, mode, 0);
    let v = ctx.eval(&node);
    report(&ctx, &v)
}

fn run(e: &Expr) -> Reported {
    run_with(e, &input(), RoundMode::HalfEven)
}

fn num(v: &str) -> Reported {
    Reported::Num(v.parse::<Decimal>().unwrap())
}

fn t() -> Reported {
    Reported::Bool(true)
}

fn fl() -> Reported {
    Reported::Bool(false)
}

#[test]
fn fields_and_money() {
    assert_eq!(run(&f("cart.subtotal")), num("31.34")); // 25.00 + 3.34 + 3
    assert_eq!(run(&f("cart.quantity")), num("6"));
    assert_eq!(run(&f("cart.shipping")), num("4.99"));
    assert_eq!(run(&f("cart.currency")), Reported::Str("USD".into()));
    assert_eq!(run(&f("customer.email")), Reported::Null);
    assert_eq!(run(&f("customer.orders_count")), num("3"));
    assert_eq!(run(&f("context.country")), Reported::Null);
    assert_eq!(
        run(&f("customer.created_at")),
        Reported::Timestamp(1_700_000_000_000_000)
    );
    assert_eq!(run(&size_of(f("cart.items"))), num("3"));
    assert_eq!(run(&f("cart.metadata.nested.k")), Reported::Str("v".into()));
    assert_eq!(run(&f("cart.metadata.missing.k")), Reported::Null);
    let empty: Input = serde_json::from_str(r#"{"cart": {}}"#).unwrap();
    let e = size_of(f("customer.segments"));
    assert_eq!(run_with(&e, &empty, RoundMode::HalfEven), num("0"));
    assert_eq!(
        run_with(&f("customer.metadata"), &empty, RoundMode::HalfEven),
        Reported::Null
    );
    assert_eq!(
        run_with(&f("cart.subtotal"), &empty, RoundMode::HalfEven),
        num("0.00")
    );
}

fn size_of(e: Expr) -> Expr {
    call("size", vec![e])
}

#[test]
fn arithmetic_and_nulls() {
    assert_eq!(run(&bin(B::Add, n("0.1"), n("0.2"))), num("0.3"));
    assert_eq!(run(&bin(B::Div, n("1"), n("3"))), num("0.333333333333"));
    assert_eq!(run(&bin(B::Div, n("1"), n("0"))), Reported::Null);
    assert_eq!(run(&bin(B::Mod, neg(n("7")), n("3"))), num("-1"));
    assert_eq!(
        run(&bin(B::Mul, n("10000000"), n("10000000"))),
        Reported::Null
    );
    assert_eq!(
        run(&bin(B::Add, f("customer.email"), s("x"))),
        Reported::Null
    );
    assert_eq!(run(&bin(B::Mul, f("cart.metadata.n"), n("2"))), num("5.0"));
    assert_eq!(
        run(&bin(B::Mul, f("cart.metadata.nested"), n("2"))),
        Reported::Null
    );
    assert_eq!(
        run(&bin(B::Add, s("a"), s("b"))),
        Reported::Str("ab".into())
    );
}

#[test]
fn comparisons_with_nulls() {
    assert_eq!(run(&bin(B::Eq, n("1.0"), n("1"))), t());
    assert_eq!(run(&bin(B::Eq, f("customer.email"), Expr::Null)), t());
    assert_eq!(run(&bin(B::Ne, f("customer.email"), s("x"))), fl());
    assert_eq!(run(&bin(B::Lt, f("customer.email"), s("x"))), fl());
    assert_eq!(
        run(&bin(
            B::Eq,
            f("cart.metadata.flag"),
            Expr::Bool { value: true }
        )),
        t()
    );
    assert_eq!(run(&bin(B::Eq, f("cart.metadata.n"), s("2.5"))), fl());
    assert_eq!(run(&bin(B::Ne, f("cart.metadata.n"), s("2.5"))), fl());
    assert_eq!(run(&bin(B::Lt, s("B"), s("a"))), t());
    assert_eq!(run(&not(f("cart.metadata.nope"))), t());
    assert_eq!(run(&not(f("cart.metadata.n"))), t());
    assert_eq!(
        run(&bin(B::And, f("cart.metadata.flag"), f("cart.metadata.n"))),
        fl()
    );
    assert_eq!(
        run(&bin(B::Or, f("cart.metadata.n"), f("cart.metadata.flag"))),
        t()
    );
    assert_eq!(run(&bin(B::In, s("vip"), f("customer.segments"))), t());
    assert_eq!(run(&bin(B::In, s("x"), list(vec![s("a"), s("x")]))), t());
    assert_eq!(
        run(&bin(B::In, f("customer.email"), list(vec![s("a")]))),
        fl()
    );
    assert_eq!(
        run(&bin(B::In, f("customer.email"), list(vec![Expr::Null]))),
        t()
    );
    assert_eq!(run(&bin(B::In, n("2"), f("cart.metadata.list"))), t());
    assert_eq!(
        run(&bin(B::In, n("2"), f("cart.metadata.n"))),
        Reported::Null
    );
    assert_eq!(
        run(&bin(
            B::In,
            f("context.channel"),
            list(vec![s("app"), f("context.channel")])
        )),
        t()
    );
}

#[test]
fn strings_and_regex() {
    let c = |name: &str, a: Expr, b: Expr| run(&call(name, vec![a, b]));
    assert_eq!(c("contains", s("coffee"), s("ff")), t());
    assert_eq!(c("startsWith", s("coffee"), s("co")), t());
    assert_eq!(c("endsWith", s("coffee"), s("ee")), t());
    assert_eq!(c("contains", f("customer.segments"), s("gold")), t());
    assert_eq!(c("matches", s("abc-123"), s("[0-9]+$")), t());
    assert_eq!(
        c("matches", s("abc"), f("cart.metadata.re")),
        Reported::Null
    );
    assert_eq!(
        run(&call("lower", vec![s("ÀB")])),
        Reported::Str("àb".into())
    );
    assert_eq!(
        run(&call("upper", vec![s("straße")])),
        Reported::Str("STRASSE".into())
    );
    assert_eq!(run(&size_of(s("żółw"))), num("4"));
}

#[test]
fn functions() {
    assert_eq!(
        run(&call("min", vec![n("3"), Expr::Null, n("2.5")])),
        num("2.5")
    );
    assert_eq!(
        run(&call("max", vec![n("3"), f("cart.metadata.nested.k")])),
        Reported::Null
    );
    assert_eq!(run(&call("abs", vec![n("-3.5")])), num("3.5"));
    assert_eq!(run(&call("round", vec![n("2.5")])), num("2"));
    assert_eq!(
        run_with(&call("round", vec![n("2.5")]), &input(), RoundMode::HalfUp),
        num("3")
    );
    assert_eq!(run(&call("round", vec![n("2.345"), n("2")])), num("2.34"));
    assert_eq!(run(&call("floor", vec![n("-2.1")])), num("-3"));
    assert_eq!(run(&call("ceil", vec![n("2.001"), n("2")])), num("2.01"));
    assert_eq!(
        run(&call("round", vec![n("2.5"), f("cart.metadata.n")])),
        Reported::Null
    );
    assert_eq!(run(&call("has", vec![f("customer.email")])), fl());
    assert_eq!(run(&call("has", vec![f("customer.id")])), t());
    assert_eq!(
        run(&cond(f("cart.metadata.flag"), n("1"), s("x"))),
        num("1")
    );
    assert_eq!(run(&cond(f("cart.metadata.n"), n("1"), n("2"))), num("2"));
}

#[test]
fn macros() {
    let items = || f("cart.items");
    let coffee = bin(B::Eq, f("i.category"), s("coffee"));
    assert_eq!(run(&mac(M::Exists, items(), "i", coffee.clone())), t());
    assert_eq!(run(&mac(M::All, items(), "i", coffee.clone())), fl());
    assert_eq!(run(&mac(M::ExistsOne, items(), "i", coffee.clone())), fl());
    assert_eq!(run(&mac(M::Count, items(), "i", coffee.clone())), num("2"));
    let filtered = mac(M::Filter, items(), "i", coffee);
    assert_eq!(
        run(&mac(M::Sum, filtered.clone(), "i", f("i.quantity"))),
        num("5")
    );
    assert_eq!(
        run(&filtered),
        Reported::List(vec![
            Reported::Item {
                index: 0,
                sku: Some("A".into())
            },
            Reported::Item {
                index: 2,
                sku: Some("C".into())
            }
        ])
    );
    assert_eq!(run(&mac(M::Min, items(), "i", f("i.price"))), num("1"));
    assert_eq!(
        run(&mac(M::Max, items(), "i", f("i.subtotal"))),
        num("25.00")
    );
    assert_eq!(
        run(&mac(
            M::Map,
            f("customer.segments"),
            "s",
            call("upper", vec![f("s")])
        )),
        Reported::List(vec![
            Reported::Str("VIP".into()),
            Reported::Str("GOLD".into())
        ])
    );
    assert_eq!(run(&mac0(M::Sum, f("cart.metadata.list"))), num("3"));
    assert_eq!(run(&mac0(M::Sum, f("cart.metadata.mixed"))), Reported::Null);
    assert_eq!(run(&mac0(M::Max, f("cart.metadata.mixed"))), Reported::Null);
    assert_eq!(run(&mac0(M::Count, f("cart.metadata.list"))), num("3"));
    assert_eq!(run(&mac0(M::Min, list(vec![]))), Reported::Null);
    assert_eq!(run(&mac0(M::Sum, list(vec![]))), num("0"));
    assert_eq!(run(&mac0(M::Count, f("cart.metadata.n"))), Reported::Null);
    assert_eq!(
        run(&mac(M::All, list(vec![]), "x", bin(B::Eq, f("x"), n("1")))),
        t()
    );
    assert_eq!(
        run(&mac(
            M::Exists,
            f("cart.items"),
            "i",
            bin(B::Eq, f("i.metadata.origin"), s("ET"))
        )),
        t()
    );
    // nested macros see the outer variable
    let nested = mac(
        M::Exists,
        items(),
        "i",
        mac(M::Exists, f("i.tags"), "t", bin(B::Eq, f("t"), f("i.sku"))),
    );
    assert_eq!(run(&nested), fl());
    let inner = mac(
        M::Exists,
        f("customer.segments"),
        "seg",
        bin(B::Eq, f("seg"), s("gold")),
    );
    assert_eq!(run(&mac(M::All, items(), "i", inner)), t());
}

#[test]
fn time_functions() {
    // context.now = 2026-11-27T00:00:00Z, a Friday; 01:00 in Warsaw.
    assert_eq!(
        run(&f("context.now")),
        Reported::Timestamp(1_795_737_600_000_000)
    );
    assert_eq!(
        run(&bin(B::Ge, f("context.now"), ts("2026-11-27T00:00:00Z"))),
        t()
    );
    assert_eq!(
        run(&bin(
            B::Gt,
            f("context.now"),
            ts("2026-11-27T01:00:00+01:00")
        )),
        fl()
    );
    assert_eq!(run(&call("weekday", vec![f("context.now")])), num("5"));
    assert_eq!(
        run(&call("hour", vec![f("context.now"), s("Europe/Warsaw")])),
        num("1")
    );
    assert_eq!(
        run(&call("hour", vec![f("context.now"), s("America/New_York")])),
        num("19")
    );
    assert_eq!(
        run(&call("day", vec![f("context.now"), s("America/New_York")])),
        num("26")
    );
    assert_eq!(run(&call("month", vec![f("context.now")])), num("11"));
    assert_eq!(run(&call("year", vec![f("context.now")])), num("2026"));
    assert_eq!(
        run(&call("hour", vec![f("context.now"), f("context.channel")])),
        Reported::Null
    );
    assert_eq!(
        run(&bin(B::Sub, f("context.now"), f("customer.created_at"))),
        Reported::Duration(95_737_600_000_000)
    );
    assert_eq!(run(&bin(B::Add, ts("2026-01-01T00:00:00Z"), dur("36h"))), {
        Reported::Timestamp(1_767_225_600_000_000 + 36 * 3_600_000_000)
    });
    assert_eq!(
        run(&bin(B::Add, ts("9999-12-31T00:00:00Z"), dur("2d"))),
        Reported::Null
    );
    assert_eq!(run(&neg(dur("90s"))), Reported::Duration(-90_000_000));
    assert_eq!(
        run(&call("timestamp", vec![f("context.channel")])),
        Reported::Null
    );
    assert_eq!(run(&bin(B::Lt, dur("1h"), dur("61m"))), t());
}

fn compiled(e: &Expr) -> crate::compile::node::Node {
    let mut env = Env::new(Scope::Rules, RoundMode::HalfEven);
    let node = env.expr(e, true).node;
    assert!(env.errors.is_empty(), "{:?}", env.errors);
    node
}

#[test]
fn folding_and_precomputation() {
    use crate::compile::node::Node;
    use crate::value::Value;
    let e = bin(
        B::Ge,
        f("context.now"),
        bin(B::Add, ts("2026-11-27T00:00:00Z"), dur("1h")),
    );
    let Node::Cmp(_, _, r) = compiled(&e) else {
        panic!("not a comparison")
    };
    assert!(matches!(*r, Node::Const(Value::Ts(_))), "{r:?}");
    let e = bin(B::Mul, n("2"), bin(B::Add, n("1"), n("0.5")));
    assert!(matches!(compiled(&e), Node::Const(Value::Num(_))));
    let e = bin(B::In, f("context.channel"), list(vec![s("web"), s("app")]));
    assert!(matches!(compiled(&e), Node::InStrSet(..)));
    let e = call("matches", vec![f("context.channel"), s("^w")]);
    assert!(matches!(compiled(&e), Node::MatchesLit(..)));
    assert_eq!(run(&e), t());
    // a literal list with a field inside is built at run time
    let e = list(vec![n("1"), f("cart.quantity")]);
    assert_eq!(run(&e), Reported::List(vec![num("1"), num("6")]));
}

#[test]
fn reported_values() {
    assert_eq!(
        run(&f("cart.metadata.nested")),
        Reported::Meta(crate::input::MetaValue::Map(
            [("k".to_owned(), crate::input::MetaValue::Str("v".into()))]
                .into_iter()
                .collect()
        ))
    );
    assert_eq!(
        run(&f("cart.metadata.list")),
        Reported::List(vec![num("1"), num("2"), Reported::Null])
    );
    assert_eq!(
        run(&f("customer.segments")),
        Reported::List(vec![
            Reported::Str("vip".into()),
            Reported::Str("gold".into())
        ])
    );
    let one = mac(
        M::ExistsOne,
        f("cart.items"),
        "i",
        bin(B::Eq, f("i.sku"), s("B")),
    );
    assert_eq!(run(&one), t());
}

#[test]
fn a_pattern_read_from_the_input_is_compiled_once_per_evaluation() {
    // 1,000 lines that each carry the same pattern: compiled once, not once a line.
    let mut inp = input();
    let line = inp.cart.items[0].clone();
    inp.cart.items = (0..1000)
        .map(|i| {
            let mut l = line.clone();
            l.sku = Some(format!("SKU-{i}").into());
            l.metadata.insert(
                "re".to_owned(),
                crate::input::MetaValue::Str("^SKU-[0-9]+$".to_owned()),
            );
            l
        })
        .collect();
    let e = mac(
        M::All,
        f("cart.items"),
        "i",
        call("matches", vec![f("i.sku"), f("i.metadata.re")]),
    );
    let mut env = Env::new(Scope::Rules, RoundMode::HalfEven);
    let node = env.expr(&e, true).node;
    let (facts, _) = crate::eval::derive(&inp, "USD".into(), 2, RoundMode::HalfEven);
    let mut ctx = Ctx::new(&inp, &facts, RoundMode::HalfEven, 0);
    let v = ctx.eval(&node);
    assert_eq!(report(&ctx, &v), t());
    assert_eq!(ctx.compiled_patterns(), 1);
    // an invalid pattern is null, also when remembered
    inp.cart.items[1].metadata.insert(
        "re".to_owned(),
        crate::input::MetaValue::Str("(".to_owned()),
    );
    let mut ctx = Ctx::new(&inp, &facts, RoundMode::HalfEven, 0);
    let all_valid = mac(
        M::All,
        f("cart.items"),
        "i",
        call(
            "has",
            vec![call("matches", vec![f("i.sku"), f("i.metadata.re")])],
        ),
    );
    let node = {
        let mut env = Env::new(Scope::Rules, RoundMode::HalfEven);
        env.expr(&all_valid, true).node
    };
    let v = ctx.eval(&node);
    assert_eq!(report(&ctx, &v), Reported::Bool(false));
    assert_eq!(ctx.compiled_patterns(), 2);
}
