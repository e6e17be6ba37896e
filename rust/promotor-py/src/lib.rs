//! `promotor._native`: the `PyO3` binding of promotor-core. It converts values and errors and
//! does nothing else; every decision is made in the core.

mod applied;
mod batch;
mod codes;
mod convert;
mod dec;
mod errors;
mod fast;
mod program;
mod programs;
mod simulate;
mod state;

use pyo3::prelude::*;

use promotor_core::{ir, money, syntax};

/// Parse rule text into IR JSON. Raises `promotor.errors.RuleError` with line and column.
#[pyfunction]
fn parse_expr(py: Python<'_>, text: &str) -> PyResult<String> {
    let expr = syntax::parse(text, &ir::Limits::default())
        .map_err(|err| errors::syntax_error(py, &err))?;
    serde_json::to_string(&expr).map_err(|err| errors::rule_error(py, vec![((), err.to_string())]))
}

/// Print IR JSON of one expression as rule text.
#[pyfunction]
fn print_expr(py: Python<'_>, ir_json: &str) -> PyResult<String> {
    let expr: ir::Expr = errors::from_json(py, ir_json)?;
    Ok(syntax::print(&expr))
}

/// Read an engine definition (IR JSON) and write it back as the core sees it: defaults filled
/// in, unknown fields rejected. Used to check that the Python models and the Rust types agree.
#[pyfunction]
fn normalize_ir(py: Python<'_>, ir_json: &str) -> PyResult<String> {
    let def: ir::EngineDef = errors::from_json(py, ir_json)?;
    serde_json::to_string(&def).map_err(|err| errors::rule_error(py, vec![((), err.to_string())]))
}

/// Whether `pattern` matches anywhere in `text`, with the rule language's regex dialect;
/// `None` when the pattern is invalid. (The reference evaluator borrows this.)
#[pyfunction]
fn regex_search(pattern: &str, text: &str) -> Option<bool> {
    promotor_core::regex_search(pattern, text)
}

/// The ISO 4217 minor-unit exponent of a currency code, or `None` if unknown.
#[pyfunction]
fn currency_exponent(code: &str) -> Option<u32> {
    money::currency_exponent(code)
}

/// Every known currency code and its exponent.
#[pyfunction]
fn currencies() -> Vec<(String, u32)> {
    money::currencies()
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("IR_VERSION", ir::IR_VERSION)?;
    m.add_function(wrap_pyfunction!(parse_expr, m)?)?;
    m.add_function(wrap_pyfunction!(print_expr, m)?)?;
    m.add_function(wrap_pyfunction!(regex_search, m)?)?;
    m.add_function(wrap_pyfunction!(normalize_ir, m)?)?;
    m.add_function(wrap_pyfunction!(currency_exponent, m)?)?;
    m.add_function(wrap_pyfunction!(currencies, m)?)?;
    m.add_function(wrap_pyfunction!(codes::generate_codes, m)?)?;
    m.add_function(wrap_pyfunction!(codes::normalize_code, m)?)?;
    m.add_function(wrap_pyfunction!(codes::check_codes, m)?)?;
    m.add_function(wrap_pyfunction!(codes::pool_keys, m)?)?;
    m.add_function(wrap_pyfunction!(simulate::simulate, m)?)?;
    m.add_function(wrap_pyfunction!(simulate::shared_orders, m)?)?;
    m.add_class::<program::Program>()?;
    m.add_class::<program::Priced>()?;
    m.add_class::<applied::Applied>()?;
    m.add_class::<state::Request>()?;
    Ok(())
}
