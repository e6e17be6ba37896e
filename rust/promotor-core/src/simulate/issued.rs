//! Codes: the pools of `unique_codes` campaigns (DESIGN section 9) and the codes programmes
//! issued (rewards' codes and advocates' codes, the `code|code=..` families of section 10).
//!
//! Pool rows (which campaign a code belongs to, and to whom it is assigned) come from the
//! starting state and do not change while orders are replayed (assigning is not an order);
//! that a pool code was used is a per-code limit's counter ([`super::counters`]). Issued
//! codes' families hold their owner and `used`, and grow when a referral reward issues one.

use super::families::Kind;
use super::{Decision, Family, Reads};
use crate::compile::Program;
use crate::input::Input;
use crate::state::pools::PoolCodes;

#[derive(Debug, Clone)]
pub struct Issued {
    pub codes: Kind,
    pub pools: PoolCodes,
}

impl Issued {
    pub fn new(pools: PoolCodes) -> Self {
        Self {
            codes: Kind::new("code"),
            pools,
        }
    }
}

impl Family for Issued {
    fn read(&mut self, program: &Program, input: &Input, families: &[String], reads: &mut Reads) {
        if program.is_pooled() && reads.pools.is_none() {
            let found = program
                .pool_lookups(input)
                .into_iter()
                .filter_map(|k| self.pools.0.get(&k).map(|row| (k, row.clone())))
                .collect();
            reads.pools = Some(found);
        }
        self.codes.read(families, &mut reads.snapshot);
    }

    fn apply(&mut self, decision: &Decision) -> Result<(), String> {
        self.codes.apply(&decision.deltas)
    }
}
