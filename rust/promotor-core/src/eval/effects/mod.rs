//! Effects: each computes a discount in minor units on the cart's current amounts
//! (docs/semantics.md, "Current amounts", "Targets", "Effects"). One file per effect: its
//! compiled type, how it compiles from the IR, and its [`Effect`] implementation; [`compile`]
//! is the one place that lists them. Nothing outside an effect's file looks at its kind.

pub mod amount_off;
pub mod buy_x_get_y;
pub mod fixed_price;
pub mod gift;
pub mod percent_off;
pub mod several;
pub mod shipping;
pub mod shipping_off;
pub mod target;

use std::fmt;

use rust_decimal::Decimal;

use crate::alloc::largest_remainder;
use crate::compile::node::Node;
use crate::compile::{CEffect, EffectCx};
use crate::eval::expr::Ctx;
use crate::ir;
use crate::money::to_minor;
use crate::num::RoundMode;
use crate::outcome::Gift;
use crate::value::Value;

/// A compiled effect.
pub trait Effect: fmt::Debug + Send + Sync {
    /// What the effect takes off the cart as left in `state`; `None` when a number of it is
    /// null or out of range (`no_effect`). Numbers and predicates see the original cart.
    fn apply<'a>(&'a self, ctx: &mut Ctx<'a>, state: &State, unit: &MinorUnit) -> Option<Discount>;

    /// An upper bound on what the effect can take when applied after any set of other
    /// campaigns, given `alone`, what it takes alone from the original cart: the best-deal
    /// search prunes with it, so it must never be too small. Effects are monotone in the
    /// amounts they see, so `alone` is the bound unless the effect chooses its units by their
    /// current prices.
    fn bound(&self, alone: i128, _cart: &CartBound) -> i128 {
        alone
    }
}

/// What [`Effect::bound`] may use of the cart: its line count and its whole amount (lines and
/// shipping), in minor units.
pub struct CartBound {
    pub lines: usize,
    pub whole: i128,
}

/// The one registration of effects: the IR effect -> its compiled type.
pub fn compile(e: &ir::Effect, cx: &mut EffectCx<'_, '_>) -> Option<CEffect> {
    match e {
        ir::Effect::PercentOff { percent, on, cap } => {
            percent_off::compile(cx, percent, on, cap.as_ref())
        }
        ir::Effect::AmountOff {
            amount,
            on,
            allocation,
        } => amount_off::compile(cx, amount, on, *allocation),
        ir::Effect::FixedPrice { price, on } => fixed_price::compile(cx, price, on),
        ir::Effect::ShippingOff {
            amount,
            percent,
            on,
        } => shipping_off::compile(cx, amount, *percent, on.as_ref()),
        ir::Effect::BuyXGetY {
            buy,
            buy_quantity,
            get,
            get_quantity,
            percent,
            max_applications,
            amount,
            fixed_price,
            get_from,
        } => buy_x_get_y::compile(
            cx,
            &buy_x_get_y::Ir {
                buy: buy.as_ref(),
                buy_quantity,
                get: get.as_ref(),
                get_quantity,
                percent,
                max_applications: max_applications.as_ref(),
                amount: amount.as_deref(),
                fixed_price: fixed_price.as_deref(),
                get_from: *get_from,
            },
        ),
        ir::Effect::Gift {
            sku,
            quantity,
            price,
            per,
            of,
        } => gift::compile(cx, sku, *quantity, price, *per, of.as_ref()),
    }
}

/// The cart as left by the campaigns applied so far, in minor units: each line's amount `A_i`,
/// and its units in groups of one current price (docs/semantics.md, "Units").
#[derive(Debug, Clone)]
pub struct State {
    pub lines: Vec<i128>,
    /// What is left of the shipping: the sum of `methods`.
    pub shipping: i128,
    /// What is left of each shipping method (docs/semantics.md, "Shipping methods").
    pub methods: Vec<i128>,
    /// Per line, its groups, most expensive first; a line without an entry (or with an empty
    /// one) is one group: all its units alike, worth `lines[i]`, none used by a buy-x-get-y.
    pub units: Vec<Vec<Group>>,
}

