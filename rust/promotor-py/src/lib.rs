//! `promotor._native`: the `PyO3` binding of promotor-core. It converts values and errors and
//! does nothing else; every decision is made in the core.

mod applied;
mod batch;
mod codes;
mod convert;
mod dec;
mod dict;
mod errors;
mod input;
mod program;
mod programs;
mod simulate;
mod state;

/// The native module's allocator (Rust's allocations only; Python's objects keep `CPython`'s).
/// Pricing allocates small vectors per campaign and line, and the simulation builds keys and
/// lots per order: with glibc's malloc, allocation and freeing were about a quarter of a
/// qualifying cart's and of a replay's instructions (docs/performance.md), mimalloc's free
/// lists cost a fraction of that. The polars Python package replaces its allocator likewise.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use pyo3::exceptions::PyUnicodeEncodeError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};

use promotor_core::error::{Error, ErrorKind, Errors, Span};
use promotor_core::{ir, money, outcome, syntax};

/// Rule text as UTF-8; text that is not (a lone surrogate) is a `syntax_error` at its place.
fn rule_text<'a>(
    py: Python<'_>,
    text: &'a Bound<'_, PyString>,
) -> PyResult<std::borrow::Cow<'a, str>> {
    match text.to_str() {
        Ok(s) => Ok(std::borrow::Cow::Borrowed(s)),
        Err(err) if err.is_instance_of::<PyUnicodeEncodeError>(py) => {
            let start: usize = err.value(py).getattr("start")?.extract()?;
            let before: String = text
                .call_method1(
                    "__getitem__",
                    (pyo3::types::PySlice::new(py, 0, start as isize, 1),),
                )?
                .extract()
                .unwrap_or_default();
            let line = before.matches('\n').count() + 1;
            let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            let error = Error::new(
                ErrorKind::SyntaxError {
                    message: "the rule contains a lone surrogate, which is not text: write \\u{...} escapes only for characters".to_owned(),
                },
                Vec::new(),
            )
            .with_span(Span {
                line: u32::try_from(line).unwrap_or(u32::MAX),
                column: u32::try_from(column).unwrap_or(u32::MAX),
                offset: before.len(),
            });
            Err(errors::to_py(py, &Errors::rule(vec![error])))
        }
        Err(err) => Err(err),
    }
}

/// Parse rule text into IR JSON. Raises `promotor.errors.RuleError` with line and column.
/// Parsed within the parser's own bounds; the engine's `RuleBounds` are checked when it
/// compiles.
#[pyfunction]
fn parse_expr(py: Python<'_>, text: &Bound<'_, PyString>) -> PyResult<String> {
    let text = rule_text(py, text)?;
    let expr = syntax::parse(&text, &ir::RuleBounds::PARSE)
        .map_err(|err| errors::to_py(py, &Errors::rule(vec![err.to_error(Vec::new())])))?;
    Ok(serde_json::to_string(&expr).unwrap_or_default())
}

/// Check one part of a definition as it is built (`part`: `campaign`, `tier`, `effect`,
/// `target`, `schedule`, `stacking`, `bounds`; `ir_json` its IR): its structure and literal
/// values. Raises `RuleError` located inside the part.
#[pyfunction]
fn check_definition(py: Python<'_>, part: &str, ir_json: &str) -> PyResult<()> {
    promotor_core::check_part(part, ir_json).map_err(|errs| errors::to_py(py, &errs))
}

/// The fields rules read: `[(root, name, type, meaning)]` (`promotor_core::schema`).
#[pyfunction]
fn schema() -> Vec<(&'static str, &'static str, &'static str, &'static str)> {
    promotor_core::schema::FIELDS
        .iter()
        .map(|d| (d.root, d.name, d.ty.name(), d.meaning))
        .collect()
}

/// The closest of `candidates` to `name`, if one is close enough: the one did-you-mean.
#[pyfunction]
#[allow(clippy::needless_pass_by_value)] // what PyO3 extracts a list into
fn did_you_mean(name: &str, candidates: Vec<String>) -> Option<String> {
    promotor_core::compile::did_you_mean(name, candidates.iter().map(String::as_str))
        .map(str::to_owned)
}

/// A problem found on the Python side, worded by the core: `{"type", "loc", "msg", "ctx"}` for
/// the error kind `variant` with context `ctx`; `None` for an unknown kind.
#[pyfunction]
fn error<'py>(
    py: Python<'py>,
    variant: &str,
    ctx: &Bound<'py, PyDict>,
) -> PyResult<Option<Bound<'py, PyDict>>> {
    errors::python_error(py, variant, ctx)
}

/// Print IR JSON of one expression as rule text.
#[pyfunction]
fn print_expr(py: Python<'_>, ir_json: &str) -> PyResult<String> {
    let expr: ir::Expr = errors::from_json(py, ir_json)?;
    Ok(syntax::print(&expr))
}

/// Read an engine definition (IR JSON, any version this build reads) and write it back as the
/// core sees it, in the current version: defaults filled in, unknown fields rejected. How
/// stored definitions are read, and how tests check that the Python models and the Rust types
/// agree.
#[pyfunction]
fn normalize_ir(py: Python<'_>, ir_json: &str) -> PyResult<String> {
    let def: ir::EngineDef = errors::from_json(py, ir_json)?;
    Ok(serde_json::to_string(&def).unwrap_or_default())
}

