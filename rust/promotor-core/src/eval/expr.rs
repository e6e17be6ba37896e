//! Tree-walking evaluation of compiled expressions (docs/semantics.md). Never panics, never
//! errors: every failure is `null`.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::HashMap;

use rust_decimal::Decimal;

use crate::compile::node::{Arith, Cmp, Field, Func, ItemField, Node};
use crate::input::{Input, Item};
use crate::ir::MacroOp;
use crate::num::{self, RoundMode};
use crate::time;
use crate::value::{List, Val};

/// Amounts derived once per cart: what rules see as `cart.subtotal` etc.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    pub subtotal: Option<Decimal>,
    pub quantity: Option<Decimal>,
    pub shipping: Option<Decimal>,
    /// Each line's subtotal in minor units (`price x quantity` rounded once).
    pub lines: Vec<i128>,
    /// The cart currency's exponent: `lines` in major units is `lines[i] / 10^exponent`.
    pub exponent: u32,
    /// `0..n`, so `cart.items` borrows instead of allocating (from [`IOTA`] for carts of up to
    /// its length).
    pub all: Cow<'static, [usize]>,
    pub currency: String,
}

/// `0, 1, 2, ...`: the line indices of every cart of up to 1024 lines.
pub static IOTA: [usize; 1024] = {
    let mut a = [0usize; 1024];
    let mut i = 0;
    while i < a.len() {
        a[i] = i;
        i += 1;
    }
    a
};

/// Line indices `0..n`.
pub fn all_lines(n: usize) -> Cow<'static, [usize]> {
    IOTA.get(..n)
        .map_or_else(|| Cow::Owned((0..n).collect()), Cow::Borrowed)
}

pub struct Ctx<'a> {
    pub input: &'a Input,
    pub facts: &'a Facts,
    pub vars: Vec<Val<'a>>,
    pub mode: RoundMode,
    /// Rule leaves already tested on this cart, by slot: 0 not yet, 1 false, 2 true. Empty
    /// outside a program's evaluation (then nothing is remembered).
    pub memo: Vec<u8>,
    /// Regular expressions read from the input, compiled once per distinct pattern (`None`:
    /// invalid); at most [`REGEX_CACHE`] of them at a time.
    regexes: HashMap<String, Option<regex::Regex>>,
}

/// Most compiled patterns a [`Ctx`] keeps.
pub const REGEX_CACHE: usize = 64;

impl<'a> Ctx<'a> {
    /// A context for one evaluation of `input`, with a memo of `leaves` slots.
    pub fn new(input: &'a Input, facts: &'a Facts, mode: RoundMode, leaves: usize) -> Self {
        Self {
            input,
            facts,
            vars: Vec::new(),
            mode,
            memo: vec![0; leaves],
            regexes: HashMap::new(),
        }
    }

    /// Whether `pattern` (read from the input) matches `text`; null for an invalid pattern.
    fn matches_dynamic(&mut self, text: &str, pattern: &str) -> Val<'static> {
        if !self.regexes.contains_key(pattern) {
            if self.regexes.len() >= REGEX_CACHE {
                self.regexes.clear();
            }
            let re = crate::compile::build_regex(pattern).ok();
            self.regexes.insert(pattern.to_owned(), re);
        }
        match self.regexes.get(pattern) {
            Some(Some(re)) => b(re.is_match(text)),
            _ => Val::Null,
        }
    }

    /// How many distinct patterns read from the input are compiled now.
    pub fn compiled_patterns(&self) -> usize {
        self.regexes.len()
    }
}

fn b(v: bool) -> Val<'static> {
    Val::Bool(v)
}

fn num_or_null(d: Option<Decimal>) -> Val<'static> {
    d.map_or(Val::Null, Val::Num)
}

/// `a == b`: both null, or both non-null, comparable and equal.
pub fn equal(a: &Val, b: &Val) -> bool {
    match (a, b) {
        (Val::Null, Val::Null) => true,
        (Val::Bool(x), Val::Bool(y)) => x == y,
        _ => order(a, b) == Some(Ordering::Equal),
    }
}

/// Ordering of two values of an ordered type (`num`, `str`, `timestamp`, `duration`).
pub fn order(a: &Val, b: &Val) -> Option<Ordering> {
    match (a, b) {
        (Val::Num(x), Val::Num(y)) => Some(num::cmp(x, y)),
        (Val::Str(x), Val::Str(y)) => Some(x.as_ref().cmp(y.as_ref())),
        (Val::Ts(x), Val::Ts(y)) | (Val::Dur(x), Val::Dur(y)) => Some(x.cmp(y)),
        _ => None,
    }
}

