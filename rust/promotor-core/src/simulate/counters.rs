//! The counters family: usage limits and budgets (DESIGN section 8), including once per
//! customer and once per code. Reads the keys the program names for an input, applies the
//! deltas of its decisions.

use super::{Decision, Family, Reads};
use crate::compile::Program;
use crate::input::Input;
use crate::state::memory::MemoryState;

#[derive(Debug)]
pub struct Counters {
    state: MemoryState,
    stateful: bool,
}

impl Counters {
    pub fn new(program: &Program, state: MemoryState) -> Self {
        Self {
            state,
            stateful: program.is_stateful(),
        }
    }

    pub fn state(&self) -> &MemoryState {
        &self.state
    }
}

impl Family for Counters {
    fn read(&mut self, program: &Program, input: &Input, reads: &mut Reads) {
        if !self.stateful {
            return;
        }
        for key in program.state_keys(input) {
            let v = self.state.get(&key);
            reads.snapshot.0.insert(key, v);
        }
    }

    fn apply(&mut self, decision: &Decision) -> Result<(), String> {
        if decision.deltas.is_empty() {
            return Ok(());
        }
        self.state
            .apply(&decision.deltas)
            .map_err(|c| format!("{} = {} does not take {:?}", c.key, c.value, c.delta))
    }
}
