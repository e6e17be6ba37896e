//! Tree-walking evaluation of compiled expressions (docs/semantics.md). Never panics, never
//! errors: every failure is `null`.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::HashMap;

use rust_decimal::Decimal;

use crate::compile::node::{Arith, Cmp, Field, ItemField, Node};
use crate::input::{Input, Item};
use crate::ir::MacroOp;
use crate::num::{self, RoundMode};
use crate::time;
use crate::value::{List, Value};

mod call;

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
    /// Each shipping method's amount in minor units (its price rounded once); their sum is
    /// the shipping.
    pub methods: Vec<i128>,
    /// The methods as rules read them, made on first use (most rules never read them).
    pub maps: std::cell::OnceCell<Vec<crate::input::MetaValue>>,
}

impl Facts {
    /// `cart.shipping_methods`' elements: one map per method.
    pub fn method_maps(&self, input: &Input) -> &[crate::input::MetaValue] {
        self.maps
            .get_or_init(|| crate::eval::effects::shipping::maps(input))
    }
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
    pub vars: Vec<Value<'a>>,
    pub mode: RoundMode,
    /// Rule leaves already tested on this cart, by slot: 0 not yet, 1 false, 2 true. Empty
    /// outside a program's evaluation (then nothing is remembered).
    pub memo: Vec<u8>,
    /// Regular expressions read from the input, compiled once per distinct pattern (`None`:
    /// invalid); at most [`REGEX_CACHE`] of them at a time. Made on first use: most rules
    /// read no pattern from the input. Boxed so a `Ctx` (made per cart) carries one pointer,
    /// not a map's hasher state.
    #[allow(clippy::box_collection)]
    regexes: Option<Box<HashMap<String, Option<regex::Regex>>>>,
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
            regexes: None,
        }
    }

    /// Whether `pattern` (read from the input) matches `text`; null for an invalid pattern.
    fn matches_dynamic(&mut self, text: &str, pattern: &str) -> Value<'static> {
        let cache = self.regexes.get_or_insert_with(Box::default);
        if !cache.contains_key(pattern) {
            if cache.len() >= REGEX_CACHE {
                cache.clear();
            }
            let re = crate::compile::build_regex(pattern).ok();
            cache.insert(pattern.to_owned(), re);
        }
        match cache.get(pattern) {
            Some(Some(re)) => b(re.is_match(text)),
            _ => Value::Null,
        }
    }

    /// How many distinct patterns read from the input are compiled now.
    pub fn compiled_patterns(&self) -> usize {
        self.regexes.as_ref().map_or(0, |c| c.len())
    }
}

fn b(v: bool) -> Value<'static> {
    Value::Bool(v)
}

fn num_or_null(d: Option<Decimal>) -> Value<'static> {
    d.map_or(Value::Null, Value::Num)
}

/// `a == b`: both null, or both non-null, comparable and equal.
pub fn equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Null, Value::Null) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        _ => order(a, b) == Some(Ordering::Equal),
    }
}

/// Ordering of two values of an ordered type (`num`, `str`, `timestamp`, `duration`).
pub fn order(a: &Value, b: &Value) -> Option<Ordering> {
    match (a, b) {
        (Value::Num(x), Value::Num(y)) => Some(num::cmp(x, y)),
        (Value::Str(x), Value::Str(y)) => Some(x.as_ref().cmp(y.as_ref())),
        (Value::Ts(x), Value::Ts(y)) | (Value::Dur(x), Value::Dur(y)) => Some(x.cmp(y)),
        _ => None,
    }
}

pub fn compare(op: Cmp, a: &Value, b: &Value) -> bool {
    match op {
        Cmp::Eq => equal(a, b),
        Cmp::Ne => match (a, b) {
            (Value::Bool(x), Value::Bool(y)) => x != y,
            _ => order(a, b).is_some_and(Ordering::is_ne),
        },
        Cmp::Lt => order(a, b).is_some_and(Ordering::is_lt),
        Cmp::Le => order(a, b).is_some_and(Ordering::is_le),
        Cmp::Gt => order(a, b).is_some_and(Ordering::is_gt),
        Cmp::Ge => order(a, b).is_some_and(Ordering::is_ge),
    }
}