/// Whether `pattern` matches anywhere in `text`, with the rule language's regex dialect;
/// `None` when the pattern is invalid. (The reference evaluator borrows this.)
#[pyfunction]
fn regex_search(pattern: &str, text: &str) -> Option<bool> {
    promotor_core::regex_search(pattern, text)
}

/// The canonical input dict (docs/architecture.md) of `Engine.evaluate`'s arguments, read by
/// the core's validator: what the reference evaluator reads. Raises `InputError`.
#[pyfunction]
#[pyo3(signature = (cart, customer=None, codes=None, now=None, context=None))]
fn canonical_input<'py>(
    py: Python<'py>,
    cart: &Bound<'py, PyAny>,
    customer: Option<&Bound<'py, PyAny>>,
    codes: Option<&Bound<'py, PyAny>>,
    now: Option<&Bound<'py, PyAny>>,
    context: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyDict>> {
    let input = input::read_call(py, cart, customer, codes, now, context)?;
    input::to_dict(py, &input)
}

/// The canonical input dict of an input given as JSON text (`{"cart": ..., "customer": ...,
/// "context": ..., "codes": ...}`, times as RFC 3339 text), as golden files hold it.
#[pyfunction]
fn canonical_input_json<'py>(py: Python<'py>, text: &str) -> PyResult<Bound<'py, PyDict>> {
    let input = input::read_json(py, text)?;
    input::to_dict(py, &input)
}

/// The canonical dict of one part of an input (`kind`: `"cart"`, `"item"`, `"customer"` or
/// `"context"`), as the models `promotor.Cart` and so on hold it. Raises `InputError` with
/// locations inside the part.
#[pyfunction]
fn canonical_part<'py>(
    py: Python<'py>,
    kind: &str,
    data: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyDict>> {
    input::read_part(py, kind, data)
}

/// Validates `Engine.evaluate`'s arguments and keeps nothing: the reading alone, which
/// `benches/stages.py` measures. Raises `InputError`.
#[pyfunction]
#[pyo3(signature = (cart, customer=None, codes=None, now=None, context=None))]
fn check_input(
    py: Python<'_>,
    cart: &Bound<'_, PyAny>,
    customer: Option<&Bound<'_, PyAny>>,
    codes: Option<&Bound<'_, PyAny>>,
    now: Option<&Bound<'_, PyAny>>,
    context: Option<&Bound<'_, PyAny>>,
) -> PyResult<()> {
    input::read_call(py, cart, customer, codes, now, context).map(drop)
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
    m.add(
        "REASONS",
        outcome::Reason::ALL
            .iter()
            .map(|r| r.as_str())
            .collect::<Vec<_>>(),
    )?;
    m.add("MAX_DEPTH", syntax::MAX_SUPPORTED_DEPTH)?;
    m.add("MAX_JSON_DEPTH", ir::MAX_JSON_DEPTH)?;
    m.add("DEEP_ROOTS", ir::DEEP_ROOTS.to_vec())?;
    m.add(
        "BEST_DEAL_LIMIT",
        promotor_core::eval::stacking::BEST_DEAL_LIMIT,
    )?;
    m.add(
        "BEST_DEAL_BUDGET",
        promotor_core::eval::stacking::BEST_DEAL_BUDGET,
    )?;
    m.add_function(wrap_pyfunction!(check_definition, m)?)?;
    m.add_function(wrap_pyfunction!(schema, m)?)?;
    m.add_function(wrap_pyfunction!(did_you_mean, m)?)?;
    m.add_function(wrap_pyfunction!(error, m)?)?;
    m.add_function(wrap_pyfunction!(parse_expr, m)?)?;
    m.add_function(wrap_pyfunction!(print_expr, m)?)?;
    m.add_function(wrap_pyfunction!(regex_search, m)?)?;
    m.add_function(wrap_pyfunction!(normalize_ir, m)?)?;
    m.add_function(wrap_pyfunction!(currency_exponent, m)?)?;
    m.add_function(wrap_pyfunction!(currencies, m)?)?;
    m.add_function(wrap_pyfunction!(canonical_input, m)?)?;
    m.add_function(wrap_pyfunction!(canonical_input_json, m)?)?;
    m.add_function(wrap_pyfunction!(canonical_part, m)?)?;
    m.add_function(wrap_pyfunction!(check_input, m)?)?;
    m.add_function(wrap_pyfunction!(codes::generate_codes, m)?)?;
    m.add_function(wrap_pyfunction!(codes::normalize_code, m)?)?;
    m.add_function(wrap_pyfunction!(codes::check_codes, m)?)?;
    m.add_function(wrap_pyfunction!(codes::pool_keys, m)?)?;
    m.add_function(wrap_pyfunction!(simulate::simulate, m)?)?;
    m.add_function(wrap_pyfunction!(simulate::shared_orders, m)?)?;
    m.add_function(wrap_pyfunction!(simulate::standing, m)?)?;
    m.add_class::<program::Program>()?;
    m.add_class::<program::Priced>()?;
    m.add_class::<applied::Applied>()?;
    m.add_class::<state::Request>()?;
    Ok(())
}
