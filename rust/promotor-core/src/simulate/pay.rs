//! What an order pays with beyond discounts, as `engine.redeem(..., gift_cards=, points=)`
//! takes it: the optional order columns `gift_cards` (a list of codes, used in that order)
//! and `points` (points to pay with, in the engine's one loyalty programme). The replay takes
//! them out of each chunk before the batch reader sees it, and builds each order's
//! [`Pay`].

use std::sync::Arc;

use arrow_array::{Array, RecordBatch};

use crate::arrow::read::{Ints, Lists, OrderKey, StrCol};
use crate::compile::Program;
use crate::error::{Error, ErrorKind, Loc};
use crate::programs::checkout::Pay;
use crate::programs::ProgramDef;

pub const GIFT_CARDS: &str = "gift_cards";
pub const POINTS: &str = "points";

/// The payment columns of one chunk.
pub struct PayColumns {
    gift_cards: Option<Arc<dyn Array>>,
    points: Option<Arc<dyn Array>>,
}

fn error(start: usize, row: Option<usize>, column: &str, message: String) -> Box<Error> {
    let mut loc = vec![Loc::key("orders")];
    if let Some(i) = row {
        loc.push(Loc::Index(start + i));
    }
    loc.push(Loc::key(column));
    Box::new(Error::new(ErrorKind::Invalid { message }, loc))
}

/// How many fresh codes a checkout needs for referral rewards that issue a code or a gift
/// card (as `promotor.programs.operations.reward_codes`).
pub fn reward_codes(program: &Program) -> usize {
    program
        .0
        .def
        .programs
        .iter()
        .map(|p| match p {
            ProgramDef::Referral { rewards, .. } => {
                rewards.iter().filter(|r| r.points.is_none()).count()
            }
            ProgramDef::Loyalty { .. } => 0,
        })
        .sum()
}

/// The fresh codes an order may issue as referral rewards, into `codes` (cleared first):
/// `SIM-<order_id>-<n>` for `n` below `count`, then `SIM-<order_id>-<n>-<row>` for an order
/// whose id an earlier order of the replay already gave (the checkout takes the first codes
/// nobody holds). Named by the order, not by its row, so that a replay of any subset of the
/// history in time order (the partitioned simulation's pieces) names each code as the whole
/// replay does.
pub fn reward_code_names(order: OrderKey<'_>, row: usize, count: usize, codes: &mut Vec<String>) {
    codes.clear();
    let id = match order {
        OrderKey::Int(n) => n.to_string(),
        OrderKey::Str(s) => s.to_owned(),
    };
    codes.extend((0..count).map(|n| format!("SIM-{id}-{n}")));
    codes.extend((0..count).map(|n| format!("SIM-{id}-{n}-{row}")));
}

impl PayColumns {
    /// Splits `orders` into the chunk without the payment columns and those columns.
    pub fn split(orders: &RecordBatch) -> (RecordBatch, Self) {
        let schema = orders.schema();
        let gift_cards = schema
            .index_of(GIFT_CARDS)
            .ok()
            .map(|i| orders.column(i).clone());
        let points = schema
            .index_of(POINTS)
            .ok()
            .map(|i| orders.column(i).clone());
        if gift_cards.is_none() && points.is_none() {
            return (orders.clone(), Self { gift_cards, points });
        }
        let keep: Vec<usize> = (0..schema.fields().len())
            .filter(|&i| {
                let n = schema.field(i).name();
                n != GIFT_CARDS && n != POINTS
            })
            .collect();
        let rest = orders
            .project(&keep)
            .expect("projecting existing columns of a batch");
        (rest, Self { gift_cards, points })
    }

    pub fn is_empty(&self) -> bool {
        self.gift_cards.is_none() && self.points.is_none()
    }

    /// Checks the columns' types and that points have one programme to pay in.
    pub fn check(&self, program: &Program, start: usize) -> Result<(), Box<Error>> {
        if let Some(a) = &self.gift_cards {
            let ok = a.data_type() == &arrow_schema::DataType::Null
                || Lists::new(a.as_ref()).is_some_and(|l| {
                    StrCol::new(l.values().as_ref()).is_some() || l.values().is_empty()
                });
            if !ok {
                let m = format!("expected a list of gift-card codes, got {}", a.data_type());
                return Err(error(start, None, GIFT_CARDS, m));
            }
        }
        if let Some(a) = &self.points {
            if a.data_type() != &arrow_schema::DataType::Null && Ints::new(a.as_ref()).is_none() {
                let m = format!("expected integer points, got {}", a.data_type());
                return Err(error(start, None, POINTS, m));
            }
            if program.0.programs.loyalty.len() != 1 {
                let m = "paying with points in a simulation needs exactly one loyalty programme"
                    .to_owned();
                return Err(error(start, None, POINTS, m));
            }
        }
        Ok(())
    }

    /// Row `i`'s payments into `pay` (cleared first); `customer`: whether the order has a
    /// customer id (points need one, as for `engine.redeem`).
    pub fn row(
        &self,
        program: &Program,
        i: usize,
        start: usize,
        customer: bool,
        pay: &mut Pay,
    ) -> Result<(), Box<Error>> {
        pay.gift_cards.clear();
        pay.points.clear();
        if let Some(lists) = self.gift_cards.as_deref().and_then(Lists::new) {
            if let Some(range) = lists.range(i) {
                if let Some(codes) = StrCol::new(lists.values().as_ref()) {
                    for j in range {
                        match codes.get(j) {
                            Some(c) if !c.trim().is_empty() => pay.gift_cards.push(c.to_owned()),
                            _ => {
                                let m = "expected a gift-card code".to_owned();
                                return Err(error(start, Some(i), GIFT_CARDS, m));
                            }
                        }
                    }
                }
            }
        }
        if let Some(n) = self
            .points
            .as_deref()
            .and_then(Ints::new)
            .and_then(|p| p.get(i))
        {
            let Ok(n) = i64::try_from(n) else {
                return Err(error(
                    start,
                    Some(i),
                    POINTS,
                    format!("{n} points is too many"),
                ));
            };
            if n < 0 {
                let m = format!("expected a non-negative number of points, got {n}");
                return Err(error(start, Some(i), POINTS, m));
            }
            if n > 0 {
                if !customer {
                    let m = "paying with points needs a customer id".to_owned();
                    return Err(error(start, Some(i), POINTS, m));
                }
                pay.points
                    .push((program.0.programs.loyalty[0].id.clone(), n));
            }
        }
        Ok(())
    }
}
