//! The intermediate representation: what Python hands over, and the storable form of a ruleset.
//!
//! Every enum is internally tagged with `"type"` and uses `snake_case` tags; the pydantic models in
//! `python/promotor/ir.py` use the same tags and field names, and `tests/test_ir_drift.py` fails
//! when the two drift apart. Numbers are decimal strings (`"12.50"`), never JSON numbers, so no
//! binary float ever touches a value. `IR_VERSION` is bumped on any incompatible change.

mod expr;
mod read;

use serde::{Deserialize, Serialize};

pub use expr::{BinaryOp, Expr, MacroOp, Step, UnaryOp};
pub use read::{read_engine, read_json, DEEP_ROOTS, MAX_JSON_DEPTH};

/// Version of the IR written by this build. Version 2 renamed the engine's `limits` (the
/// compile-time bounds of rules) to `bounds`; readers also accept version 1 and read its
/// `limits` as `bounds`.
pub const IR_VERSION: u32 = 2;

/// The oldest IR version this build reads.
pub const IR_VERSION_MIN: u32 = 1;

/// A whole engine definition: campaigns plus engine-wide settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, try_from = "RawEngineDef")]
pub struct EngineDef {
    pub version: u32,
    pub currency: String,
    pub rounding: Rounding,
    pub stacking: Stacking,
    pub bounds: RuleBounds,
    pub campaigns: Vec<Campaign>,
    /// Loyalty programmes (DESIGN section 10; `crate::programs`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub programs: Vec<crate::programs::ProgramDef>,
    /// Campaign codes match case-sensitively (`codes::key_with`); absent: insensitive.
    #[serde(default, skip_serializing_if = "is_false")]
    pub codes_case_sensitive: bool,
    /// Prices (and effect amounts) include tax (docs/semantics.md, "Taxes"); absent: they
    /// exclude it.
    #[serde(default, skip_serializing_if = "is_false")]
    pub prices_include_tax: bool,
}

/// An engine definition as written, in any version this build reads.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEngineDef {
    version: u32,
    #[serde(default = "default_currency")]
    currency: String,
    #[serde(default)]
    rounding: Rounding,
    #[serde(default)]
    stacking: Stacking,
    #[serde(default)]
    bounds: Option<RuleBounds>,
    /// Version 1's name of `bounds`.
    #[serde(default)]
    limits: Option<RuleBounds>,
    campaigns: Vec<Campaign>,
    #[serde(default)]
    programs: Vec<crate::programs::ProgramDef>,
    #[serde(default)]
    codes_case_sensitive: bool,
    #[serde(default)]
    prices_include_tax: bool,
}

impl TryFrom<RawEngineDef> for EngineDef {
    type Error = String;

    /// Reads version 1 as version 2. Worded as serde words an unknown field, so the reader
    /// reports it as one (`unknown_field`, at `limits`).
    fn try_from(raw: RawEngineDef) -> Result<Self, String> {
        let bounds = match (raw.version, raw.bounds, raw.limits) {
            (1, None, limits) => limits,
            (_, bounds, None) => bounds,
            (1, Some(_), Some(_)) => {
                return Err("unknown field `bounds`, expected `limits` in IR version 1".into())
            }
            (_, _, Some(_)) => return Err("unknown field `limits`, expected `bounds`".into()),
        };
        Ok(Self {
            version: if raw.version == 1 {
                IR_VERSION
            } else {
                raw.version
            },
            currency: raw.currency,
            rounding: raw.rounding,
            stacking: raw.stacking,
            bounds: bounds.unwrap_or_default(),
            campaigns: raw.campaigns,
            programs: raw.programs,
            codes_case_sensitive: raw.codes_case_sensitive,
            prices_include_tax: raw.prices_include_tax,
        })
    }
}

