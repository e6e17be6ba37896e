//! IR expression -> compiled node: checks static types and literals (function calls in
//! `call.rs`), resolves names (`resolve.rs`), adds up the worst-case work (`bounds.rs`) and
//! folds constants (`fold.rs`)
//! below the `&&`/`||` structure of rules. Every error is located at its node: a path of
//! [`Step`]s from the expression's root.

use std::borrow::Cow;
use std::collections::HashSet;
use std::fmt;

use super::bounds::bytes;
use super::literal::parse_num_literal;
use super::node::{Arith, Cmp, Leaf, Node, Rule};
use crate::error::{ErrorKind, Loc};
use crate::ir::{BinaryOp, Expr, MacroOp, Step, UnaryOp};
use crate::num::RoundMode;
use crate::syntax;
use crate::value::{List, Value};

/// Static types.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ty {
    Num,
    Str,
    Bool,
    Ts,
    Dur,
    List(Box<Ty>),
    Item,
    /// A shipping method.
    Method,
    Map,
    Dyn,
    Null,
}

impl fmt::Display for Ty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Num => f.write_str("num"),
            Self::Str => f.write_str("str"),
            Self::Bool => f.write_str("bool"),
            Self::Ts => f.write_str("timestamp"),
            Self::Dur => f.write_str("duration"),
            Self::List(t) => write!(f, "list<{t}>"),
            Self::Item => f.write_str("item"),
            Self::Method => f.write_str("method"),
            Self::Map => f.write_str("map"),
            Self::Dyn => f.write_str("dyn"),
            Self::Null => f.write_str("null"),
        }
    }
}

impl Ty {
    pub(super) const fn loose(&self) -> bool {
        matches!(self, Self::Dyn | Self::Null)
    }

    pub(super) fn eq_comparable(&self, other: &Self) -> bool {
        self.loose()
            || other.loose()
            || (self == other
                && matches!(
                    self,
                    Self::Num | Self::Str | Self::Bool | Self::Ts | Self::Dur
                ))
    }

    fn ord_comparable(&self, other: &Self) -> bool {
        let ordered = |t: &Self| matches!(t, Self::Num | Self::Str | Self::Ts | Self::Dur);
        (self.loose() || ordered(self))
            && (other.loose() || ordered(other))
            && (self.loose() || other.loose() || self == other)
    }

    pub(super) const fn boolish(&self) -> bool {
        matches!(self, Self::Bool | Self::Dyn | Self::Null)
    }

    pub(super) fn elem(&self) -> Option<Self> {
        match self {
            Self::List(t) => Some((**t).clone()),
            Self::Dyn | Self::Null => Some(Self::Dyn),
            _ => None,
        }
    }

    /// Whether a value of this type may be a string (and string work counts).
    pub(super) const fn stringy(&self) -> bool {
        matches!(self, Self::Str | Self::Dyn)
    }
}

/// Where an expression sits, which decides the variables in scope and its expected type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Campaign and tier rules: no `item`.
    Rules,
    /// An item predicate: binds `item`.
    Item,
    /// A shipping method predicate: binds `method`.
    Method,
    /// An effect number.
    Number,
}

/// A compiled node, its static type, and bounds on its size: for a string its bytes, for a
/// list its elements (`count`) and the bytes of each string element (`len`).
pub struct Typed {
    pub node: Node,
    pub ty: Ty,
    pub len: u64,
    pub count: u64,
}

impl Typed {
    pub(super) const fn new(node: Node, ty: Ty) -> Self {
        Self {
            node,
            ty,
            len: 0,
            count: 0,
        }
    }

    pub(super) const fn sized(node: Node, ty: Ty, len: u64, count: u64) -> Self {
        Self {
            node,
            ty,
            len,
            count,
        }
    }

    fn bad() -> Self {
        Self::new(Node::Const(Value::Null), Ty::Dyn)
    }
}

/// A variable in scope: its name, type, and the byte bound of a string value.
pub(super) struct Var {
    pub name: String,
    pub ty: Ty,
    pub len: u64,
}

pub struct Env {
    pub(super) vars: Vec<Var>,
    /// Every error found: the path from the expression's root, and what.
    pub errors: Vec<(Vec<Loc>, ErrorKind)>,
    path: Vec<Step>,
    pub(super) mode: RoundMode,
    /// Worst-case work so far (docs/semantics.md, "Rule bounds").
    pub cost: u64,
    /// How many times the node being compiled may run per evaluation: the product of the
    /// element bounds of the enclosing macro lists.
    mult: u64,
}

