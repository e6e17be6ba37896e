//! Which conditions of each campaign columns can decide: read once per batch call from the
//! compiled rules.
//!
//! A campaign's rule is a tree of `&&`/`||` over leaves (`compile::node::Rule`), evaluated with
//! two-valued logic (`eval::explain::holds`). Replacing every leaf by an over-approximation
//! ("may be true": exact for the leaf kinds below, always true for the others) gives a
//! condition that holds whenever the rule does, so where it is false the rule is false and the
//! campaign cannot apply. The same holds for the campaign's window (`active`, `starts_at`,
//! `ends_at`) and, for a campaign without `automatic`, for "the order gives some code".

use std::collections::HashSet;

use rust_decimal::Decimal;

use crate::compile::node::{Cmp, Field, Func, ItemField, Node, Rule};
use crate::compile::Inner;
use crate::value::Value;

/// A leaf columns decide exactly.
#[derive(Debug, Clone, PartialEq)]
pub enum Leaf {
    /// `customer.segments.contains(s)` or `s in customer.segments`.
    Segment(Box<str>),
    /// `cart.subtotal op c` (the field on the left).
    Subtotal(Cmp, Decimal),
    /// `cart.quantity op c`.
    Quantity(Cmp, Decimal),
    /// `cart.items.exists(item, pred)`: some line may satisfy `pred`.
    Items(Pred),
    /// `context.now op t`.
    Now(Cmp, i64),
}

/// An item predicate, over-approximated line by line.
#[derive(Debug, Clone, PartialEq)]
pub enum Pred {
    /// Not decided by columns: any line may satisfy it.
    Any,
    And(Box<Pred>, Box<Pred>),
    Or(Box<Pred>, Box<Pred>),
    /// `item.sku|product|category op "text"`.
    Text(ItemField, Cmp, Box<str>),
    /// `item.sku|product|category in ["a", "b"]`.
    TextIn(ItemField, Vec<Box<str>>),
    /// `item.quantity|price op c`.
    Num(ItemField, Cmp, Decimal),
}

/// A campaign's condition over leaves (indices into [`Plan::leaves`]).
#[derive(Debug, Clone, PartialEq)]
pub enum Cond {
    Any,
    Leaf(usize),
    And(Box<Cond>, Box<Cond>),
    Or(Box<Cond>, Box<Cond>),
}

/// What columns can decide about one campaign.
#[derive(Debug, Clone, PartialEq)]
pub struct Campaign {
    pub cond: Cond,
    pub active: bool,
    pub starts_at: Option<i64>,
    pub ends_at: Option<i64>,
    /// Not automatic: a candidate only when the order gives a code.
    pub needs_code: bool,
}

/// Per campaign (by index) what columns decide; `None`: nothing (its rules are tested on the
/// discounted cart, `rules_on="discounted"`).
#[derive(Debug, Clone, Default)]
pub struct Plan {
    pub leaves: Vec<Leaf>,
    pub campaigns: Vec<Option<Campaign>>,
}

impl Plan {
    pub(crate) fn new(p: &Inner) -> Self {
        let mut plan = Self::default();
        for c in &p.campaigns {
            if c.deferred {
                plan.campaigns.push(None);
                continue;
            }
            let cond = c.rules.as_ref().map_or(Cond::Any, |r| plan.cond(r));
            plan.campaigns.push(Some(Campaign {
                cond,
                active: c.active,
                starts_at: c.starts_at,
                ends_at: c.ends_at,
                needs_code: !c.automatic,
            }));
        }
        plan
    }

    /// Whether columns can prune any campaign at all.
    pub fn prunes(&self) -> bool {
        self.campaigns.iter().flatten().any(|c| {
            c.cond != Cond::Any
                || !c.active
                || c.starts_at.is_some()
                || c.ends_at.is_some()
                || c.needs_code
        })
    }

    fn cond(&mut self, r: &Rule) -> Cond {
        match r {
            Rule::And(a, b) => match (self.cond(a), self.cond(b)) {
                (Cond::Any, x) | (x, Cond::Any) => x,
                (x, y) => Cond::And(Box::new(x), Box::new(y)),
            },
            Rule::Or(a, b) => match (self.cond(a), self.cond(b)) {
                (Cond::Any, _) | (_, Cond::Any) => Cond::Any,
                (x, y) => Cond::Or(Box::new(x), Box::new(y)),
            },
            Rule::Leaf(l) => match leaf(&l.node) {
                Some(leaf) => Cond::Leaf(self.intern(leaf)),
                None => Cond::Any,
            },
        }
    }

