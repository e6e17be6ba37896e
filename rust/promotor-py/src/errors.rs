//! Core errors -> `promotor.errors` exceptions, with structured `loc`s.

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString, PyTuple};

use promotor_core::batch::BatchErrors;
use promotor_core::compile::{CompileErrors, Loc};
use promotor_core::error::{Category, CtxValue, Errors, Loc as ErrLoc};
use promotor_core::syntax::SyntaxError;

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

/// A `RuleError` whose locations are empty tuples.
pub fn rule_error(py: Python<'_>, messages: Vec<((), String)>) -> PyErr {
    let build = || -> PyResult<Bound<'_, PyList>> {
        let list = PyList::empty(py);
        for ((), msg) in messages {
            list.append(detail(py, PyTuple::empty(py), &msg)?)?;
        }
        Ok(list)
    };
    raise(py, "RuleError", build())
}

pub fn syntax_error(py: Python<'_>, err: &SyntaxError) -> PyErr {
    let build = || -> PyResult<Bound<'_, PyList>> {
        let d = detail(py, PyTuple::empty(py), &err.message)?;
        d.set_item("line", err.line)?;
        d.set_item("column", err.column)?;
        d.set_item("offset", err.offset)?;
        d.set_item("type", "syntax_error")?;
        PyList::new(py, [d])
    };
    raise(py, "RuleError", build())
}

pub fn compile_errors(py: Python<'_>, errs: &CompileErrors) -> PyErr {
    let build = || -> PyResult<Bound<'_, PyList>> {
        let list = PyList::empty(py);
        for err in &errs.0 {
            let mut parts: Vec<Bound<'_, PyAny>> = Vec::with_capacity(err.loc.len());
            for part in &err.loc {
                parts.push(match part {
                    Loc::Key(key) => PyString::new(py, key).into_any(),
                    Loc::Index(index) => index.into_pyobject(py)?.into_any(),
                });
            }
            list.append(detail(py, PyTuple::new(py, parts)?, &err.msg)?)?;
        }
        Ok(list)
    };
    raise(py, "RuleError", build())
}

/// Deserialize IR JSON; a bad document becomes a `RuleError` whose `loc` is the JSON path.
pub fn from_json<T: serde::de::DeserializeOwned>(py: Python<'_>, text: &str) -> PyResult<T> {
    let de = &mut serde_json::Deserializer::from_str(text);
    serde_path_to_error::deserialize(de).map_err(|err| {
        let path = err.path().to_string();
        let build = || -> PyResult<Bound<'_, PyList>> {
            let mut parts: Vec<Bound<'_, PyAny>> = Vec::new();
            for segment in err.path() {
                match segment {
                    serde_path_to_error::Segment::Seq { index } => {
                        parts.push(index.into_pyobject(py)?.into_any());
                    }
                    serde_path_to_error::Segment::Map { key } => {
                        parts.push(PyString::new(py, key).into_any());
                    }
                    serde_path_to_error::Segment::Enum { variant } => {
                        parts.push(PyString::new(py, variant).into_any());
                    }
                    serde_path_to_error::Segment::Unknown => {}
                }
            }
            let msg = if path == "." {
                err.inner().to_string()
            } else {
                format!("{} (at {path})", err.inner())
            };
            PyList::new(py, [detail(py, PyTuple::new(py, parts)?, &msg)?])
        };
        raise(py, "RuleError", build())
    })
}

/// Bad batch input -> `InputError`, one detail per problem, `loc` like `("orders", 3, "items",
/// 1, "price")`.
pub fn batch_errors(py: Python<'_>, errs: &BatchErrors) -> PyErr {
    let build = || -> PyResult<Bound<'_, PyList>> {
        let list = PyList::empty(py);
        for err in &errs.0 {
            let mut parts: Vec<Bound<'_, PyAny>> = Vec::with_capacity(err.loc.len());
            for part in &err.loc {
                parts.push(match part {
                    Loc::Key(key) => PyString::new(py, key).into_any(),
                    Loc::Index(index) => index.into_pyobject(py)?.into_any(),
                });
            }
            list.append(detail(py, PyTuple::new(py, parts)?, &err.msg)?)?;
        }
        Ok(list)
    };
    raise(py, "InputError", build())
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
                    ErrLoc::Key(key) => PyString::new(py, key).into_any(),
                    ErrLoc::Index(index) => index.into_pyobject(py)?.into_any(),
                });
            }
            let d = detail(py, PyTuple::new(py, parts)?, &err.message())?;
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
            list.append(d)?;
        }
        Ok(list)
    };
    raise(py, class, build())
}
