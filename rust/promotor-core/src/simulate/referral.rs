//! The referral family: advocates' progress (code, friends, conversions, rewarded tiers,
//! periods), friends' referrers and referred emails (`referral|program=..`, DESIGN section
//! 10). Advocates' codes themselves live in the `code` family ([`super::issued`]). Who
//! referred whom is found in two reads, as a store does: the checkout names the families of
//! the friend first, then, once their referrer is known, the advocate's
//! ([`crate::compile::Program::checkout_more`]).

use super::families::Kind;
use super::{Decision, Family, Reads};
use crate::compile::Program;
use crate::input::Input;

#[derive(Debug, Clone)]
pub struct Referrals(pub Kind);

impl Default for Referrals {
    fn default() -> Self {
        Self(Kind::new("referral"))
    }
}

impl Family for Referrals {
    fn read(&mut self, _: &Program, _: &Input, families: &[String], reads: &mut Reads) {
        self.0.read(families, &mut reads.snapshot);
    }

    fn apply(&mut self, decision: &Decision) -> Result<(), String> {
        self.0.apply(&decision.deltas)
    }
}
