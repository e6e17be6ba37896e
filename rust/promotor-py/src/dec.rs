//! Decimals to Python: `decimal.Decimal(text)` with the text written here, without going
//! through `Display` (pyo3's own conversion formats with `to_string` first). A priced cart hands
//! Python a Decimal for every amount it reads, so this is on the hot path.

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyString, PyType};
use rust_decimal::Decimal;

/// A `Decimal` that converts to `decimal.Decimal` with the same digits and scale.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PyDec(pub Decimal);

/// `decimal.Decimal(text)` of `d`.
fn new_decimal(py: Python<'_>, d: Decimal) -> PyResult<Bound<'_, PyAny>> {
    static DECIMAL: PyOnceLock<Py<PyType>> = PyOnceLock::new();
    let mut buf = [0u8; 64];
    let text = PyString::new(py, promotor_core::money::decimal_text(d, &mut buf));
    DECIMAL.import(py, "decimal", "Decimal")?.call1((text,))
}

impl<'py> IntoPyObject<'py> for PyDec {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        // Zero in the usual scales (most carts' discounts): one shared object each, as
        // Decimals are immutable.
        static ZEROS: [PyOnceLock<Py<PyAny>>; 5] = [const { PyOnceLock::new() }; 5];
        if self.0.is_zero() {
            if let Some(cell) = ZEROS.get(self.0.scale() as usize) {
                let zero =
                    cell.get_or_try_init(py, || new_decimal(py, self.0).map(Bound::unbind))?;
                return Ok(zero.bind(py).clone());
            }
        }
        new_decimal(py, self.0)
    }
}