/// `count` units of one line, each worth `amount / count` now (exactly), and whether a
/// buy-x-get-y application used them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Group {
    pub amount: i128,
    pub count: i128,
    pub used: bool,
}

/// `count` units of group `group` of line `line` (as the state an effect saw listed them),
/// worth `worth = floor(amount × count / group count)`: what an effect took, the discount
/// `share` it put on them, and whether it marks them used. `weight`: how a line's share that
/// differs from the sum of its takes' shares (a budget reduced it) is re-split.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Take {
    pub line: usize,
    pub group: usize,
    pub count: i128,
    pub worth: i128,
    pub share: i128,
    pub weight: i128,
    pub used: bool,
}

impl State {
    /// The original cart of one shipping method (none when `shipping` is 0): every line one
    /// group.
    pub fn new(lines: Vec<i128>, shipping: i128) -> Self {
        let methods = if shipping > 0 {
            vec![shipping]
        } else {
            Vec::new()
        };
        Self::with_methods(lines, methods)
    }

    /// The original cart with its shipping methods' amounts: every line one group.
    pub fn with_methods(lines: Vec<i128>, methods: Vec<i128>) -> Self {
        Self {
            lines,
            shipping: methods.iter().fold(0i128, |a, b| a.saturating_add(*b)),
            methods,
            units: Vec::new(),
        }
    }

    /// The groups of line `i` of `q` units, most expensive first (allocating nothing).
    pub fn groups(&self, i: usize, q: i128) -> impl Iterator<Item = Group> + '_ {
        let many = self.units.get(i).filter(|g| !g.is_empty());
        let one = many.is_none().then(|| Group {
            amount: self.lines.get(i).copied().unwrap_or(0).max(0),
            count: q.max(1),
            used: false,
        });
        many.into_iter().flatten().copied().chain(one)
    }

    /// Takes discount `d` off the cart: each line's share lands on the units it was computed
    /// on (`d.takes`), or, without takes, on all the line's units in proportion to their
    /// amounts; `quantity(i)` gives the units of line `i`.
    pub fn take<F: Fn(usize) -> i128>(&mut self, d: &Discount, quantity: F) {
        self.take_by(d, &quantity);
    }

    // Generic over `quantity` (every caller passes the cart's quantities), so that the
    // per-line check below inlines it: a qualifying cart takes ~14 discounts over every line.
    fn take_by<F: Fn(usize) -> i128>(&mut self, d: &Discount, quantity: &F) {
        if !d.steps.is_empty() {
            for step in several::settle(d) {
                self.take_by(&step, quantity);
            }
            return;
        }
        if self.lands_all_whole(d) {
            debug_assert!(self.lands_each_whole(d, quantity));
            for (l, s) in self.lines.iter_mut().zip(&d.lines) {
                *l -= *s;
            }
        } else {
            self.land_lines(d, quantity);
        }
        if d.shipping != 0 {
            let shares = d.method_shares(&self.methods);
            for (m, s) in self.methods.iter_mut().zip(shares) {
                *m -= s;
            }
        }
        self.shipping -= d.shipping;
    }

    /// Whether every line share of `d` lands whole without looking at each line's takes one
    /// by one: `d` is [`Discount::whole`], no line of this state is split, and each take is
    /// worth what its line is now (so the state is, on those lines, the one `d` was computed
    /// on). The usual case: most effects take whole lines of a cart no buy-x-get-y split.
    fn lands_all_whole(&self, d: &Discount) -> bool {
        d.whole
            && d.lines.len() == self.lines.len()
            && self.units.iter().all(Vec::is_empty)
            && d.takes
                .iter()
                .all(|t| self.lines.get(t.line) == Some(&t.worth))
    }

    /// The per-line check of [`State::land_lines`] over every line (for the debug assertion
    /// that [`State::lands_all_whole`] agrees with it).
    fn lands_each_whole<F: Fn(usize) -> i128>(&self, d: &Discount, quantity: &F) -> bool {
        // A whole discount lists at most one take per line, by line.
        let mut takes = d.takes.iter().peekable();
        let each = d.lines.iter().enumerate().all(|(i, share)| {
            let mine: Vec<Take> = std::iter::from_fn(|| takes.next_if(|t| t.line == i))
                .copied()
                .collect();
            (*share == 0 && mine.is_empty()) || self.lands_whole(&mine, i, *share, quantity)
        });
        each && takes.next().is_none()
    }

    /// The line shares of one effect's discount, each landed on its takes.
    fn land_lines<F: Fn(usize) -> i128>(&mut self, d: &Discount, quantity: &F) {
        // Targets list their takes by line: then each line's takes are the next run of them
        // (one pass, not a search of all takes per line).
        let by_line = d.takes.windows(2).all(|w| w[0].line <= w[1].line);
        let mut next = 0;
        for (i, share) in d.lines.iter().enumerate() {
            let line_takes: &[Take] = if by_line {
                while d.takes.get(next).is_some_and(|t| t.line < i) {
                    next += 1;
                }
                let start = next;
                while d.takes.get(next).is_some_and(|t| t.line == i) {
                    next += 1;
                }
                &d.takes[start..next]
            } else {
                &[]
            };
            // Nothing off a line the effect did not take units of (most lines of an effect
            // on some items): it is left as it is, whatever its groups.
            if by_line && *share == 0 && line_takes.is_empty() {
                continue;
            }
            if by_line && self.lands_whole(line_takes, i, *share, quantity) {
                self.lines[i] -= *share;
                continue;
            }
            let takes: Vec<Take> = if by_line {
                line_takes.to_vec()
            } else {
                d.takes.iter().filter(|t| t.line == i).copied().collect()
            };
            if *share == 0 && !takes.iter().any(|t| t.used) {
                continue;
            }
            let groups: Vec<Group> = self.groups(i, quantity(i)).collect();
            let landed = land(&groups, *share, takes);
            if self.units.len() <= i {
                self.units.resize(self.lines.len(), Vec::new());
            }
            self.lines[i] -= *share;
            let single = landed.len() == 1 && !landed[0].used;
            self.units[i] = if single { Vec::new() } else { landed };
        }
    }
}

