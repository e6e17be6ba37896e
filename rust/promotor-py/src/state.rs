//! `Request`: one cart read once, then priced or decided against a store's snapshot
//! (DESIGN section 8). The store and the retry loop live in Python (`promotor.redemption`);
//! every decision is the core's (`Program::decide`).

use promotor_core::state::HashMap;
use std::sync::Arc;

use chrono::{DateTime, SecondsFormat, Utc};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use serde_json::{json, Value as J};

use promotor_core::compile::Program as CoreProgram;
use promotor_core::input::{Input, MetaValue};
use promotor_core::outcome::{Outcome, Reported};
use promotor_core::state::pools::{PoolCode, PoolCodes};
use promotor_core::state::Snapshot;

use crate::dec::PyDec;
use crate::program::Priced;

/// A delta as Python sees it: `(key, add, max, min)`.
pub type PyDelta = (String, i64, Option<i64>, Option<i64>);

/// Pool rows as Python passes them: normalised key -> `(campaign id, code, customer id)`.
pub type PyPools = HashMap<String, (String, String, Option<String>)>;

/// One wallet code as Python reads it: `(index, campaign id, status, expires_at, value)`.
pub type PyWalletCode = (usize, String, &'static str, Option<i64>, Option<PyDec>);

fn pools(rows: Option<PyPools>) -> Option<PoolCodes> {
    rows.map(|rows| {
        rows.into_iter()
            .map(|(key, (campaign, code, customer))| {
                (
                    key,
                    PoolCode {
                        campaign,
                        code,
                        customer,
                    },
                )
            })
            .collect()
    })
}

/// A validated input of one program, ready to be priced on any snapshot.
#[pyclass(module = "promotor._native", frozen)]
pub struct Request {
    program: Arc<CoreProgram>,
    input: Input,
}

impl Request {
    pub fn new(program: Arc<CoreProgram>, input: Input) -> Self {
        Self { program, input }
    }
}

#[pymethods]
impl Request {
    /// The counter keys the program reads for this input (empty without limited campaigns),
    /// once the pool rows of `pool_lookups` are known.
    #[pyo3(signature = (pools=None))]
    fn keys(&self, pools: Option<PyPools>) -> Vec<String> {
        match self::pools(pools) {
            Some(p) => self.program.state_keys_with(&self.input, &p),
            None => self.program.state_keys(&self.input),
        }
    }

    /// The normalised codes to look up in the store's pools first (empty unless a campaign
    /// has `unique_codes`).
    fn pool_lookups(&self) -> Vec<String> {
        self.program.pool_lookups(&self.input)
    }

    /// The counters a wallet of this input's codes reads (`Program::wallet_keys`).
    fn wallet_keys(&self, pools: PyPools) -> Vec<String> {
        let pools = self::pools(Some(pools)).unwrap_or_default();
        self.program.wallet_keys(&self.input, &pools)
    }

    /// The wallet of this input's codes (`Program::wallet`): `(index, campaign id, status,
    /// expires_at, value)` per code of the customer's, `value` `None` unless `priced`.
    fn wallet(
        &self,
        py: Python<'_>,
        snapshot: HashMap<String, i64>,
        pools: PyPools,
        priced: bool,
    ) -> Vec<PyWalletCode> {
        let snapshot = Snapshot::from(snapshot);
        let pools = self::pools(Some(pools)).unwrap_or_default();
        let (program, input) = (&self.program, &self.input);
        py.detach(|| program.wallet(input, &snapshot, &pools, priced))
            .into_iter()
            .map(|w| {
                (
                    w.index,
                    w.campaign,
                    w.status.as_str(),
                    w.expires_at,
                    w.value.map(PyDec),
                )
            })
            .collect()
    }

    /// The counter families the program reads for this input (issued codes).
    fn families(&self) -> Vec<String> {
        self.program.state_families(&self.input)
    }

    /// The families a redeem with programmes reads (`pay`: `programs::Pay` as JSON).
    fn checkout_families(&self, pay: &str) -> PyResult<Vec<String>> {
        let pay = crate::programs::pay(pay)?;
        Ok(self.program.checkout_families(&self.input, &pay))
    }

    /// The families to read once the first read (`snapshot`) named the customer's referrer.
    fn checkout_more(&self, pay: &str, snapshot: HashMap<String, i64>) -> PyResult<Vec<String>> {
        let pay = crate::programs::pay(pay)?;
        Ok(self
            .program
            .checkout_more(&self.input, &pay, &Snapshot::from(snapshot)))
    }

    /// Decide a redeem with programmes on a snapshot: the priced cart (with its payments),
    /// the deltas, and the events to append as JSON. With `pools`, the rows the store found
    /// for `pool_lookups`.
    #[pyo3(signature = (snapshot, pay, pools=None))]
    fn checkout(
        &self,
        py: Python<'_>,
        snapshot: HashMap<String, i64>,
        pay: &str,
        pools: Option<PyPools>,
    ) -> PyResult<(Priced, Vec<PyDelta>, String)> {
        crate::programs::checkout(
            py,
            &self.program,
            &self.input,
            snapshot,
            pay,
            self::pools(pools),
        )
    }

    /// Decide a programme operation (`programs::Op` as JSON) with this request's customer and
    /// context: JSON of the decisions.
    fn operate(
        &self,
        py: Python<'_>,
        op: &str,
        snapshot: HashMap<String, i64>,
    ) -> PyResult<String> {
        crate::programs::operate(py, &self.program, op, snapshot, Some(&self.input))
    }

    /// The evaluation time, in microseconds since the epoch (UTC).
    fn now(&self) -> i64 {
        self.input.context.now
    }

    /// The customer's id, if any.
    fn customer_id(&self) -> Option<&str> {
        self.input.customer.as_ref().and_then(|c| c.id.as_deref())
    }

    /// The input as JSON, to decide again later (`Program.request_json`).
    fn input_json(&self) -> PyResult<String> {
        serde_json::to_string(&self.input).map_err(|e| PyValueError::new_err(e.to_string()))
    }

    /// The input as JSON without its time: what makes two requests the same for idempotency.
    fn fingerprint(&self) -> PyResult<String> {
        let mut input = self.input.clone();
        input.context.now = 0;
        serde_json::to_string(&input).map_err(|e| PyValueError::new_err(e.to_string()))
    }

    /// The same request at another time.
    fn at(&self, now: i64) -> Self {
        let mut input = self.input.clone();
        input.context.now = now;
        Self::new(Arc::clone(&self.program), input)
    }

    /// Price on a snapshot (`None`: no state read, every counter 0), explanations on demand.
    /// With `pools`, the rows the store found for `pool_lookups`.
    #[pyo3(signature = (snapshot=None, pools=None))]
    fn price(
        &self,
        py: Python<'_>,
        snapshot: Option<HashMap<String, i64>>,
        pools: Option<PyPools>,
    ) -> Priced {
        let snapshot = Snapshot::from(snapshot.unwrap_or_default());
        let pools = self::pools(pools);
        let (program, input) = (&self.program, &self.input);
        let (outcome, _) = py.detach(|| match &pools {
            Some(p) => program.decide_with(input, &snapshot, p, false),
            None => program.decide(input, &snapshot, false),
        });
        Priced::new(
            Arc::clone(&self.program),
            self.input.clone(),
            outcome,
            Some(snapshot),
        )
        .pooled(pools)
    }

    /// Decide on a snapshot (and the pool rows found for `pool_lookups`): the priced cart and
    /// the deltas that commit it.
    #[pyo3(signature = (snapshot, pools=None))]
    fn decide(
        &self,
        py: Python<'_>,
        snapshot: HashMap<String, i64>,
        pools: Option<PyPools>,
    ) -> (Priced, Vec<PyDelta>) {
        let snapshot = Snapshot::from(snapshot);
        let pools = self::pools(pools);
        let (program, input) = (&self.program, &self.input);
        let (outcome, deltas) = py.detach(|| match &pools {
            Some(p) => program.decide_with(input, &snapshot, p, false),
            None => program.decide(input, &snapshot, false),
        });
        let deltas = deltas
            .into_iter()
            .map(|d| (d.key, d.add, d.max, d.min))
            .collect();
        (
            Priced::new(
                Arc::clone(&self.program),
                self.input.clone(),
                outcome,
                Some(snapshot),
            )
            .pooled(pools),
            deltas,
        )
    }
}

/// A request rebuilt from `Request.input_json`.
pub fn from_json(program: &Arc<CoreProgram>, text: &str) -> PyResult<Request> {
    let input: Input =
        serde_json::from_str(text).map_err(|e| PyValueError::new_err(e.to_string()))?;
    Ok(Request::new(Arc::clone(program), input))
}

/// The stored form of an outcome (`promotor.stores.codec`): the canonical outcome as compact
/// JSON, money as decimal strings, and the values JSON lacks tagged (`{"$dec": "1.5"}`,
/// `{"$ts": "2026-11-27T00:00:00Z"}`, `{"$dur": micros}`, `{"$map": {...}}`). Written here
/// because it runs on every redemption; `codec.decode_outcome` reads it.
pub fn record_json(o: &Outcome, input: &Input) -> String {
    let lines: Vec<J> = o
        .lines
        .iter()
        .map(|l| {
            json!({
                "index": l.index,
                "sku": crate::convert::sku(input, l.index),
                "quantity": l.quantity,
                "unit_price": l.unit_price.to_string(),
                "subtotal": l.subtotal.to_string(),
                "discount": l.discount.to_string(),
                "total": l.total.to_string(),
            })
        })
        .collect();
    let applied: Vec<J> = o
        .applied
        .iter()
        .map(|a| {
            let mut m = json!({
                "campaign_id": a.campaign_id,
                "code": a.code,
                "tier": a.tier,
                "amount": a.amount.to_string(),
                "shipping_amount": a.shipping_amount.to_string(),
                "allocations": a.allocations.iter().map(|(i, v)| json!([i, v.to_string()])).collect::<Vec<_>>(),
                "gifts": a.gifts.iter().map(|g| json!({"sku": g.sku, "quantity": g.quantity, "price": g.price.to_string()})).collect::<Vec<_>>(),
            });
            if let (Some(by), Some(obj)) = (a.limited_by, m.as_object_mut()) {
                obj.insert("limited_by".to_owned(), J::from(by));
            }
            if let (false, Some(obj)) = (a.shipping_allocations.is_empty(), m.as_object_mut()) {
                obj.insert(
                    "shipping_allocations".to_owned(),
                    a.shipping_allocations
                        .iter()
                        .map(|(j, v)| json!([j, v.to_string()]))
                        .collect(),
                );
            }
            if let (false, Some(obj)) = (a.parts.is_empty(), m.as_object_mut()) {
                let parts: Vec<J> = a.parts.iter().map(|p| json!({
                    "amount": p.amount.to_string(),
                    "shipping_amount": p.shipping_amount.to_string(),
                    "allocations": p.allocations.iter().map(|(i, v)| json!([i, v.to_string()])).collect::<Vec<_>>(),
                    "gifts": p.gifts.iter().map(|g| json!({"sku": g.sku, "quantity": g.quantity, "price": g.price.to_string()})).collect::<Vec<_>>(),
                })).collect();
                obj.insert("parts".to_owned(), J::from(parts));
            }
            m
        })
        .collect();
    let rejected: Vec<J> = o
        .rejected
        .iter()
        .map(|r| {
            json!({
                "campaign_id": r.campaign_id,
                "code": r.code,
                "reason": r.reason.as_str(),
                "condition": r.condition,
                "actual": r.actual.as_ref().map_or(J::Null, value),
                "expected": r.expected.as_ref().map_or(J::Null, value),
                "detail": r.detail,
                "by": r.by,
            })
        })
        .collect();
    let mut out = json!({
        "subtotal": o.subtotal.to_string(),
        "shipping": o.shipping.to_string(),
        "discount": o.discount.to_string(),
        "shipping_discount": o.shipping_discount.to_string(),
        "total": o.total.to_string(),
        "currency": o.currency,
        "lines": lines,
        "applied": applied,
        "rejected": rejected,
    });
    if let (false, Some(obj)) = (o.shipping_methods.is_empty(), out.as_object_mut()) {
        let methods: Vec<J> = o
            .shipping_methods
            .iter()
            .map(|m| {
                let given = input.cart.shipping_methods.get(m.index);
                json!({
                    "index": m.index,
                    "id": given.and_then(|g| g.id.as_deref()),
                    "code": given.and_then(|g| g.code.as_deref()),
                    "name": given.and_then(|g| g.name.as_deref()),
                    "price": m.price.to_string(),
                    "discount": m.discount.to_string(),
                    "total": m.total.to_string(),
                })
            })
            .collect();
        obj.insert("shipping_methods".to_owned(), J::from(methods));
    }
    if let (Some(t), Some(obj)) = (&o.taxes, out.as_object_mut()) {
        let line = |l: &promotor_core::outcome::TaxLine| {
            json!({
                "index": l.index, "rate": l.rate.to_string(),
                "subtotal_net": l.subtotal_net.to_string(),
                "subtotal_gross": l.subtotal_gross.to_string(),
                "discount_net": l.discount_net.to_string(),
                "discount_gross": l.discount_gross.to_string(),
                "total_net": l.total_net.to_string(),
                "total_gross": l.total_gross.to_string(),
                "tax": l.tax.to_string(),
            })
        };
        let s = |v: Option<rust_decimal::Decimal>| v.map(|d| d.to_string());
        obj.insert(
            "taxes".to_owned(),
            json!({
                "prices_include_tax": t.prices_include_tax,
                "lines": t.lines.iter().map(line).collect::<Vec<_>>(),
                "shipping_methods": t.shipping_methods.iter().map(line).collect::<Vec<_>>(),
                "subtotal_net": s(t.subtotal_net), "subtotal_gross": s(t.subtotal_gross),
                "shipping_net": s(t.shipping_net), "shipping_gross": s(t.shipping_gross),
                "discount_net": s(t.discount_net), "discount_gross": s(t.discount_gross),
                "total_net": s(t.total_net), "total_gross": s(t.total_gross),
                "tax": s(t.tax),
            }),
        );
    }
    out.to_string()
}

fn meta(v: &MetaValue) -> J {
    match v {
        MetaValue::Null => J::Null,
        MetaValue::Bool(b) => J::from(*b),
        MetaValue::Num(n) => json!({"$dec": n.to_string()}),
        MetaValue::Str(s) => J::from(s.as_str()),
        MetaValue::Ts(t) => DateTime::<Utc>::from_timestamp_micros(t.ts).map_or(
            J::Null,
            |dt| json!({"$ts": dt.to_rfc3339_opts(SecondsFormat::Micros, true)}),
        ),
        MetaValue::List(items) => J::Array(items.iter().map(meta).collect()),
        MetaValue::Map(m) => {
            json!({"$map": m.iter().map(|(k, x)| (k.clone(), meta(x))).collect::<serde_json::Map<_, _>>()})
        }
    }
}

fn value(v: &Reported) -> J {
    match v {
        Reported::Null => J::Null,
        Reported::Bool(b) => J::from(*b),
        Reported::Num(n) => json!({"$dec": n.to_string()}),
        Reported::Str(s) => J::from(s.as_str()),
        Reported::Timestamp(t) => DateTime::<Utc>::from_timestamp_micros(*t).map_or(
            J::Null,
            |dt| json!({"$ts": dt.to_rfc3339_opts(SecondsFormat::Micros, true)}),
        ),
        Reported::Duration(d) => json!({"$dur": d}),
        Reported::List(items) => J::Array(items.iter().map(value).collect()),
        Reported::Item { index, sku } => json!({"$map": {"index": index, "sku": sku}}),
        Reported::Meta(m) => meta(m),
    }
}
