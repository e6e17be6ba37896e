//! IR expression -> compiled node: resolves field paths and variables to slots, checks static
//! types and literals, folds constants below the `&&`/`||` structure of rules.

use std::borrow::Cow;
use std::collections::HashSet;
use std::fmt;

use rust_decimal::Decimal;

use super::node::{Arith, Cmp, Field, Func, ItemField, Leaf, Node, Rule};
use crate::eval::expr::{Ctx, Facts};
use crate::input::Input;
use crate::ir::{BinaryOp, Expr, Limits, MacroOp, UnaryOp};
use crate::num::{self, RoundMode};
use crate::syntax;
use crate::time;
use crate::value::{List, Val};

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
            Self::Map => f.write_str("map"),
            Self::Dyn => f.write_str("dyn"),
            Self::Null => f.write_str("null"),
        }
    }
}

impl Ty {
    const fn loose(&self) -> bool {
        matches!(self, Self::Dyn | Self::Null)
    }

    fn eq_comparable(&self, other: &Self) -> bool {
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

    const fn boolish(&self) -> bool {
        matches!(self, Self::Bool | Self::Dyn | Self::Null)
    }

    fn elem(&self) -> Option<Self> {
        match self {
            Self::List(t) => Some((**t).clone()),
            Self::Dyn | Self::Null => Some(Self::Dyn),
            _ => None,
        }
    }
}

/// Where an expression sits, which decides the variables in scope and its expected type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Campaign and tier rules: no `item`.
    Rules,
    /// An item predicate: binds `item`.
    Item,
    /// An effect number.
    Number,
}

const FIELDS: &[(&str, &str, Field, Ty)] = &[
    ("cart", "subtotal", Field::CartSubtotal, Ty::Num),
    ("cart", "quantity", Field::CartQuantity, Ty::Num),
    ("cart", "shipping", Field::CartShipping, Ty::Num),
    ("cart", "items", Field::CartItems, Ty::Dyn), // list<item>, fixed below
    ("cart", "currency", Field::CartCurrency, Ty::Str),
    ("cart", "metadata", Field::CartMetadata, Ty::Map),
    ("customer", "id", Field::CustomerId, Ty::Str),
    ("customer", "email", Field::CustomerEmail, Ty::Str),
    ("customer", "segments", Field::CustomerSegments, Ty::Dyn), // list<str>
    (
        "customer",
        "orders_count",
        Field::CustomerOrdersCount,
        Ty::Num,
    ),
    (
        "customer",
        "total_spent",
        Field::CustomerTotalSpent,
        Ty::Num,
    ),
    ("customer", "created_at", Field::CustomerCreatedAt, Ty::Ts),
    ("customer", "birthday", Field::CustomerBirthday, Ty::Ts),
    ("customer", "metadata", Field::CustomerMetadata, Ty::Map),
    ("context", "now", Field::ContextNow, Ty::Ts),
    ("context", "channel", Field::ContextChannel, Ty::Str),
    ("context", "country", Field::ContextCountry, Ty::Str),
    ("context", "metadata", Field::ContextMetadata, Ty::Map),
];

const ITEM_FIELDS: &[(&str, ItemField)] = &[
    ("sku", ItemField::Sku),
    ("product", ItemField::Product),
    ("category", ItemField::Category),
    ("tags", ItemField::Tags),
    ("price", ItemField::Price),
    ("quantity", ItemField::Quantity),
    ("subtotal", ItemField::Subtotal),
    ("metadata", ItemField::Metadata),
];

const FUNCS: &[(&str, Func)] = &[
    ("size", Func::Size),
    ("min", Func::Min),
    ("max", Func::Max),
    ("abs", Func::Abs),
    ("round", Func::Round),
    ("floor", Func::Floor),
    ("ceil", Func::Ceil),
    ("has", Func::Has),
    ("lower", Func::Lower),
    ("upper", Func::Upper),
    ("startsWith", Func::StartsWith),
    ("endsWith", Func::EndsWith),
    ("contains", Func::Contains),
    ("matches", Func::Matches),
    ("timestamp", Func::Timestamp),
    ("duration", Func::Duration),
    ("weekday", Func::Weekday),
    ("hour", Func::Hour),
    ("day", Func::Day),
    ("month", Func::Month),
    ("year", Func::Year),
];

