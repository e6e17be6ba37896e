//! Evaluating rules and explaining a failure (docs/semantics.md, "Explaining a failure").

use crate::compile::node::{Func, Leaf, Node, Rule};
use crate::eval::expr::Ctx;
use crate::input::MetaValue;
use crate::outcome::Reported;
use crate::value::{List, Value};

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
pub fn explain<'a>(ctx: &mut Ctx<'a>, rule: &'a Rule) -> (String, Reported, Reported) {
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
        n => (ctx.eval(n), Value::Bool(true)),
    };
    (leaf.text.clone(), report(ctx, &a), report(ctx, &e))
}

/// A runtime value as reported in `Rejected.actual` / `expected`.
pub fn report(ctx: &Ctx, v: &Value) -> Reported {
    match v {
        Value::Null => Reported::Null,
        Value::Bool(b) => Reported::Bool(*b),
        Value::Num(d) => Reported::Num(*d),
        Value::Str(s) => Reported::Str(s.to_string()),
        Value::Ts(t) => Reported::Timestamp(*t),
        Value::Dur(d) => Reported::Duration(*d),
        Value::Item(i) => Reported::Item {
            index: *i,
            sku: ctx
                .input
                .cart
                .items
                .get(*i)
                .and_then(|it| it.sku.as_deref().map(str::to_owned)),
        },
        Value::Map(m) => Reported::Meta(MetaValue::Map((*m).clone())),
        Value::List(l) => {
            if let List::Meta(m) = l {
                return Reported::List(
                    m.iter()
                        .map(|x| report(ctx, &Value::from_meta(x)))
                        .collect(),
                );
            }
            Reported::List((0..l.len()).map(|i| report(ctx, &l.get(i))).collect())
        }
    }
}