impl State {
    /// Whether `share` of line `i` lands on all of the line's units and leaves them one group
    /// (what [`land`] would give, without allocating): the line is one group of unused units,
    /// and its `takes` are none, or all its units once, worth the line's amount; the
    /// share (re-split by largest remainder over that one take when it differs from the take's)
    /// stays the share. The usual case: an effect over whole lines on a cart that no
    /// buy-x-get-y or partial target has split yet.
    fn lands_whole<F: Fn(usize) -> i128>(
        &self,
        takes: &[Take],
        i: usize,
        share: i128,
        quantity: &F,
    ) -> bool {
        if self.units.get(i).is_some_and(|g| !g.is_empty()) {
            return false;
        }
        let Some(&amount) = self.lines.get(i) else {
            return false;
        };
        if share < 0 || share > amount {
            return false;
        }
        let (worth, weight, given) = match takes {
            [] => (amount, amount, 0),
            [t] if !t.used && t.group == 0 && t.count == quantity(i).max(1) => {
                (t.worth, t.weight, t.share)
            }
            _ => return false,
        };
        // `land` re-splits a share that differs from the take's over the one take: it gets
        // `min(share, weight)` (0 when the weight is not positive).
        let landed = if given == share {
            share
        } else {
            share.min(weight.max(0))
        };
        worth == amount && landed == share
    }
}

/// The groups of one line after a share of `share` lands on `takes` (see [`State::take`]).
fn land(groups: &[Group], share: i128, mut takes: Vec<Take>) -> Vec<Group> {
    if takes.is_empty() {
        takes = groups
            .iter()
            .enumerate()
            .map(|(g, x)| Take {
                line: 0,
                group: g,
                count: x.count,
                worth: x.amount,
                share: 0,
                weight: x.amount,
                used: false,
            })
            .collect();
    }
    let given: i128 = takes.iter().map(|t| t.share).sum();
    if given != share {
        let weights: Vec<i128> = takes.iter().map(|t| t.weight).collect();
        for (t, s) in takes.iter_mut().zip(largest_remainder(share, &weights)) {
            t.share = s;
        }
    }
    let mut out: Vec<Group> = Vec::with_capacity(groups.len() + takes.len());
    for (g, x) in groups.iter().enumerate() {
        let (mut amount, mut count) = (x.amount, x.count);
        for t in takes.iter().filter(|t| t.group == g) {
            let used = x.used || t.used;
            if t.share == 0 && used == x.used {
                continue;
            }
            out.push(Group {
                amount: t.worth - t.share,
                count: t.count,
                used,
            });
            amount -= t.worth;
            count -= t.count;
        }
        if count > 0 {
            out.push(Group {
                amount,
                count,
                used: x.used,
            });
        }
    }
    normalize(out)
}

