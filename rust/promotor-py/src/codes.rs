//! `promotor.codes`' native half: generation and normalisation in the core, converted here.

use arrow_array::ffi::{to_ffi, FFI_ArrowArray, FFI_ArrowSchema};
use arrow_array::{Array, LargeStringArray, StringArray};
use arrow_buffer::{Buffer, OffsetBuffer, ScalarBuffer};
use pyo3::prelude::*;
use pyo3::types::{PyCapsule, PyList, PyString, PyTuple};

use promotor_core::codes::{normalize, Codes, Generator, Spec, MAX_COUNT};
use promotor_core::error::{Error, ErrorKind, Errors, Loc};

use crate::errors::to_py;

/// Codes generated between two checks for Ctrl-C (about a tenth of a second).
const CHUNK: usize = 200_000;

fn rule(py: Python<'_>, kind: ErrorKind, loc: &str) -> PyErr {
    to_py(
        py,
        &Errors::rule(vec![Error::new(kind, vec![Loc::key(loc)])]),
    )
}

fn input(py: Python<'_>, kind: ErrorKind, loc: Vec<Loc>) -> PyErr {
    to_py(py, &Errors::input(vec![Error::new(kind, loc)]))
}

fn type_name(v: &Bound<'_, PyAny>) -> String {
    v.get_type()
        .name()
        .map_or_else(|_| "object".to_owned(), |n| n.to_string())
}

/// The text of a `str`; a lone surrogate (not Unicode text) is an `InputError` at `loc`.
fn text<'a>(py: Python<'_>, v: &'a Bound<'_, PyString>, loc: Vec<Loc>) -> PyResult<&'a str> {
    v.to_str().map_err(|_| {
        input(
            py,
            ErrorKind::Invalid {
                message: "not Unicode text (a lone surrogate)".to_owned(),
            },
            loc,
        )
    })
}

/// The strings of an iterable, each a `str` (else an `InputError` at `(name, i)`).
fn strs<'py>(
    py: Python<'py>,
    v: &Bound<'py, PyAny>,
    name: &str,
) -> PyResult<Vec<Bound<'py, PyString>>> {
    let mut out = Vec::with_capacity(v.len().unwrap_or(0));
    for (i, item) in v.try_iter()?.enumerate() {
        let item = item?;
        match item.cast_into::<PyString>() {
            Ok(s) => out.push(s),
            Err(e) => {
                return Err(input(
                    py,
                    ErrorKind::TypeMismatch {
                        expected: "a str".to_owned(),
                        got: type_name(e.into_inner().as_any()),
                    },
                    vec![Loc::key(name), Loc::Index(i)],
                ))
            }
        }
    }
    Ok(out)
}

