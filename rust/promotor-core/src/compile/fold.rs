//! Constant folding: a node whose children are all constants is replaced by its value,
//! computed by the evaluator itself on an empty input, so folding can never disagree with
//! evaluation.

use super::expr::Env;
use super::node::Node;
use crate::eval::expr::{Ctx, Facts};
use crate::input::Input;

impl Env {
    /// Replaces a node whose children are all constants with its value.
    pub(super) fn fold(&self, n: Node) -> Node {
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
            let mut ctx = Ctx::new(&input, &facts, self.mode, 0);
            ctx.eval(&n).into_static()
        };
        v.map_or(n, Node::Const)
    }
}