#[allow(clippy::unnecessary_box_returns)]
fn bx(n: Node) -> Box<Node> {
    Box::new(n)
}

/// The path of steps as a location.
pub fn steps_loc(steps: &[Step]) -> Vec<Loc> {
    let mut loc = Vec::with_capacity(steps.len() * 2);
    for (key, index) in steps {
        loc.push(Loc::key(key));
        if let Some(i) = index {
            loc.push(Loc::Index(*i));
        }
    }
    loc
}

impl Env {
    pub fn new(scope: Scope, mode: RoundMode) -> Self {
        let vars = match scope {
            Scope::Item => vec![Var {
                name: "item".to_owned(),
                ty: Ty::Item,
                len: 0,
            }],
            Scope::Method => vec![Var {
                name: "method".to_owned(),
                ty: Ty::Method,
                len: 0,
            }],
            Scope::Rules | Scope::Number => Vec::new(),
        };
        Self {
            vars,
            errors: Vec::new(),
            path: Vec::new(),
            mode,
            cost: 0,
            mult: 1,
        }
    }

    /// Records an error at the current node.
    pub(super) fn err(&mut self, kind: ErrorKind) -> Typed {
        self.errors.push((steps_loc(&self.path), kind));
        Typed::bad()
    }

    /// Records a type error at the current node `e`: `what` needs `expected`, got `got`.
    pub(super) fn type_err(
        &mut self,
        e: &Expr,
        what: impl Into<String>,
        expected: impl Into<String>,
        got: impl fmt::Display,
    ) -> Typed {
        self.err(ErrorKind::OperandType {
            expr: syntax::print(e),
            what: what.into(),
            expected: expected.into(),
            got: got.to_string(),
        })
    }

    /// Adds `units` of work for the current node, times the runs of the enclosing macros.
    pub(super) fn work(&mut self, units: u64) {
        self.cost = self.cost.saturating_add(self.mult.saturating_mul(units));
    }

    /// Compiles a child of the current node.
    pub(super) fn child(&mut self, step: Step, e: &Expr) -> Typed {
        self.path.push(step);
        let out = self.expr(e, true);
        self.path.pop();
        out
    }

    /// Compiles an expression; `fold_root: false` keeps the root node unfolded (rule leaves).
    pub fn expr(&mut self, e: &Expr, fold_root: bool) -> Typed {
        self.work(1);
        let mut out = self.expr_inner(e);
        if fold_root {
            out.node = self.fold(out.node);
        }
        out
    }

    fn expr_inner(&mut self, e: &Expr) -> Typed {
        match e {
            Expr::Null => Typed::new(Node::Const(Value::Null), Ty::Null),
            Expr::Bool { value } => Typed::new(Node::Const(Value::Bool(*value)), Ty::Bool),
            Expr::Num { value } => match parse_num_literal(value) {
                Ok(d) => Typed::new(Node::Const(Value::Num(d)), Ty::Num),
                Err(k) => self.err(k),
            },
            Expr::Str { value } => Typed::sized(
                Node::Const(Value::Str(Cow::Owned(value.clone()))),
                Ty::Str,
                value.len() as u64,
                0,
            ),
            Expr::List { items } => self.list(items),
            Expr::Field { path } => self.field(e, path),
            Expr::Unary { op, arg } => {
                let a = self.child(("arg", None), arg);
                match op {
                    UnaryOp::Not => {
                        if !a.ty.boolish() {
                            return self.type_err(e, "`!`", "a bool", a.ty);
                        }
                        Typed::new(Node::Not(bx(a.node)), Ty::Bool)
                    }
                    UnaryOp::Neg => match a.ty {
                        Ty::Num | Ty::Dur => Typed::new(Node::Neg(bx(a.node)), a.ty),
                        Ty::Dyn | Ty::Null => Typed::new(Node::Neg(bx(a.node)), Ty::Dyn),
                        t => self.type_err(e, "`-`", "a num or a duration", t),
                    },
                }
            }
            Expr::Binary { op, left, right } => self.binary(e, *op, left, right),
            Expr::Cond {
                cond,
                then,
                otherwise,
            } => {
                let c = self.child(("if", None), cond);
                let a = self.child(("then", None), then);
                let b = self.child(("else", None), otherwise);
                if !c.ty.boolish() {
                    return self.type_err(e, "the condition of `? :`", "a bool", c.ty);
                }
                let t = if a.ty == b.ty {
                    a.ty
                } else if a.ty == Ty::Null {
                    b.ty
                } else if b.ty == Ty::Null {
                    a.ty
                } else {
                    Ty::Dyn
                };
                Typed::sized(
                    Node::Cond(bx(c.node), bx(a.node), bx(b.node)),
                    t,
                    a.len.max(b.len),
                    a.count.max(b.count),
                )
            }
            Expr::Call { func, args } => self.call(e, func, args),
            Expr::Macro {
                op,
                list,
                var,
                body,
            } => self.macro_(e, *op, list, var.as_deref(), body.as_deref()),
        }
    }

