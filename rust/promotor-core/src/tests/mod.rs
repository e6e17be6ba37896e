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

use crate::ir::{BinaryOp, Expr, MacroOp, UnaryOp};

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
