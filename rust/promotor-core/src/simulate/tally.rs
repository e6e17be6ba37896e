//! What the report counts while the replay runs, in integers (money in minor units of the
//! engine's currency): per campaign, per local day and campaign, per segment and campaign;
//! per programme (points earned and paid, tier changes by day, referral conversions and
//! rewards), gift cards paying, and codes issued and redeemed. Programme counts are read from
//! what the checkout decided: its payments and its events (the outbox a store appends).

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike};
use chrono_tz::Tz;

use super::{Decision, State};
use crate::compile::Program;
use crate::input::Input;
use crate::money;
use crate::num::RoundMode;
use crate::outcome::Reason;
use crate::programs::referral::RewardKind;
use crate::state::keys::{self, Counted, KeyParts};
use serde_json::Value as J;

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

/// One loyalty programme over the replay.
#[derive(Debug, Clone, Default)]
pub struct LoyaltyTally {
    pub id: String,
    /// Tier names, in the programme's order.
    pub tiers: Vec<String>,
    /// Points earned (orders and referral rewards; pending ones included).
    pub earned: i64,
    /// Orders that earned points.
    pub earning_orders: u64,
    /// Points that paid orders, and what they paid (minor units).
    pub redeemed: i64,
    pub redeemed_value: i128,
    /// Tier changes by (local day, tier reached: index + 1, 0 for none) and whether up.
    pub changes: BTreeMap<(i32, usize), (u64, u64)>,
}

/// One referral programme over the replay.
#[derive(Debug, Clone, Default)]
pub struct ReferralTally {
    pub id: String,
    /// Orders its friend campaign applied to (friends referred with a code).
    pub referred: u64,
    pub conversions: u64,
    /// Conversions counted toward reward tiers (within the programme's limits).
    pub rewarded: u64,
    /// Rewards issued, by kind (`code`, `points`, `gift_card`).
    pub rewards: BTreeMap<String, u64>,
}

/// Gift cards over the replay.
#[derive(Debug, Clone, Default)]
pub struct GiftCardTally {
    /// Payments by a card, and what they paid (minor units).
    pub payments: u64,
    pub redeemed: i128,
    /// Cards issued during the replay (referral rewards), and their value.
    pub issued: u64,
    pub issued_value: i128,
}