fn item_field_ty(f: ItemField) -> Ty {
    match f {
        ItemField::Sku | ItemField::Product | ItemField::Category => Ty::Str,
        ItemField::Tags => Ty::List(Box::new(Ty::Str)),
        ItemField::Price | ItemField::Quantity | ItemField::Subtotal => Ty::Num,
        ItemField::Metadata => Ty::Map,
    }
}

fn field_ty(f: Field, t: &Ty) -> Ty {
    match f {
        Field::CartItems => Ty::List(Box::new(Ty::Item)),
        Field::CustomerSegments => Ty::List(Box::new(Ty::Str)),
        _ => t.clone(),
    }
}

/// The closest candidate to `name`, if any is close enough.
pub fn did_you_mean<'c, I: IntoIterator<Item = &'c str>>(
    name: &str,
    candidates: I,
) -> Option<&'c str> {
    let mut best: Option<(f64, &str)> = None;
    for c in candidates {
        let score = strsim::jaro_winkler(&name.to_lowercase(), &c.to_lowercase());
        if score >= 0.8 && best.is_none_or(|(s, _)| score > s) {
            best = Some((score, c));
        }
    }
    best.map(|(_, c)| c)
}

fn suggest(name: &str, candidates: &[String]) -> String {
    did_you_mean(name, candidates.iter().map(String::as_str))
        .map_or_else(String::new, |c| format!("; did you mean '{c}'?"))
}

/// Checks a literal number: `-?[0-9]+(\.[0-9]+)?`, at most 12 places, magnitude below 10^14.
pub fn parse_num_literal(s: &str) -> Result<Decimal, String> {
    let body = s.strip_prefix('-').unwrap_or(s);
    let (int, frac) = body
        .split_once('.')
        .map_or((body, None), |(i, f)| (i, Some(f)));
    let ok = !int.is_empty()
        && int.bytes().all(|c| c.is_ascii_digit())
        && frac.is_none_or(|f| !f.is_empty() && f.bytes().all(|c| c.is_ascii_digit()));
    if !ok {
        return Err(format!("invalid number literal '{s}'"));
    }
    if frac.is_some_and(|f| f.len() > 12) {
        return Err(format!(
            "number literal '{s}' has more than 12 decimal places"
        ));
    }
    let d: Decimal = s
        .parse()
        .map_err(|_| format!("number literal '{s}' is out of range"))?;
    num::from_input(d)
        .ok_or_else(|| format!("number literal '{s}' must be below 10^14 in magnitude"))
}

pub fn build_regex(p: &str) -> Result<regex::Regex, regex::Error> {
    regex::RegexBuilder::new(p)
        .size_limit(1 << 20)
        .dfa_size_limit(1 << 20)
        .build()
}

/// Depth, node count and worst-case cost of an IR expression (docs/semantics.md, "Limits").
fn measure(e: &Expr, depth: u32, mult: u64, limits: &Limits, st: &mut (u32, u64, bool)) {
    if depth > limits.max_depth {
        st.2 = true;
        return;
    }
    st.0 = st.0.saturating_add(1);
    st.1 = st.1.saturating_add(mult);
    let d = depth + 1;
    match e {
        Expr::Null
        | Expr::Bool { .. }
        | Expr::Num { .. }
        | Expr::Str { .. }
        | Expr::Field { .. } => {}
        Expr::List { items } => items.iter().for_each(|x| measure(x, d, mult, limits, st)),
        Expr::Unary { arg, .. } => measure(arg, d, mult, limits, st),
        Expr::Binary { left, right, .. } => {
            measure(left, d, mult, limits, st);
            measure(right, d, mult, limits, st);
        }
        Expr::Cond {
            cond,
            then,
            otherwise,
        } => {
            measure(cond, d, mult, limits, st);
            measure(then, d, mult, limits, st);
            measure(otherwise, d, mult, limits, st);
        }
        Expr::Call { args, .. } => args.iter().for_each(|x| measure(x, d, mult, limits, st)),
        Expr::Macro { list, body, .. } => {
            measure(list, d, mult, limits, st);
            if let Some(b) = body {
                measure(b, d, mult.saturating_mul(1000), limits, st);
            }
        }
    }
}

