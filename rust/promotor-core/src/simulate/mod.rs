//! Ordered stateful replay (DESIGN section 11): orders in `created_at` order through the state
//! of sections 8-10 held in memory, each decided exactly as `engine.redeem` decides it against a
//! store holding the same state.
//!
//! Per order: every [`Family`] of state reads what the decision needs from memory, the program
//! decides ([`Program::decide_traced`]), every family applies what the decision implies, and
//! the [`Tally`] counts it. Orders come in Arrow chunks read by the stateless batch's reader
//! ([`Batch::read`]), one thread, in order; per-order rows go out in the batch's output
//! format. Working memory is the state, the tally and one chunk.
//!
//! Families, one file each: [`counters::Counters`] (usage limits, budgets, once-per-customer
//! and per-code limits), [`issued::Issued`] (code pools and issued codes), [`points::Points`]
//! (loyalty lots and tiers), [`gift_cards::GiftCards`] and [`referral::Referrals`]. With
//! programmes (or an order paying with gift cards or points, [`pay`]), an order is decided as
//! a redeem is ([`Program::checkout_traced`]): the families the checkout names are read, then
//! those the first read leads to (a friend's advocate), and every family applies its part of
//! the one list of deltas.

pub mod counters;
pub mod families;
pub mod gift_cards;
pub mod issued;
pub mod pay;
pub mod points;
pub mod referral;
pub mod shared;
pub mod tally;

use arrow_array::RecordBatch;

use crate::arrow::lines::Lines;
use crate::arrow::read::Keys;
use crate::arrow::write::{ChunkOut, MoneyOut, Row};
use crate::batch::{Batch, MAX_ERRORS};
use crate::compile::Program;
use crate::error::{Error, ErrorKind, Errors, Loc};
use crate::eval::Trace;
use crate::input::arrow::Extra;
use crate::input::Input;
use crate::outcome::Outcome;
use crate::programs::checkout::{Pay, Payment};
use crate::programs::Event;
use crate::state::memory::MemoryState;
use crate::state::pools::PoolCodes;
use crate::state::{Delta, Snapshot};
pub use tally::Tally;

/// What deciding one order needs from the state, gathered by the families.
#[derive(Debug, Default)]
pub struct Reads {
    /// Counter values: limits and budgets for the keys the input needs, and every counter
    /// of the programme families the checkout names.
    pub snapshot: Snapshot,
    /// The pool rows of the given codes (`None` until read; only for pooled engines).
    pub pools: Option<PoolCodes>,
}

/// One order's decision.
pub struct Decision {
    pub outcome: Outcome,
    pub deltas: Vec<Delta>,
    pub trace: Trace,
    /// The checkout's events (the outbox a store would append, less the order's own
    /// `points_earned`: [`Program::checkout_traced`]), payments and the points the order
    /// earned, `(programme id, points)` (all empty without programmes).
    pub events: Vec<Event>,
    pub payments: Vec<Payment>,
    pub earned: Vec<(String, i64)>,
}

/// One kind of state the replay holds in memory.
pub trait Family: Send {
    /// Adds what deciding `input` needs to `reads`: its own keys, and the counters of the
    /// programme `families` (named by [`Program::checkout_families`] or
    /// [`Program::checkout_more`]) that are of its kind.
    fn read(&mut self, program: &Program, input: &Input, families: &[String], reads: &mut Reads);
    /// Applies this family's part of `decision` (decided on this very state, so every
    /// bound holds).
    fn apply(&mut self, decision: &Decision) -> Result<(), String>;
}

/// Every family of the replay, read in this order (pool rows before the limits' keys, which
/// depend on them).
#[derive(Debug)]
pub struct State {
    pub issued: issued::Issued,
    pub counters: counters::Counters,
    pub points: points::Points,
    pub gift_cards: gift_cards::GiftCards,
    pub referral: referral::Referrals,
}

impl State {
    /// The starting state: `state`'s counters, each to the family of its kind, and the
    /// pools' rows.
    pub fn new(program: &Program, state: &MemoryState, pools: PoolCodes) -> Self {
        let mut limits = MemoryState::new();
        let mut issued = issued::Issued::new(pools);
        let mut points = points::Points::default();
        let mut gift_cards = gift_cards::GiftCards::default();
        let mut referral = referral::Referrals::default();
        let mut start = Vec::new();
        for (k, v) in state.counters() {
            match families::kind(k) {
                "loyalty" => points.0.map.set(k, *v),
                "gift_card" => gift_cards.0.map.set(k, *v),
                "code" => issued.codes.map.set(k, *v),
                "referral" => referral.0.map.set(k, *v),
                _ => start.push(Delta {
                    key: k.clone(),
                    add: *v,
                    max: None,
                    min: None,
                }),
            }
        }
        limits.apply(&start).expect("unbounded deltas always apply");
        Self {
            issued,
            counters: counters::Counters::new(program, limits),
            points,
            gift_cards,
            referral,
        }
    }

