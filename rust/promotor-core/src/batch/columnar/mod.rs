//! Columnar pruning for batch evaluation (issue 16): per chunk, each campaign's cheap
//! conditions are decided over whole Arrow columns into a bitmap of the orders it may still
//! apply to. An order whose campaigns are all excluded is priced without the interpreter
//! ([`crate::compile::Program::price_plain`]); the others are priced with the excluded
//! campaigns skipped where their rules would have been tested
//! ([`crate::compile::Program::price_selected`]). Both give what [`crate::compile::Program::price`]
//! gives, since a campaign whose rules are false is dropped without a trace when rejections
//! are not explained.
//!
//! Soundness: every leaf kind answers "may be true" exactly or conservatively (a column it
//! does not know, a value it cannot read: "may"), and `&&`/`||` combine the answers as the
//! rule does (`plan.rs`). A row that the validator refuses fails the whole call anyway, so
//! only valid rows need exact answers.
//!
//! - `plan.rs`: which leaves of the compiled rules columns decide
//! - `segments.rs`: `customer.segments.contains(s)`
//! - `amounts.rs`: `cart.subtotal op c`, `cart.quantity op c`
//! - `items.rs`: `cart.items.exists(item, pred)` over sku, product, category, quantity, price
//! - `window.rs`: the campaign's `active`/`starts_at`/`ends_at` and `context.now op t`
//! - `codes.rs`: a code-only campaign needs the order to give some code

pub mod amounts;
pub mod bits;
pub mod codes;
pub mod items;
pub mod plan;
pub mod segments;
pub mod window;

use std::cell::OnceCell;
use std::cmp::Ordering;

use arrow_array::RecordBatch;

pub use bits::Bits;
use plan::{Cond, Leaf, Plan};

use crate::arrow::read::StrCol;
use crate::compile::node::Cmp;
use crate::input::Timestamp;
use crate::num::RoundMode;

/// What the leaves read of one chunk.
pub struct Chunk<'a> {
    pub orders: &'a RecordBatch,
    /// Items are nested in the orders table (not in a separate lines table).
    pub nested: bool,
    /// The engine's currency and its places, and its rounding.
    pub currency: &'a str,
    pub exponent: u32,
    pub mode: RoundMode,
    /// `context.now` of orders without `created_at`.
    pub clock: Timestamp,
}

impl Chunk<'_> {
    pub fn len(&self) -> usize {
        self.orders.num_rows()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Which orders of a chunk each campaign may apply to.
#[derive(Debug, Clone)]
pub struct Selection {
    /// By campaign index; `None`: every order.
    pub campaigns: Vec<Option<Bits>>,
    /// Orders some campaign may apply to.
    pub any: Bits,
}

impl Selection {
    /// Whether campaign `ci` may apply to order `i`.
    pub fn may(&self, ci: usize, i: usize) -> bool {
        self.campaigns
            .get(ci)
            .is_none_or(|b| b.as_ref().is_none_or(|b| b.get(i)))
    }
}

/// Decides the plan's conditions over one chunk.
pub fn select(plan: &Plan, chunk: &Chunk<'_>) -> Selection {
    let n = chunk.len();
    let cache = Cache::default();
    let leaves: Vec<Option<Bits>> = plan.leaves.iter().map(|l| cache.leaf(l, chunk)).collect();
    let mut any = Bits::zeros(n);
    let campaigns = plan
        .campaigns
        .iter()
        .map(|c| {
            let Some(c) = c else {
                any = Bits::ones(n);
                return None;
            };
            let mut may = window::active(c, chunk, &cache);
            if c.needs_code {
                and(&mut may, cache.codes(chunk));
            }
            and(&mut may, combine(&c.cond, &leaves));
            match may {
                None => {
                    any = Bits::ones(n);
                    None
                }
                Some(b) => {
                    any.or_with(&b);
                    Some(b)
                }
            }
        })
        .collect();
    Selection { campaigns, any }
}

/// `may &= other` where `None` is "every order".
fn and(may: &mut Option<Bits>, other: Option<Bits>) {
    match (may.as_mut(), other) {
        (_, None) => {}
        (None, Some(o)) => *may = Some(o),
        (Some(m), Some(o)) => m.and_with(&o),
    }
}

fn combine(c: &Cond, leaves: &[Option<Bits>]) -> Option<Bits> {
    match c {
        Cond::Any => None,
        Cond::Leaf(i) => leaves.get(*i).cloned().flatten(),
        Cond::And(a, b) => {
            let mut x = combine(a, leaves);
            and(&mut x, combine(b, leaves));
            x
        }
        Cond::Or(a, b) => {
            let mut x = combine(a, leaves)?;
            x.or_with(&combine(b, leaves)?);
            Some(x)
        }
    }
}

/// Whether `a op b` holds when `a` and `b` compare as `ord` (`eval::expr::compare` on two
/// values of one ordered type).
pub(crate) fn holds(op: Cmp, ord: Ordering) -> bool {
    match op {
        Cmp::Eq => ord.is_eq(),
        Cmp::Ne => ord.is_ne(),
        Cmp::Lt => ord.is_lt(),
        Cmp::Le => ord.is_le(),
        Cmp::Gt => ord.is_gt(),
        Cmp::Ge => ord.is_ge(),
    }
}

/// Per-chunk values several leaves read, computed once.
#[derive(Default)]
pub struct Cache {
    amounts: OnceCell<Option<amounts::Amounts>>,
    now: OnceCell<Option<Vec<Timestamp>>>,
    codes: OnceCell<Option<Bits>>,
}

impl Cache {
    fn leaf(&self, leaf: &Leaf, chunk: &Chunk<'_>) -> Option<Bits> {
        match leaf {
            Leaf::Segment(s) => segments::contains(chunk, s),
            Leaf::Subtotal(op, c) => self.amounts(chunk)?.subtotal(*op, *c),
            Leaf::Quantity(op, c) => self.amounts(chunk)?.quantity(*op, *c),
            Leaf::Items(p) => items::exists(chunk, p),
            Leaf::Now(op, t) => Some(window::now_cmp(self.now(chunk)?, *op, *t)),
        }
    }

    fn amounts(&self, chunk: &Chunk<'_>) -> Option<&amounts::Amounts> {
        self.amounts
            .get_or_init(|| amounts::Amounts::read(chunk))
            .as_ref()
    }

    fn now(&self, chunk: &Chunk<'_>) -> Option<&[Timestamp]> {
        self.now.get_or_init(|| window::now(chunk)).as_deref()
    }

    fn codes(&self, chunk: &Chunk<'_>) -> Option<Bits> {
        self.codes.get_or_init(|| codes::given(chunk)).clone()
    }
}

/// Tests string values with `f`, a dictionary's values once each.
pub(crate) struct StrTest<'a, F> {
    col: StrCol<'a>,
    /// Per dictionary value, `f` of it.
    dict: Option<Vec<bool>>,
    f: F,
}

impl<'a, F: Fn(Option<&str>) -> bool> StrTest<'a, F> {
    pub fn new(col: StrCol<'a>, f: F) -> Self {
        let dict = col
            .dictionary_len()
            .map(|len| (0..len).map(|k| f(col.dictionary_value(k))).collect());
        Self { col, dict, f }
    }

    /// `f` of element `i`.
    pub fn test(&self, i: usize) -> bool {
        match &self.dict {
            Some(d) => match self.col.key(i).and_then(|k| d.get(k)) {
                Some(v) => *v,
                None => (self.f)(None),
            },
            None => (self.f)(self.col.get(i)),
        }
    }
}

#[cfg(test)]
mod tests;