    fn list(&mut self, items: &[Expr]) -> Typed {
        let mut nodes = Vec::with_capacity(items.len());
        let mut ty: Option<Ty> = None;
        let mut len = 0;
        for (i, it) in items.iter().enumerate() {
            let x = self.child(("items", Some(i)), it);
            if x.ty != Ty::Null {
                ty = Some(match ty {
                    None => x.ty,
                    Some(prev) if prev == x.ty => prev,
                    Some(_) => Ty::Dyn,
                });
            }
            len = len.max(x.len);
            nodes.push(x.node);
        }
        let ty = Ty::List(Box::new(ty.unwrap_or(Ty::Dyn)));
        let count = items.len() as u64;
        if nodes.iter().all(|n| matches!(n, Node::Const(_))) {
            let vals = nodes
                .into_iter()
                .map(|n| {
                    if let Node::Const(v) = n {
                        v
                    } else {
                        Value::Null
                    }
                })
                .collect();
            Typed::sized(Node::Const(Value::List(List::Owned(vals))), ty, len, count)
        } else {
            Typed::sized(Node::ListOf(nodes), ty, len, count)
        }
    }

    fn binary(&mut self, e: &Expr, op: BinaryOp, left: &Expr, right: &Expr) -> Typed {
        let l = self.child(("left", None), left);
        let r = self.child(("right", None), right);
        let (lt, rt) = (&l.ty, &r.ty);
        let sym = || format!("`{}`", op.symbol());
        match op {
            BinaryOp::And | BinaryOp::Or => {
                if !lt.boolish() || !rt.boolish() {
                    let got = format!("{lt} and {rt}");
                    return self.type_err(e, sym(), "two bools", got);
                }
                let n = if op == BinaryOp::And {
                    Node::And(bx(l.node), bx(r.node))
                } else {
                    Node::Or(bx(l.node), bx(r.node))
                };
                Typed::new(n, Ty::Bool)
            }
            BinaryOp::Eq
            | BinaryOp::Ne
            | BinaryOp::Lt
            | BinaryOp::Le
            | BinaryOp::Gt
            | BinaryOp::Ge => {
                let (cmp, ok, want) = match op {
                    BinaryOp::Eq => (Cmp::Eq, lt.eq_comparable(rt), "two values of one type"),
                    BinaryOp::Ne => (Cmp::Ne, lt.eq_comparable(rt), "two values of one type"),
                    BinaryOp::Lt => (Cmp::Lt, lt.ord_comparable(rt), ORDERED),
                    BinaryOp::Le => (Cmp::Le, lt.ord_comparable(rt), ORDERED),
                    BinaryOp::Gt => (Cmp::Gt, lt.ord_comparable(rt), ORDERED),
                    _ => (Cmp::Ge, lt.ord_comparable(rt), ORDERED),
                };
                if !ok {
                    let got = format!("{lt} and {rt}");
                    return self.type_err(e, sym(), want, got);
                }
                if lt.stringy() && rt.stringy() {
                    self.work(bytes(l.len.min(r.len)));
                }
                Typed::new(Node::Cmp(cmp, bx(l.node), bx(r.node)), Ty::Bool)
            }
            BinaryOp::In => {
                let Some(et) = rt.elem() else {
                    return self.type_err(e, sym(), "a list on the right", rt.clone());
                };
                if !lt.eq_comparable(&et) {
                    let (mut want, got) = (format!("a list of {lt}"), format!("list<{et}>"));
                    if matches!(lt, Ty::List(_)) {
                        // `["vip", "gold"] in customer.segments` means an overlap.
                        want.push_str(
                            "; to test whether two lists share an element, use any_of: \
                             a.any_of([...])",
                        );
                    }
                    return self.type_err(e, sym(), want, got);
                }
                let per = if lt.stringy() && et.stringy() {
                    bytes(l.len.min(r.len))
                } else {
                    0
                };
                if let Node::Const(Value::List(List::Owned(vals))) = &r.node {
                    if !vals.is_empty() && vals.iter().all(|v| matches!(v, Value::Str(_))) {
                        let set: HashSet<Box<str>> = vals
                            .iter()
                            .filter_map(|v| {
                                if let Value::Str(s) = v {
                                    Some(s.as_ref().into())
                                } else {
                                    None
                                }
                            })
                            .collect();
                        self.work(bytes(l.len));
                        return Typed::new(Node::InStrSet(bx(l.node), set, bx(r.node)), Ty::Bool);
                    }
                }
                self.work(r.count.saturating_mul(1 + per));
                Typed::new(Node::In(bx(l.node), bx(r.node)), Ty::Bool)
            }
            BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul | BinaryOp::Div | BinaryOp::Mod => {
                let a = match op {
                    BinaryOp::Add => Arith::Add,
                    BinaryOp::Sub => Arith::Sub,
                    BinaryOp::Mul => Arith::Mul,
                    BinaryOp::Div => Arith::Div,
                    _ => Arith::Mod,
                };
                let Some(t) = arith_type(a, lt, rt) else {
                    let got = format!("{lt} and {rt}");
                    let want = match a {
                        Arith::Add => {
                            "two nums, two strs, a timestamp and a duration, or two durations"
                        }
                        Arith::Sub => {
                            "two nums, two timestamps, a timestamp and a duration, or two durations"
                        }
                        _ => "two nums",
                    };
                    // Text where a time is meant (`context.now - customer.x`): say how to read it.
                    if matches!((lt, rt), (Ty::Ts, Ty::Str) | (Ty::Str, Ty::Ts)) {
                        let want = format!("{want} (read text as a time with timestamp(...))");
                        return self.type_err(e, sym(), want, got);
                    }
                    return self.type_err(e, sym(), want, got);
                };
                let len = if t.stringy() {
                    let len = l.len.saturating_add(r.len);
                    self.work(bytes(len));
                    len
                } else {
                    0
                };
                Typed::sized(Node::Arith(a, bx(l.node), bx(r.node)), t, len, 0)
            }
        }
    }