    fn all(&mut self) -> [&mut dyn Family; 5] {
        [
            &mut self.issued,
            &mut self.counters,
            &mut self.points,
            &mut self.gift_cards,
            &mut self.referral,
        ]
    }

    fn programmes(&mut self) -> [&mut dyn Family; 4] {
        [
            &mut self.issued,
            &mut self.points,
            &mut self.gift_cards,
            &mut self.referral,
        ]
    }

    /// Every counter of every family (non-zero), for comparison with a store.
    pub fn counters(&self) -> impl Iterator<Item = (String, i64)> + '_ {
        self.counters
            .state()
            .counters()
            .iter()
            .map(|(k, v)| (k.clone(), *v))
            .chain(self.issued.codes.map.counters())
            .chain(self.points.0.map.counters())
            .chain(self.gift_cards.0.map.counters())
            .chain(self.referral.0.map.counters())
            .filter(|(_, v)| *v != 0)
    }

    /// Reads what `input` needs, as a redeem does, and decides it. The families lent to the
    /// snapshot are back in the state when this returns.
    fn decide(
        &mut self,
        program: &Program,
        input: &Input,
        pay: Option<&Pay>,
        reads: &mut Reads,
        trace: &mut Trace,
    ) -> Result<Decision, String> {
        reads.snapshot.counters.clear();
        reads.pools = None;
        let decided = self.decide_lent(program, input, pay, reads, trace);
        self.give_back(&mut reads.snapshot);
        decided
    }

    /// [`State::decide`], leaving the families it read lent to `reads.snapshot`.
    fn decide_lent(
        &mut self,
        program: &Program,
        input: &Input,
        pay: Option<&Pay>,
        reads: &mut Reads,
        trace: &mut Trace,
    ) -> Result<Decision, String> {
        let Some(pay) = pay else {
            let families = program.state_families(input);
            for f in self.all() {
                f.read(program, input, &families, reads);
            }
            let (outcome, deltas) =
                program.decide_traced_with(input, &reads.snapshot, reads.pools.as_ref(), trace);
            return Ok(Decision {
                outcome,
                deltas,
                trace: std::mem::take(trace),
                events: Vec::new(),
                payments: Vec::new(),
                earned: Vec::new(),
            });
        };
        let families = program.checkout_families(input, pay);
        for f in self.all() {
            f.read(program, input, &families, reads);
        }
        if program.has_programs() {
            let more = program.checkout_more(input, pay, &reads.snapshot);
            if !more.is_empty() {
                for f in self.programmes() {
                    f.read(program, input, &more, reads);
                }
            }
        }
        let done =
            program.checkout_traced(input, &reads.snapshot, pay, reads.pools.as_ref(), trace)?;
        Ok(Decision {
            outcome: done.outcome,
            deltas: done.deltas,
            trace: std::mem::take(trace),
            events: done.events,
            payments: done.payments,
            earned: done.earned,
        })
    }

    /// Takes back every family lent to `snapshot`, each to the family of its kind, and the
    /// limit counters.
    fn give_back(&mut self, snapshot: &mut Snapshot) {
        self.counters.give_back(snapshot);
        for (family, members) in snapshot.take_lent() {
            let kind = match families::kind(&family) {
                "loyalty" => &mut self.points.0,
                "gift_card" => &mut self.gift_cards.0,
                "code" => &mut self.issued.codes,
                "referral" => &mut self.referral.0,
                other => unreachable!("only programme families are lent, not {other:?}"),
            };
            kind.map.give_back(family, members);
        }
    }

    fn apply(&mut self, decision: &Decision) -> Result<(), String> {
        for f in self.all() {
            f.apply(decision)?;
        }
        Ok(())
    }
}

/// The replay. `new`, then [`Simulation::chunk`] for each chunk of orders in order, then read
/// [`Simulation::tally`] and [`Simulation::state`].
pub struct Simulation<'p> {
    program: &'p Program,
    batch: Batch<'p>,
    state: State,
    tally: Tally,
    keep_orders: bool,
    /// Fresh codes a checkout may issue as referral rewards, per order.
    reward_codes: usize,
    /// `created_at` of the previous order: orders must not go back in time.
    last: i64,
}

/// `now` given to the reader for a null `created_at`, so that it can be refused.
const NO_TIME: i64 = i64::MIN;

