//! The counters family: usage limits and budgets (DESIGN section 8), including once per
//! customer and once per code (pool codes' too). Reads the keys the program names for an
//! input (once the pool rows are known), applies the deltas of its decisions that are not a
//! programme family's.

use super::{families, Decision, Family, Reads};
use crate::compile::Program;
use crate::input::Input;
use crate::state::memory::MemoryState;
use crate::state::pools::PoolCodes;
use crate::state::Delta;

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
}

impl Family for Counters {
    fn read(&mut self, program: &Program, input: &Input, _: &[String], reads: &mut Reads) {
        if !self.stateful {
            return;
        }
        let empty = PoolCodes::default();
        let pools = reads.pools.as_ref().unwrap_or(&empty);
        for key in program.state_keys_with(input, pools) {
            let v = self.state.get(&key);
            reads.snapshot.counters.insert(key, v);
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
