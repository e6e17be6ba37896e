//! The compiled form of expressions: a node tree with resolved slots, evaluated by `eval::expr`.

use std::collections::HashSet;

use regex::Regex;

use crate::ir::MacroOp;
pub use crate::schema::{Field, ItemField};
use crate::value::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arith {
    Add,
    Sub,
    Mul,
    Div,
    Mod,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Func {
    Size,
    Min,
    Max,
    Abs,
    Round,
    Floor,
    Ceil,
    Has,
    Lower,
    Upper,
    StartsWith,
    EndsWith,
    Contains,
    Matches,
    Timestamp,
    Duration,
    Weekday,
    Hour,
    Day,
    Month,
    Year,
    /// `a.any_of(b)`: some element of list `a` equals some element of list `b`.
    AnyOf,
    /// `l.distinct()`: the elements of `l` without those equal to an earlier one.
    Distinct,
    /// `date(s)` / `date(t, tz)`: a date (midnight UTC of a calendar day; `crate::dates`).
    Date,
    /// `anniversary(t, year)`: `t`'s month and day in `year`.
    Anniversary,
    /// `next_anniversary(t, now, tz)`: the first on or after `now`'s date.
    NextAnniversary,
    /// `last_anniversary(t, now, tz)`: the last on or before `now`'s date.
    LastAnniversary,
    /// `days_between(a, b)`: whole days from `a` to `b`.
    DaysBetween,
}

#[derive(Debug, Clone)]
pub enum Node {
    Const(Value<'static>),
    /// A list literal with non-constant elements.
    ListOf(Vec<Node>),
    Field(Field),
    /// A variable bound by a macro or an item predicate, by stack slot.
    Var(usize),
    /// A field of the item the inner node evaluates to.
    ItemField(Box<Node>, ItemField),
    /// A metadata key of the map the inner node evaluates to.
    Key(Box<Node>, Box<str>),
    Not(Box<Node>),
    Neg(Box<Node>),
    And(Box<Node>, Box<Node>),
    Or(Box<Node>, Box<Node>),
    Cmp(Cmp, Box<Node>, Box<Node>),
    In(Box<Node>, Box<Node>),
    /// `x in [string literals]`, with the literal list kept for reporting.
    InStrSet(Box<Node>, HashSet<Box<str>>, Box<Node>),
    Arith(Arith, Box<Node>, Box<Node>),
    Cond(Box<Node>, Box<Node>, Box<Node>),
    Call(Func, Vec<Node>),
    /// `s.matches("literal")`, precompiled; the pattern node is kept for reporting.
    MatchesLit(Box<Node>, Regex, Box<Node>),
    Macro {
        op: MacroOp,
        list: Box<Node>,
        slot: usize,
        body: Option<Box<Node>>,
    },
}

/// A campaign or tier condition: the `&&`/`||` structure kept as written, over leaves.
#[derive(Debug, Clone)]
pub enum Rule {
    And(Box<Rule>, Box<Rule>),
    Or(Box<Rule>, Box<Rule>),
    Leaf(Box<Leaf>),
}

#[derive(Debug, Clone)]
pub struct Leaf {
    /// The original IR leaf, printed as rule text.
    pub text: String,
    pub node: Node,
    /// Its slot in the per-evaluation memo: leaves of the same text share one, so a condition
    /// that many campaigns test (a segment, a category) is evaluated once per cart.
    pub slot: usize,
}

impl Rule {
    /// Every leaf, left to right.
    pub fn leaves_mut(&mut self, f: &mut impl FnMut(&mut Leaf)) {
        match self {
            Self::And(a, b) | Self::Or(a, b) => {
                a.leaves_mut(f);
                b.leaves_mut(f);
            }
            Self::Leaf(l) => f(l),
        }
    }
}
