//! Unit tests across modules: expressions, compile errors, end-to-end evaluation.
#![allow(clippy::needless_pass_by_value)]

mod best_deal;
mod compile_errors;
mod effects;
mod engine;
mod exprs;
mod golden;
mod ir_drift;
mod shipping;
mod stacking;
mod state;

use rust_decimal::Decimal;
use serde_json::{json, Value as J};

use crate::compile::{compile, Program};
use crate::input::Input;
use crate::ir::{BinaryOp, EngineDef, Expr, MacroOp, UnaryOp};

// Definitions and carts written as JSON, the way a definition file or a caller gives them.

pub fn d(v: &str) -> Decimal {
    v.parse().unwrap()
}
/// An expression as IR JSON.
pub fn x(e: &Expr) -> J {
    serde_json::to_value(e).unwrap()
}
pub fn num(v: &str) -> J {
    json!({"type": "num", "value": v})
}
pub fn pct(p: &str) -> J {
    json!({"type": "percent_off", "percent": num(p)})
}
pub fn amt(a: &str) -> J {
    json!({"type": "amount_off", "amount": num(a)})
}
/// The program of an engine definition; panics with the errors when it does not compile.
pub fn program(def: J) -> Program {
    let def: EngineDef = serde_json::from_value(def).unwrap();
    compile(&def).unwrap_or_else(|e| panic!("{e}"))
}
/// A cart of these item objects at 2026-11-28T00:00:00Z.
pub fn cart_of(items: Vec<J>, shipping: &str) -> Input {
    serde_json::from_value(json!({"cart": {"items": items, "shipping": shipping},
                                  "context": {"now": 1_795_737_600_000_000_i64}}))
    .unwrap()
}

// Expressions.

pub fn f(p: &str) -> Expr {
    Expr::field(p.split('.'))
}
pub fn n(v: &str) -> Expr {
    Expr::num(v)
}
pub fn s(v: &str) -> Expr {
    Expr::str(v)
}
pub fn bin(op: BinaryOp, l: Expr, r: Expr) -> Expr {
    Expr::binary(op, l, r)
}
pub fn call(name: &str, args: Vec<Expr>) -> Expr {
    Expr::call(name, args)
}
pub fn not(e: Expr) -> Expr {
    Expr::Unary {
        op: UnaryOp::Not,
        arg: Box::new(e),
    }
}
pub fn neg(e: Expr) -> Expr {
    Expr::Unary {
        op: UnaryOp::Neg,
        arg: Box::new(e),
    }
}
pub fn mac(op: MacroOp, list: Expr, var: &str, body: Expr) -> Expr {
    Expr::Macro {
        op,
        list: Box::new(list),
        var: Some(var.into()),
        body: Some(Box::new(body)),
    }
}
pub fn mac0(op: MacroOp, list: Expr) -> Expr {
    Expr::Macro {
        op,
        list: Box::new(list),
        var: None,
        body: None,
    }
}
pub fn list(items: Vec<Expr>) -> Expr {
    Expr::List { items }
}
pub fn cond(c: Expr, a: Expr, b: Expr) -> Expr {
    Expr::Cond {
        cond: Box::new(c),
        then: Box::new(a),
        otherwise: Box::new(b),
    }
}
pub fn ts(v: &str) -> Expr {
    call("timestamp", vec![s(v)])
}
pub fn dur(v: &str) -> Expr {
    call("duration", vec![s(v)])
}
