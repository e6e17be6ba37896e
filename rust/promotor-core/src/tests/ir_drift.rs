//! The IR golden file `tests/data/ir/all_variants.json` holds every variant of every IR enum.
//! The exhaustive matches below stop compiling when a variant is added here and not there;
//! `tests/test_ir_drift.py` checks the same file against the pydantic models.

use std::collections::BTreeSet;

use crate::ir::{
    Allocation, BinaryOp, Effect, EngineDef, Expr, MacroOp, Per, Target, UnaryOp, UsageLimit,
};

const GOLDEN: &str = include_str!("../../../../tests/data/ir/all_variants.json");

fn expr_tag(e: &Expr, seen: &mut BTreeSet<String>) {
    let tag = match e {
        Expr::Null => "null",
        Expr::Bool { .. } => "bool",
        Expr::Num { .. } => "num",
        Expr::Str { .. } => "str",
        Expr::List { items } => {
            for x in items {
                expr_tag(x, seen);
            }
            "list"
        }
        Expr::Field { .. } => "field",
        Expr::Unary { op, arg } => {
            seen.insert(format!(
                "unary.{}",
                match op {
                    UnaryOp::Not => "not",
                    UnaryOp::Neg => "neg",
                }
            ));
            expr_tag(arg, seen);
            "unary"
        }
        Expr::Binary { op, left, right } => {
            seen.insert(format!("binary.{}", op.symbol()));
            expr_tag(left, seen);
            expr_tag(right, seen);
            "binary"
        }
        Expr::Cond {
            cond,
            then,
            otherwise,
        } => {
            for x in [cond, then, otherwise] {
                expr_tag(x, seen);
            }
            "cond"
        }
        Expr::Call { args, .. } => {
            for x in args {
                expr_tag(x, seen);
            }
            "call"
        }
        Expr::Macro { op, list, body, .. } => {
            seen.insert(format!("macro.{}", op.name()));
            expr_tag(list, seen);
            if let Some(b) = body {
                expr_tag(b, seen);
            }
            "macro"
        }
    };
    seen.insert(format!("expr.{tag}"));
}

fn target_tag(t: &Target) -> &'static str {
    match t {
        Target::Order => "target.order",
        Target::Shipping { .. } => "target.shipping",
        Target::Items { .. } => "target.items",
    }
}

fn effect_tags(e: &Effect, seen: &mut BTreeSet<String>) {
    let tag = match e {
        Effect::PercentOff { on, .. } | Effect::FixedPrice { on, .. } => {
            seen.insert(target_tag(on).to_owned());
            if let Effect::PercentOff { .. } = e {
                "percent_off"
            } else {
                "fixed_price"
            }
        }
        Effect::AmountOff { on, allocation, .. } => {
            seen.insert(target_tag(on).to_owned());
            seen.insert(
                match allocation {
                    Allocation::Across => "allocation.across",
                    Allocation::Each => "allocation.each",
                }
                .to_owned(),
            );
            "amount_off"
        }
        Effect::ShippingOff { .. } => "shipping_off",
        Effect::BuyXGetY { .. } => "buy_x_get_y",
        Effect::Gift { .. } => "gift",
    };
    seen.insert(format!("effect.{tag}"));
}

#[test]
fn golden_ir_covers_every_variant_and_round_trips() {
    let def: EngineDef = serde_json::from_str(GOLDEN).expect("golden IR parses");
    let mut seen = BTreeSet::new();
    for c in &def.campaigns {
        if let Some(r) = &c.rules {
            expr_tag(r, &mut seen);
        }
        for e in c.effect.iter().chain(c.effects.iter().flatten()) {
            effect_tags(e, &mut seen);
        }
        for t in c.tiers.iter().flatten() {
            for e in t.effect.iter().chain(t.effects.iter().flatten()) {
                effect_tags(e, &mut seen);
            }
        }
        for l in &c.limits {
            let (tag, per, every) = match l {
                UsageLimit::Limit { per, every, .. } => ("limit", *per, *every),
                UsageLimit::Budget { every, .. } => ("budget", None, *every),
            };
            seen.insert(format!("limits.{tag}"));
            if let Some(p) = per {
                seen.insert(
                    match p {
                        Per::Customer => "per.customer",
                        Per::Code => "per.code",
                    }
                    .to_owned(),
                );
            }
            if let Some(e) = every {
                seen.insert(format!("every.{}", crate::state::keys::every_name(e)));
            }
        }
    }
    let expr_tags = [
        "null", "bool", "num", "str", "list", "field", "unary", "binary", "cond",
    ];
    for tag in expr_tags.iter().chain(&["call", "macro"]) {
        assert!(
            seen.contains(&format!("expr.{tag}")),
            "golden lacks expr {tag}"
        );
    }
    for op in BinaryOp::ALL {
        assert!(
            seen.contains(&format!("binary.{}", op.symbol())),
            "golden lacks {op:?}"
        );
    }
    for m in MacroOp::ALL {
        assert!(
            seen.contains(&format!("macro.{}", m.name())),
            "golden lacks {m:?}"
        );
    }
    for tag in [
        "percent_off",
        "amount_off",
        "fixed_price",
        "shipping_off",
        "buy_x_get_y",
        "gift",
    ] {
        assert!(
            seen.contains(&format!("effect.{tag}")),
            "golden lacks effect {tag}"
        );
    }
    for tag in [
        "target.order",
        "target.shipping",
        "target.items",
        "allocation.each",
        "limits.limit",
        "limits.budget",
        "per.customer",
        "per.code",
        "every.day",
        "every.week",
        "every.month",
    ] {
        assert!(seen.contains(tag), "golden lacks {tag}");
    }
    let again: EngineDef =
        serde_json::from_str(&serde_json::to_string(&def).unwrap()).expect("re-reads");
    assert_eq!(def, again);
}
