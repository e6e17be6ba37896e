//! Field paths -> slots: roots and their fields from the schema table (`crate::schema`),
//! variables bound by macros and item predicates, and metadata keys.

use super::bounds::{MAX_LINES, MAX_LIST, MAX_STRING_BYTES};
use super::expr::{Env, Ty, Typed};
use super::literal::did_you_mean;
use super::node::Node;
use crate::error::ErrorKind;
use crate::ir::Expr;
use crate::schema::{self, FieldType, Slot};

/// The static type and size bounds of a schema field.
fn field_type(t: FieldType) -> (Ty, u64, u64) {
    match t {
        FieldType::Num => (Ty::Num, 0, 0),
        FieldType::Str => (Ty::Str, MAX_STRING_BYTES, 0),
        FieldType::Timestamp => (Ty::Ts, 0, 0),
        FieldType::Strs => (Ty::List(Box::new(Ty::Str)), MAX_STRING_BYTES, MAX_LIST),
        FieldType::Items => (Ty::List(Box::new(Ty::Item)), 0, MAX_LINES),
        FieldType::Methods => (
            Ty::List(Box::new(Ty::Method)),
            0,
            crate::input::MAX_METHODS as u64,
        ),
        FieldType::Map => (Ty::Map, 0, 0),
    }
}

fn unknown(name: String, candidates: &[String]) -> ErrorKind {
    let suggestion = did_you_mean(&name, candidates.iter().map(String::as_str)).map(str::to_owned);
    ErrorKind::UnknownField { name, suggestion }
}

impl Env {
    pub(super) fn field(&mut self, e: &Expr, path: &[String]) -> Typed {
        let Some(root) = path.first() else {
            return self.err(ErrorKind::Invalid {
                message: "empty field path".to_owned(),
            });
        };
        if let Some(slot) = self.vars.iter().rposition(|v| &v.name == root) {
            let (ty, len) = (self.vars[slot].ty.clone(), self.vars[slot].len);
            let start = Typed::sized(Node::Var(slot), ty, len, 0);
            return self.access(e, start, root, &path[1..]);
        }
        if !matches!(root.as_str(), "cart" | "customer" | "context") {
            if root == "item" || root == "method" {
                return self.err(ErrorKind::NotInScope { name: root.clone() });
            }
            let mut cands: Vec<String> = vec!["cart".into(), "customer".into(), "context".into()];
            cands.extend(self.vars.iter().map(|v| v.name.clone()));
            return self.err(unknown(path.join("."), &cands));
        }
        let Some(name) = path.get(1) else {
            return self.err(ErrorKind::NotAValue { name: root.clone() });
        };
        let Some(def) = schema::lookup(root, name) else {
            let cands: Vec<String> = schema::fields_of(root)
                .map(|d| format!("{}.{}", d.root, d.name))
                .collect();
            return self.err(unknown(path.join("."), &cands));
        };
        let Slot::Field(field) = def.slot else {
            return self.err(unknown(path.join("."), &[]));
        };
        let (ty, len, count) = field_type(def.ty);
        let start = Typed::sized(Node::Field(field), ty, len, count);
        self.access(e, start, &format!("{root}.{name}"), &path[2..])
    }

    /// `start` followed by the path `rest`: item fields on an item, keys on a map.
    fn access(&mut self, e: &Expr, start: Typed, prefix: &str, rest: &[String]) -> Typed {
        let mut out = start;
        let mut prefix = prefix.to_owned();
        for key in rest {
            match out.ty {
                Ty::Item => {
                    let found = schema::lookup("item", key).and_then(|d| match d.slot {
                        Slot::Item(f) => Some((f, d.ty)),
                        Slot::Field(_) | Slot::Method => None,
                    });
                    let Some((f, t)) = found else {
                        let cands: Vec<String> = schema::fields_of("item")
                            .map(|d| format!("{prefix}.{}", d.name))
                            .collect();
                        return self.err(unknown(format!("{prefix}.{key}"), &cands));
                    };
                    let (ty, len, count) = field_type(t);
                    out = Typed::sized(Node::ItemField(Box::new(out.node), f), ty, len, count);
                }
                Ty::Method => {
                    // A method is a map of its fields at run time; the names and types are
                    // the schema's.
                    let Some(d) = schema::lookup("method", key) else {
                        let cands: Vec<String> = schema::fields_of("method")
                            .map(|d| format!("{prefix}.{}", d.name))
                            .collect();
                        return self.err(unknown(format!("{prefix}.{key}"), &cands));
                    };
                    let (ty, len, count) = field_type(d.ty);
                    out =
                        Typed::sized(Node::Key(Box::new(out.node), d.name.into()), ty, len, count);
                }
                Ty::Map | Ty::Dyn => {
                    self.work(super::bounds::bytes(key.len() as u64));
                    out = Typed::sized(
                        Node::Key(Box::new(out.node), key.as_str().into()),
                        Ty::Dyn,
                        MAX_STRING_BYTES,
                        MAX_LIST,
                    );
                }
                other => {
                    let what = format!("'.{key}'");
                    return self.type_err(e, what, "an item or a map before it", other);
                }
            }
            prefix.push('.');
            prefix.push_str(key);
        }
        out
    }
}
