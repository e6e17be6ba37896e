//! IR -> canonical rule text, with the fewest parentheses that parse back to the same tree.
//!
//! Iterative (an explicit stack of pending pieces), so any depth prints without recursion.

use std::fmt::Write as _;

use super::is_identifier;
use crate::ir::{BinaryOp, Expr, UnaryOp};

/// Functions printed as methods, `args[0].f(args[1..])`.
const METHODS: &[&str] = &[
    "contains",
    "startsWith",
    "endsWith",
    "matches",
    "lower",
    "upper",
    "any_of",
    "distinct",
];

/// Binding power of an expression as printed: 0 ternary, 1..=5 binary operators, 6 prefix
/// (including a negative number literal), 7 postfix and primary.
fn power(expr: &Expr) -> u8 {
    match expr {
        Expr::Cond { .. } => 0,
        Expr::Binary { op, .. } => binary_power(*op),
        Expr::Unary { .. } => 6,
        Expr::Num { value } if value.starts_with('-') => 6,
        _ => 7,
    }
}

const fn binary_power(op: BinaryOp) -> u8 {
    match op {
        BinaryOp::Or => 1,
        BinaryOp::And => 2,
        BinaryOp::Add | BinaryOp::Sub => 4,
        BinaryOp::Mul | BinaryOp::Div | BinaryOp::Mod => 5,
        _ => 3, // the comparisons
    }
}

enum Piece<'e> {
    Text(&'e str),
    Expr(&'e Expr),
}

/// Pieces of one node, in order; pushed onto the work stack reversed.
struct Pieces<'e>(Vec<Piece<'e>>);

impl<'e> Pieces<'e> {
    fn text(&mut self, text: &'e str) -> &mut Self {
        self.0.push(Piece::Text(text));
        self
    }

    fn expr(&mut self, expr: &'e Expr, parens: bool) -> &mut Self {
        if parens {
            self.0
                .extend([Piece::Text("("), Piece::Expr(expr), Piece::Text(")")]);
        } else {
            self.0.push(Piece::Expr(expr));
        }
        self
    }

    fn comma_list(&mut self, items: &'e [Expr]) -> &mut Self {
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                self.text(", ");
            }
            self.expr(item, false);
        }
        self
    }

    /// A receiver of `.method(...)` or `.macro(...)`.
    fn receiver(&mut self, expr: &'e Expr) -> &mut Self {
        self.expr(expr, power(expr) < 7)
    }
}

pub(super) fn print(root: &Expr) -> String {
    let mut out = String::new();
    let mut stack = vec![Piece::Expr(root)];
    while let Some(piece) = stack.pop() {
        let expr = match piece {
            Piece::Text(text) => {
                out.push_str(text);
                continue;
            }
            Piece::Expr(expr) => expr,
        };
        let mut p = Pieces(Vec::new());
        match expr {
            Expr::Null => out.push_str("null"),
            Expr::Bool { value } => out.push_str(if *value { "true" } else { "false" }),
            Expr::Num { value } => out.push_str(value),
            Expr::Str { value } => write_string(&mut out, value),
            Expr::Field { path } => write_field(&mut out, path),
            Expr::List { items } => {
                p.text("[").comma_list(items).text("]");
            }
            Expr::Unary { op, arg } => {
                let parens =
                    power(arg) < 6 || (*op == UnaryOp::Neg && matches!(**arg, Expr::Num { .. }));
                p.text(if *op == UnaryOp::Not { "!" } else { "-" })
                    .expr(arg, parens);
            }
            Expr::Binary { op, left, right } => {
                let power = binary_power(*op);
                p.expr(left, self::power(left) < power);
                p.text(match op {
                    BinaryOp::And => " && ",
                    BinaryOp::Or => " || ",
                    BinaryOp::Eq => " == ",
                    BinaryOp::Ne => " != ",
                    BinaryOp::Lt => " < ",
                    BinaryOp::Le => " <= ",
                    BinaryOp::Gt => " > ",
                    BinaryOp::Ge => " >= ",
                    BinaryOp::In => " in ",
                    BinaryOp::Add => " + ",
                    BinaryOp::Sub => " - ",
                    BinaryOp::Mul => " * ",
                    BinaryOp::Div => " / ",
                    BinaryOp::Mod => " % ",
                });
                p.expr(right, self::power(right) <= power);
            }
            Expr::Cond {
                cond,
                then,
                otherwise,
            } => {
                p.expr(cond, power(cond) == 0).text(" ? ");
                p.expr(then, power(then) == 0)
                    .text(" : ")
                    .expr(otherwise, false);
            }
            Expr::Call { func, args } => match args.split_first() {
                Some((recv, rest)) if METHODS.contains(&func.as_str()) => {
                    p.receiver(recv)
                        .text(".")
                        .text(func)
                        .text("(")
                        .comma_list(rest)
                        .text(")");
                }
                _ => {
                    p.text(func).text("(").comma_list(args).text(")");
                }
            },
            Expr::Macro {
                op,
                list,
                var,
                body,
            } => {
                p.receiver(list).text(".").text(op.name()).text("(");
                if let Some(var) = var {
                    p.text(var);
                    if body.is_some() {
                        p.text(", ");
                    }
                }
                if let Some(body) = body {
                    p.expr(body, false);
                }
                p.text(")");
            }
        }
        stack.extend(p.0.into_iter().rev());
    }
    out
}

/// A double-quoted string literal.
fn write_string(out: &mut String, value: &str) {
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                // Control characters are all in the Basic Multilingual Plane.
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// `root.seg["other key"]`. The root is written verbatim: a root that is not an identifier cannot
/// be written in rule text (and the compiler rejects it anyway).
fn write_field(out: &mut String, path: &[String]) {
    let Some((root, rest)) = path.split_first() else {
        return;
    };
    out.push_str(root);
    for seg in rest {
        if is_identifier(seg) {
            out.push('.');
            out.push_str(seg);
        } else {
            out.push('[');
            write_string(out, seg);
            out.push(']');
        }
    }
}