/// Most expensive first (unused before used at one price), equal groups merged.
fn normalize(mut groups: Vec<Group>) -> Vec<Group> {
    groups.sort_by(|a, b| {
        target::cmp_unit(b.amount, b.count, a.amount, a.count).then(a.used.cmp(&b.used))
    });
    let mut out: Vec<Group> = Vec::with_capacity(groups.len());
    for g in groups {
        match out.last_mut() {
            Some(l)
                if l.used == g.used
                    && target::cmp_unit(l.amount, l.count, g.amount, g.count).is_eq() =>
            {
                l.amount += g.amount;
                l.count += g.count;
            }
            _ => out.push(g),
        }
    }
    out
}

/// What one campaign takes off: per line (same length as the cart) and off shipping, and the
/// gifts it adds.
#[derive(Debug, Clone, Default)]
pub struct Discount {
    pub lines: Vec<i128>,
    pub shipping: i128,
    pub gifts: Vec<Gift>,
    /// Which units the line shares land on (see [`State::take`]).
    pub takes: Vec<Take>,
    /// The shipping share per shipping method (empty when nothing is off shipping).
    pub methods: Vec<i128>,
    /// A campaign of several effects: what each took, in order, each computed on the cart as
    /// the ones before it left it (`lines`, `shipping`, `methods` and `gifts` are their sums);
    /// empty for one effect. A reduced campaign re-splits over them ([`several::settle`]).
    pub steps: Vec<Discount>,
    /// Computed by [`target::Lines`] on a state where no line is split into groups, taking
    /// all the units of each line it takes from: then, taken from a state that is still
    /// unsplit with the same amounts on those lines, every share lands whole
    /// ([`State::take`]'s fast path; the general path would give the same groups).
    pub whole: bool,
}

impl Discount {
    pub fn total(&self) -> i128 {
        self.lines.iter().sum::<i128>() + self.shipping
    }

    /// Whether it discounts anything or adds a gift.
    pub fn takes_effect(&self) -> bool {
        self.total() > 0 || !self.gifts.is_empty()
    }

    fn lines(lines: Vec<i128>) -> Self {
        Self::landed(lines, Vec::new())
    }

    /// Line shares with the units they land on.
    fn landed(lines: Vec<i128>, takes: Vec<Take>) -> Self {
        Self {
            lines,
            shipping: 0,
            gifts: Vec::new(),
            takes,
            methods: Vec::new(),
            steps: Vec::new(),
            whole: false,
        }
    }

    /// Forgets which units the shares were computed on (they land on all of a line's units),
    /// for a discount computed on another state than the one it is taken from.
    pub fn forget_units(&mut self) {
        self.takes.clear();
        self.whole = false;
        for s in &mut self.steps {
            s.forget_units();
        }
    }
}

impl target::Lines {
    /// A discount given unit group by unit group: `share(take)` off each take, at most what
    /// it is worth.
    fn each(mut self, share: impl Fn(&Take) -> i128) -> Discount {
        let mut lines = vec![0i128; self.amounts.len()];
        for t in &mut self.takes {
            t.share = share(t).clamp(0, t.worth);
            t.weight = t.share;
            lines[t.line] += t.share;
        }
        let whole = self.whole;
        Discount {
            whole,
            ..Discount::landed(lines, self.takes)
        }
    }

    /// `d` split over the targeted lines in proportion to `T_i`, and within a line over its
    /// takes in proportion to what they are worth.
    fn across(self, d: i128) -> Discount {
        Discount {
            whole: self.whole,
            ..Discount::landed(largest_remainder(d, &self.amounts), self.takes)
        }
    }
}

/// How amounts become minor units: the currency's exponent and the engine's rounding mode.
pub struct MinorUnit {
    pub exponent: u32,
    pub mode: RoundMode,
}