    fn macro_(
        &mut self,
        e: &Expr,
        op: MacroOp,
        list: &Expr,
        var: Option<&str>,
        body: Option<&Expr>,
    ) -> Typed {
        let l = self.child(("list", None), list);
        let what = || format!("'{}'", op.name());
        let Some(et) = l.ty.elem() else {
            return self.type_err(e, what(), "a list", l.ty);
        };
        let slot = self.vars.len();
        let per = if et.stringy() { bytes(l.len) } else { 0 };
        let (var, body) = match (var, body) {
            (Some(v), Some(b)) => (v, b),
            (None, None) => {
                let node = Node::Macro {
                    op,
                    list: bx(l.node),
                    slot,
                    body: None,
                };
                return match op {
                    MacroOp::Count => Typed::new(node, Ty::Num),
                    MacroOp::Sum if et.loose() || et == Ty::Num => {
                        self.work(l.count);
                        Typed::new(node, Ty::Num)
                    }
                    MacroOp::Min | MacroOp::Max
                        if et.loose() || matches!(et, Ty::Num | Ty::Str | Ty::Ts | Ty::Dur) =>
                    {
                        self.work(l.count.saturating_mul(1 + per));
                        Typed::sized(node, et, l.len, 0)
                    }
                    MacroOp::Sum => self.type_err(e, what(), "a list of nums", l.ty),
                    MacroOp::Min | MacroOp::Max => {
                        self.type_err(e, what(), "a list of ordered values", l.ty)
                    }
                    _ => self.err(ErrorKind::ArgumentCount {
                        func: op.name().to_owned(),
                        expected: "a variable and a body".to_owned(),
                        got: 0,
                    }),
                };
            }
            _ => {
                return self.err(ErrorKind::ArgumentCount {
                    func: op.name().to_owned(),
                    expected: "a variable and a body".to_owned(),
                    got: 1,
                })
            }
        };
        self.vars.push(Var {
            name: var.to_owned(),
            ty: et,
            len: l.len,
        });
        let outer = self.mult;
        self.mult = outer.saturating_mul(l.count.max(1));
        let b = self.child(("body", None), body);
        self.mult = outer;
        self.vars.pop();
        let bt = b.ty;
        let (ty, len, count) = match op {
            MacroOp::All
            | MacroOp::Exists
            | MacroOp::ExistsOne
            | MacroOp::Filter
            | MacroOp::Count => {
                if !bt.boolish() {
                    let pred = format!("the predicate of '{}'", op.name());
                    return self.type_err(e, pred, "a bool", bt);
                }
                match op {
                    MacroOp::Filter => (l.ty.clone(), l.len, l.count),
                    MacroOp::Count => (Ty::Num, 0, 0),
                    _ => (Ty::Bool, 0, 0),
                }
            }
            MacroOp::Map => (Ty::List(Box::new(bt)), b.len, l.count),
            MacroOp::Sum => {
                if !(bt.loose() || bt == Ty::Num) {
                    return self.type_err(e, what(), "num values", bt);
                }
                (Ty::Num, 0, 0)
            }
            MacroOp::Min | MacroOp::Max => {
                if !(bt.loose() || matches!(bt, Ty::Num | Ty::Str | Ty::Ts | Ty::Dur)) {
                    return self.type_err(e, what(), "ordered values", bt);
                }
                if bt.stringy() {
                    self.work(l.count.saturating_mul(bytes(b.len)));
                }
                (bt, b.len, 0)
            }
        };
        let ty = if matches!(ty, Ty::Null) { Ty::Dyn } else { ty };
        Typed::sized(
            Node::Macro {
                op,
                list: bx(l.node),
                slot,
                body: Some(bx(b.node)),
            },
            ty,
            len,
            count,
        )
    }

