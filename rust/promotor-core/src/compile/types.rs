//! The compiled forms of a definition's parts: campaigns, tiers, schedules and targets. The
//! compiled effects are the `eval::effects` types behind [`crate::eval::effects::Effect`].

use chrono_tz::Tz;

use super::node::{Node, Rule};
use crate::eval::effects::Effect;

/// Which units of the selected lines an `items(...)` target keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pick {
    Cheapest(u32),
    MostExpensive(u32),
}

/// A compiled target.
#[derive(Debug, Clone)]
pub enum CTarget {
    Order,
    Shipping,
    Items {
        /// Item predicate (slot 0 is `item`); `None`: every line.
        pred: Option<Node>,
        pick: Option<Pick>,
        max_quantity: Option<u32>,
        /// Only units in complete groups of this many (at least 1).
        groups_of: Option<u32>,
    },
}

/// A compiled effect.
pub type CEffect = Box<dyn Effect>;

#[derive(Debug)]
pub enum Body {
    Effect(CEffect),
    Tiers(Vec<(Option<Rule>, CEffect)>),
}

#[derive(Debug, Clone)]
pub struct CSchedule {
    /// `None`: every day.
    pub weekdays: Option<Vec<u8>>,
    /// Half-open local hours; `start > end` is the night that starts on a listed day.
    pub hours: Option<(u8, u8)>,
    pub tz: Tz,
}

#[derive(Debug)]
pub struct CCampaign {
    pub id: String,
    pub automatic: bool,
    pub active: bool,
    pub starts_at: Option<i64>,
    pub ends_at: Option<i64>,
    pub schedule: Option<CSchedule>,
    pub rules: Option<Rule>,
    pub body: Body,
    /// `rules_on="discounted"`: its rules (and tiers') are tested at its turn in stacking, on
    /// the cart as left by the campaigns applied before it.
    pub deferred: bool,
}