/// Evaluates an effect number against the original cart; `None` for null or a non-number.
pub fn number<'a>(ctx: &mut Ctx<'a>, n: &'a Node) -> Option<Decimal> {
    match ctx.eval(n) {
        Value::Num(d) => Some(d),
        _ => None,
    }
}

/// A money amount in minor units, rounded with the engine's mode; a negative one counts as 0.
pub fn money_amount(a: Decimal, unit: &MinorUnit) -> Option<i128> {
    Some(to_minor(a, unit.exponent, unit.mode)?.max(0))
}

/// A whole number; `None` for a fraction.
pub fn count(d: Decimal) -> Option<i128> {
    let d = d.normalize();
    (d.scale() == 0).then(|| d.mantissa())
}

/// `round(amount x p / 100)` in minor units, with `p` clamped to [0, 100].
pub fn percent_of(amount: i128, p: Decimal, mode: RoundMode) -> Option<i128> {
    let p = p.clamp(Decimal::ZERO, Decimal::ONE_HUNDRED);
    let n = amount.checked_mul(p.mantissa())?;
    let d = 100i128.checked_mul(crate::num::pow10(p.scale())?)?;
    crate::num::div_round(n, d, mode)
}

/// Bounds of literal effect numbers.
pub(crate) const ZERO: Option<Decimal> = Some(Decimal::ZERO);
pub(crate) const ONE: Option<Decimal> = Some(Decimal::ONE);
pub(crate) const HUNDRED: Option<Decimal> = Some(Decimal::ONE_HUNDRED);

#[cfg(test)]
mod tests {
    use super::{Discount, Group, State, Take};

    fn take(group: usize, count: i128, worth: i128, share: i128, used: bool) -> Take {
        Take {
            line: 0,
            group,
            count,
            worth,
            share,
            weight: if used && share == 0 { 0 } else { worth },
            used,
        }
    }

    fn g(amount: i128, count: i128, used: bool) -> Group {
        Group {
            amount,
            count,
            used,
        }
    }

    #[test]
    fn a_free_unit_is_its_own_group() {
        let mut s = State::new(vec![10_000], 0);
        let d = Discount::landed(
            vec![5000],
            vec![take(0, 1, 5000, 0, true), take(0, 1, 5000, 5000, true)],
        );
        s.take(&d, |_| 2);
        assert_eq!(s.lines, vec![5000]);
        assert_eq!(
            s.groups(0, 2).collect::<Vec<_>>(),
            vec![g(5000, 1, true), g(0, 1, true)]
        );
    }

    #[test]
    fn a_share_on_some_units_splits_to_the_cent() {
        let mut s = State::new(vec![1000], 0);
        // one of 3 units (worth floor(1000 / 3) = 333), all of it off
        s.take(
            &Discount::landed(vec![333], vec![take(0, 1, 333, 0, false)]),
            |_| 3,
        );
        assert_eq!(
            s.groups(0, 3).collect::<Vec<_>>(),
            vec![g(667, 2, false), g(0, 1, false)]
        );
        // a share without takes spreads over the groups by what they are worth
        s.take(&Discount::lines(vec![67]), |_| 3);
        assert_eq!(s.lines, vec![600]);
        assert_eq!(
            s.groups(0, 3).collect::<Vec<_>>(),
            vec![g(600, 2, false), g(0, 1, false)]
        );
    }

    #[test]
    fn groups_of_one_price_merge_back() {
        let mut s = State::new(vec![3000], 0);
        s.take(
            &Discount::landed(vec![1000], vec![take(0, 1, 1000, 1000, false)]),
            |_| 3,
        );
        assert_eq!(
            s.groups(0, 3).collect::<Vec<_>>(),
            vec![g(2000, 2, false), g(0, 1, false)]
        );
        // the two units at 10.00 go to 0 as well: one group of 3 units at 0, held implicitly
        s.take(
            &Discount::landed(vec![2000], vec![take(0, 2, 2000, 2000, false)]),
            |_| 3,
        );
        assert_eq!(s.lines, vec![0]);
        assert!(s.units[0].is_empty());
        assert_eq!(s.groups(0, 3).collect::<Vec<_>>(), vec![g(0, 3, false)]);
    }
}
