//! Evaluating rules and explaining a failure (docs/semantics.md, "Explaining a failure").

use crate::compile::node::{Func, Leaf, Node, Rule};
use crate::eval::expr::Ctx;
use crate::input::MetaValue;
use crate::outcome::Value;
use crate::value::{List, Val};

pub fn holds<'a>(ctx: &mut Ctx<'a>, rule: &'a Rule) -> bool {
    match rule {
        Rule::And(a, b) => holds(ctx, a) && holds(ctx, b),
        Rule::Or(a, b) => holds(ctx, a) || holds(ctx, b),
        Rule::Leaf(l) => match ctx.memo.get(l.slot).copied() {
            Some(1) => false,
            Some(2) => true,
            Some(_) => {
                let v = ctx.test(&l.node);
                ctx.memo[l.slot] = 1 + u8::from(v);
                v
            }
            None => ctx.test(&l.node),
        },
    }
}

/// The failing leaf of a false rule: for `a && b` the first false operand, for `a || b` the
/// first operand.
pub fn failing_leaf<'a>(ctx: &mut Ctx<'a>, rule: &'a Rule) -> &'a Leaf {
    match rule {
        Rule::And(a, b) => {
            if holds(ctx, a) {
                failing_leaf(ctx, b)
            } else {
                failing_leaf(ctx, a)
            }
        }
        Rule::Or(a, _) => failing_leaf(ctx, a),
        Rule::Leaf(l) => l,
    }
}

/// `(condition, actual, expected)` of a false rule.
pub fn explain<'a>(ctx: &mut Ctx<'a>, rule: &'a Rule) -> (String, Value, Value) {
    let leaf = failing_leaf(ctx, rule);
    let (a, e) = match &leaf.node {
        Node::Cmp(_, l, r)
        | Node::In(l, r)
        | Node::InStrSet(l, _, r)
        | Node::MatchesLit(l, _, r) => (ctx.eval(l), ctx.eval(r)),
        Node::Call(Func::Contains | Func::StartsWith | Func::EndsWith | Func::Matches, args)
            if args.len() == 2 =>
        {
            (ctx.eval(&args[0]), ctx.eval(&args[1]))
        }
        n => (ctx.eval(n), Val::Bool(true)),
    };
    (leaf.text.clone(), report(ctx, &a), report(ctx, &e))
}

/// A runtime value as reported in `Rejected.actual` / `expected`.
pub fn report(ctx: &Ctx, v: &Val) -> Value {
    match v {
        Val::Null => Value::Null,
        Val::Bool(b) => Value::Bool(*b),
        Val::Num(d) => Value::Num(*d),
        Val::Str(s) => Value::Str(s.to_string()),
        Val::Ts(t) => Value::Timestamp(*t),
        Val::Dur(d) => Value::Duration(*d),
        Val::Item(i) => Value::Item {
            index: *i,
            sku: ctx
                .input
                .cart
                .items
                .get(*i)
                .and_then(|it| it.sku.as_deref().map(str::to_owned)),
        },
        Val::Map(m) => Value::Meta(MetaValue::Map((*m).clone())),
        Val::List(l) => {
            if let List::Meta(m) = l {
                return Value::List(m.iter().map(|x| report(ctx, &Val::from_meta(x))).collect());
            }
            Value::List((0..l.len()).map(|i| report(ctx, &l.get(i))).collect())
        }
    }
}
