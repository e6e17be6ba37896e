//! What the report counts while the replay runs, in integers (money in minor units of the
//! engine's currency): per campaign, per local day and campaign, per segment and campaign.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike};
use chrono_tz::Tz;

use super::counters::Counters;
use super::Decision;
use crate::compile::Program;
use crate::input::Input;
use crate::money;
use crate::num::RoundMode;
use crate::outcome::Reason;
use crate::state::keys::{self, Counted, KeyParts};

/// One campaign over the whole replay.
#[derive(Debug, Clone, Default)]
pub struct CampaignTally {
    /// Orders whose rules it passed.
    pub orders: u64,
    /// Orders it applied to.
    pub redemptions: u64,
    /// Discount it gave, shipping included.
    pub discount: i128,
    /// Applications a budget shrank.
    pub limited: u64,
    /// Orders a limit or budget refused it.
    pub refused: u64,
    /// `created_at` of the first order refused by its budget or total limit.
    pub exhausted_at: Option<i64>,
}

/// One campaign on one local day.
#[derive(Debug, Clone, Default)]
pub struct DayTally {
    pub redemptions: u64,
    pub discount: i128,
    /// Its budget's counter after its last redemption of the day.
    pub budget_used: Option<i64>,
}

/// One segment (and campaign).
#[derive(Debug, Clone, Default)]
pub struct SegmentTally {
    pub orders: u64,
    pub redemptions: u64,
    pub discount: i128,
}

/// A campaign's whole budget (no period, not per customer): its counter key and amount.
#[derive(Debug, Clone)]
pub struct Budget {
    pub key: String,
    pub max: i64,
}

#[derive(Debug)]
pub struct Tally {
    pub exponent: u32,
    pub timezone: Tz,
    pub ids: Vec<String>,
    pub orders: u64,
    /// Sums over every order: subtotal, shipping, discount, total.
    pub totals: [i128; 4],
    pub first_at: Option<i64>,
    pub last_at: Option<i64>,
    pub campaigns: Vec<CampaignTally>,
    /// By (local day as days since 1970-01-01, campaign index).
    pub days: BTreeMap<(i32, usize), DayTally>,
    /// Orders per local day (every order, applied or not).
    pub day_orders: BTreeMap<i32, u64>,
    /// By (segment, campaign index); `None`: all orders of the segment.
    pub segments: BTreeMap<(String, Option<usize>), SegmentTally>,
    /// Per campaign: its first budget without period, if any.
    pub budgets: Vec<Option<Budget>>,
    /// Per campaign: the `detail`s of its limits that count for good (no `per`, no `every`).
    whole: Vec<Vec<String>>,
}

impl Tally {
    pub fn new(program: &Program, timezone: Tz) -> Self {
        let p = &*program.0;
        let n = p.campaigns.len();
        let mut budgets = Vec::with_capacity(n);
        let mut whole = Vec::with_capacity(n);
        for ci in 0..n {
            let list = p
                .usage_limits
                .campaigns
                .get(ci)
                .map_or(&[][..], Vec::as_slice);
            let overall = |l: &&crate::state::limits::CLimit| l.per.is_none() && l.every.is_none();
            whole.push(
                list.iter()
                    .filter(overall)
                    .map(|l| l.detail.clone())
                    .collect(),
            );
            budgets.push(
                list.iter()
                    .filter(overall)
                    .find(|l| l.counted == Counted::Budget)
                    .map(|l| Budget {
                        key: keys::key(&KeyParts {
                            counted: Counted::Budget,
                            scope: (l.scope.0, &l.scope.1),
                            customer: None,
                            code: None,
                            period: None,
                        }),
                        max: l.max,
                    }),
            );
        }
        Self {
            exponent: p.exponent,
            timezone,
            ids: p.campaigns.iter().map(|c| c.id.clone()).collect(),
            orders: 0,
            totals: [0; 4],
            first_at: None,
            last_at: None,
            campaigns: vec![CampaignTally::default(); n],
            days: BTreeMap::new(),
            day_orders: BTreeMap::new(),
            segments: BTreeMap::new(),
            budgets,
            whole,
        }
    }

    /// The local day of `now` as days since 1970-01-01.
    pub fn day(&self, now: i64) -> i32 {
        DateTime::from_timestamp_micros(now).map_or(0, |t| {
            t.with_timezone(&self.timezone)
                .date_naive()
                .num_days_from_ce()
                - 719_163
        })
    }

    pub(super) fn record(&mut self, input: &Input, d: &Decision, counters: &Counters) {
        let now = input.context.now;
        self.orders += 1;
        let o = &d.outcome;
        for (sum, v) in self
            .totals
            .iter_mut()
            .zip([o.subtotal, o.shipping, o.discount, o.total])
        {
            *sum += money::to_minor(v, self.exponent, RoundMode::HalfEven).unwrap_or(0);
        }
        self.first_at.get_or_insert(now);
        self.last_at = Some(now);
        let day = self.day(now);
        *self.day_orders.entry(day).or_default() += 1;
        for &ci in &d.trace.passed {
            self.campaigns[ci].orders += 1;
        }
        for (ci, reason, detail) in &d.trace.refused {
            let c = &mut self.campaigns[*ci];
            c.refused += 1;
            if c.exhausted_at.is_none()
                && matches!(reason, Reason::LimitReached | Reason::BudgetExhausted)
                && self.whole[*ci].iter().any(|w| w == detail)
            {
                c.exhausted_at = Some(now);
            }
        }
        let segments = input.customer.as_ref().map_or(&[][..], |c| &c.segments[..]);
        for s in segments {
            self.segments.entry((s.clone(), None)).or_default().orders += 1;
        }
        for a in &d.outcome.applied {
            let Some(ci) = self.ids.iter().position(|id| *id == a.campaign_id) else {
                continue;
            };
            let amount = money::to_minor(a.amount, self.exponent, RoundMode::HalfEven).unwrap_or(0);
            let c = &mut self.campaigns[ci];
            c.redemptions += 1;
            c.discount += amount;
            c.limited += u64::from(a.limited_by.is_some());
            let used = self.budgets[ci]
                .as_ref()
                .map(|b| counters.state().get(&b.key));
            let row = self.days.entry((day, ci)).or_default();
            row.redemptions += 1;
            row.discount += amount;
            if used.is_some() {
                row.budget_used = used;
            }
            for s in segments {
                let row = self.segments.entry((s.clone(), Some(ci))).or_default();
                row.redemptions += 1;
                row.discount += amount;
            }
        }
    }
}
