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
/// reduced it (else ``None``); ``parts``, for a campaign of several effects
/// (``effects=[...]``), what each effect took, in order (:class:`promotor.Part`; empty for
/// one effect).
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
    part_list: Vec<PartData>,
}

/// One effect's share of a several-effect campaign: amount, shipping amount, line shares,
/// gifts.
#[derive(PartialEq, Clone)]
struct PartData {
    amount: Decimal,
    shipping_amount: Decimal,
    shares: Vec<(usize, Decimal)>,
    gift_list: Vec<(String, u32, Decimal)>,
}

fn gift_data(gifts: &[outcome::Gift]) -> Vec<(String, u32, Decimal)> {
    gifts
        .iter()
        .map(|g| (g.sku.clone(), g.quantity, g.price))
        .collect()
}

fn read_gifts(gifts: Option<&Bound<'_, PyAny>>) -> PyResult<Vec<(String, u32, Decimal)>> {
    let mut out = Vec::new();
    if let Some(gifts) = gifts {
        for g in gifts.try_iter()? {
            let g = g?;
            out.push((
                g.getattr("sku")?.extract()?,
                g.getattr("quantity")?.extract()?,
                g.getattr("price")?.extract()?,
            ));
        }
    }
    Ok(out)
}

fn shares_dict<'py>(py: Python<'py>, shares: &[(usize, Decimal)]) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    for (i, v) in shares {
        d.set_item(i, PyDec(*v))?;
    }
    Ok(d)
}

fn gifts_out<'py>(
    py: Python<'py>,
    gifts: &[(String, u32, Decimal)],
) -> PyResult<Bound<'py, PyList>> {
    let cls = gift_class(py)?;
    let out = PyList::empty(py);
    for (sku, quantity, price) in gifts {
        out.append(cls.call1((sku, quantity, PyDec(*price)))?)?;
    }
    Ok(out)
}

/// The gifts as plain dicts (for `_asdict`).
fn gift_dicts<'py>(
    py: Python<'py>,
    gifts: &[(String, u32, Decimal)],
) -> PyResult<Bound<'py, PyList>> {
    let out = PyList::empty(py);
    for (sku, quantity, price) in gifts {
        let g = PyDict::new(py);
        g.set_item("sku", sku)?;
        g.set_item("quantity", quantity)?;
        g.set_item("price", PyDec(*price))?;
        out.append(g)?;
    }
    Ok(out)
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
            gift_list: gift_data(&a.gifts),
            limited_by: a.limited_by.map(str::to_owned),
            part_list: a
                .parts
                .iter()
                .map(|p| PartData {
                    amount: p.amount,
                    shipping_amount: p.shipping_amount,
                    shares: p.allocations.clone(),
                    gift_list: gift_data(&p.gifts),
                })
                .collect(),
        }
    }
}

fn gift_class(py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
    static GIFT: PyOnceLock<Py<PyType>> = PyOnceLock::new();
    GIFT.import(py, "promotor.result", "Gift")
}

fn part_class(py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
    static PART: PyOnceLock<Py<PyType>> = PyOnceLock::new();
    PART.import(py, "promotor.result", "Part")
}

#[pymethods]
impl Applied {
    #[new]
    #[pyo3(signature = (campaign_id, code, tier, amount, shipping_amount, allocations, gifts = None, limited_by = None, parts = None, shipping_allocations = None))]
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
        parts: Option<&Bound<'_, PyAny>>,
        shipping_allocations: Option<std::collections::BTreeMap<usize, Decimal>>,
    ) -> PyResult<Self> {
        let mut part_list = Vec::new();
        if let Some(parts) = parts {
            for p in parts.try_iter()? {
                let p = p?;
                let shares: std::collections::BTreeMap<usize, Decimal> =
                    p.getattr("allocations")?.extract()?;
                part_list.push(PartData {
                    amount: p.getattr("amount")?.extract()?,
                    shipping_amount: p.getattr("shipping_amount")?.extract()?,
                    shares: shares.into_iter().collect(),
                    gift_list: read_gifts(Some(&p.getattr("gifts")?))?,
                });
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
            gift_list: read_gifts(gifts)?,
            limited_by,
            part_list,
        })
    }

    /// What each effect of a several-effect campaign took, in order, as
    /// :class:`promotor.Part` (a new list each time; empty for one effect).
    #[getter]
    fn parts<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let cls = part_class(py)?;
        let out = PyList::empty(py);
        for p in &self.part_list {
            out.append(cls.call1((
                PyDec(p.amount),
                PyDec(p.shipping_amount),
                shares_dict(py, &p.shares)?,
                gifts_out(py, &p.gift_list)?,
            ))?)?;
        }
        Ok(out)
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
        shares_dict(py, &self.shares)
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
        gifts_out(py, &self.gift_list)
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
        d.set_item("gifts", gift_dicts(py, &self.gift_list)?)?;
        d.set_item("limited_by", &self.limited_by)?;
        if !self.method_shares.is_empty() {
            d.set_item("shipping_allocations", self.shipping_allocations(py)?)?;
        }
        // Only for several effects, so one-effect results keep their shape.
        if !self.part_list.is_empty() {
            let parts = PyList::empty(py);
            for p in &self.part_list {
                let pd = PyDict::new(py);
                pd.set_item("amount", PyDec(p.amount))?;
                pd.set_item("shipping_amount", PyDec(p.shipping_amount))?;
                pd.set_item("allocations", shares_dict(py, &p.shares)?)?;
                pd.set_item("gifts", gift_dicts(py, &p.gift_list)?)?;
                parts.append(pd)?;
            }
            d.set_item("parts", parts)?;
        }
        Ok(d)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let r = |v: Bound<'_, PyAny>| -> PyResult<String> { Ok(v.repr()?.to_str()?.to_owned()) };
        let parts = if self.part_list.is_empty() {
            String::new()
        } else {
            format!(", parts={}", r(self.parts(py)?.into_any())?)
        };
        let methods = if self.method_shares.is_empty() {
            String::new()
        } else {
            format!(
                ", shipping_allocations={}",
                r(self.shipping_allocations(py)?.into_any())?
            )
        };
        Ok(format!(
            "Applied(campaign_id={}, code={}, tier={}, amount={}, shipping_amount={}, \
             allocations={}, gifts={}, limited_by={}{parts}{methods})",
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
            a.parts(py)?,
            a.shipping_allocations(py)?,
        )
            .into_pyobject(py)?;
        PyTuple::new(py, [py.get_type::<Self>().into_any(), args.into_any()])
    }
}