fn default_currency() -> String {
    "USD".to_owned()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rounding {
    #[default]
    HalfEven,
    HalfUp,
    Down,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Stacking {
    #[serde(default)]
    pub mode: StackingMode,
    #[serde(default)]
    pub base: StackingBase,
    #[serde(default)]
    pub max_applied: Option<u32>,
    /// Percent of the subtotal, as a decimal string.
    #[serde(default)]
    pub max_discount: Option<String>,
}

impl Default for Stacking {
    fn default() -> Self {
        Self {
            mode: StackingMode::Sequential,
            base: StackingBase::Discounted,
            max_applied: None,
            max_discount: None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StackingMode {
    #[default]
    Sequential,
    BestDeal,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StackingBase {
    #[default]
    Discounted,
    Original,
}

/// The compile-time bounds of rules (`pm.RuleBounds`): they keep any rule from exhausting a
/// worker. Not to be confused with the usage limits of campaigns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleBounds {
    /// Deepest nesting of expression nodes.
    pub max_depth: u32,
    /// Most nodes in one expression.
    pub max_nodes: u32,
    /// Worst-case evaluation cost of one expression (see docs/semantics.md, "Rule bounds").
    pub max_cost: u64,
    /// Longest rule text, in bytes.
    pub max_text_len: u32,
}

impl RuleBounds {
    /// The longest rule text read, in bytes, whatever the bounds say.
    pub const MAX_TEXT_LEN: u32 = 1_000_000;

    /// What rule text is parsed with before the engine's bounds are known: the parser's own
    /// recursion bound and [`Self::MAX_TEXT_LEN`]. The engine's compile checks its bounds
    /// afterwards, which may not be larger than these.
    pub const PARSE: Self = Self {
        max_depth: crate::syntax::MAX_SUPPORTED_DEPTH,
        max_nodes: u32::MAX,
        max_cost: u64::MAX,
        max_text_len: Self::MAX_TEXT_LEN,
    };
}

impl Default for RuleBounds {
    fn default() -> Self {
        Self {
            max_depth: 64,
            max_nodes: 10_000,
            max_cost: 50_000_000,
            max_text_len: 100_000,
        }
    }
}

// The IR mirrors `pm.Campaign`'s independent flags (`unique_codes`, `exclusive`, `stop_after`,
// `active`) one to one, as the JSON contract names them; enums would change that contract.
#[allow(clippy::struct_excessive_bools)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Campaign {
    pub id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub rules: Option<Expr>,
    #[serde(default)]
    pub effect: Option<Effect>,
    /// Several effects applied in order and explained together (instead of `effect`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effects: Option<Vec<Effect>>,
    #[serde(default)]
    pub tiers: Option<Vec<Tier>>,
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub codes: Option<Vec<String>>,
    /// Accepts the codes of its pool in the store (DESIGN section 9; `state::pools`).
    #[serde(default, skip_serializing_if = "is_false")]
    pub unique_codes: bool,
    /// RFC 3339 with an offset; inclusive.
    #[serde(default)]
    pub starts_at: Option<String>,
    /// RFC 3339 with an offset; exclusive.
    #[serde(default)]
    pub ends_at: Option<String>,
    #[serde(default)]
    pub schedule: Option<Schedule>,
    #[serde(default)]
    pub priority: i32,
    #[serde(default)]
    pub exclusive: bool,
    #[serde(default)]
    pub group: Option<String>,
    #[serde(default)]
    pub stop_after: bool,
    #[serde(default = "yes")]
    pub active: bool,
    #[serde(default)]
    pub metadata: serde_json::Map<String, serde_json::Value>,
    /// Usage limits and budgets (see `state`): counted against a store's snapshot.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub limits: Vec<UsageLimit>,
    /// Which cart the campaign's rules (and tiers' rules) read.
    #[serde(default, skip_serializing_if = "RulesOn::is_original")]
    pub rules_on: RulesOn,
}

/// The cart a campaign's rules read (docs/semantics.md, "Rules on the discounted cart").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RulesOn {
    /// The cart as given.
    #[default]
    Original,
    /// The cart as left by the campaigns applied before this one: line amounts, subtotal and
    /// shipping after their discounts.
    Discounted,
}

impl RulesOn {
    #[allow(clippy::trivially_copy_pass_by_ref)] // serde's skip_serializing_if passes a reference
    pub const fn is_original(&self) -> bool {
        matches!(self, Self::Original)
    }
}

/// A usage limit or a budget of a campaign (DESIGN section 8, "Limits and budgets").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum UsageLimit {
    /// At most `max` redemptions (applications) per counter.
    Limit {
        max: u64,
        #[serde(default)]
        per: Option<Per>,
        #[serde(default)]
        every: Option<Every>,
        #[serde(default = "utc")]
        timezone: String,
        #[serde(default)]
        key: Option<String>,
    },
    /// At most `amount` of discount given (a decimal string in the engine's currency).
    Budget {
        amount: String,
        #[serde(default)]
        every: Option<Every>,
        #[serde(default = "utc")]
        timezone: String,
        #[serde(default)]
        key: Option<String>,
        /// A discount larger than what is left shrinks to it (`false`: it is refused whole).
        #[serde(default = "yes")]
        partial: bool,
    },
}

/// What a limit counts separately.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Per {
    Customer,
    Code,
}

/// A calendar period a limit or budget restarts with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Every {
    Day,
    Week,
    Month,
}