pub fn check_limits(e: &Expr, limits: &Limits) -> Result<(), String> {
    let mut st = (0u32, 0u64, false);
    measure(e, 1, 1, limits, &mut st);
    if st.2 {
        return Err(format!(
            "expression is nested more than {} levels deep",
            limits.max_depth
        ));
    }
    if st.0 > limits.max_nodes {
        return Err(format!(
            "expression has {} nodes, more than the limit of {}",
            st.0, limits.max_nodes
        ));
    }
    if st.1 > limits.max_cost {
        return Err(format!(
            "expression's worst-case cost {} exceeds the limit of {}",
            st.1, limits.max_cost
        ));
    }
    let len = syntax::print(e).len();
    if len > limits.max_text_len as usize {
        return Err(format!(
            "rule text is {len} bytes long, more than the limit of {}",
            limits.max_text_len
        ));
    }
    Ok(())
}

pub struct Env {
    vars: Vec<(String, Ty)>,
    pub errors: Vec<String>,
    mode: RoundMode,
}

type Out = (Node, Ty);

fn bad() -> Out {
    (Node::Const(Val::Null), Ty::Dyn)
}

#[allow(clippy::unnecessary_box_returns)]
fn bx(n: Node) -> Box<Node> {
    Box::new(n)
}

impl Env {
    pub fn new(scope: Scope, mode: RoundMode) -> Self {
        let vars = if scope == Scope::Item {
            vec![("item".to_owned(), Ty::Item)]
        } else {
            Vec::new()
        };
        Self {
            vars,
            errors: Vec::new(),
            mode,
        }
    }

    fn err(&mut self, e: &Expr, msg: impl fmt::Display) -> Out {
        self.errors
            .push(format!("in `{}`: {msg}", syntax::print(e)));
        bad()
    }

    /// Compiles an expression; `fold_root: false` keeps the root node unfolded (rule leaves).
    pub fn expr(&mut self, e: &Expr, fold_root: bool) -> Out {
        let (n, t) = self.expr_inner(e);
        if fold_root {
            (self.fold(n), t)
        } else {
            (n, t)
        }
    }

    /// Replaces a node whose children are all constants with its value.
    fn fold(&self, n: Node) -> Node {
        let kids_const = |ks: &[&Node]| ks.iter().all(|k| matches!(k, Node::Const(_)));
        let foldable = match &n {
            Node::Const(_)
            | Node::Field(_)
            | Node::Var(_)
            | Node::ItemField(..)
            | Node::Key(..)
            | Node::ListOf(_)
            | Node::Macro { .. } => false,
            Node::And(x, y)
            | Node::Or(x, y)
            | Node::Cmp(_, x, y)
            | Node::In(x, y)
            | Node::Arith(_, x, y) => kids_const(&[x, y]),
            Node::Not(x) | Node::Neg(x) | Node::InStrSet(x, _, _) | Node::MatchesLit(x, _, _) => {
                kids_const(&[x])
            }
            Node::Cond(c, t, e) => kids_const(&[c, t, e]),
            Node::Call(_, args) => args.iter().all(|a| matches!(a, Node::Const(_))),
        };
        if !foldable {
            return n;
        }
        let input = Input::default();
        let facts = Facts::default();
        let v = {
            let mut ctx = Ctx {
                input: &input,
                facts: &facts,
                vars: Vec::new(),
                mode: self.mode,
                memo: Vec::new(),
            };
            ctx.eval(&n).into_static()
        };
        v.map_or(n, Node::Const)
    }

