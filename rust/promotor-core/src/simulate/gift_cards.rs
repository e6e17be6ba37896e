//! The gift-card family: each card's balance, status, expiry and currency
//! (`gift_card|code=..`, DESIGN section 10). Cards come from the starting state (a store's
//! snapshot) or from referral rewards during the replay; an order pays with them through the
//! `gift_cards` column, decided by the checkout ([`crate::programs::gift_cards`]).

use super::families::Kind;
use super::{Decision, Family, Reads};
use crate::compile::Program;
use crate::input::Input;

#[derive(Debug, Clone)]
pub struct GiftCards(pub Kind);

impl Default for GiftCards {
    fn default() -> Self {
        Self(Kind::new("gift_card"))
    }
}

impl GiftCards {
    /// `(cards, balance left in minor units)` over every card held.
    pub fn outstanding(&self) -> (u64, i64) {
        let mut cards = 0;
        let mut balance = 0;
        for (_, members) in self.0.map.families() {
            cards += 1;
            for (m, v) in members.iter() {
                if m == "balance" {
                    balance += v;
                }
            }
        }
        (cards, balance)
    }
}

impl Family for GiftCards {
    fn read(&mut self, _: &Program, _: &Input, families: &[String], reads: &mut Reads) {
        self.0.read(families, &mut reads.snapshot);
    }

    fn apply(&mut self, decision: &Decision) -> Result<(), String> {
        self.0.apply(&decision.deltas)
    }
}