pub fn arith<'a>(op: Arith, a: Value<'a>, b: Value<'a>) -> Value<'a> {
    match (op, a, b) {
        (Arith::Add, Value::Num(x), Value::Num(y)) => num_or_null(num::add(x, y)),
        (Arith::Sub, Value::Num(x), Value::Num(y)) => num_or_null(num::sub(x, y)),
        (Arith::Mul, Value::Num(x), Value::Num(y)) => num_or_null(num::mul(x, y)),
        (Arith::Div, Value::Num(x), Value::Num(y)) => num_or_null(num::div(x, y)),
        (Arith::Mod, Value::Num(x), Value::Num(y)) => num_or_null(num::rem(x, y)),
        (Arith::Add, Value::Str(x), Value::Str(y)) => {
            let mut s = x.into_owned();
            s.push_str(&y);
            Value::Str(Cow::Owned(s))
        }
        (Arith::Add, Value::Ts(t), Value::Dur(d)) => t
            .checked_add(d)
            .and_then(time::check_ts)
            .map_or(Value::Null, Value::Ts),
        (Arith::Sub, Value::Ts(t), Value::Dur(d)) => t
            .checked_sub(d)
            .and_then(time::check_ts)
            .map_or(Value::Null, Value::Ts),
        (Arith::Sub, Value::Ts(t), Value::Ts(u)) => t
            .checked_sub(u)
            .and_then(time::check_dur)
            .map_or(Value::Null, Value::Dur),
        (Arith::Add, Value::Dur(x), Value::Dur(y)) => x
            .checked_add(y)
            .and_then(time::check_dur)
            .map_or(Value::Null, Value::Dur),
        (Arith::Sub, Value::Dur(x), Value::Dur(y)) => x
            .checked_sub(y)
            .and_then(time::check_dur)
            .map_or(Value::Null, Value::Dur),
        _ => Value::Null,
    }
}