    fn expr_inner(&mut self, e: &Expr) -> Out {
        match e {
            Expr::Null => (Node::Const(Val::Null), Ty::Null),
            Expr::Bool { value } => (Node::Const(Val::Bool(*value)), Ty::Bool),
            Expr::Num { value } => match parse_num_literal(value) {
                Ok(d) => (Node::Const(Val::Num(d)), Ty::Num),
                Err(m) => self.err(e, m),
            },
            Expr::Str { value } => (Node::Const(Val::Str(Cow::Owned(value.clone()))), Ty::Str),
            Expr::List { items } => {
                let mut nodes = Vec::with_capacity(items.len());
                let mut ty: Option<Ty> = None;
                for it in items {
                    let (n, t) = self.expr(it, true);
                    if t != Ty::Null {
                        ty = Some(match ty {
                            None => t,
                            Some(prev) if prev == t => prev,
                            Some(_) => Ty::Dyn,
                        });
                    }
                    nodes.push(n);
                }
                let ty = Ty::List(Box::new(ty.unwrap_or(Ty::Dyn)));
                if nodes.iter().all(|n| matches!(n, Node::Const(_))) {
                    let vals = nodes
                        .into_iter()
                        .map(|n| if let Node::Const(v) = n { v } else { Val::Null })
                        .collect();
                    (Node::Const(Val::List(List::Owned(vals))), ty)
                } else {
                    (Node::ListOf(nodes), ty)
                }
            }
            Expr::Field { path } => self.field(e, path),
            Expr::Unary { op, arg } => {
                let (n, t) = self.expr(arg, true);
                match op {
                    UnaryOp::Not => {
                        if !t.boolish() {
                            return self.err(e, format!("`!` needs a bool, got {t}"));
                        }
                        (Node::Not(bx(n)), Ty::Bool)
                    }
                    UnaryOp::Neg => match t {
                        Ty::Num | Ty::Dur => (Node::Neg(bx(n)), t),
                        Ty::Dyn | Ty::Null => (Node::Neg(bx(n)), Ty::Dyn),
                        _ => self.err(e, format!("`-` needs a num or a duration, got {t}")),
                    },
                }
            }
            Expr::Binary { op, left, right } => self.binary(e, *op, left, right),
            Expr::Cond {
                cond,
                then,
                otherwise,
            } => {
                let (c, ct) = self.expr(cond, true);
                let (a, at) = self.expr(then, true);
                let (b, bt) = self.expr(otherwise, true);
                if !ct.boolish() {
                    return self.err(
                        e,
                        format!("the condition of `? :` must be a bool, got {ct}"),
                    );
                }
                let t = if at == bt {
                    at
                } else if at == Ty::Null {
                    bt
                } else if bt == Ty::Null {
                    at
                } else {
                    Ty::Dyn
                };
                (Node::Cond(bx(c), bx(a), bx(b)), t)
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

    fn field(&mut self, e: &Expr, path: &[String]) -> Out {
        let Some(root) = path.first() else {
            return self.err(e, "empty field path");
        };
        let full = path.join(".");
        if let Some(slot) = self.vars.iter().rposition(|(n, _)| n == root) {
            let ty = self.vars[slot].1.clone();
            return self.access(e, Node::Var(slot), ty, root, &path[1..]);
        }
        if !matches!(root.as_str(), "cart" | "customer" | "context") {
            if root == "item" {
                return self.err(e, "`item` can only be used inside a macro over a list of items or an item predicate");
            }
            let mut cands: Vec<String> = vec!["cart".into(), "customer".into(), "context".into()];
            cands.extend(self.vars.iter().map(|(n, _)| n.clone()));
            let hint = suggest(root, &cands);
            return self.err(e, format!("unknown field '{full}'{hint}"));
        }
        let Some(name) = path.get(1) else {
            return self.err(
                e,
                format!("'{root}' is not a value; use one of its fields, e.g. '{root}.metadata'"),
            );
        };
        let Some((_, _, f, t)) = FIELDS.iter().find(|(r, n, _, _)| r == root && n == name) else {
            let cands: Vec<String> = FIELDS
                .iter()
                .filter(|(r, ..)| r == root)
                .map(|(r, n, ..)| format!("{r}.{n}"))
                .collect();
            let hint = suggest(&format!("{root}.{name}"), &cands);
            return self.err(e, format!("unknown field '{full}'{hint}"));
        };
        let ty = field_ty(*f, t);
        self.access(
            e,
            Node::Field(*f),
            ty,
            &format!("{root}.{name}"),
            &path[2..],
        )
    }

    fn access(
        &mut self,
        e: &Expr,
        mut node: Node,
        mut ty: Ty,
        prefix: &str,
        rest: &[String],
    ) -> Out {
        let mut prefix = prefix.to_owned();
        for key in rest {
            match ty {
                Ty::Item => {
                    let Some((_, f)) = ITEM_FIELDS.iter().find(|(n, _)| n == key) else {
                        let cands: Vec<String> = ITEM_FIELDS
                            .iter()
                            .map(|(n, _)| format!("{prefix}.{n}"))
                            .collect();
                        let hint = suggest(&format!("{prefix}.{key}"), &cands);
                        return self.err(e, format!("unknown field '{prefix}.{key}'{hint}"));
                    };
                    node = Node::ItemField(bx(node), *f);
                    ty = item_field_ty(*f);
                }
                Ty::Map | Ty::Dyn => {
                    node = Node::Key(bx(node), key.as_str().into());
                    ty = Ty::Dyn;
                }
                other => {
                    return self.err(
                        e,
                        format!("'{prefix}' is a {other} and has no field '{key}'"),
                    )
                }
            }
            prefix.push('.');
            prefix.push_str(key);
        }
        (node, ty)
    }

    fn binary(&mut self, e: &Expr, op: BinaryOp, left: &Expr, right: &Expr) -> Out {
        let (l, lt) = self.expr(left, true);
        let (r, rt) = self.expr(right, true);
        match op {
            BinaryOp::And | BinaryOp::Or => {
                if !lt.boolish() || !rt.boolish() {
                    return self.err(
                        e,
                        format!("`{}` needs bools, got {lt} and {rt}", op.symbol()),
                    );
                }
                let n = if op == BinaryOp::And {
                    Node::And(bx(l), bx(r))
                } else {
                    Node::Or(bx(l), bx(r))
                };
                (n, Ty::Bool)
            }
            BinaryOp::Eq
            | BinaryOp::Ne
            | BinaryOp::Lt
            | BinaryOp::Le
            | BinaryOp::Gt
            | BinaryOp::Ge => {
                let (cmp, ok) = match op {
                    BinaryOp::Eq => (Cmp::Eq, lt.eq_comparable(&rt)),
                    BinaryOp::Ne => (Cmp::Ne, lt.eq_comparable(&rt)),
                    BinaryOp::Lt => (Cmp::Lt, lt.ord_comparable(&rt)),
                    BinaryOp::Le => (Cmp::Le, lt.ord_comparable(&rt)),
                    BinaryOp::Gt => (Cmp::Gt, lt.ord_comparable(&rt)),
                    _ => (Cmp::Ge, lt.ord_comparable(&rt)),
                };
                if !ok {
                    return self.err(
                        e,
                        format!("cannot compare {lt} with {rt} using `{}`", op.symbol()),
                    );
                }
                (Node::Cmp(cmp, bx(l), bx(r)), Ty::Bool)
            }
            BinaryOp::In => {
                let Some(et) = rt.elem() else {
                    return self.err(e, format!("`in` needs a list on the right, got {rt}"));
                };
                if !lt.eq_comparable(&et) {
                    return self.err(e, format!("cannot look for a {lt} in a list<{et}>"));
                }
                if let Node::Const(Val::List(List::Owned(vals))) = &r {
                    if !vals.is_empty() && vals.iter().all(|v| matches!(v, Val::Str(_))) {
                        let set: HashSet<Box<str>> = vals
                            .iter()
                            .filter_map(|v| {
                                if let Val::Str(s) = v {
                                    Some(s.as_ref().into())
                                } else {
                                    None
                                }
                            })
                            .collect();
                        return (Node::InStrSet(bx(l), set, bx(r)), Ty::Bool);
                    }
                }
                (Node::In(bx(l), bx(r)), Ty::Bool)
            }
            BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul | BinaryOp::Div | BinaryOp::Mod => {
                let a = match op {
                    BinaryOp::Add => Arith::Add,
                    BinaryOp::Sub => Arith::Sub,
                    BinaryOp::Mul => Arith::Mul,
                    BinaryOp::Div => Arith::Div,
                    _ => Arith::Mod,
                };
                let t = match (a, &lt, &rt) {
                    (_, Ty::Num, Ty::Num) => Some(Ty::Num),
                    (Arith::Add, Ty::Str, Ty::Str) => Some(Ty::Str),
                    (Arith::Add | Arith::Sub, Ty::Ts, Ty::Dur) => Some(Ty::Ts),
                    (Arith::Sub, Ty::Ts, Ty::Ts) | (Arith::Add | Arith::Sub, Ty::Dur, Ty::Dur) => {
                        Some(Ty::Dur)
                    }
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
                };
                let Some(t) = t else {
                    return self.err(
                        e,
                        format!("cannot apply `{}` to {lt} and {rt}", op.symbol()),
                    );
                };
                (Node::Arith(a, bx(l), bx(r)), t)
            }
        }
    }

    fn call(&mut self, e: &Expr, name: &str, args: &[Expr]) -> Out {
        let Some((_, f)) = FUNCS.iter().find(|(n, _)| *n == name) else {
            let hint = did_you_mean(name, FUNCS.iter().map(|(n, _)| *n))
                .map_or_else(String::new, |c| format!("; did you mean '{c}'?"));
            return self.err(e, format!("unknown function '{name}'{hint}"));
        };
        let f = *f;
        let (lo, hi) = match f {
            Func::Min | Func::Max => (2, usize::MAX),
            Func::Size
            | Func::Abs
            | Func::Has
            | Func::Lower
            | Func::Upper
            | Func::Timestamp
            | Func::Duration => (1, 1),
            Func::Round
            | Func::Floor
            | Func::Ceil
            | Func::Weekday
            | Func::Hour
            | Func::Day
            | Func::Month
            | Func::Year => (1, 2),
            Func::StartsWith | Func::EndsWith | Func::Contains | Func::Matches => (2, 2),
        };
        if args.len() < lo || args.len() > hi {
            let want = if lo == hi {
                format!("{lo}")
            } else if hi == usize::MAX {
                format!("at least {lo}")
            } else {
                format!("{lo} or {hi}")
            };
            return self.err(
                e,
                format!("'{name}' takes {want} argument(s), got {}", args.len()),
            );
        }
        let mut nodes = Vec::with_capacity(args.len());
        let mut tys = Vec::with_capacity(args.len());
        for a in args {
            let (n, t) = self.expr(a, true);
            nodes.push(n);
            tys.push(t);
        }
        let is = |t: &Ty, want: &Ty| t.loose() || t == want;
        let t0 = tys[0].clone();
        let arg_err = |want: &str| {
            format!(
                "'{name}' needs {want}, got {}",
                tys.iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        let ret = match f {
            Func::Min | Func::Max => {
                let known: Vec<&Ty> = tys.iter().filter(|t| !t.loose()).collect();
                let ordered = known
                    .iter()
                    .all(|t| matches!(t, Ty::Num | Ty::Str | Ty::Ts | Ty::Dur));
                if !ordered || known.windows(2).any(|w| w[0] != w[1]) {
                    return self.err(e, arg_err("values of one ordered type"));
                }
                known.first().map_or(Ty::Dyn, |t| (*t).clone())
            }
            Func::Size => {
                if !(t0.loose() || t0 == Ty::Str || matches!(t0, Ty::List(_))) {
                    return self.err(e, arg_err("a str or a list"));
                }
                Ty::Num
            }
            Func::Abs => {
                if !is(&t0, &Ty::Num) {
                    return self.err(e, arg_err("a num"));
                }
                Ty::Num
            }
            Func::Round | Func::Floor | Func::Ceil => {
                if !is(&t0, &Ty::Num) || tys.get(1).is_some_and(|t| !is(t, &Ty::Num)) {
                    return self.err(e, arg_err("a num and optional places"));
                }
                if let Some(Node::Const(Val::Num(p))) = nodes.get(1) {
                    if !(p.fract().is_zero() && *p >= Decimal::ZERO && *p <= Decimal::from(12)) {
                        return self.err(e, format!("'{name}' places must be an integer 0..12"));
                    }
                }
                Ty::Num
            }
            Func::Has => Ty::Bool,
            Func::Lower | Func::Upper => {
                if !is(&t0, &Ty::Str) {
                    return self.err(e, arg_err("a str"));
                }
                Ty::Str
            }
            Func::StartsWith | Func::EndsWith | Func::Matches => {
                if !is(&t0, &Ty::Str) || !is(&tys[1], &Ty::Str) {
                    return self.err(e, arg_err("two strs"));
                }
                if f == Func::Matches {
                    if let Some(Node::Const(Val::Str(p))) = nodes.get(1) {
                        match build_regex(p) {
                            Ok(re) => {
                                let mut it = nodes.into_iter();
                                let s = it.next().unwrap_or(Node::Const(Val::Null));
                                let p = it.next().unwrap_or(Node::Const(Val::Null));
                                return (Node::MatchesLit(bx(s), re, bx(p)), Ty::Bool);
                            }
                            Err(err) => {
                                return self.err(e, format!("invalid regular expression: {err}"))
                            }
                        }
                    }
                }
                Ty::Bool
            }
            Func::Contains => {
                match &t0 {
                    Ty::Str => {
                        if !is(&tys[1], &Ty::Str) {
                            return self.err(e, arg_err("a str argument"));
                        }
                    }
                    Ty::List(et) => {
                        if !tys[1].eq_comparable(et) {
                            return self
                                .err(e, format!("cannot look for a {} in a list<{et}>", tys[1]));
                        }
                    }
                    t if t.loose() => {}
                    _ => return self.err(e, arg_err("a str or a list receiver")),
                }
                Ty::Bool
            }
            Func::Timestamp | Func::Duration => {
                if !is(&t0, &Ty::Str) {
                    return self.err(e, arg_err("a str"));
                }
                if let Some(Node::Const(Val::Str(s))) = nodes.first() {
                    let ok = if f == Func::Timestamp {
                        time::parse_timestamp(s).is_some()
                    } else {
                        time::parse_duration(s).is_some()
                    };
                    if !ok {
                        return self.err(e, format!("invalid {name} literal \"{s}\""));
                    }
                }
                if f == Func::Timestamp {
                    Ty::Ts
                } else {
                    Ty::Dur
                }
            }
            Func::Weekday | Func::Hour | Func::Day | Func::Month | Func::Year => {
                if !is(&t0, &Ty::Ts) || tys.get(1).is_some_and(|t| !is(t, &Ty::Str)) {
                    return self.err(e, arg_err("a timestamp and an optional timezone"));
                }
                if let Some(Node::Const(Val::Str(tz))) = nodes.get(1) {
                    if time::parse_tz(tz).is_none() {
                        let hint = tz_hint(tz);
                        return self.err(e, format!("unknown timezone '{tz}'{hint}"));
                    }
                }
                Ty::Num
            }
        };
        (Node::Call(f, nodes), ret)
    }

    fn macro_(
        &mut self,
        e: &Expr,
        op: MacroOp,
        list: &Expr,
        var: Option<&str>,
        body: Option<&Expr>,
    ) -> Out {
        let (l, lt) = self.expr(list, true);
        let Some(et) = lt.elem() else {
            return self.err(e, format!("'{}' needs a list, got {lt}", op.name()));
        };
        let slot = self.vars.len();
        let (var, body) = match (var, body) {
            (Some(v), Some(b)) => (v, b),
            (None, None) => {
                return match op {
                    MacroOp::Count => (
                        Node::Macro {
                            op,
                            list: bx(l),
                            slot,
                            body: None,
                        },
                        Ty::Num,
                    ),
                    MacroOp::Sum if et.loose() || et == Ty::Num => (
                        Node::Macro {
                            op,
                            list: bx(l),
                            slot,
                            body: None,
                        },
                        Ty::Num,
                    ),
                    MacroOp::Min | MacroOp::Max
                        if et.loose() || matches!(et, Ty::Num | Ty::Str | Ty::Ts | Ty::Dur) =>
                    {
                        (
                            Node::Macro {
                                op,
                                list: bx(l),
                                slot,
                                body: None,
                            },
                            et,
                        )
                    }
                    MacroOp::Sum | MacroOp::Min | MacroOp::Max => self.err(
                        e,
                        format!(
                            "'{}' needs a list of {}, got {lt}",
                            op.name(),
                            if op == MacroOp::Sum {
                                "nums"
                            } else {
                                "ordered values"
                            }
                        ),
                    ),
                    _ => self.err(e, format!("'{}' needs a variable and a body", op.name())),
                };
            }
            _ => {
                return self.err(
                    e,
                    format!("'{}' needs both a variable and a body", op.name()),
                )
            }
        };
        self.vars.push((var.to_owned(), et));
        let (b, bt) = self.expr(body, true);
        self.vars.pop();
        let ty = match op {
            MacroOp::All
            | MacroOp::Exists
            | MacroOp::ExistsOne
            | MacroOp::Filter
            | MacroOp::Count => {
                if !bt.boolish() {
                    return self.err(
                        e,
                        format!("the predicate of '{}' must be a bool, got {bt}", op.name()),
                    );
                }
                match op {
                    MacroOp::Filter => lt.clone(),
                    MacroOp::Count => Ty::Num,
                    _ => Ty::Bool,
                }
            }
            MacroOp::Map => Ty::List(Box::new(bt)),
            MacroOp::Sum => {
                if !(bt.loose() || bt == Ty::Num) {
                    return self.err(e, format!("'sum' needs num values, got {bt}"));
                }
                Ty::Num
            }
            MacroOp::Min | MacroOp::Max => {
                if !(bt.loose() || matches!(bt, Ty::Num | Ty::Str | Ty::Ts | Ty::Dur)) {
                    return self.err(e, format!("'{}' needs ordered values, got {bt}", op.name()));
                }
                bt
            }
        };
        let ty = if matches!(ty, Ty::Null) { Ty::Dyn } else { ty };
        (
            Node::Macro {
                op,
                list: bx(l),
                slot,
                body: Some(bx(b)),
            },
            ty,
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
            let l = self.rule(left);
            let r = self.rule(right);
            return if *op == BinaryOp::And {
                Rule::And(Box::new(l), Box::new(r))
            } else {
                Rule::Or(Box::new(l), Box::new(r))
            };
        }
        let (node, t) = self.expr(e, !is_explained(e));
        if !t.boolish() {
            self.err(e, format!("a rule must be a bool, got {t}"));
        }
        Rule::Leaf(Box::new(Leaf {
            text: syntax::print(e),
            node,
            slot: usize::MAX,
        }))
    }
}

/// Leaves whose operands are reported (comparisons, string tests): their root is not folded.
fn is_explained(e: &Expr) -> bool {
    match e {
        Expr::Binary { op, .. } => matches!(
            op,
            BinaryOp::Eq
                | BinaryOp::Ne
                | BinaryOp::Lt
                | BinaryOp::Le
                | BinaryOp::Gt
                | BinaryOp::Ge
                | BinaryOp::In
        ),
        Expr::Call { func, .. } => matches!(
            func.as_str(),
            "contains" | "startsWith" | "endsWith" | "matches"
        ),
        _ => false,
    }
}

pub fn tz_hint(tz: &str) -> String {
    did_you_mean(tz, chrono_tz::TZ_VARIANTS.iter().map(|t| t.name()))
        .map_or_else(String::new, |c| format!("; did you mean '{c}'?"))
}