/// `(schema, array)` capsules of the Arrow C data interface, for
/// `pyarrow.Array._import_from_c_capsule`; a `large_string` array past 2 GiB of text.
fn arrow(py: Python<'_>, codes: Codes) -> PyResult<Bound<'_, PyTuple>> {
    let data = if let Ok(offsets) = codes
        .offsets
        .iter()
        .map(|&o| i32::try_from(o))
        .collect::<Result<Vec<i32>, _>>()
    {
        StringArray::new(
            OffsetBuffer::new(ScalarBuffer::from(offsets)),
            Buffer::from(codes.text.into_bytes()),
            None,
        )
        .to_data()
    } else {
        let offsets: Vec<i64> = codes.offsets.iter().map(|&o| o as i64).collect();
        LargeStringArray::new(
            OffsetBuffer::new(ScalarBuffer::from(offsets)),
            Buffer::from(codes.text.into_bytes()),
            None,
        )
        .to_data()
    };
    let (array, schema): (FFI_ArrowArray, FFI_ArrowSchema) =
        to_ffi(&data).map_err(|e| pyo3::exceptions::PyRuntimeError::new_err(e.to_string()))?;
    PyTuple::new(
        py,
        [
            PyCapsule::new_with_value(py, schema, c"arrow_schema")?.into_any(),
            PyCapsule::new_with_value(py, array, c"arrow_array")?.into_any(),
        ],
    )
}

/// Generate codes (see `promotor.codes.generate`): a list of `str`, or with `arrow` the
/// capsules of a string array. The GIL is released while generating, and Ctrl-C is checked
/// between chunks.
#[pyfunction]
#[pyo3(signature = (pattern, count, charset, prefix, suffix, seed, existing, min_guess_bits, arrow))]
#[allow(clippy::too_many_arguments)]
pub fn generate_codes<'py>(
    py: Python<'py>,
    pattern: &str,
    count: i128,
    charset: Option<&str>,
    prefix: &str,
    suffix: &str,
    seed: Option<i128>,
    existing: Option<&Bound<'py, PyAny>>,
    min_guess_bits: i128,
    arrow: bool,
) -> PyResult<Bound<'py, PyAny>> {
    for (name, v) in [("count", count), ("min_guess_bits", min_guess_bits)] {
        if v < 0 {
            let kind = ErrorKind::TooSmall {
                min: "0".to_owned(),
            };
            return Err(rule(py, kind, name));
        }
    }
    let seed = match seed {
        None => None,
        Some(s) => Some(u64::try_from(s).map_err(|_| {
            rule(
                py,
                ErrorKind::Invalid {
                    message: "a seed is an int from 0 to 2**64 - 1".to_owned(),
                },
                "seed",
            )
        })?),
    };
    let spec = Spec {
        pattern,
        charset,
        prefix,
        suffix,
        count: usize::try_from(count).unwrap_or(MAX_COUNT + 1),
        min_guess_bits: u32::try_from(min_guess_bits).unwrap_or(u32::MAX),
    };
    let existing = match existing {
        None => Vec::new(),
        Some(e) => strs(py, e, "existing")?,
    };
    let texts = existing
        .iter()
        .enumerate()
        .map(|(i, s)| text(py, s, vec![Loc::key("existing"), Loc::Index(i)]))
        .collect::<PyResult<Vec<&str>>>()?;
    let mut generator = py
        .detach(|| Generator::new(&spec, &texts, seed))
        .map_err(|errs| to_py(py, &errs))?;
    drop(texts);
    while generator.remaining() > 0 {
        py.detach(|| generator.fill(CHUNK));
        py.check_signals()?;
    }
    let codes = py.detach(|| generator.finish());
    if arrow {
        return Ok(self::arrow(py, codes)?.into_any());
    }
    Ok(PyList::new(py, codes.iter())?.into_any())
}

/// The comparison key of a code (`promotor.codes.normalize`); an `InputError` with the
/// character position for a zero-width or bidi control character.
/// With `case_sensitive`, the key of an engine whose codes are case-sensitive.
#[pyfunction]
#[pyo3(signature = (code, case_sensitive = false))]
pub fn normalize_code(
    py: Python<'_>,
    code: &Bound<'_, PyString>,
    case_sensitive: bool,
) -> PyResult<String> {
    let code = text(py, code, Vec::new())?;
    normalize::key_with(code, case_sensitive).map_err(|kind| input(py, kind, Vec::new()))
}

/// Checks the codes given to `evaluate`: an `InputError` located at `("codes", i)` for each
/// code with a zero-width or bidi control character.
#[pyfunction]
pub fn check_codes(py: Python<'_>, codes: &Bound<'_, PyAny>) -> PyResult<()> {
    let codes = strs(py, codes, "codes")?;
    let texts = codes
        .iter()
        .enumerate()
        .map(|(i, s)| text(py, s, vec![Loc::key("codes"), Loc::Index(i)]))
        .collect::<PyResult<Vec<&str>>>()?;
    let errors = normalize::check_all(&texts, &[Loc::key("codes")]);
    if errors.is_empty() {
        Ok(())
    } else {
        Err(to_py(py, &Errors::input(errors)))
    }
}

/// The keys of codes added to a pool, and their repeats within the call as `(index, first
/// index)` pairs; an `InputError` located at `(loc, offset + i)` for each bad code (empty,
/// too long, an invisible character). The GIL is released while normalising.
#[pyfunction]
#[pyo3(signature = (codes, loc="codes", offset=0))]
#[allow(clippy::type_complexity)]
pub fn pool_keys(
    py: Python<'_>,
    codes: &Bound<'_, PyAny>,
    loc: &str,
    offset: usize,
) -> PyResult<(Vec<String>, Vec<(usize, usize)>)> {
    let codes = strs(py, codes, loc)?;
    let texts = codes
        .iter()
        .enumerate()
        .map(|(i, s)| text(py, s, vec![Loc::key(loc), Loc::Index(offset + i)]))
        .collect::<PyResult<Vec<&str>>>()?;
    let keys = py
        .detach(|| promotor_core::codes::pool::keys(&texts, &[Loc::key(loc)], offset))
        .map_err(|errors| to_py(py, &Errors::input(errors)))?;
    Ok((keys.keys, keys.repeats))
}
