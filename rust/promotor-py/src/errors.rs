//! Core errors -> `promotor.errors` exceptions, with structured `loc`s.

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString, PyTuple};

use promotor_core::error::{Category, CtxValue, Error, ErrorKind, Errors, Loc};

/// A `promotor.errors.<class>` carrying `details`; a failure while building them is raised
/// instead.
fn raise(py: Python<'_>, class: &str, details: PyResult<Bound<'_, PyList>>) -> PyErr {
    let details = match details {
        Ok(list) => list,
        Err(err) => return err,
    };
    match py.import("promotor.errors").and_then(|m| m.getattr(class)) {
        Ok(cls) => match cls.call1((details,)) {
            Ok(instance) => PyErr::from_value(instance),
            Err(err) => err,
        },
        Err(err) => err,
    }
}

/// One problem as `{"type", "loc", "msg", "ctx"}`, plus `line` and `column` inside rule text.
fn error_dict<'py>(
    py: Python<'py>,
    loc: Bound<'py, PyTuple>,
    err: &Error,
) -> PyResult<Bound<'py, PyDict>> {
    let d = detail(py, loc, &err.message())?;
    d.set_item("type", err.kind.type_name())?;
    let ctx = PyDict::new(py);
    for (name, value) in err.kind.context() {
        match value {
            CtxValue::Str(s) => ctx.set_item(name, s)?,
            CtxValue::Int(n) => ctx.set_item(name, n)?,
        }
    }
    d.set_item("ctx", ctx)?;
    if let Some(span) = err.span {
        d.set_item("line", span.line)?;
        d.set_item("column", span.column)?;
    }
    Ok(d)
}

/// A problem found on the Python side, worded here: `variant` names an
/// [`ErrorKind`] (`"required"`, `"too_large"`, ...) and `ctx` gives its context values.
/// Returns `{"type", "loc": (), "msg", "ctx"}`, or `None` for an unknown variant.
pub fn python_error<'py>(
    py: Python<'py>,
    variant: &str,
    ctx: &Bound<'py, PyDict>,
) -> PyResult<Option<Bound<'py, PyDict>>> {
    let get = |k: &str| -> Option<String> {
        let v = ctx.get_item(k).ok().flatten()?;
        if v.is_none() {
            return None;
        }
        v.str().ok().map(|s| s.to_string())
    };
    let Some(kind) = ErrorKind::from_parts(variant, &get) else {
        return Ok(None);
    };
    error_dict(py, PyTuple::empty(py), &Error::new(kind, Vec::new())).map(Some)
}

fn detail<'py>(
    py: Python<'py>,
    loc: Bound<'py, PyTuple>,
    msg: &str,
) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("loc", loc)?;
    d.set_item("msg", msg)?;
    Ok(d)
}

/// Deserialize IR JSON; a bad document becomes a `RuleError` located at its JSON path.
pub fn from_json<T: serde::de::DeserializeOwned>(py: Python<'_>, text: &str) -> PyResult<T> {
    promotor_core::ir::read_json(text).map_err(|errs| to_py(py, &errs))
}

/// The one conversion of core [`Errors`] to a Python exception: `RuleError` or `InputError` by
/// category, each problem as `{"type", "loc", "msg", "ctx"}` plus `line` and `column` inside
/// rule text.
pub fn to_py(py: Python<'_>, errs: &Errors) -> PyErr {
    let class = match errs.category {
        Category::Rule => "RuleError",
        Category::Input => "InputError",
    };
    let build = || -> PyResult<Bound<'_, PyList>> {
        let list = PyList::empty(py);
        for err in &errs.errors {
            let mut parts: Vec<Bound<'_, PyAny>> = Vec::with_capacity(err.loc.len());
            for part in &err.loc {
                parts.push(match part {
                    Loc::Key(key) => PyString::new(py, key).into_any(),
                    Loc::Index(index) => index.into_pyobject(py)?.into_any(),
                });
            }
            list.append(error_dict(py, PyTuple::new(py, parts)?, err)?)?;
        }
        Ok(list)
    };
    raise(py, class, build())
}
