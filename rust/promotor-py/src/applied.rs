//! `promotor.Applied`: a campaign that applied, as a native immutable value. A priced cart
//! often applies many campaigns (a qualifying W20 cart, 15), so building them must cost little:
//! here it is one allocation each, and the Decimals are made when read.

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyList, PyTuple, PyType};
use rust_decimal::Decimal;

use promotor_core::outcome;

use crate::dec::PyDec;

/// A campaign that applied. ``amount`` is its whole discount:
/// ``sum(allocations.values()) + shipping_amount``; ``allocations`` maps line index to the
/// campaign's share of that line (lines it does not touch are left out); ``gifts`` are the
/// free units it adds; ``limited_by`` is ``"max_discount"`` when the order's maximum discount
/// reduced it (else ``None``).
///
/// Immutable; compares equal to an ``Applied`` with the same data; pickles.
#[pyclass(module = "promotor", frozen, eq)]
#[derive(PartialEq)]
pub struct Applied {
    #[pyo3(get)]
    campaign_id: String,
    #[pyo3(get)]
    code: Option<String>,
    #[pyo3(get)]
    tier: Option<usize>,
    amount: Decimal,
    shipping_amount: Decimal,
    shares: Vec<(usize, Decimal)>,
    /// Per shipping method (carts that list their methods).
    method_shares: Vec<(usize, Decimal)>,
    gift_list: Vec<(String, u32, Decimal)>,
    /// `"budget"` when a budget shrank the discount, `"max_discount"` when the order's
    /// maximum discount clipped it.
    #[pyo3(get)]
    limited_by: Option<String>,
}

impl Applied {
    pub fn from_core(a: &outcome::Applied) -> Self {
        Self {
            campaign_id: a.campaign_id.clone(),
            code: a.code.clone(),
            tier: a.tier,
            amount: a.amount,
            shipping_amount: a.shipping_amount,
            shares: a.allocations.iter().map(|(i, v)| (*i, *v)).collect(),
            method_shares: a.shipping_allocations.clone(),
            gift_list: a
                .gifts
                .iter()
                .map(|g| (g.sku.clone(), g.quantity, g.price))
                .collect(),
            limited_by: a.limited_by.map(str::to_owned),
        }
    }
}

fn gift_class(py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
    static GIFT: PyOnceLock<Py<PyType>> = PyOnceLock::new();
    GIFT.import(py, "promotor.result", "Gift")
}

#[pymethods]
impl Applied {
    #[new]
    #[pyo3(signature = (campaign_id, code, tier, amount, shipping_amount, allocations, gifts = None, limited_by = None, shipping_allocations = None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        campaign_id: String,
        code: Option<String>,
        tier: Option<usize>,
        amount: Decimal,
        shipping_amount: Decimal,
        allocations: std::collections::BTreeMap<usize, Decimal>,
        gifts: Option<&Bound<'_, PyAny>>,
        limited_by: Option<String>,
        shipping_allocations: Option<std::collections::BTreeMap<usize, Decimal>>,
    ) -> PyResult<Self> {
        let mut gift_list = Vec::new();
        if let Some(gifts) = gifts {
            for g in gifts.try_iter()? {
                let g = g?;
                gift_list.push((
                    g.getattr("sku")?.extract()?,
                    g.getattr("quantity")?.extract()?,
                    g.getattr("price")?.extract()?,
                ));
            }
        }
        Ok(Self {
            campaign_id,
            code,
            tier,
            amount,
            shipping_amount,
            shares: allocations.into_iter().collect(),
            method_shares: shipping_allocations
                .map(|m| m.into_iter().collect())
                .unwrap_or_default(),
            gift_list,
            limited_by,
        })
    }

    /// The campaign's whole discount.
    #[getter]
    fn amount(&self) -> PyDec {
        PyDec(self.amount)
    }

    /// What it takes off shipping.
    #[getter]
    fn shipping_amount(&self) -> PyDec {
        PyDec(self.shipping_amount)
    }

    /// ``{line index: share}`` (a new dict each time).
    #[getter]
    fn allocations<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        for (i, v) in &self.shares {
            d.set_item(i, PyDec(*v))?;
        }
        Ok(d)
    }

    /// ``{shipping method index: share}`` for a cart that lists ``shipping_methods`` (empty
    /// otherwise; a new dict each time).
    #[getter]
    fn shipping_allocations<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        for (j, v) in &self.method_shares {
            d.set_item(j, PyDec(*v))?;
        }
        Ok(d)
    }

    /// The gifts, as :class:`promotor.Gift` (a new list each time).
    #[getter]
    fn gifts<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let cls = gift_class(py)?;
        let out = PyList::empty(py);
        for (sku, quantity, price) in &self.gift_list {
            out.append(cls.call1((sku, quantity, PyDec(*price)))?)?;
        }
        Ok(out)
    }

    /// The fields as a dict (allocations and gifts as plain data).
    fn _asdict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("campaign_id", &self.campaign_id)?;
        d.set_item("code", &self.code)?;
        d.set_item("tier", self.tier)?;
        d.set_item("amount", PyDec(self.amount))?;
        d.set_item("shipping_amount", PyDec(self.shipping_amount))?;
        d.set_item("allocations", self.allocations(py)?)?;
        let gifts = PyList::empty(py);
        for (sku, quantity, price) in &self.gift_list {
            let g = PyDict::new(py);
            g.set_item("sku", sku)?;
            g.set_item("quantity", quantity)?;
            g.set_item("price", PyDec(*price))?;
            gifts.append(g)?;
        }
        d.set_item("gifts", gifts)?;
        d.set_item("limited_by", &self.limited_by)?;
        if !self.method_shares.is_empty() {
            d.set_item("shipping_allocations", self.shipping_allocations(py)?)?;
        }
        Ok(d)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let r = |v: Bound<'_, PyAny>| -> PyResult<String> { Ok(v.repr()?.to_str()?.to_owned()) };
        Ok(format!(
            "Applied(campaign_id={}, code={}, tier={}, amount={}, shipping_amount={}, \
             allocations={}, gifts={}, limited_by={})",
            r(self.campaign_id.clone().into_pyobject(py)?.into_any())?,
            r(self.code.clone().into_pyobject(py)?.into_any())?,
            r(self.tier.into_pyobject(py)?.into_any())?,
            r(PyDec(self.amount).into_pyobject(py)?)?,
            r(PyDec(self.shipping_amount).into_pyobject(py)?)?,
            r(self.allocations(py)?.into_any())?,
            r(self.gifts(py)?.into_any())?,
            r(self.limited_by.clone().into_pyobject(py)?.into_any())?,
        ))
    }

    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyTuple>> {
        let py = slf.py();
        let a = slf.get();
        let args = (
            a.campaign_id.as_str(),
            a.code.as_deref(),
            a.tier,
            PyDec(a.amount),
            PyDec(a.shipping_amount),
            a.allocations(py)?,
            a.gifts(py)?,
            a.limited_by.as_deref(),
            a.shipping_allocations(py)?,
        )
            .into_pyobject(py)?;
        PyTuple::new(py, [py.get_type::<Self>().into_any(), args.into_any()])
    }
}
