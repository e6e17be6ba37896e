//! The validated input the evaluator reads (docs/architecture.md, "Canonical input").
//!
//! Only [`super::validate`] builds these from what users pass. The serde derives are for Rust
//! tests and benches, which write inputs directly (timestamps as microseconds), bounds or not.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Microseconds since the Unix epoch, UTC.
pub type Timestamp = i64;

/// A line's short texts (sku, product, category): held inline up to 24 bytes, so reading a
/// cart allocates nothing for them.
pub type Text = compact_str::CompactString;
/// Microseconds.
pub type Duration = i64;

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Input {
    pub cart: Cart,
    #[serde(default)]
    pub customer: Option<Customer>,
    #[serde(default)]
    pub context: Context,
    /// Codes as the shopper typed them; matching trims and lower-cases.
    #[serde(default)]
    pub codes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cart {
    /// `None`: the engine's currency.
    #[serde(default)]
    pub currency: Option<String>,
    /// The one-method shorthand (0 when `shipping_methods` are given).
    #[serde(default)]
    pub shipping: Decimal,
    #[serde(default)]
    pub items: Vec<Item>,
    #[serde(default)]
    pub metadata: Map,
    /// Several shipping methods; empty: `shipping` is the one method (none when it is 0).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub shipping_methods: Vec<ShippingMethod>,
}

/// One shipping method of a cart.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShippingMethod {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    /// >= 0, at most 12 decimal places.
    pub price: Decimal,
    #[serde(default)]
    pub metadata: Map,
    /// Tax rate in percent, as a line's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tax_rate: Option<Decimal>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Item {
    #[serde(default)]
    pub sku: Option<Text>,
    #[serde(default)]
    pub product: Option<Text>,
    #[serde(default)]
    pub category: Option<Text>,
    #[serde(default)]
    pub tags: Vec<String>,
    /// Unit price, >= 0, at most 12 decimal places.
    pub price: Decimal,
    /// `1..=1_000_000`
    pub quantity: u32,
    #[serde(default)]
    pub metadata: Map,
    /// Tax rate in percent (`20` for 20% VAT), `0..=1000`; `None`: unknown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tax_rate: Option<Decimal>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Customer {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub segments: Vec<String>,
    #[serde(default)]
    pub orders_count: Option<Decimal>,
    #[serde(default)]
    pub total_spent: Option<Decimal>,
    #[serde(default)]
    pub created_at: Option<Timestamp>,
    #[serde(default)]
    pub birthday: Option<Timestamp>,
    #[serde(default)]
    pub metadata: Map,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Context {
    /// Evaluation time.
    #[serde(default)]
    pub now: Timestamp,
    #[serde(default)]
    pub channel: Option<String>,
    #[serde(default)]
    pub country: Option<String>,
    #[serde(default)]
    pub metadata: Map,
}

pub type Map = BTreeMap<String, MetaValue>;

/// A metadata value: JSON, with exact decimal numbers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum MetaValue {
    Null,
    Bool(bool),
    Num(Decimal),
    Str(String),
    List(Vec<MetaValue>),
    /// A point in time (microseconds since the epoch, UTC); serialized `{"$ts": micros}`,
    /// so it is tried before `Map`.
    Ts(TsTag),
    Map(Map),
}

/// How a metadata timestamp is serialized: `{"$ts": microseconds}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TsTag {
    #[serde(rename = "$ts")]
    pub ts: Timestamp,
}