/// Codes of one campaign that takes issued or pool codes.
#[derive(Debug, Clone, Default)]
pub struct CodeTally {
    pub campaign: usize,
    /// Codes issued into wallets during the replay (referral rewards).
    pub issued: u64,
    /// Orders the campaign applied to with such a code.
    pub redeemed: u64,
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
    /// By segment, then campaign index (`None`: all orders of the segment). Nested, so that
    /// an order finds its segments' rows by name without copying the names.
    pub segments: BTreeMap<String, BTreeMap<Option<usize>, SegmentTally>>,
    /// Per campaign: its first budget without period, if any.
    pub budgets: Vec<Option<Budget>>,
    /// Per campaign: the `detail`s of its limits that count for good (no `per`, no `every`).
    whole: Vec<Vec<String>>,
    pub loyalty: Vec<LoyaltyTally>,
    pub referral: Vec<ReferralTally>,
    pub gift_cards: GiftCardTally,
    /// Campaigns whose codes are issued (pools, rewards), in campaign order.
    pub codes: Vec<CodeTally>,
    /// The local day of the last order and the instants it spans, `[start, end)`: orders
    /// come in time order, so most fall in the day before them (see [`Tally::day_of`]).
    last_day: (i64, i64, i32),
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
        let mut codes: Vec<CodeTally> = Vec::new();
        let rewards = p.programs.referral.iter().flat_map(|r| &r.rewards);
        for ci in 0..n {
            let issued = p.def.campaigns.get(ci).is_some_and(|c| c.unique_codes)
                || p.programs.reward_campaigns.iter().any(|(c, _, _)| *c == ci)
                || rewards
                    .clone()
                    .any(|r| matches!(r.kind, RewardKind::Code(c) if c == ci));
            if issued {
                codes.push(CodeTally {
                    campaign: ci,
                    ..CodeTally::default()
                });
            }
        }
        Self {
            loyalty: p
                .programs
                .loyalty
                .iter()
                .map(|l| LoyaltyTally {
                    id: l.id.clone(),
                    tiers: l.tiers.iter().map(|t| t.name.clone()).collect(),
                    ..LoyaltyTally::default()
                })
                .collect(),
            referral: p
                .programs
                .referral
                .iter()
                .map(|r| ReferralTally {
                    id: r.id.clone(),
                    ..ReferralTally::default()
                })
                .collect(),
            gift_cards: GiftCardTally::default(),
            codes,
            exponent: p.exponent,
            timezone,
            last_day: (0, 0, 0),
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

    /// [`Tally::day`], remembering the instants of the last day found: a timezone
    /// conversion per order was a tenth of the tally.
    fn day_of(&mut self, now: i64) -> i32 {
        let (start, end, day) = self.last_day;
        if start <= now && now < end {
            return day;
        }
        let day = self.day(now);
        let first_instant = |d: i32| {
            use chrono::TimeZone;
            let date = chrono::NaiveDate::from_num_days_from_ce_opt(d.checked_add(719_163)?)?;
            let t = self
                .timezone
                .from_local_datetime(&date.and_hms_opt(0, 0, 0)?)
                .earliest()?;
            Some(t.timestamp_micros())
        };
        // A day whose midnight a clock change skips is not remembered: found every time.
        if let (Some(start), Some(end)) = (first_instant(day), first_instant(day + 1)) {
            self.last_day = (start, end, day);
        }
        day
    }

    pub(super) fn record(&mut self, input: &Input, d: &Decision, state: &State) {
        let counters = &state.counters;
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
        let day = self.day_of(now);
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
            self.segment(s, None, |row| row.orders += 1);
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
                self.segment(s, Some(ci), |row| {
                    row.redemptions += 1;
                    row.discount += amount;
                });
            }
        }
        if !self.loyalty.is_empty() || !self.referral.is_empty() || !self.codes.is_empty() {
            self.record_programmes(d, day);
        }
        for pay in &d.payments {
            match pay.kind {
                "gift_card" => {
                    self.gift_cards.payments += 1;
                    self.gift_cards.redeemed += i128::from(pay.amount);
                }
                _ => {
                    if let Some(l) = self.loyalty.iter_mut().find(|l| l.id == pay.reference) {
                        l.redeemed += pay.points.unwrap_or(0);
                        l.redeemed_value += i128::from(pay.amount);
                    }
                }
            }
        }
    }

    /// Counts into the row of segment `s` and campaign `ci` (`None`: every order of the
    /// segment), copying the segment's name only for its first row.
    fn segment(&mut self, s: &str, ci: Option<usize>, count: impl FnOnce(&mut SegmentTally)) {
        match self.segments.get_mut(s) {
            Some(rows) => count(rows.entry(ci).or_default()),
            None => count(
                self.segments
                    .entry(s.to_owned())
                    .or_default()
                    .entry(ci)
                    .or_default(),
            ),
        }
    }

    /// Programme counts from the applied campaigns and the checkout's events.
    fn record_programmes(&mut self, d: &Decision, day: i32) {
        for a in &d.outcome.applied {
            if a.code.is_none() {
                continue;
            }
            if let Some(c) = self
                .codes
                .iter_mut()
                .find(|c| self.ids[c.campaign] == a.campaign_id)
            {
                c.redeemed += 1;
            }
            if let Some(r) = self.referral.iter_mut().find(|r| r.id == a.campaign_id) {
                r.referred += 1;
            }
        }
        // What the order itself earned (one entry per programme); the checkout's events
        // carry what other sources earned (referral rewards).
        for (program, points) in &d.earned {
            if let Some(l) = self.loyalty.iter_mut().find(|l| l.id == *program) {
                l.earned += points;
                l.earning_orders += 1;
            }
        }
        for e in &d.events {
            let program = e.payload.get("program").and_then(J::as_str).unwrap_or("");
            match e.kind.as_str() {
                "points_earned" => {
                    if e.payload.get("source").and_then(J::as_str) == Some("order") {
                        continue; // counted from `earned`
                    }
                    if let Some(l) = self.loyalty.iter_mut().find(|l| l.id == program) {
                        l.earned += e.payload.get("points").and_then(J::as_i64).unwrap_or(0);
                    }
                }
                "tier_changed" => {
                    if let Some(l) = self.loyalty.iter_mut().find(|l| l.id == program) {
                        let at = |k: &str| {
                            e.payload
                                .get(k)
                                .and_then(J::as_str)
                                .and_then(|t| l.tiers.iter().position(|x| x == t))
                                .map_or(0, |i| i + 1)
                        };
                        let (from, to) = (at("from"), at("to"));
                        let row = l.changes.entry((day, to)).or_default();
                        if to > from {
                            row.0 += 1;
                        } else {
                            row.1 += 1;
                        }
                    }
                }
                "referral_converted" => {
                    if let Some(r) = self.referral.iter_mut().find(|r| r.id == program) {
                        r.conversions += 1;
                        if e.payload.get("rewarded").and_then(J::as_bool) == Some(true) {
                            r.rewarded += 1;
                        }
                    }
                }
                "reward_issued" => {
                    let kind = e.payload.get("kind").and_then(J::as_str).unwrap_or("");
                    if let Some(r) = self.referral.iter_mut().find(|r| r.id == program) {
                        *r.rewards.entry(kind.to_owned()).or_default() += 1;
                    }
                    if kind == "code" {
                        let campaign = e.payload.get("campaign_id").and_then(J::as_str);
                        if let Some(c) = self
                            .codes
                            .iter_mut()
                            .find(|c| Some(self.ids[c.campaign].as_str()) == campaign)
                        {
                            c.issued += 1;
                        }
                    }
                }
                "gift_card_issued" => {
                    self.gift_cards.issued += 1;
                    let amount = e
                        .payload
                        .get("amount")
                        .and_then(J::as_str)
                        .and_then(|a| a.parse::<rust_decimal::Decimal>().ok())
                        .and_then(|a| money::to_minor(a, self.exponent, RoundMode::HalfEven));
                    self.gift_cards.issued_value += amount.unwrap_or(0);
                }
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_remembered_day_is_the_day_of_every_instant_in_it() {
        let def = serde_json::json!({"version": 1, "campaigns": []});
        let program = crate::compile::compile(&serde_json::from_value(def).unwrap()).unwrap();
        // Clock changes at midnight (Sao Paulo, 2018), at 02:00 (Warsaw) and none (UTC).
        for tz in ["America/Sao_Paulo", "Europe/Warsaw", "UTC"] {
            let mut t = Tally::new(&program, tz.parse().unwrap());
            for start in ["2018-11-02T00:00:00Z", "2026-10-23T00:00:00Z"] {
                let from = crate::time::parse_timestamp(start).unwrap();
                for step in 0..1200 {
                    let now = from + step * 17 * 60 * 1_000_000;
                    assert_eq!(t.day_of(now), t.day(now), "{tz} at {now}");
                }
            }
        }
    }
}
