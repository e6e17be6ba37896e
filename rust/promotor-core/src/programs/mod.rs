//! Programs: loyalty points, gift cards and the codes they issue (DESIGN section 10), on the
//! state model of section 8: the core decides, stores apply.
//!
//! Everything a programme decides lives in counters ([`crate::state::Snapshot`]), grouped in
//! **families**: a family is a key prefix naming one customer of one programme, one gift
//! card or one issued code, and its members are counters inside it (`family#member`, see
//! [`keys`]). A store reads a whole family in one range read, so the core learns every lot of
//! a customer without knowing their dates in advance; it never parses a key. Decisions return
//! the same [`crate::state::Delta`]s as limits (a spend is `add: -n, min: Some(0)`; a marker
//! that must move from `a` to `b` is `add: b - a, min = max = b`), plus the [`Event`]s to
//! append in the same commit (the outbox).
//!
//! - [`loyalty`]: lots, pending points, expiry, tiers, earning, spending, rollback.
//! - [`gift_cards`]: issue, top up, deactivate, pay.
//! - [`issued`]: codes a programme puts into a wallet (rewards), accepted by evaluation.
//! - [`referral`]: advocates' codes, friends, conversions, reward tiers and clawbacks.
//! - [`checkout`]: what a redeem decides beyond the discounts (payments, earning, referral).
//! - [`ops`]: the operations (track, rollback, reward, import, gift cards, balance) as one
//!   JSON-described entry point for the binding and the reference's twin tests.

pub mod checkout;
pub mod compile;
pub mod gift_cards;
pub mod issued;
pub mod keys;
pub mod loyalty;
pub mod ops;
pub mod ratio;
pub mod referral;
pub mod work;

use rust_decimal::Decimal;

pub use ratio::Ratio;
use serde::{Deserialize, Serialize};

use crate::compile::node::Rule;
use crate::compile::CSchedule;
use crate::ir::{Effect, Expr, Schedule, UsageLimit};

pub use work::Work;

/// A code's comparison key, the one normalisation of [`crate::codes::key`]. A code holding
/// an invisible character keys as itself, so it matches no card or issued code (issuing one
/// is refused: see [`ops`]); the input validator refuses such codes before they get here.
pub(crate) fn code_key(code: &str) -> String {
    crate::codes::key(code).unwrap_or_else(|_| code.to_owned())
}

/// A programme in an engine definition (`EngineDef.programs`).
// Definitions are read once per engine: no point boxing the larger variant.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ProgramDef {
    Loyalty {
        id: String,
        #[serde(default)]
        name: String,
        #[serde(default)]
        earn: Vec<EarnDef>,
        /// Order points become available at 00:00 local of the earning date plus this.
        #[serde(default)]
        pending_days: u32,
        /// A lot expires at 00:00 local this many days after the date it became available.
        #[serde(default)]
        expire_after_days: Option<u32>,
        #[serde(default)]
        tiers: Vec<TierDef>,
        /// Tiers count points earned in this many days up to today (`None`: all time).
        #[serde(default)]
        tier_window_days: Option<u32>,
        #[serde(default)]
        rewards: Vec<RewardDef>,
        /// The money one point pays, as a decimal string (`None`: points cannot pay).
        #[serde(default)]
        point_value: Option<String>,
        #[serde(default = "utc")]
        timezone: String,
        /// `points_expiring` is written this many days before a lot expires.
        #[serde(default = "fourteen")]
        expiring_notice_days: u32,
    },
    /// A referral programme (`referral`): advocates share a code, friends get
    /// `friend_effect`, a conversion (an order satisfying `conversion`, or the event `on`)
    /// counts toward the advocate's reward tiers.
    Referral {
        id: String,
        #[serde(default)]
        name: String,
        /// What the friend's first order with the code gets (`None`: single-sided, only the
        /// advocate is rewarded).
        #[serde(default)]
        friend_effect: Option<Effect>,
        #[serde(default)]
        friend_rules: Option<Expr>,
        /// Checked on the advocate when their code is made.
        #[serde(default)]
        advocate_rules: Option<Expr>,
        /// What a friend's order (or event `on`) must satisfy to convert (`None`: any).
        #[serde(default)]
        conversion: Option<Expr>,
        #[serde(default)]
        on: Option<String>,
        #[serde(default)]
        rewards: Vec<ReferralRewardDef>,
        /// The codes are accepted from `starts_at` until `ends_at` (ISO instants).
        #[serde(default)]
        starts_at: Option<String>,
        #[serde(default)]
        ends_at: Option<String>,
        /// Limits on rewarded referrals per advocate (`limit` only, `per` none or customer).
        #[serde(default)]
        limits: Vec<UsageLimit>,
        /// The pattern advocates' codes are generated from (`promotor.codes.generate`).
        #[serde(default = "referral_pattern")]
        code_pattern: String,
    },
}

fn referral_pattern() -> String {
    "REF-####-####".to_owned()
}

/// A reward tier of a referral programme: at `referrals` rewarded referrals the advocate gets
/// a code for `effect`, or `points` in loyalty programme `program`, or a gift card of
/// `gift_card` (exactly one of them).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReferralRewardDef {
    pub referrals: u32,
    #[serde(default)]
    pub effect: Option<Effect>,
    #[serde(default)]
    pub points: Option<u64>,
    #[serde(default)]
    pub program: Option<String>,
    #[serde(default)]
    pub gift_card: Option<String>,
}

fn utc() -> String {
    "UTC".to_owned()
}

const fn fourteen() -> u32 {
    14
}

