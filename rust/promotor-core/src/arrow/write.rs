//! The output tables of a batch: one summary row per order, and with detail one row per
//! applied campaign; money as decimal128, integer minor units or float64.

use std::sync::Arc;

use arrow_array::builder::{ListBuilder, StringBuilder};
use arrow_array::{
    Array, ArrayRef, Decimal128Array, Float64Array, Int64Array, RecordBatch, UInt32Array,
};
use arrow_schema::{ArrowError, DataType, Field, Schema, SchemaRef};
use rust_decimal::Decimal;

use crate::error::{Error, ErrorKind, Loc};
use crate::money;
use crate::num::RoundMode;
use crate::outcome::Outcome;

/// How money columns are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MoneyOut {
    /// `decimal128(18, exponent)`.
    Decimal,
    /// `int64` minor units, columns named `*_minor`.
    Minor,
    /// `float64`.
    Float,
}

impl MoneyOut {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "decimal" => Some(Self::Decimal),
            "minor" => Some(Self::Minor),
            "float" => Some(Self::Float),
            _ => None,
        }
    }
}

/// A failure of the Arrow library on `table`.
pub fn arrow_error(table: &str, e: &ArrowError) -> Error {
    Error::new(
        ErrorKind::Invalid {
            message: format!("cannot read the Arrow data: {e}"),
        },
        vec![Loc::key(table)],
    )
}

/// What the output keeps of one order's [`Outcome`].
pub struct Row {
    /// `subtotal`, `discount`, `shipping_discount`, `total`.
    money: [Decimal; 4],
    /// (campaign id, amount) of each applied campaign, in order.
    applied: Vec<(String, Decimal)>,
}

impl Row {
    /// The row of an order no campaign applies to: `subtotal`, `discount`,
    /// `shipping_discount`, `total` (`Program::price_plain`).
    pub fn plain(money: [Decimal; 4]) -> Self {
        Self {
            money,
            applied: Vec::new(),
        }
    }

    pub fn new(o: Outcome) -> Self {
        Self {
            money: [o.subtotal, o.discount, o.shipping_discount, o.total],
            applied: o
                .applied
                .into_iter()
                .map(|a| (a.campaign_id, a.amount))
                .collect(),
        }
    }
}

/// The output of one chunk.
pub struct ChunkOut {
    pub summary: RecordBatch,
    pub detail: Option<RecordBatch>,
}

/// Writes rows as output record batches.
#[derive(Debug, Clone, Copy)]
pub struct Writer {
    pub money: MoneyOut,
    pub detail: bool,
    /// Places of the engine's currency: the money columns' scale.
    pub exponent: u32,
}

impl Writer {
    fn money_type(self) -> DataType {
        match self.money {
            MoneyOut::Decimal => DataType::Decimal128(18, self.exponent as i8),
            MoneyOut::Minor => DataType::Int64,
            MoneyOut::Float => DataType::Float64,
        }
    }

    fn money_name(self, name: &str) -> String {
        match self.money {
            MoneyOut::Minor => format!("{name}_minor"),
            _ => name.to_owned(),
        }
    }

    /// The summary table's schema, for an `order_id` of the given type.
    pub fn summary_schema(&self, order_id: &DataType) -> SchemaRef {
        let mt = self.money_type();
        let mut fields = vec![Field::new("order_id", order_id.clone(), true)];
        for name in ["subtotal", "discount", "shipping_discount", "total"] {
            fields.push(Field::new(self.money_name(name), mt.clone(), false));
        }
        fields.push(Field::new(
            "applied",
            DataType::List(Arc::new(Field::new("item", DataType::Utf8, true))),
            false,
        ));
        Arc::new(Schema::new(fields))
    }

    pub fn detail_schema(&self, order_id: &DataType) -> SchemaRef {
        Arc::new(Schema::new(vec![
            Field::new("order_id", order_id.clone(), true),
            Field::new("campaign_id", DataType::Utf8, false),
            Field::new(self.money_name("amount"), self.money_type(), false),
        ]))
    }

    fn money_array(self, values: &[Decimal]) -> ArrayRef {
        let e = self.exponent;
        let minor: Vec<i128> = values
            .iter()
            .map(|d| money::to_minor(*d, e, RoundMode::HalfEven).unwrap_or(0))
            .collect();
        match self.money {
            MoneyOut::Decimal => Arc::new(
                Decimal128Array::from(minor)
                    .with_precision_and_scale(18, e as i8)
                    .expect("valid decimal type"),
            ),
            MoneyOut::Minor => Arc::new(Int64Array::from(
                minor.into_iter().map(|m| m as i64).collect::<Vec<_>>(),
            )),
            // Correctly rounded: the nearest double to the exact decimal.
            MoneyOut::Float => Arc::new(Float64Array::from(
                values
                    .iter()
                    .map(|d| d.to_string().parse::<f64>().unwrap_or(f64::NAN))
                    .collect::<Vec<_>>(),
            )),
        }
    }

    /// The output of the orders whose ids are `order_ids` (the chunk's own column).
    #[allow(clippy::result_large_err)] // one error per chunk at most: the size costs nothing
    pub fn write(&self, order_ids: &dyn Array, rows: &[Row]) -> Result<ChunkOut, Error> {
        let order_col: ArrayRef = arrow_array::make_array(order_ids.to_data());
        let pick = |k: usize| -> Vec<Decimal> { rows.iter().map(|r| r.money[k]).collect() };
        let mut applied = ListBuilder::new(StringBuilder::new()).with_field(Arc::new(Field::new(
            "item",
            DataType::Utf8,
            true,
        )));
        for r in rows {
            for (id, _) in &r.applied {
                applied.values().append_value(id);
            }
            applied.append(true);
        }
        let summary = RecordBatch::try_new(
            self.summary_schema(order_ids.data_type()),
            vec![
                order_col.clone(),
                self.money_array(&pick(0)),
                self.money_array(&pick(1)),
                self.money_array(&pick(2)),
                self.money_array(&pick(3)),
                Arc::new(applied.finish()),
            ],
        )
        .map_err(|e| arrow_error("output", &e))?;
        let detail = if self.detail {
            let mut taken = Vec::new();
            let mut ids = StringBuilder::new();
            let mut amounts = Vec::new();
            for (i, r) in rows.iter().enumerate() {
                for (id, amount) in &r.applied {
                    taken.push(i as u32);
                    ids.append_value(id);
                    amounts.push(*amount);
                }
            }
            let taken = arrow_select::take::take(&order_col, &UInt32Array::from(taken), None)
                .map_err(|e| arrow_error("output", &e))?;
            Some(
                RecordBatch::try_new(
                    self.detail_schema(order_ids.data_type()),
                    vec![taken, Arc::new(ids.finish()), self.money_array(&amounts)],
                )
                .map_err(|e| arrow_error("output", &e))?,
            )
        } else {
            None
        };
        Ok(ChunkOut { summary, detail })
    }
}