    /// Compiles a rule: the `&&`/`||` structure stays as written; each leaf keeps its text.
    pub fn rule(&mut self, e: &Expr) -> Rule {
        if let Expr::Binary {
            op: op @ (BinaryOp::And | BinaryOp::Or),
            left,
            right,
        } = e
        {
            self.work(1);
            self.path.push(("left", None));
            let l = self.rule(left);
            self.path.pop();
            self.path.push(("right", None));
            let r = self.rule(right);
            self.path.pop();
            return if *op == BinaryOp::And {
                Rule::And(Box::new(l), Box::new(r))
            } else {
                Rule::Or(Box::new(l), Box::new(r))
            };
        }
        let t = self.expr(e, !is_explained(e));
        if !t.ty.boolish() {
            self.type_err(e, "a rule", "a bool", t.ty);
        }
        Rule::Leaf(Box::new(Leaf {
            text: syntax::print(e),
            node: t.node,
            slot: usize::MAX,
        }))
    }
}

const ORDERED: &str = "two values of one ordered type (num, str, timestamp, duration)";

/// The type of `l op r`, or `None` when the operands do not go together.
fn arith_type(a: Arith, lt: &Ty, rt: &Ty) -> Option<Ty> {
    match (a, lt, rt) {
        (_, Ty::Num, Ty::Num) => Some(Ty::Num),
        (Arith::Add, Ty::Str, Ty::Str) => Some(Ty::Str),
        (Arith::Add | Arith::Sub, Ty::Ts, Ty::Dur) => Some(Ty::Ts),
        (Arith::Sub, Ty::Ts, Ty::Ts) | (Arith::Add | Arith::Sub, Ty::Dur, Ty::Dur) => Some(Ty::Dur),
        (Arith::Mul | Arith::Div | Arith::Mod, x, y)
            if (x.loose() || *x == Ty::Num) && (y.loose() || *y == Ty::Num) =>
        {
            Some(Ty::Num)
        }
        (Arith::Add | Arith::Sub, x, y) if x.loose() || y.loose() => {
            let other = if x.loose() { y } else { x };
            match other {
                Ty::Num | Ty::Dyn | Ty::Null => {
                    Some(if other == &Ty::Num { Ty::Num } else { Ty::Dyn })
                }
                Ty::Str if a == Arith::Add => Some(Ty::Str),
                Ty::Ts | Ty::Dur => Some(Ty::Dyn),
                _ => None,
            }
        }
        _ => None,
    }
}

/// Leaves whose operands are reported (comparisons, string tests): their root is not folded.
fn is_explained(e: &Expr) -> bool {
    match e {
        Expr::Binary { op, .. } => op.is_comparison(),
        Expr::Call { func, .. } => matches!(
            func.as_str(),
            "contains" | "startsWith" | "endsWith" | "matches"
        ),
        _ => false,
    }
}