pub fn compare(op: Cmp, a: &Val, b: &Val) -> bool {
    match op {
        Cmp::Eq => equal(a, b),
        Cmp::Ne => match (a, b) {
            (Val::Bool(x), Val::Bool(y)) => x != y,
            _ => order(a, b).is_some_and(Ordering::is_ne),
        },
        Cmp::Lt => order(a, b).is_some_and(Ordering::is_lt),
        Cmp::Le => order(a, b).is_some_and(Ordering::is_le),
        Cmp::Gt => order(a, b).is_some_and(Ordering::is_gt),
        Cmp::Ge => order(a, b).is_some_and(Ordering::is_ge),
    }
}

pub fn arith<'a>(op: Arith, a: Val<'a>, b: Val<'a>) -> Val<'a> {
    match (op, a, b) {
        (Arith::Add, Val::Num(x), Val::Num(y)) => num_or_null(num::add(x, y)),
        (Arith::Sub, Val::Num(x), Val::Num(y)) => num_or_null(num::sub(x, y)),
        (Arith::Mul, Val::Num(x), Val::Num(y)) => num_or_null(num::mul(x, y)),
        (Arith::Div, Val::Num(x), Val::Num(y)) => num_or_null(num::div(x, y)),
        (Arith::Mod, Val::Num(x), Val::Num(y)) => num_or_null(num::rem(x, y)),
        (Arith::Add, Val::Str(x), Val::Str(y)) => {
            let mut s = x.into_owned();
            s.push_str(&y);
            Val::Str(Cow::Owned(s))
        }
        (Arith::Add, Val::Ts(t), Val::Dur(d)) => t
            .checked_add(d)
            .and_then(time::check_ts)
            .map_or(Val::Null, Val::Ts),
        (Arith::Sub, Val::Ts(t), Val::Dur(d)) => t
            .checked_sub(d)
            .and_then(time::check_ts)
            .map_or(Val::Null, Val::Ts),
        (Arith::Sub, Val::Ts(t), Val::Ts(u)) => t
            .checked_sub(u)
            .and_then(time::check_dur)
            .map_or(Val::Null, Val::Dur),
        (Arith::Add, Val::Dur(x), Val::Dur(y)) => x
            .checked_add(y)
            .and_then(time::check_dur)
            .map_or(Val::Null, Val::Dur),
        (Arith::Sub, Val::Dur(x), Val::Dur(y)) => x
            .checked_sub(y)
            .and_then(time::check_dur)
            .map_or(Val::Null, Val::Dur),
        _ => Val::Null,
    }
}

/// A streaming `sum`, `min` or `max`: nulls skipped; a value of the wrong type makes it null.
enum Fold<'a> {
    Sum(i128, u32),
    Extreme(Option<Val<'a>>, bool),
    Null,
}

impl<'a> Fold<'a> {
    fn new(op: MacroOp) -> Self {
        match op {
            MacroOp::Sum => Self::Sum(0, 0),
            _ => Self::Extreme(None, op == MacroOp::Max),
        }
    }

    const fn failed(&self) -> bool {
        matches!(self, Self::Null)
    }

    fn push(&mut self, v: Val<'a>) {
        if v.is_null() {
            return;
        }
        let next = match (std::mem::replace(self, Self::Null), v) {
            (Self::Sum(acc, scale), Val::Num(d)) => {
                let s = scale.max(d.scale());
                let acc = num::pow10(s - scale).and_then(|p| acc.checked_mul(p));
                let m = num::pow10(s - d.scale()).and_then(|p| d.mantissa().checked_mul(p));
                match (acc, m) {
                    (Some(acc), Some(m)) => {
                        acc.checked_add(m).map_or(Self::Null, |x| Self::Sum(x, s))
                    }
                    _ => Self::Null,
                }
            }
            (Self::Extreme(None, max), v) => {
                if matches!(v, Val::Num(_) | Val::Str(_) | Val::Ts(_) | Val::Dur(_)) {
                    Self::Extreme(Some(v), max)
                } else {
                    Self::Null
                }
            }
            (Self::Extreme(Some(cur), max), v) => match order(&v, &cur) {
                None => Self::Null,
                Some(o) if (max && o.is_gt()) || (!max && o.is_lt()) => Self::Extreme(Some(v), max),
                Some(_) => Self::Extreme(Some(cur), max),
            },
            _ => Self::Null,
        };
        *self = next;
    }

