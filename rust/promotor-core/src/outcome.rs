//! What evaluation returns: structured data only. Messages and explanations are rendered on the
//! Python side from these fields, so the text lives in one place.

use rust_decimal::Decimal;
use serde::Serialize;

use crate::input::{Duration, MetaValue, Timestamp};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outcome {
    pub currency: String,
    pub subtotal: Decimal,
    pub shipping: Decimal,
    pub discount: Decimal,
    pub shipping_discount: Decimal,
    pub total: Decimal,
    pub lines: Vec<LineOutcome>,
    pub applied: Vec<Applied>,
    pub rejected: Vec<Rejected>,
    /// Each shipping method after discounts (the `shipping` shorthand is one method; none
    /// when the shipping is 0).
    pub shipping_methods: Vec<MethodOutcome>,
    /// Amounts both with and without tax, when some line or method has a tax rate.
    pub taxes: Option<Taxes>,
}

/// A cart's amounts both ways (docs/semantics.md, "Taxes"): per line and shipping method
/// that has a rate, and order sums when every line and method has one.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Taxes {
    pub prices_include_tax: bool,
    pub lines: Vec<TaxLine>,
    pub shipping_methods: Vec<TaxLine>,
    pub subtotal_net: Option<Decimal>,
    pub subtotal_gross: Option<Decimal>,
    pub shipping_net: Option<Decimal>,
    pub shipping_gross: Option<Decimal>,
    pub discount_net: Option<Decimal>,
    pub discount_gross: Option<Decimal>,
    pub total_net: Option<Decimal>,
    pub total_gross: Option<Decimal>,
    pub tax: Option<Decimal>,
}

/// One line's (or shipping method's) amounts with and without tax at its `rate` (percent).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TaxLine {
    pub index: usize,
    pub rate: Decimal,
    pub subtotal_net: Decimal,
    pub subtotal_gross: Decimal,
    pub discount_net: Decimal,
    pub discount_gross: Decimal,
    pub total_net: Decimal,
    pub total_gross: Decimal,
    pub tax: Decimal,
}

/// One shipping method after discounts; its id and code are the input's
/// (`input.cart.shipping_methods[index]`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MethodOutcome {
    pub index: usize,
    pub price: Decimal,
    pub discount: Decimal,
    pub total: Decimal,
}

/// One cart line after discounts. Its sku is the input line's (`input.cart.items[index]`):
/// not copied here, as most evaluations never read it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LineOutcome {
    pub index: usize,
    pub quantity: u32,
    pub unit_price: Decimal,
    pub subtotal: Decimal,
    pub discount: Decimal,
    pub total: Decimal,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Applied {
    pub campaign_id: String,
    /// The code as the campaign defines it, when it was applied by code.
    pub code: Option<String>,
    /// Index of the tier that applied, for tiered campaigns.
    pub tier: Option<usize>,
    /// Whole discount: `sum(allocations) + shipping_amount`.
    pub amount: Decimal,
    pub shipping_amount: Decimal,
    /// `(line index, the discount on that line)` by ascending index; only lines with a
    /// non-zero share.
    pub allocations: Vec<(usize, Decimal)>,
    /// `(shipping method index, the discount on that method)` by ascending index; only
    /// methods with a non-zero share (`shipping_amount` is their sum).
    pub shipping_allocations: Vec<(usize, Decimal)>,
    pub gifts: Vec<Gift>,
    /// What reduced the campaign's discount, if anything: `Some("budget")` when a budget
    /// shrank it to what was left of it, `Some("max_discount")` when the order's
    /// `max_discount` clipped it.
    pub limited_by: Option<&'static str>,
    /// A campaign of several effects (`effects=[...]`): what each effect took, in order,
    /// adding up to `amount`, `shipping_amount`, `allocations` and `gifts`; empty for one
    /// effect.
    pub parts: Vec<Part>,
}

/// What one effect of a several-effect campaign took.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Part {
    pub amount: Decimal,
    pub shipping_amount: Decimal,
    pub allocations: Vec<(usize, Decimal)>,
    pub gifts: Vec<Gift>,
}

