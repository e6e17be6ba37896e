//! The IR of rules: expression nodes and their operators (docs/rules.md), with the steps
//! from a node to its children that locate errors inside rules.

use serde::{Deserialize, Serialize};

/// An expression node. See docs/rules.md for the meaning of each.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Expr {
    Null,
    Bool {
        value: bool,
    },
    /// A decimal literal: `-?[0-9]+(\.[0-9]+)?`, scale kept as written.
    Num {
        value: String,
    },
    Str {
        value: String,
    },
    List {
        items: Vec<Expr>,
    },
    /// `path[0]` is a root (`cart`, `customer`, `context`) or a variable bound by an enclosing
    /// macro or item target (`item` for the builder). Keys after `metadata` are metadata keys.
    Field {
        path: Vec<String>,
    },
    Unary {
        op: UnaryOp,
        arg: Box<Expr>,
    },
    Binary {
        op: BinaryOp,
        left: Box<Expr>,
        right: Box<Expr>,
    },
    /// `if ? then : else`
    Cond {
        #[serde(rename = "if")]
        cond: Box<Expr>,
        then: Box<Expr>,
        #[serde(rename = "else")]
        otherwise: Box<Expr>,
    },
    /// A function call. Methods take their receiver as `args[0]`
    /// (`s.startsWith("a")` is `call startsWith [s, "a"]`).
    Call {
        #[serde(rename = "fn")]
        func: String,
        args: Vec<Expr>,
    },
    /// `list.op(var, body)`; `count`, `sum`, `min`, `max` also come without var and body.
    Macro {
        op: MacroOp,
        list: Box<Expr>,
        #[serde(default)]
        var: Option<String>,
        #[serde(default)]
        body: Option<Box<Expr>>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnaryOp {
    Not,
    Neg,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BinaryOp {
    And,
    Or,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    In,
    Add,
    Sub,
    Mul,
    Div,
    Mod,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MacroOp {
    All,
    Exists,
    ExistsOne,
    Filter,
    Map,
    Count,
    Sum,
    Min,
    Max,
}

impl MacroOp {
    /// Every macro, in declaration order (for tests that must cover them all).
    pub const ALL: [Self; 9] = [
        Self::All,
        Self::Exists,
        Self::ExistsOne,
        Self::Filter,
        Self::Map,
        Self::Count,
        Self::Sum,
        Self::Min,
        Self::Max,
    ];

    pub const fn name(self) -> &'static str {
        match self {
            Self::All => "all",
            Self::Exists => "exists",
            Self::ExistsOne => "exists_one",
            Self::Filter => "filter",
            Self::Map => "map",
            Self::Count => "count",
            Self::Sum => "sum",
            Self::Min => "min",
            Self::Max => "max",
        }
    }
}

impl BinaryOp {
    /// Every operator, in declaration order (for tests that must cover them all).
    pub const ALL: [Self; 14] = [
        Self::And,
        Self::Or,
        Self::Eq,
        Self::Ne,
        Self::Lt,
        Self::Le,
        Self::Gt,
        Self::Ge,
        Self::In,
        Self::Add,
        Self::Sub,
        Self::Mul,
        Self::Div,
        Self::Mod,
    ];

    /// `== != < <= > >= in`: the comparisons, whose operands a failing rule reports.
    pub const fn is_comparison(self) -> bool {
        matches!(
            self,
            Self::Eq | Self::Ne | Self::Lt | Self::Le | Self::Gt | Self::Ge | Self::In
        )
    }

    /// The operator as written in rule text.
    pub const fn symbol(self) -> &'static str {
        match self {
            Self::And => "&&",
            Self::Or => "||",
            Self::Eq => "==",
            Self::Ne => "!=",
            Self::Lt => "<",
            Self::Le => "<=",
            Self::Gt => ">",
            Self::Ge => ">=",
            Self::In => "in",
            Self::Add => "+",
            Self::Sub => "-",
            Self::Mul => "*",
            Self::Div => "/",
            Self::Mod => "%",
        }
    }
}

/// One step from an expression node to a child: the field's name as serialized, and the index
/// inside a list field (`("args", Some(1))`, `("left", None)`). Locations of errors inside
/// rules are paths of these.
pub type Step = (&'static str, Option<usize>);

impl Expr {
    /// Each child with its [`Step`], in the order the fields are written (and parsed).
    pub fn for_each_child<'e>(&'e self, mut f: impl FnMut(Step, &'e Expr)) {
        match self {
            Self::Null
            | Self::Bool { .. }
            | Self::Num { .. }
            | Self::Str { .. }
            | Self::Field { .. } => {}
            Self::List { items } => {
                for (i, x) in items.iter().enumerate() {
                    f(("items", Some(i)), x);
                }
            }
            Self::Unary { arg, .. } => f(("arg", None), arg),
            Self::Binary { left, right, .. } => {
                f(("left", None), left);
                f(("right", None), right);
            }
            Self::Cond {
                cond,
                then,
                otherwise,
            } => {
                f(("if", None), cond);
                f(("then", None), then);
                f(("else", None), otherwise);
            }
            Self::Call { args, .. } => {
                for (i, x) in args.iter().enumerate() {
                    f(("args", Some(i)), x);
                }
            }
            Self::Macro { list, body, .. } => {
                f(("list", None), list);
                if let Some(b) = body {
                    f(("body", None), b);
                }
            }
        }
    }

    /// The child at `step`, if there is one.
    pub fn child(&self, step: Step) -> Option<&Expr> {
        let mut found = None;
        self.for_each_child(|s, e| {
            if s == step {
                found = Some(e);
            }
        });
        found
    }

    pub fn num(value: impl Into<String>) -> Self {
        Self::Num {
            value: value.into(),
        }
    }

    pub fn str(value: impl Into<String>) -> Self {
        Self::Str {
            value: value.into(),
        }
    }

    pub fn field<I, S>(path: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self::Field {
            path: path.into_iter().map(Into::into).collect(),
        }
    }

    pub fn binary(op: BinaryOp, left: Expr, right: Expr) -> Self {
        Self::Binary {
            op,
            left: Box::new(left),
            right: Box::new(right),
        }
    }

    pub fn call(func: impl Into<String>, args: Vec<Expr>) -> Self {
        Self::Call {
            func: func.into(),
            args,
        }
    }
}