    fn intern(&mut self, leaf: Leaf) -> usize {
        if let Some(i) = self.leaves.iter().position(|l| *l == leaf) {
            return i;
        }
        self.leaves.push(leaf);
        self.leaves.len() - 1
    }
}

/// `a op b` as `b flip(op) a`.
const fn flip(op: Cmp) -> Cmp {
    match op {
        Cmp::Lt => Cmp::Gt,
        Cmp::Le => Cmp::Ge,
        Cmp::Gt => Cmp::Lt,
        Cmp::Ge => Cmp::Le,
        Cmp::Eq | Cmp::Ne => op,
    }
}

/// `x op const` or `const op x`, as (x, op, const) with `x` on the left.
fn cmp_const(node: &Node) -> Option<(&Node, Cmp, &Value<'static>)> {
    let Node::Cmp(op, l, r) = node else {
        return None;
    };
    match (&**l, &**r) {
        (x, Node::Const(c)) if !matches!(x, Node::Const(_)) => Some((x, *op, c)),
        (Node::Const(c), x) if !matches!(x, Node::Const(_)) => Some((x, flip(*op), c)),
        _ => None,
    }
}

/// The column leaf a rule leaf is, if any.
pub fn leaf(node: &Node) -> Option<Leaf> {
    match node {
        Node::Call(Func::Contains, args) => match args.as_slice() {
            [Node::Field(Field::CustomerSegments), Node::Const(Value::Str(s))] => {
                Some(Leaf::Segment(s.as_ref().into()))
            }
            _ => None,
        },
        Node::In(x, list) => match (&**x, &**list) {
            (Node::Const(Value::Str(s)), Node::Field(Field::CustomerSegments)) => {
                Some(Leaf::Segment(s.as_ref().into()))
            }
            _ => None,
        },
        Node::Macro {
            op: crate::ir::MacroOp::Exists,
            list,
            slot,
            body: Some(body),
        } if matches!(**list, Node::Field(Field::CartItems)) => {
            Some(Leaf::Items(pred(body, *slot))).filter(|l| *l != Leaf::Items(Pred::Any))
        }
        _ => {
            let (x, op, c) = cmp_const(node)?;
            match (x, c) {
                (Node::Field(Field::CartSubtotal), Value::Num(d)) => Some(Leaf::Subtotal(op, *d)),
                (Node::Field(Field::CartQuantity), Value::Num(d)) => Some(Leaf::Quantity(op, *d)),
                (Node::Field(Field::ContextNow), Value::Ts(t)) => Some(Leaf::Now(op, *t)),
                _ => None,
            }
        }
    }
}

/// The item field `node` reads of the macro's variable (stack slot `slot`).
fn item_field(node: &Node, slot: usize) -> Option<ItemField> {
    match node {
        Node::ItemField(v, f) if matches!(**v, Node::Var(s) if s == slot) => Some(*f),
        _ => None,
    }
}

fn text_field(f: ItemField) -> bool {
    matches!(f, ItemField::Sku | ItemField::Product | ItemField::Category)
}

/// An item predicate's over-approximation.
pub fn pred(node: &Node, slot: usize) -> Pred {
    match node {
        Node::And(a, b) => match (pred(a, slot), pred(b, slot)) {
            (Pred::Any, x) | (x, Pred::Any) => x,
            (x, y) => Pred::And(Box::new(x), Box::new(y)),
        },
        Node::Or(a, b) => match (pred(a, slot), pred(b, slot)) {
            (Pred::Any, _) | (_, Pred::Any) => Pred::Any,
            (x, y) => Pred::Or(Box::new(x), Box::new(y)),
        },
        Node::InStrSet(x, set, _) => match item_field(x, slot) {
            Some(f) if text_field(f) => Pred::TextIn(f, sorted(set)),
            _ => Pred::Any,
        },
        _ => {
            let Some((x, op, c)) = cmp_const(node) else {
                return Pred::Any;
            };
            match (item_field(x, slot), c) {
                (Some(f), Value::Str(s)) if text_field(f) => Pred::Text(f, op, s.as_ref().into()),
                (Some(f @ (ItemField::Quantity | ItemField::Price)), Value::Num(d)) => {
                    Pred::Num(f, op, *d)
                }
                _ => Pred::Any,
            }
        }
    }
}

fn sorted(set: &HashSet<Box<str>>) -> Vec<Box<str>> {
    let mut v: Vec<Box<str>> = set.iter().cloned().collect();
    v.sort();
    v
}
