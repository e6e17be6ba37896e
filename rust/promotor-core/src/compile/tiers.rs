//! Tiers listed in an order that cannot mean what it says (docs/semantics.md, "Campaigns").
//!
//! A campaign applies the *last* listed tier whose rules hold. A tier whose rules imply a later
//! tier's rules can therefore never apply: "spend 200 get 15%" listed before "spend 100 get 10%"
//! always gives 10%. Such a tier is refused at compile time with a message saying to list the
//! tiers ascending. Only what can be decided exactly is checked: both tiers' rules compare the
//! same expression with a number literal (`>`, `>=`, `<`, `<=`, either side).

use rust_decimal::Decimal;

use super::literal::parse_num_literal;
use crate::error::ErrorKind;
use crate::ir::{BinaryOp, Expr, Tier};

/// A tier's rules as `expr op bound`, the expression on the left.
struct Threshold<'e> {
    expr: &'e Expr,
    op: BinaryOp,
    bound: Decimal,
}

fn threshold(rules: &Expr) -> Option<Threshold<'_>> {
    let Expr::Binary { op, left, right } = rules else {
        return None;
    };
    let num = |e: &Expr| match e {
        Expr::Num { value } => parse_num_literal(value).ok(),
        _ => None,
    };
    let (expr, op, bound) = match (num(left), num(right)) {
        (None, Some(b)) => (&**left, *op, b),
        (Some(b), None) => {
            let flipped = match op {
                BinaryOp::Lt => BinaryOp::Gt,
                BinaryOp::Le => BinaryOp::Ge,
                BinaryOp::Gt => BinaryOp::Lt,
                BinaryOp::Ge => BinaryOp::Le,
                _ => return None,
            };
            (&**right, flipped, b)
        }
        _ => return None,
    };
    matches!(
        op,
        BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge
    )
    .then_some(Threshold { expr, op, bound })
}

/// Whether `a` holding implies `b` holding, for every value of their common expression.
fn implies(a: &Threshold<'_>, b: &Threshold<'_>) -> bool {
    use BinaryOp::{Ge, Gt, Le, Lt};
    a.expr == b.expr
        && match (a.op, b.op) {
            (Ge | Gt, Ge) | (Gt, Gt) => b.bound <= a.bound,
            (Ge, Gt) => b.bound < a.bound,
            (Le | Lt, Le) | (Lt, Lt) => b.bound >= a.bound,
            (Le, Lt) => b.bound > a.bound,
            _ => false,
        }
}

/// For each tier that can never apply, its index and the error saying why.
pub(super) fn dead_tiers(tiers: &[Tier]) -> Vec<(usize, ErrorKind)> {
    let parsed: Vec<Option<Threshold<'_>>> = tiers
        .iter()
        .map(|t| t.rules.as_ref().and_then(threshold))
        .collect();
    let mut out = Vec::new();
    for (i, a) in parsed.iter().enumerate() {
        let Some(a) = a else { continue };
        if let Some(j) =
            (i + 1..parsed.len()).find(|&j| parsed[j].as_ref().is_some_and(|b| implies(a, b)))
        {
            out.push((
                i,
                ErrorKind::Invalid {
                    message: format!(
                        "tier {i} can never apply: tier {j}'s rules hold whenever its rules do, \
                         and a campaign applies the last listed tier whose rules hold; list the \
                         tiers from the smallest threshold to the largest"
                    ),
                },
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tier(rules: &str) -> Tier {
        let rules = crate::syntax::parse(rules, &crate::ir::RuleBounds::PARSE).unwrap();
        let effect = serde_json::from_str(
            r#"{"type": "percent_off", "percent": {"type": "num", "value": "10"}}"#,
        )
        .unwrap();
        Tier {
            rules: Some(rules),
            effect: Some(effect),
            effects: None,
        }
    }

    fn dead(rules: &[&str]) -> Vec<usize> {
        let tiers: Vec<Tier> = rules.iter().map(|r| tier(r)).collect();
        dead_tiers(&tiers).into_iter().map(|(i, _)| i).collect()
    }

    #[test]
    fn descending_ladders_leave_dead_tiers() {
        assert_eq!(dead(&["cart.subtotal >= 200", "cart.subtotal >= 100"]), [0]);
        assert_eq!(dead(&["cart.subtotal > 200", "100 <= cart.subtotal"]), [0]);
        assert_eq!(
            dead(&[
                "cart.subtotal >= 300",
                "cart.subtotal >= 200",
                "cart.subtotal >= 100"
            ]),
            [0, 1]
        );
        assert_eq!(dead(&["cart.subtotal <= 50", "cart.subtotal < 100"]), [0]);
        assert_eq!(
            dead(&["cart.subtotal >= 100", "cart.subtotal > 100"]),
            Vec::<usize>::new()
        );
    }

    #[test]
    fn ascending_ladders_and_other_shapes_compile() {
        assert!(dead(&["cart.subtotal >= 100", "cart.subtotal >= 200"]).is_empty());
        assert!(dead(&["cart.subtotal >= 200", "cart.quantity >= 1"]).is_empty());
        assert!(dead(&["cart.subtotal >= 200", "cart.subtotal <= 100"]).is_empty());
        assert!(dead(&[
            "cart.subtotal >= 200 && cart.quantity > 1",
            "cart.subtotal >= 100"
        ])
        .is_empty());
    }
}