#[allow(clippy::trivially_copy_pass_by_ref)] // serde's skip_serializing_if passes a reference
const fn is_false(b: &bool) -> bool {
    !*b
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Schedule {
    /// ISO weekdays, 1 = Monday .. 7 = Sunday. Empty or absent: every day. (Any integer is
    /// read, so the compile's range check words every mistake.)
    #[serde(default)]
    pub weekdays: Option<Vec<i64>>,
    /// Half-open local `[start, end)` hours 0..=24; `start > end` is the night that starts on
    /// each listed day.
    #[serde(default)]
    pub hours: Option<(i64, i64)>,
    /// IANA name, e.g. `Europe/Warsaw`.
    #[serde(default = "utc")]
    pub timezone: String,
}

fn utc() -> String {
    "UTC".to_owned()
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tier {
    #[serde(default)]
    pub rules: Option<Expr>,
    /// Exactly one of `effect` and `effects`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effect: Option<Effect>,
    /// Several effects applied in order (instead of `effect`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effects: Option<Vec<Effect>>,
}

/// A discount effect. Every number is an expression (a literal is `{"type": "num"}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Effect {
    PercentOff {
        percent: Expr,
        #[serde(default)]
        on: Target,
        #[serde(default)]
        cap: Option<Expr>,
    },
    AmountOff {
        amount: Expr,
        #[serde(default)]
        on: Target,
        #[serde(default)]
        allocation: Allocation,
    },
    FixedPrice {
        price: Expr,
        #[serde(default)]
        on: Target,
    },
    ShippingOff {
        amount: Expr,
        #[serde(default)]
        percent: bool,
        /// Which shipping methods (a `shipping` target); `None`: all, across.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        on: Option<Target>,
    },
    BuyXGetY {
        /// Item predicate (binds `item`); `None`: every item.
        #[serde(default)]
        buy: Option<Expr>,
        buy_quantity: Expr,
        /// Item predicate; `None`: the same set as `buy`.
        #[serde(default)]
        get: Option<Expr>,
        get_quantity: Expr,
        percent: Expr,
        #[serde(default)]
        max_applications: Option<Expr>,
        /// The reward as an amount off each get-unit (instead of `percent`).
        #[serde(default)]
        amount: Option<Box<Expr>>,
        /// The reward as a price for each get-unit (instead of `percent`).
        #[serde(default)]
        fixed_price: Option<Box<Expr>>,
        /// Which end of the price list the get-units come from (`null`: the default).
        #[serde(default, deserialize_with = "GetFrom::null_is_cheapest")]
        get_from: GetFrom,
    },
    Gift {
        sku: String,
        #[serde(default = "one")]
        quantity: u32,
        /// Nominal unit price of the gift, reported; not part of totals.
        price: Expr,
        /// `quantity` gifts per `per` qualifying units (units of the lines `of` selects);
        /// `None`: `quantity` gifts once.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        per: Option<u32>,
        /// Item predicate choosing the qualifying units of `per`; `None`: every unit.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        of: Option<Expr>,
    },
}

fn one() -> u32 {
    1
}

/// Which units of a `buy_x_get_y` get the reward: the cheapest (buy-units from the expensive
/// end) or the most expensive (buy-units from the cheap end).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GetFrom {
    #[default]
    Cheapest,
    MostExpensive,
}

impl GetFrom {
    /// Reads `null` as the default, `cheapest`, as the Python model and the reference do
    /// (refused, it was reported as the whole effect's type error, not this field's).
    fn null_is_cheapest<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Option::<Self>::deserialize(d)?.unwrap_or_default())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Allocation {
    #[default]
    Across,
    Each,
}

impl Allocation {
    /// Whether it is the default (`across`), which the IR leaves out.
    #[allow(clippy::trivially_copy_pass_by_ref)] // serde's skip_serializing_if passes a reference
    pub const fn is_across(&self) -> bool {
        matches!(self, Self::Across)
    }

    /// Reads `null` as the default, `across`.
    fn null_is_across<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Option::<Self>::deserialize(d)?.unwrap_or_default())
    }
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Target {
    #[default]
    Order,
    /// The shipping methods: all, or those `pred` selects; `allocation`: `each` computes the
    /// effect on each method alone, `across` on their sum.
    Shipping {
        /// Method predicate (binds `method`); `None`: every method.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pred: Option<Expr>,
        /// `null` or left out: `across` (as the pydantic model reads it).
        #[serde(
            default,
            deserialize_with = "Allocation::null_is_across",
            skip_serializing_if = "Allocation::is_across"
        )]
        allocation: Allocation,
    },
    Items {
        /// Item predicate (binds `item`); `None`: every item.
        #[serde(default)]
        pred: Option<Expr>,
        #[serde(default)]
        cheapest: Option<u32>,
        #[serde(default)]
        most_expensive: Option<u32>,
        #[serde(default)]
        max_quantity: Option<u32>,
        /// Only units in complete groups of this many (across the targeted lines).
        #[serde(default)]
        groups_of: Option<u32>,
    },
}
