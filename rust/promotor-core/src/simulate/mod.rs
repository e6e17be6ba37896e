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
//! Families: [`counters::Counters`] (usage limits, budgets, once-per-customer and per-code
//! limits). Code pools, loyalty points, tiers, gift cards and referral progress plug in as
//! further families when their state lands in the core: each adds what it reads to [`Reads`]
//! and applies its part of the [`Decision`] (referral: DESIGN section 10, not built yet).

pub mod counters;
pub mod shared;
pub mod tally;

use arrow_array::RecordBatch;

use crate::arrow::lines::Lines;
use crate::arrow::write::{ChunkOut, MoneyOut, Row};
use crate::batch::{Batch, MAX_ERRORS};
use crate::compile::Program;
use crate::error::{Error, ErrorKind, Errors, Loc};
use crate::eval::Trace;
use crate::input::arrow::Extra;
use crate::input::Input;
use crate::outcome::Outcome;
use crate::state::memory::MemoryState;
use crate::state::{Delta, Snapshot};
pub use tally::Tally;

/// What deciding one order needs from the state, gathered by the families.
#[derive(Debug, Default)]
pub struct Reads {
    /// Counter values (limits and budgets; later balances) for the keys the input needs.
    pub snapshot: Snapshot,
}

/// One order's decision.
pub struct Decision {
    pub outcome: Outcome,
    pub deltas: Vec<Delta>,
    pub trace: Trace,
}

/// One kind of state the replay holds in memory.
pub trait Family: Send {
    /// Adds what deciding `input` needs to `reads`.
    fn read(&mut self, program: &Program, input: &Input, reads: &mut Reads);
    /// Applies this family's part of `decision` (all of it or nothing, as a store does).
    fn apply(&mut self, decision: &Decision) -> Result<(), String>;
}

/// The replay. `new`, then [`Simulation::chunk`] for each chunk of orders in order, then read
/// [`Simulation::tally`] and [`Simulation::counters`].
pub struct Simulation<'p> {
    program: &'p Program,
    batch: Batch<'p>,
    counters: counters::Counters,
    tally: Tally,
    keep_orders: bool,
    /// `created_at` of the previous order: orders must not go back in time.
    last: i64,
}

/// `now` given to the reader for a null `created_at`, so that it can be refused.
const NO_TIME: i64 = i64::MIN;

impl<'p> Simulation<'p> {
    /// `state`: the counters to start from (a store's snapshot, or empty); `timezone`: the
    /// days of the daily tally; `keep_orders`: whether [`Simulation::chunk`] returns per-order
    /// rows.
    pub fn new(
        program: &'p Program,
        lines: Option<Lines>,
        money: MoneyOut,
        state: MemoryState,
        timezone: chrono_tz::Tz,
        keep_orders: bool,
    ) -> Self {
        Self {
            program,
            batch: Batch::new(program, money, true, lines, NO_TIME, Extra::Forbid),
            counters: counters::Counters::new(program, state),
            tally: Tally::new(program, timezone),
            keep_orders,
            last: i64::MIN,
        }
    }

    pub fn batch(&self) -> &Batch<'p> {
        &self.batch
    }

    pub fn tally(&self) -> &Tally {
        &self.tally
    }

    pub fn counters(&self) -> &counters::Counters {
        &self.counters
    }

    /// Replays one chunk of orders whose first row is global row `start`; with `keep_orders`,
    /// their result rows (summary and one row per applied campaign).
    pub fn chunk(
        &mut self,
        orders: &RecordBatch,
        start: usize,
    ) -> Result<Option<ChunkOut>, Errors> {
        let program = self.program;
        let n = orders.num_rows();
        let keep = self.keep_orders;
        let counters = &mut self.counters;
        let tally = &mut self.tally;
        let last = &mut self.last;
        let rows = self.batch.read(orders, start, |fill| {
            let mut input = Input::default();
            let mut rows = Vec::with_capacity(if keep { n } else { 0 });
            let mut reads = Reads::default();
            let mut trace = Trace::default();
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
                if !errors.is_empty() {
                    continue;
                }
                *last = now;
                reads.snapshot.0.clear();
                counters.read(program, &input, &mut reads);
                let (outcome, deltas) = program.decide_traced(&input, &reads.snapshot, &mut trace);
                let decision = Decision {
                    outcome,
                    deltas,
                    trace: std::mem::take(&mut trace),
                };
                // Decided on this very state, so every bound holds.
                counters
                    .apply(&decision)
                    .expect("a decision holds on the state it was decided on");
                tally.record(&input, &decision, counters);
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