impl<'p> Simulation<'p> {
    /// `state`: the counters to start from (a store's snapshot, or empty) and `pools` the
    /// rows of its code pools; `timezone`: the days of the daily tally; `keep_orders`:
    /// whether [`Simulation::chunk`] returns per-order rows.
    pub fn new(
        program: &'p Program,
        lines: Option<Lines>,
        money: MoneyOut,
        state: &MemoryState,
        pools: PoolCodes,
        timezone: chrono_tz::Tz,
        keep_orders: bool,
    ) -> Self {
        Self {
            program,
            batch: Batch::new(program, money, true, lines, NO_TIME, Extra::Forbid),
            state: State::new(program, state, pools),
            tally: Tally::new(program, timezone),
            keep_orders,
            reward_codes: pay::reward_codes(program),
            last: i64::MIN,
        }
    }

    pub fn program(&self) -> &'p Program {
        self.program
    }

    pub fn batch(&self) -> &Batch<'p> {
        &self.batch
    }

    pub fn tally(&self) -> &Tally {
        &self.tally
    }

    pub fn state(&self) -> &State {
        &self.state
    }

    /// Replays one chunk of orders whose first row is global row `start`; with `keep_orders`,
    /// their result rows (summary and one row per applied campaign).
    pub fn chunk(
        &mut self,
        orders: &RecordBatch,
        start: usize,
    ) -> Result<Option<ChunkOut>, Errors> {
        let program = self.program;
        let (orders, paying) = pay::PayColumns::split(orders);
        paying
            .check(program, start)
            .map_err(|e| Errors::input(vec![*e]))?;
        let checkout = program.has_programs() || !paying.is_empty();
        let n = orders.num_rows();
        let keep = self.keep_orders;
        let reward_codes = self.reward_codes;
        let state = &mut self.state;
        let tally = &mut self.tally;
        let last = &mut self.last;
        let ids = orders
            .column_by_name("order_id")
            .and_then(|a| Keys::new(a.as_ref()));
        let rows = self.batch.read(&orders, start, |fill| {
            let mut input = Input::default();
            let mut rows = Vec::with_capacity(if keep { n } else { 0 });
            let mut reads = Reads::default();
            let mut trace = Trace::default();
            let mut pay = Pay::default();
            let mut errors = Vec::new();
            for i in 0..n {
                if let Err(e) = fill(&mut input, i) {
                    errors.extend(e);
                    if errors.len() >= MAX_ERRORS {
                        break;
                    }
                    continue;
                }
                let now = input.context.now;
                let at = || vec![Loc::Key("orders".into()), Loc::Index(start + i)];
                if now == NO_TIME {
                    let mut loc = at();
                    loc.push(Loc::Key("created_at".into()));
                    let message = "created_at must not be null: the simulation replays orders in \
                                   time order"
                        .to_owned();
                    errors.push(Error::new(ErrorKind::Invalid { message }, loc));
                    continue;
                }
                if now < *last {
                    let mut loc = at();
                    loc.push(Loc::Key("created_at".into()));
                    let message = "orders must come in created_at order (pm.simulate sorts a \
                                   whole table; a stream of batches must be sorted already)"
                        .to_owned();
                    errors.push(Error::new(ErrorKind::Invalid { message }, loc));
                    break;
                }
                if checkout {
                    let customer = input.customer.as_ref().is_some_and(|c| c.id.is_some());
                    if let Err(e) = paying.row(program, i, start, customer, &mut pay) {
                        errors.push(*e);
                        continue;
                    }
                    if reward_codes > 0 {
                        let id = ids
                            .and_then(|ids| ids.get(i))
                            .expect("fill refuses an order without an order_id");
                        pay::reward_code_names(id, start + i, reward_codes, &mut pay.codes);
                    }
                }
                if !errors.is_empty() {
                    continue;
                }
                *last = now;
                let decision = state
                    .decide(
                        program,
                        &input,
                        checkout.then_some(&pay),
                        &mut reads,
                        &mut trace,
                    )
                    .map_err(|message| Error::new(ErrorKind::Invalid { message }, at()));
                let decision = match decision {
                    Ok(d) => d,
                    Err(e) => {
                        errors.push(e);
                        continue;
                    }
                };
                // Decided on this very state, so every bound holds.
                state
                    .apply(&decision)
                    .expect("a decision holds on the state it was decided on");
                tally.record(&input, &decision, state);
                trace = decision.trace;
                if keep {
                    rows.push(Row::new(decision.outcome));
                }
            }
            if errors.is_empty() {
                Ok(rows)
            } else {
                errors.truncate(MAX_ERRORS);
                Err(Errors::input(errors))
            }
        })??;
        if !keep {
            return Ok(None);
        }
        let order_ids = orders
            .column_by_name("order_id")
            .expect("read checked the order_id column");
        Ok(Some(self.batch.output(order_ids.as_ref(), &rows)?))
    }
}