/// A streaming `sum`, `min` or `max`: nulls skipped; a value of the wrong type makes it null.
enum Fold<'a> {
    Sum(i128, u32),
    Extreme(Option<Value<'a>>, bool),
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

    fn push(&mut self, v: Value<'a>) {
        if v.is_null() {
            return;
        }
        let next = match (std::mem::replace(self, Self::Null), v) {
            (Self::Sum(acc, scale), Value::Num(d)) => {
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
                if matches!(
                    v,
                    Value::Num(_) | Value::Str(_) | Value::Ts(_) | Value::Dur(_)
                ) {
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

    fn finish(self) -> Value<'a> {
        match self {
            Self::Sum(acc, scale) => num_or_null(num::make(acc, scale)),
            Self::Extreme(best, _) => best.unwrap_or(Value::Null),
            Self::Null => Value::Null,
        }
    }
}

/// Least (`max == false`) or greatest of values: nulls skipped, mixed or unordered types null.
fn extreme<'a, I: Iterator<Item = Value<'a>>>(vals: I, max: bool) -> Value<'a> {
    let mut f = Fold::new(if max { MacroOp::Max } else { MacroOp::Min });
    for v in vals {
        f.push(v);
        if f.failed() {
            break;
        }
    }
    f.finish()
}

fn places(v: Option<&Value>) -> Option<u32> {
    match v {
        None => Some(0),
        Some(Value::Num(d)) => {
            if d.fract().is_zero() && *d >= Decimal::ZERO && *d <= Decimal::from(12) {
                u32::try_from(d.normalize().mantissa()).ok()
            } else {
                None
            }
        }
        Some(_) => None,
    }
}

/// A value's identity under `==` (numbers by value, `1.0` as `1`), for `distinct`; `None` for
/// values equal to nothing.
#[derive(PartialEq, Eq, Hash)]
enum DistinctKey {
    Null,
    Bool(bool),
    Num(Decimal),
    Str(String),
    Ts(i64),
    Dur(i64),
}

fn distinct_key(v: &Value) -> Option<DistinctKey> {
    Some(match v {
        Value::Null => DistinctKey::Null,
        Value::Bool(b) => DistinctKey::Bool(*b),
        Value::Num(d) => DistinctKey::Num(d.normalize()),
        Value::Str(s) => DistinctKey::Str(s.to_string()),
        Value::Ts(t) => DistinctKey::Ts(*t),
        Value::Dur(d) => DistinctKey::Dur(*d),
        Value::Item(_) | Value::List(_) | Value::Map(_) => return None,
    })
}

fn membership(list: &Value, x: &Value) -> Value<'static> {
    match list {
        Value::List(l) => b((0..l.len()).any(|i| equal(&l.get(i), x))),
        _ => Value::Null,
    }
}

/// An optional timezone argument: UTC when absent, `None` when not a known name.
impl<'a> Ctx<'a> {
    fn item(&self, i: usize) -> Option<&'a Item> {
        self.input.cart.items.get(i)
    }

    fn field(&self, f: Field) -> Value<'a> {
        let input = self.input;
        let cust = input.customer.as_ref();
        match f {
            Field::CartSubtotal => num_or_null(self.facts.subtotal),
            Field::CartQuantity => num_or_null(self.facts.quantity),
            Field::CartShipping => num_or_null(self.facts.shipping),
            Field::CartItems => Value::List(List::Items(Cow::Borrowed(&*self.facts.all))),
            Field::CartCurrency => Value::Str(Cow::Borrowed(&self.facts.currency)),
            Field::CartMetadata => Value::Map(&input.cart.metadata),
            Field::CartShippingMethods => {
                Value::List(List::Meta(self.facts.method_maps(self.input)))
            }
            Field::CustomerId => Value::opt_str(cust.and_then(|c| c.id.as_deref())),
            Field::CustomerEmail => Value::opt_str(cust.and_then(|c| c.email.as_deref())),
            Field::CustomerSegments => Value::List(List::Strs(cust.map_or(&[], |c| &c.segments))),
            Field::CustomerOrdersCount => Value::opt_num(cust.and_then(|c| c.orders_count)),
            Field::CustomerTotalSpent => Value::opt_num(cust.and_then(|c| c.total_spent)),
            Field::CustomerCreatedAt => cust
                .and_then(|c| c.created_at)
                .and_then(time::check_ts)
                .map_or(Value::Null, Value::Ts),
            Field::CustomerBirthday => cust
                .and_then(|c| c.birthday)
                .and_then(time::check_ts)
                .map_or(Value::Null, Value::Ts),
            Field::CustomerMetadata => cust.map_or(Value::Null, |c| Value::Map(&c.metadata)),
            Field::ContextNow => time::check_ts(input.context.now).map_or(Value::Null, Value::Ts),
            Field::ContextChannel => Value::opt_str(input.context.channel.as_deref()),
            Field::ContextCountry => Value::opt_str(input.context.country.as_deref()),
            Field::ContextMetadata => Value::Map(&input.context.metadata),
        }
    }

    fn item_field(&self, v: &Value<'a>, f: ItemField) -> Value<'a> {
        let Value::Item(i) = v else {
            return Value::Null;
        };
        let Some(it) = self.item(*i) else {
            return Value::Null;
        };
        match f {
            ItemField::Sku => Value::opt_str(it.sku.as_deref()),
            ItemField::Product => Value::opt_str(it.product.as_deref()),
            ItemField::Category => Value::opt_str(it.category.as_deref()),
            ItemField::Tags => Value::List(List::Strs(&it.tags)),
            ItemField::Price => Value::opt_num(Some(it.price)),
            ItemField::Quantity => Value::Num(Decimal::from(it.quantity)),
            ItemField::Subtotal => {
                num_or_null(self.facts.lines.get(*i).and_then(|m| {
                    num::from_input(crate::money::from_minor(*m, self.facts.exponent))
                }))
            }
            ItemField::Metadata => Value::Map(&it.metadata),
        }
    }

    /// Evaluates a node in a boolean position: only `true` is true.
    pub fn test(&mut self, n: &'a Node) -> bool {
        self.eval(n).truthy()
    }

    /// [`Ctx::test`] of a predicate whose slot 0 is `it` (an item, a shipping method), with
    /// no other variable in scope. Effects call it outside any binding, per line: then `vars`
    /// is empty and its buffer is reused rather than set aside (which would allocate a new
    /// one for every line).
    pub fn test_on(&mut self, n: &'a Node, it: Value<'a>) -> bool {
        if self.vars.is_empty() {
            self.vars.push(it);
            let r = self.test(n);
            self.vars.clear();
            return r;
        }
        let saved = std::mem::take(&mut self.vars);
        self.vars.push(it);
        let r = self.test(n);
        self.vars = saved;
        r
    }

    pub fn eval(&mut self, n: &'a Node) -> Value<'a> {
        match n {
            Node::Const(v) => Value::borrowed(v),
            Node::ListOf(items) => {
                let mut out = Vec::with_capacity(items.len());
                for it in items {
                    out.push(self.eval(it));
                }
                Value::List(List::Owned(out))
            }
            Node::Field(f) => self.field(*f),
            Node::Var(slot) => self.vars.get(*slot).cloned().unwrap_or(Value::Null),
            Node::ItemField(inner, f) => {
                let v = self.eval(inner);
                self.item_field(&v, *f)
            }
            Node::Key(inner, key) => match self.eval(inner) {
                Value::Map(m) => m.get(key.as_ref()).map_or(Value::Null, Value::from_meta),
                _ => Value::Null,
            },
            Node::Not(x) => b(!self.test(x)),
            Node::Neg(x) => match self.eval(x) {
                Value::Num(d) => num_or_null(num::neg(d)),
                Value::Dur(d) => d
                    .checked_neg()
                    .and_then(time::check_dur)
                    .map_or(Value::Null, Value::Dur),
                _ => Value::Null,
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
                Value::Str(s) => b(set.contains(s.as_ref())),
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
                Value::Str(s) => b(re.is_match(&s)),
                _ => Value::Null,
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

    fn macro_(
        &mut self,
        op: MacroOp,
        list: &'a Node,
        slot: usize,
        body: Option<&'a Node>,
    ) -> Value<'a> {
        let Value::List(l) = self.eval(list) else {
            return Value::Null;
        };
        let n = l.len();
        let Some(body) = body else {
            return match op {
                MacroOp::Count => Value::Num(Decimal::from(n)),
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
                _ => Value::Null,
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
                    _ => Value::Num(Decimal::from(hits)),
                }
            }
            MacroOp::Filter => {
                if let List::Items(idx) = &l {
                    let mut kept = Vec::new();
                    for &i in idx.iter() {
                        self.vars.push(Value::Item(i));
                        if self.test(body) {
                            kept.push(i);
                        }
                        self.vars.pop();
                    }
                    Value::List(List::Items(Cow::Owned(kept)))
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
                    Value::List(List::Owned(kept))
                }
            }
            MacroOp::Map => {
                let mut vals = Vec::with_capacity(n);
                for i in 0..n {
                    self.vars.push(l.get(i));
                    vals.push(self.eval(body));
                    self.vars.pop();
                }
                Value::List(List::Owned(vals))
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