    fn finish(self) -> Val<'a> {
        match self {
            Self::Sum(acc, scale) => num_or_null(num::make(acc, scale)),
            Self::Extreme(best, _) => best.unwrap_or(Val::Null),
            Self::Null => Val::Null,
        }
    }
}

/// Least (`max == false`) or greatest of values: nulls skipped, mixed or unordered types null.
fn extreme<'a, I: Iterator<Item = Val<'a>>>(vals: I, max: bool) -> Val<'a> {
    let mut f = Fold::new(if max { MacroOp::Max } else { MacroOp::Min });
    for v in vals {
        f.push(v);
        if f.failed() {
            break;
        }
    }
    f.finish()
}

fn places(v: Option<&Val>) -> Option<u32> {
    match v {
        None => Some(0),
        Some(Val::Num(d)) => {
            if d.fract().is_zero() && *d >= Decimal::ZERO && *d <= Decimal::from(12) {
                u32::try_from(d.normalize().mantissa()).ok()
            } else {
                None
            }
        }
        Some(_) => None,
    }
}

fn membership(list: &Val, x: &Val) -> Val<'static> {
    match list {
        Val::List(l) => b((0..l.len()).any(|i| equal(&l.get(i), x))),
        _ => Val::Null,
    }
}

fn time_part(args: &[Val], f: fn(&time::Local) -> i64) -> Val<'static> {
    let Some(Val::Ts(t)) = args.first() else {
        return Val::Null;
    };
    let tz = match args.get(1) {
        None => chrono_tz::UTC,
        Some(Val::Str(name)) => match time::parse_tz(name) {
            Some(tz) => tz,
            None => return Val::Null,
        },
        Some(_) => return Val::Null,
    };
    time::local(*t, tz).map_or(Val::Null, |l| Val::Num(Decimal::from(f(&l))))
}

