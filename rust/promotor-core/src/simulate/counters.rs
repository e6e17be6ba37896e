//! The counters family: usage limits and budgets (DESIGN section 8), including once per
//! customer and once per code (pool codes' too). Reads the keys the program names for an
//! input (once the pool rows are known), applies the deltas of its decisions that are not a
//! programme family's.

use super::{families, Decision, Family, Reads};
use crate::compile::Program;
use crate::input::Input;
use crate::state::memory::MemoryState;
use crate::state::{Delta, Snapshot};

/// The kinds of keys programme families hold; every other key is a limit's counter.
pub const PROGRAM_KINDS: [&str; 4] = ["loyalty", "gift_card", "code", "referral"];

pub fn is_counter(key: &str) -> bool {
    !PROGRAM_KINDS.contains(&families::kind(key))
}

#[derive(Debug)]
pub struct Counters {
    state: MemoryState,
    stateful: bool,
}

impl Counters {
    pub fn new(program: &Program, state: MemoryState) -> Self {
        Self {
            state,
            stateful: program.0.usage_limits.any,
        }
    }

    pub fn state(&self) -> &MemoryState {
        &self.state
    }

    /// Takes back the counters [`Family::read`] lent to `snapshot`.
    pub fn give_back(&mut self, snapshot: &mut Snapshot) {
        if self.stateful {
            self.state.give_back(snapshot.take_limits());
        }
    }
}

impl Family for Counters {
    /// Lends every limit counter to the snapshot, where the decision's own [`Meter`] finds
    /// the keys it needs: the keys [`Program::state_keys_with`] names, which a store reads,
    /// and no others (the campaigns that issued and referral codes match, whose keys it does
    /// not name, have no limits). Building those keys here as well was a tenth of a replay.
    ///
    /// [`Meter`]: crate::state::Meter
    fn read(&mut self, _: &Program, _: &Input, _: &[String], reads: &mut Reads) {
        if self.stateful {
            reads.snapshot.lend_limits(self.state.lend());
        }
    }

    fn apply(&mut self, decision: &Decision) -> Result<(), String> {
        if decision.deltas.is_empty() {
            return Ok(());
        }
        let mine: Vec<Delta>;
        let deltas = if decision.deltas.iter().all(|d| is_counter(&d.key)) {
            &decision.deltas[..]
        } else {
            mine = decision
                .deltas
                .iter()
                .filter(|d| is_counter(&d.key))
                .cloned()
                .collect();
            &mine[..]
        };
        self.state
            .apply(deltas)
            .map_err(|c| format!("{} = {} does not take {:?}", c.key, c.value, c.delta))
    }
}