fn one() -> String {
    "1".to_owned()
}

/// An earning rule: `points` per `per` of the amount paid (or per event `on`), or a
/// `multiplier` of what the other rules give.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EarnDef {
    #[serde(default)]
    pub points: Option<String>,
    #[serde(default = "one")]
    pub per: String,
    #[serde(default)]
    pub multiplier: Option<String>,
    /// A custom event (`engine.track`); `None`: orders.
    #[serde(default)]
    pub on: Option<String>,
    #[serde(default)]
    pub rules: Option<Expr>,
    #[serde(default)]
    pub schedule: Option<Schedule>,
    #[serde(default)]
    pub starts_at: Option<String>,
    #[serde(default)]
    pub ends_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TierDef {
    pub name: String,
    /// Points earned in the window that reach this tier.
    pub points: u64,
    #[serde(default)]
    pub multiplier: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RewardDef {
    pub id: String,
    #[serde(default)]
    pub name: String,
    pub cost: u64,
    pub effect: Effect,
}

/// One compiled earning rule.
#[derive(Debug, Clone)]
pub struct CEarn {
    pub points: Option<Decimal>,
    pub per: Decimal,
    /// An exact fraction, as it multiplies.
    pub multiplier: Option<Ratio>,
    /// `points / per` as an exact fraction, reduced once here rather than on every order
    /// (`None` without points, or where the division overflows: then computed per order).
    pub rate: Option<Ratio>,
    pub on: Option<String>,
    pub rules: Option<Rule>,
    pub schedule: Option<CSchedule>,
    pub starts_at: Option<i64>,
    pub ends_at: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct CTier {
    pub name: String,
    pub points: i64,
    /// An exact fraction, as it multiplies.
    pub multiplier: Ratio,
}

#[derive(Debug, Clone)]
pub struct CReward {
    pub id: String,
    pub cost: i64,
    /// The campaign (index in the program) its codes apply.
    pub campaign: usize,
}

/// A compiled loyalty programme.
#[derive(Debug, Clone)]
pub struct Loyalty {
    pub id: String,
    pub earn: Vec<CEarn>,
    pub pending_days: u32,
    pub expire_after_days: Option<u32>,
    pub tiers: Vec<CTier>,
    pub tier_window_days: Option<u32>,
    pub rewards: Vec<CReward>,
    /// Minor units of the engine's currency one point pays.
    pub point_minor: Option<i64>,
    pub tz: chrono_tz::Tz,
    pub notice_days: u32,
}

/// The programmes of an engine, compiled.
#[derive(Debug, Clone, Default)]
pub struct Programs {
    pub loyalty: Vec<Loyalty>,
    pub referral: Vec<referral::Referral>,
    /// Campaign index -> (programme index, reward index) for reward campaigns.
    pub reward_campaigns: Vec<(usize, usize, usize)>,
}

impl Programs {
    pub fn is_empty(&self) -> bool {
        self.loyalty.is_empty() && self.referral.is_empty()
    }

    /// Whether evaluation must read the families of given codes no campaign defines (codes
    /// a programme issued: rewards, advocates' codes).
    pub fn reads_codes(&self) -> bool {
        !self.reward_campaigns.is_empty() || !self.referral.is_empty()
    }

    pub fn referral(&self, id: &str) -> Option<&referral::Referral> {
        self.referral.iter().find(|r| r.id == id)
    }

    pub fn loyalty(&self, id: &str) -> Option<&Loyalty> {
        self.loyalty.iter().find(|l| l.id == id)
    }

    /// The programme and reward of a reward campaign.
    pub fn reward_of(&self, campaign: usize) -> Option<(&Loyalty, &CReward)> {
        self.reward_campaigns
            .iter()
            .find(|(c, _, _)| *c == campaign)
            .map(|(_, p, r)| (&self.loyalty[*p], &self.loyalty[*p].rewards[*r]))
    }
}

/// The id of the campaign a reward's codes apply: `programme:reward`.
pub fn reward_campaign_id(program: &str, reward: &str) -> String {
    format!("{program}:{reward}")
}

/// A code no shopper can type (it holds a NUL), which makes a reward campaign code-only:
/// only codes the store issued for it (read from the snapshot) select it.
pub fn reward_placeholder_code(campaign_id: &str) -> String {
    format!("\u{0}issued:{campaign_id}")
}

/// The reward campaigns of `programs`, appended to the user's campaigns before compiling.
pub fn reward_campaigns(programs: &[ProgramDef]) -> Vec<crate::ir::Campaign> {
    let mut out = Vec::new();
    for p in programs {
        let ProgramDef::Loyalty { id, rewards, .. } = p else {
            out.extend(referral::campaigns(p));
            continue;
        };
        for r in rewards {
            let cid = reward_campaign_id(id, &r.id);
            let value = serde_json::json!({
                "id": cid,
                "name": r.name,
                "effect": r.effect,
                "codes": [reward_placeholder_code(&cid)],
            });
            if let Ok(c) = serde_json::from_value(value) {
                out.push(c);
            }
        }
    }
    out
}

/// An event to append in the same commit as the change it reports (the outbox).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Event {
    #[serde(rename = "type")]
    pub kind: String,
    pub customer_id: Option<String>,
    pub payload: serde_json::Value,
}

impl Event {
    pub fn new(kind: &str, customer: Option<&str>, payload: serde_json::Value) -> Self {
        Self {
            kind: kind.to_owned(),
            customer_id: customer.map(str::to_owned),
            payload,
        }
    }
}