impl<'a> Ctx<'a> {
    fn item(&self, i: usize) -> Option<&'a Item> {
        self.input.cart.items.get(i)
    }

    fn field(&self, f: Field) -> Val<'a> {
        let input = self.input;
        let cust = input.customer.as_ref();
        match f {
            Field::CartSubtotal => num_or_null(self.facts.subtotal),
            Field::CartQuantity => num_or_null(self.facts.quantity),
            Field::CartShipping => num_or_null(self.facts.shipping),
            Field::CartItems => Val::List(List::Items(Cow::Borrowed(&*self.facts.all))),
            Field::CartCurrency => Val::Str(Cow::Borrowed(&self.facts.currency)),
            Field::CartMetadata => Val::Map(&input.cart.metadata),
            Field::CustomerId => Val::opt_str(cust.and_then(|c| c.id.as_deref())),
            Field::CustomerEmail => Val::opt_str(cust.and_then(|c| c.email.as_deref())),
            Field::CustomerSegments => Val::List(List::Strs(cust.map_or(&[], |c| &c.segments))),
            Field::CustomerOrdersCount => Val::opt_num(cust.and_then(|c| c.orders_count)),
            Field::CustomerTotalSpent => Val::opt_num(cust.and_then(|c| c.total_spent)),
            Field::CustomerCreatedAt => cust
                .and_then(|c| c.created_at)
                .and_then(time::check_ts)
                .map_or(Val::Null, Val::Ts),
            Field::CustomerBirthday => cust
                .and_then(|c| c.birthday)
                .and_then(time::check_ts)
                .map_or(Val::Null, Val::Ts),
            Field::CustomerMetadata => cust.map_or(Val::Null, |c| Val::Map(&c.metadata)),
            Field::ContextNow => time::check_ts(input.context.now).map_or(Val::Null, Val::Ts),
            Field::ContextChannel => Val::opt_str(input.context.channel.as_deref()),
            Field::ContextCountry => Val::opt_str(input.context.country.as_deref()),
            Field::ContextMetadata => Val::Map(&input.context.metadata),
        }
    }

    fn item_field(&self, v: &Val<'a>, f: ItemField) -> Val<'a> {
        let Val::Item(i) = v else { return Val::Null };
        let Some(it) = self.item(*i) else {
            return Val::Null;
        };
        match f {
            ItemField::Sku => Val::opt_str(it.sku.as_deref()),
            ItemField::Product => Val::opt_str(it.product.as_deref()),
            ItemField::Category => Val::opt_str(it.category.as_deref()),
            ItemField::Tags => Val::List(List::Strs(&it.tags)),
            ItemField::Price => Val::opt_num(Some(it.price)),
            ItemField::Quantity => Val::Num(Decimal::from(it.quantity)),
            ItemField::Subtotal => {
                num_or_null(self.facts.lines.get(*i).and_then(|m| {
                    num::from_input(crate::money::from_minor(*m, self.facts.exponent))
                }))
            }
            ItemField::Metadata => Val::Map(&it.metadata),
        }
    }

    /// Evaluates a node in a boolean position: only `true` is true.
    pub fn test(&mut self, n: &'a Node) -> bool {
        self.eval(n).truthy()
    }

    pub fn eval(&mut self, n: &'a Node) -> Val<'a> {
        match n {
            Node::Const(v) => Val::borrowed(v),
            Node::ListOf(items) => {
                let mut out = Vec::with_capacity(items.len());
                for it in items {
                    out.push(self.eval(it));
                }
                Val::List(List::Owned(out))
            }
            Node::Field(f) => self.field(*f),
            Node::Var(slot) => self.vars.get(*slot).cloned().unwrap_or(Val::Null),
            Node::ItemField(inner, f) => {
                let v = self.eval(inner);
                self.item_field(&v, *f)
            }
            Node::Key(inner, key) => match self.eval(inner) {
                Val::Map(m) => m.get(key.as_ref()).map_or(Val::Null, Val::from_meta),
                _ => Val::Null,
            },
            Node::Not(x) => b(!self.test(x)),
            Node::Neg(x) => match self.eval(x) {
                Val::Num(d) => num_or_null(num::neg(d)),
                Val::Dur(d) => d
                    .checked_neg()
                    .and_then(time::check_dur)
                    .map_or(Val::Null, Val::Dur),
                _ => Val::Null,
            },
            Node::And(x, y) => b(self.test(x) && self.test(y)),
            Node::Or(x, y) => b(self.test(x) || self.test(y)),
            Node::Cmp(op, x, y) => {
                let l = self.eval(x);
                let r = self.eval(y);
                b(compare(*op, &l, &r))
            }
            Node::In(x, l) => {
                let x = self.eval(x);
                let l = self.eval(l);
                membership(&l, &x)
            }
            Node::InStrSet(x, set, _) => match self.eval(x) {
                Val::Str(s) => b(set.contains(s.as_ref())),
                _ => b(false),
            },
            Node::Arith(op, x, y) => {
                let l = self.eval(x);
                let r = self.eval(y);
                arith(*op, l, r)
            }
            Node::Cond(c, t, e) => {
                if self.test(c) {
                    self.eval(t)
                } else {
                    self.eval(e)
                }
            }
            Node::MatchesLit(s, re, _) => match self.eval(s) {
                Val::Str(s) => b(re.is_match(&s)),
                _ => Val::Null,
            },
            Node::Call(f, args) => self.call(*f, args),
            Node::Macro {
                op,
                list,
                slot,
                body,
            } => self.macro_(*op, list, *slot, body.as_deref()),
        }
    }

    fn call(&mut self, f: Func, args: &'a [Node]) -> Val<'a> {
        if matches!(f, Func::Min | Func::Max) {
            return extreme(args.iter().map(|a| self.eval(a)), f == Func::Max);
        }
        let a0 = args.first().map_or(Val::Null, |a| self.eval(a));
        let a1 = args.get(1).map(|a| self.eval(a));
        match f {
            Func::Min | Func::Max => Val::Null,
            Func::Size => match &a0 {
                Val::Str(s) => Val::Num(Decimal::from(s.chars().count())),
                Val::List(l) => Val::Num(Decimal::from(l.len())),
                _ => Val::Null,
            },
            Func::Abs => match a0 {
                Val::Num(d) => Val::Num(d.abs()),
                _ => Val::Null,
            },
            Func::Round | Func::Floor | Func::Ceil => {
                let (Val::Num(d), Some(p)) = (&a0, places(a1.as_ref())) else {
                    return Val::Null;
                };
                let mode = match f {
                    Func::Floor => RoundMode::Floor,
                    Func::Ceil => RoundMode::Ceil,
                    _ => self.mode,
                };
                num_or_null(num::round_to(*d, p, mode))
            }
            Func::Has => b(!a0.is_null()),
            Func::Lower => match a0 {
                Val::Str(s) => Val::Str(Cow::Owned(s.to_lowercase())),
                _ => Val::Null,
            },
            Func::Upper => match a0 {
                Val::Str(s) => Val::Str(Cow::Owned(s.to_uppercase())),
                _ => Val::Null,
            },
            Func::StartsWith | Func::EndsWith => match (&a0, &a1) {
                (Val::Str(s), Some(Val::Str(t))) => b(if f == Func::StartsWith {
                    s.starts_with(t.as_ref())
                } else {
                    s.ends_with(t.as_ref())
                }),
                _ => Val::Null,
            },
            Func::Contains => match (&a0, &a1) {
                (Val::Str(s), Some(Val::Str(t))) => b(s.contains(t.as_ref())),
                (Val::List(_), Some(x)) => membership(&a0, x),
                _ => Val::Null,
            },
            Func::Matches => match (&a0, &a1) {
                (Val::Str(s), Some(Val::Str(p))) => self.matches_dynamic(s, p),
                _ => Val::Null,
            },
            Func::Timestamp => match &a0 {
                Val::Str(s) => time::parse_timestamp(s).map_or(Val::Null, Val::Ts),
                _ => Val::Null,
            },
            Func::Duration => match &a0 {
                Val::Str(s) => time::parse_duration(s).map_or(Val::Null, Val::Dur),
                _ => Val::Null,
            },
            Func::Weekday | Func::Hour | Func::Day | Func::Month | Func::Year => {
                let mut all = vec![a0];
                all.extend(a1);
                let part: fn(&time::Local) -> i64 = match f {
                    Func::Weekday => |l| i64::from(l.weekday),
                    Func::Hour => |l| i64::from(l.hour),
                    Func::Day => |l| i64::from(l.day),
                    Func::Month => |l| i64::from(l.month),
                    _ => |l| i64::from(l.year),
                };
                time_part(&all, part)
            }
        }
    }

    fn macro_(
        &mut self,
        op: MacroOp,
        list: &'a Node,
        slot: usize,
        body: Option<&'a Node>,
    ) -> Val<'a> {
        let Val::List(l) = self.eval(list) else {
            return Val::Null;
        };
        let n = l.len();
        let Some(body) = body else {
            return match op {
                MacroOp::Count => Val::Num(Decimal::from(n)),
                MacroOp::Sum | MacroOp::Min | MacroOp::Max => {
                    let mut f = Fold::new(op);
                    for i in 0..n {
                        f.push(l.get(i));
                        if f.failed() {
                            break;
                        }
                    }
                    f.finish()
                }
                _ => Val::Null,
            };
        };
        self.vars.truncate(slot);
        let out = match op {
            MacroOp::All | MacroOp::Exists | MacroOp::ExistsOne | MacroOp::Count => {
                let mut hits = 0usize;
                let mut result = None;
                for i in 0..n {
                    self.vars.push(l.get(i));
                    let t = self.test(body);
                    self.vars.pop();
                    match op {
                        MacroOp::All if !t => {
                            result = Some(false);
                            break;
                        }
                        MacroOp::Exists if t => {
                            result = Some(true);
                            break;
                        }
                        _ => hits += usize::from(t),
                    }
                }
                match op {
                    MacroOp::All => b(result.unwrap_or(true)),
                    MacroOp::Exists => b(result.unwrap_or(false)),
                    MacroOp::ExistsOne => b(hits == 1),
                    _ => Val::Num(Decimal::from(hits)),
                }
            }
            MacroOp::Filter => {
                if let List::Items(idx) = &l {
                    let mut kept = Vec::new();
                    for &i in idx.iter() {
                        self.vars.push(Val::Item(i));
                        if self.test(body) {
                            kept.push(i);
                        }
                        self.vars.pop();
                    }
                    Val::List(List::Items(Cow::Owned(kept)))
                } else {
                    let mut kept = Vec::new();
                    for i in 0..n {
                        let e = l.get(i);
                        self.vars.push(e.clone());
                        if self.test(body) {
                            kept.push(e);
                        }
                        self.vars.pop();
                    }
                    Val::List(List::Owned(kept))
                }
            }
            MacroOp::Map => {
                let mut vals = Vec::with_capacity(n);
                for i in 0..n {
                    self.vars.push(l.get(i));
                    vals.push(self.eval(body));
                    self.vars.pop();
                }
                Val::List(List::Owned(vals))
            }
            MacroOp::Sum | MacroOp::Min | MacroOp::Max => {
                let mut f = Fold::new(op);
                for i in 0..n {
                    self.vars.push(l.get(i));
                    let v = self.eval(body);
                    self.vars.pop();
                    f.push(v);
                    if f.failed() {
                        break;
                    }
                }
                f.finish()
            }
        };
        out
    }
}