impl Applied {
    /// The campaign's share of line `line` (zero for lines it does not touch).
    pub fn share(&self, line: usize) -> Decimal {
        self.allocations
            .iter()
            .find(|(i, _)| *i == line)
            .map_or(Decimal::ZERO, |(_, v)| *v)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Gift {
    pub sku: String,
    pub quantity: u32,
    pub price: Decimal,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    NotActive,
    RulesNotMet,
    UnknownCode,
    NoEffect,
    ExclusiveConflict,
    GroupConflict,
    Stopped,
    MaxApplied,
    CurrencyMismatch,
    MaxDiscount,
    NotBestDeal,
    LimitReached,
    BudgetExhausted,
    NotAssignedToCustomer,
    GiftCardExpired,
    GiftCardInactive,
    GiftCardEmpty,
    SelfReferral,
    AlreadyReferred,
}

impl Reason {
    /// Every reason, in the order docs/semantics.md lists them.
    pub const ALL: &'static [Self] = &[
        Self::NotActive,
        Self::RulesNotMet,
        Self::UnknownCode,
        Self::NoEffect,
        Self::ExclusiveConflict,
        Self::GroupConflict,
        Self::Stopped,
        Self::MaxApplied,
        Self::CurrencyMismatch,
        Self::MaxDiscount,
        Self::NotBestDeal,
        Self::LimitReached,
        Self::BudgetExhausted,
        Self::NotAssignedToCustomer,
        Self::GiftCardExpired,
        Self::GiftCardInactive,
        Self::GiftCardEmpty,
        Self::SelfReferral,
        Self::AlreadyReferred,
    ];

    /// The stable name (`Rejected.reason`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::NotActive => "not_active",
            Self::RulesNotMet => "rules_not_met",
            Self::UnknownCode => "unknown_code",
            Self::NoEffect => "no_effect",
            Self::ExclusiveConflict => "exclusive_conflict",
            Self::GroupConflict => "group_conflict",
            Self::Stopped => "stopped",
            Self::MaxApplied => "max_applied",
            Self::CurrencyMismatch => "currency_mismatch",
            Self::MaxDiscount => "max_discount",
            Self::NotBestDeal => "not_best_deal",
            Self::LimitReached => "limit_reached",
            Self::BudgetExhausted => "budget_exhausted",
            Self::NotAssignedToCustomer => "not_assigned_to_customer",
            Self::GiftCardExpired => "gift_card_expired",
            Self::GiftCardInactive => "gift_card_inactive",
            Self::GiftCardEmpty => "gift_card_empty",
            Self::SelfReferral => "self_referral",
            Self::AlreadyReferred => "already_referred",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rejected {
    /// `None` only for `unknown_code`.
    pub campaign_id: Option<String>,
    /// The code as the shopper gave it (for `unknown_code`) or as the campaign defines it.
    pub code: Option<String>,
    pub reason: Reason,
    /// For `rules_not_met`: the failing leaf, printed as rule text.
    pub condition: Option<String>,
    pub actual: Option<Reported>,
    pub expected: Option<Reported>,
    /// A machine-readable refinement, e.g. for `not_active`: `inactive`, `not_started`, `ended`,
    /// `outside_schedule`; for `rules_not_met` on a tiered campaign: `tier 0`; for
    /// `limit_reached` and `budget_exhausted`: which limit (`total`, `per_customer`, ..., a
    /// shared key, or `customer required`).
    pub detail: Option<String>,
    /// The campaign that caused a conflict, `stopped` or `max_applied`.
    pub by: Option<String>,
}

/// A runtime value, as reported in `Rejected.actual` / `expected`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Reported {
    Null,
    Bool(bool),
    Num(Decimal),
    Str(String),
    Timestamp(Timestamp),
    Duration(Duration),
    List(Vec<Reported>),
    Item { index: usize, sku: Option<String> },
    Meta(MetaValue),
}
