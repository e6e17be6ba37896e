//! The loyalty family: each customer's point lots, earnings by day, debt, tier marker and
//! notices in each loyalty programme (`loyalty|program=..|customer=..`, DESIGN section 10).
//! The checkout earns, pays with points and announces tier changes
//! ([`crate::compile::Program::checkout`]); this family only holds the counters. At the end,
//! [`Points::standing`] reads every member's balance and tier with the programme's own
//! [`crate::programs::Loyalty::balance`].

use super::families::Kind;
use super::{Decision, Family, Reads};
use crate::compile::Program;
use crate::input::Input;
use crate::programs::keys;
use crate::programs::work::Work;
use crate::state::Snapshot;

/// One loyalty programme at the end of the replay.
#[derive(Debug, Clone, Default)]
pub struct Standing {
    /// Members with any counter.
    pub members: u64,
    /// Points available (a member in debt counts negative), and pending.
    pub available: i64,
    pub pending: i64,
    /// Members per tier, in the programme's order (`None`: no tier) first.
    pub tiers: Vec<(Option<String>, u64)>,
}

#[derive(Debug, Clone)]
pub struct Points(pub Kind);

impl Default for Points {
    fn default() -> Self {
        Self(Kind::new("loyalty"))
    }
}

impl Points {
    /// Every programme's members, points and tiers at `now`, in the programme's order.
    pub fn standing(&self, program: &Program, now: i64) -> Vec<Standing> {
        let p = &*program.0;
        p.programs
            .loyalty
            .iter()
            .map(|l| {
                let prefix = keys::loyalty(&l.id, "");
                let mut out = Standing {
                    tiers: std::iter::once(None)
                        .chain(l.tiers.iter().map(|t| Some(t.name.clone())))
                        .map(|t| (t, 0))
                        .collect(),
                    ..Standing::default()
                };
                for (family, members) in self.0.map.families() {
                    if !family.starts_with(&prefix) {
                        continue;
                    }
                    let mut snap = Snapshot::default();
                    snap.lend(family.to_owned(), members.clone());
                    let b = l.balance(&Work::new(&snap), family, now);
                    out.members += 1;
                    out.available += b.available;
                    out.pending += b.pending;
                    let at = b.tier.map_or(0, |t| t + 1);
                    out.tiers[at].1 += 1;
                }
                out
            })
            .collect()
    }
}

impl Family for Points {
    fn read(&mut self, _: &Program, _: &Input, families: &[String], reads: &mut Reads) {
        self.0.read(families, &mut reads.snapshot);
    }

    fn apply(&mut self, decision: &Decision) -> Result<(), String> {
        self.0.apply(&decision.deltas)
    }
}
