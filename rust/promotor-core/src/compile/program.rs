//! [`Program`]: a compiled engine, immutable and shared across threads.

use std::collections::HashMap;
use std::sync::Arc;

use super::node::Leaf;
use super::types::{Body, CCampaign};
use crate::ir::EngineDef;
use crate::num::RoundMode;

#[derive(Debug)]
pub(crate) struct Inner {
    pub def: EngineDef,
    pub exponent: u32,
    pub mode: RoundMode,
    pub campaigns: Vec<CCampaign>,
    /// Campaign indices in evaluation order: priority descending, then position.
    pub order: Vec<usize>,
    /// Normalised code -> (campaign index, the campaign's spelling).
    pub codes: HashMap<String, (usize, String)>,
    /// `Stacking.max_discount`, parsed (a percent; clamped to [0, 100] when used).
    pub max_discount: Option<rust_decimal::Decimal>,
    /// Distinct rule leaves (by text): the size of the per-evaluation memo.
    pub leaves: usize,
    /// Usage limits and budgets of each campaign (`crate::state`).
    pub usage_limits: crate::state::Limits,
    /// Whether a campaign accepts the codes of its pool (`crate::state::pools`): only then do
    /// given codes that no campaign defines need a store lookup.
    pub pooled: bool,
    /// Loyalty programmes and what they issue (`crate::programs`).
    pub programs: crate::programs::Programs,
}

/// Gives every campaign and tier leaf its memo slot, one per distinct text. Sound because a
/// leaf of a campaign or tier rule has no free variables: its value depends on the cart alone,
/// and two leaves that print the same are the same condition.
pub(crate) fn assign_leaf_slots(campaigns: &mut [CCampaign]) -> usize {
    let mut slots: HashMap<String, usize> = HashMap::new();
    let mut assign = |l: &mut Leaf| {
        let next = slots.len();
        l.slot = *slots.entry(l.text.clone()).or_insert(next);
    };
    for c in campaigns {
        if let Some(r) = &mut c.rules {
            r.leaves_mut(&mut assign);
        }
        if let Body::Tiers(tiers) = &mut c.body {
            for r in tiers.iter_mut().filter_map(|(r, _)| r.as_mut()) {
                r.leaves_mut(&mut assign);
            }
        }
    }
    slots.len()
}

/// A compiled engine: immutable, `Send + Sync`, cheap to clone.
#[derive(Debug, Clone)]
pub struct Program(pub(crate) Arc<Inner>);

impl Program {
    pub fn def(&self) -> &EngineDef {
        &self.0.def
    }
}
