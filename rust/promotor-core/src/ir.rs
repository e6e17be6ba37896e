//! The intermediate representation: what Python hands over, and the storable form of a ruleset.
//!
//! Every enum is internally tagged with `"type"` and uses `snake_case` tags; the pydantic models in
//! `python/promotor/ir.py` use the same tags and field names, and `tests/test_ir_drift.py` fails
//! when the two drift apart. Numbers are decimal strings (`"12.50"`), never JSON numbers, so no
//! binary float ever touches a value. `IR_VERSION` is bumped on any incompatible change.

use serde::{Deserialize, Serialize};

/// Version of the IR written by this build. Readers accept exactly this version.
pub const IR_VERSION: u32 = 1;

/// A whole engine definition: campaigns plus engine-wide settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EngineDef {
    pub version: u32,
    #[serde(default = "default_currency")]
    pub currency: String,
    #[serde(default)]
    pub rounding: Rounding,
    #[serde(default)]
    pub stacking: Stacking,
    #[serde(default)]
    pub limits: Limits,
    pub campaigns: Vec<Campaign>,
    /// Loyalty programmes (DESIGN section 10; `crate::programs`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub programs: Vec<crate::programs::ProgramDef>,
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

/// Bounds that keep any rule from exhausting a worker. Checked at compile time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    /// Deepest nesting of expression nodes.
    pub max_depth: u32,
    /// Most nodes in one expression.
    pub max_nodes: u32,
    /// Worst-case evaluation cost of one expression (see docs/semantics.md, "Limits").
    pub max_cost: u64,
    /// Longest rule text, in bytes.
    pub max_text_len: u32,
}

impl Default for Limits {
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
    /// ISO weekdays, 1 = Monday .. 7 = Sunday. Empty or absent: every day.
    #[serde(default)]
    pub weekdays: Option<Vec<u8>>,
    /// Half-open `[start, end)` hours 0..=24; `start > end` wraps past midnight.
    #[serde(default)]
    pub hours: Option<(u8, u8)>,
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
    pub effect: Effect,
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
    },
    Gift {
        sku: String,
        #[serde(default = "one")]
        quantity: u32,
        /// Nominal unit price of the gift, reported; not part of totals.
        price: Expr,
    },
}

fn one() -> u32 {
    1
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Allocation {
    #[default]
    Across,
    Each,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Target {
    #[default]
    Order,
    Shipping,
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
    },
}

/// An expression node. See docs/rules.md for the meaning of each.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Expr {
    Null,
    Bool {
        value: bool,
    },
    /// A decimal literal: `-?[0-9]+(\.[0-9]+)?`, scale kept as written.
    Num {
        value: String,
    },
    Str {
        value: String,
    },
    List {
        items: Vec<Expr>,
    },
    /// `path[0]` is a root (`cart`, `customer`, `context`) or a variable bound by an enclosing
    /// macro or item target (`item` for the builder). Keys after `metadata` are metadata keys.
    Field {
        path: Vec<String>,
    },
    Unary {
        op: UnaryOp,
        arg: Box<Expr>,
    },
    Binary {
        op: BinaryOp,
        left: Box<Expr>,
        right: Box<Expr>,
    },
    /// `if ? then : else`
    Cond {
        #[serde(rename = "if")]
        cond: Box<Expr>,
        then: Box<Expr>,
        #[serde(rename = "else")]
        otherwise: Box<Expr>,
    },
    /// A function call. Methods take their receiver as `args[0]`
    /// (`s.startsWith("a")` is `call startsWith [s, "a"]`).
    Call {
        #[serde(rename = "fn")]
        func: String,
        args: Vec<Expr>,
    },
    /// `list.op(var, body)`; `count`, `sum`, `min`, `max` also come without var and body.
    Macro {
        op: MacroOp,
        list: Box<Expr>,
        #[serde(default)]
        var: Option<String>,
        #[serde(default)]
        body: Option<Box<Expr>>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnaryOp {
    Not,
    Neg,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BinaryOp {
    And,
    Or,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    In,
    Add,
    Sub,
    Mul,
    Div,
    Mod,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MacroOp {
    All,
    Exists,
    ExistsOne,
    Filter,
    Map,
    Count,
    Sum,
    Min,
    Max,
}

impl MacroOp {
    pub const fn name(self) -> &'static str {
        match self {
            Self::All => "all",
            Self::Exists => "exists",
            Self::ExistsOne => "exists_one",
            Self::Filter => "filter",
            Self::Map => "map",
            Self::Count => "count",
            Self::Sum => "sum",
            Self::Min => "min",
            Self::Max => "max",
        }
    }
}

impl BinaryOp {
    /// The operator as written in rule text.
    pub const fn symbol(self) -> &'static str {
        match self {
            Self::And => "&&",
            Self::Or => "||",
            Self::Eq => "==",
            Self::Ne => "!=",
            Self::Lt => "<",
            Self::Le => "<=",
            Self::Gt => ">",
            Self::Ge => ">=",
            Self::In => "in",
            Self::Add => "+",
            Self::Sub => "-",
            Self::Mul => "*",
            Self::Div => "/",
            Self::Mod => "%",
        }
    }
}

impl Expr {
    pub fn num(value: impl Into<String>) -> Self {
        Self::Num {
            value: value.into(),
        }
    }

    pub fn str(value: impl Into<String>) -> Self {
        Self::Str {
            value: value.into(),
        }
    }

    pub fn field<I, S>(path: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self::Field {
            path: path.into_iter().map(Into::into).collect(),
        }
    }

    pub fn binary(op: BinaryOp, left: Expr, right: Expr) -> Self {
        Self::Binary {
            op,
            left: Box::new(left),
            right: Box::new(right),
        }
    }

    pub fn call(func: impl Into<String>, args: Vec<Expr>) -> Self {
        Self::Call {
            func: func.into(),
            args,
        }
    }
}
