//! `evaluate_batch`: Arrow C streams in and out (the Arrow `PyCapsule` interface), evaluation in
//! `promotor_core::batch` on a per-process rayon pool with the GIL released.
//!
//! One of the two modules with `unsafe` code (the other is `dict.rs`): importing a C stream
//! from a capsule pointer is inherently unsafe (the producer vouches for the struct), as in
//! every Arrow binding.
#![allow(unsafe_code)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use arrow_array::ffi::{from_ffi_and_data_type, FFI_ArrowArray, FFI_ArrowSchema};
use arrow_array::ffi_stream::FFI_ArrowArrayStream;
use arrow_array::{RecordBatch, RecordBatchIterator, RecordBatchReader, StructArray};
use arrow_schema::{ArrowError, DataType, Schema, SchemaRef};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyCapsule, PyCapsuleMethods};

use promotor_core::arrow::lines::Lines;
use promotor_core::arrow::write::{arrow_error, MoneyOut};
use promotor_core::batch::{Batch, CHUNK};
use promotor_core::compile::Program;
use promotor_core::error::{Error, Errors};
use promotor_core::input::arrow::Extra;

use crate::errors;

const STREAM: &std::ffi::CStr = c"arrow_array_stream";

/// The pools of this process, by thread count. A forked child inherits the parent's memory but
/// not its threads, so pools are keyed by the process id and rebuilt after a fork (the
/// inherited ones are leaked: dropping them would talk to threads that do not exist).
type Pools = HashMap<usize, Arc<rayon::ThreadPool>>;
static POOLS: Mutex<Option<(u32, Pools)>> = Mutex::new(None);

fn pool(threads: usize) -> PyResult<Arc<rayon::ThreadPool>> {
    let pid = std::process::id();
    let mut guard = POOLS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if guard.as_ref().is_some_and(|(p, _)| *p != pid) {
        if let Some(old) = guard.take() {
            std::mem::forget(old);
        }
    }
    let (_, pools) = guard.get_or_insert_with(|| (pid, HashMap::new()));
    if let Some(p) = pools.get(&threads) {
        return Ok(Arc::clone(p));
    }
    let p = Arc::new(
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .thread_name(|i| format!("promotor-batch-{i}"))
            .build()
            .map_err(|e| pyo3::exceptions::PyRuntimeError::new_err(e.to_string()))?,
    );
    pools.insert(threads, Arc::clone(&p));
    Ok(p)
}

/// An imported Arrow C stream. Unlike arrow-rs' `ArrowArrayStreamReader`, it copies buffers that
/// are not aligned for their type (`ArrayData::align_buffers`) before building arrays: the C
/// data interface does not promise Rust's alignment, and a `decimal128` column read from an
/// Arrow IPC file by pyarrow is only 8-byte aligned where `i128` needs 16, which made
/// arrow-rs panic. Only such buffers are copied; aligned input stays zero-copy.
pub(crate) struct Reader {
    stream: FFI_ArrowArrayStream,
    schema: SchemaRef,
}

impl Reader {
    fn new(mut stream: FFI_ArrowArrayStream) -> Result<Self, ArrowError> {
        let (Some(get_schema), Some(_)) = (stream.get_schema, stream.release) else {
            return Err(ArrowError::CDataInterface(
                "the stream is released or incomplete".into(),
            ));
        };
        let mut schema = FFI_ArrowSchema::empty();
        // SAFETY: a live stream's callbacks take the stream itself and an out-pointer.
        let code = unsafe { get_schema(&raw mut stream, &raw mut schema) };
        if code != 0 {
            return Err(ArrowError::CDataInterface(format!(
                "cannot get the schema of the stream: {}",
                Self::last_error(&mut stream).unwrap_or_else(|| format!("error code {code}"))
            )));
        }
        let schema = Arc::new(Schema::try_from(&schema)?);
        Ok(Self { stream, schema })
    }

    fn last_error(stream: &mut FFI_ArrowArrayStream) -> Option<String> {
        let get = stream.get_last_error?;
        // SAFETY: as above; the returned string lives until the next call on the stream.
        let text = unsafe { get(stream) };
        if text.is_null() {
            return None;
        }
        // SAFETY: a non-null result is a NUL-terminated string owned by the stream.
        Some(
            unsafe { std::ffi::CStr::from_ptr(text) }
                .to_string_lossy()
                .into_owned(),
        )
    }

    pub(crate) fn schema(&self) -> SchemaRef {
        Arc::clone(&self.schema)
    }
}

impl Iterator for Reader {
    type Item = Result<RecordBatch, ArrowError>;

    fn next(&mut self) -> Option<Self::Item> {
        let get_next = self.stream.get_next?;
        let mut array = FFI_ArrowArray::empty();
        // SAFETY: as in `new`.
        let code = unsafe { get_next(&raw mut self.stream, &raw mut array) };
        if code != 0 {
            let msg =
                Self::last_error(&mut self.stream).unwrap_or_else(|| format!("error code {code}"));
            return Some(Err(ArrowError::CDataInterface(msg)));
        }
        if array.is_released() {
            return None;
        }
        let struct_type = DataType::Struct(self.schema.fields().clone());
        if let Some(column) = misaligned_offsets(&array, &struct_type, "") {
            // `array` is dropped here, which calls the producer's release callback
            return Some(Err(ArrowError::CDataInterface(format!(
                "column '{column}': the producer's offsets buffer is not aligned for its \
                 integer type, which the Arrow C interface cannot import in place; pass a \
                 pyarrow table (promotor copies such tables) or copy the data first"
            ))));
        }
        // SAFETY: the producer vouches that the array matches the stream's schema (the C
        // stream interface contract), as with arrow-rs' own reader; offsets that arrow-rs
        // reads during the import were checked for alignment just above.
        let data = unsafe { from_ffi_and_data_type(array, struct_type) };
        Some(data.and_then(|mut data| {
            data.align_buffers();
            RecordBatch::try_new(
                Arc::clone(&self.schema),
                StructArray::from(data).into_parts().1,
            )
        }))
    }
}

/// The first column (a dotted path) whose string or binary offsets buffer is not aligned for
/// its offset type. arrow-rs' import reads the last offset of such a buffer in place to learn
/// the data buffer's length, a misaligned read (undefined behaviour; a panic that aborts the
/// process in debug builds). pyarrow tables unpickled from out-of-band buffers (Dask, Ray)
/// start their buffers at any byte; `promotor._batch.c_stream` copies those before export.
fn misaligned_offsets(array: &FFI_ArrowArray, ty: &DataType, path: &str) -> Option<String> {
    let child_path = |name: &str| {
        if path.is_empty() {
            name.to_owned()
        } else {
            format!("{path}.{name}")
        }
    };
    let offset_width = match ty {
        DataType::Utf8 | DataType::Binary => 4,
        DataType::LargeUtf8 | DataType::LargeBinary => 8,
        _ => 0,
    };
    if offset_width > 0 {
        let bad = !array.is_empty()
            && array.num_buffers() > 1
            && (array.buffer(1) as usize) % offset_width != 0;
        return bad.then(|| path.to_owned());
    }
    let children: Vec<(String, &DataType)> = match ty {
        DataType::Struct(fields) => fields
            .iter()
            .map(|f| (child_path(f.name()), f.data_type()))
            .collect(),
        DataType::List(f)
        | DataType::LargeList(f)
        | DataType::FixedSizeList(f, _)
        | DataType::Map(f, _)
        | DataType::ListView(f)
        | DataType::LargeListView(f) => vec![(path.to_owned(), f.data_type())],
        DataType::Dictionary(_, values) => {
            return array
                .dictionary()
                .and_then(|d| misaligned_offsets(d, values, path));
        }
        _ => return None,
    };
    children
        .iter()
        .enumerate()
        .filter(|(i, _)| *i < array.num_children())
        .find_map(|(i, (name, t))| misaligned_offsets(array.child(i), t, name))
}

pub(crate) fn import(capsule: &Bound<'_, PyAny>, what: &str) -> PyResult<Reader> {
    let capsule = capsule
        .cast::<PyCapsule>()
        .map_err(|_| PyTypeError::new_err(format!("{what}: expected an Arrow C stream capsule")))?;
    let ptr = capsule.pointer_checked(Some(STREAM))?;
    // SAFETY: the capsule is named "arrow_array_stream", so by the Arrow PyCapsule interface
    // it holds an `ArrowArrayStream`; `from_raw` moves it out and leaves a released stream.
    let stream = unsafe { FFI_ArrowArrayStream::from_raw(ptr.as_ptr().cast()) };
    Reader::new(stream).map_err(|e| PyValueError::new_err(format!("{what}: {e}")))
}

pub(crate) fn export(
    py: Python<'_>,
    schema: arrow_schema::SchemaRef,
    batches: Vec<RecordBatch>,
) -> PyResult<Bound<'_, PyCapsule>> {
    let reader: Box<dyn RecordBatchReader + Send> = Box::new(RecordBatchIterator::new(
        batches.into_iter().map(Ok),
        schema,
    ));
    PyCapsule::new_with_value(py, FFI_ArrowArrayStream::new(reader), STREAM)
}

fn input_error(py: Python<'_>, e: Error) -> PyErr {
    errors::to_py(py, &Errors::input(vec![e]))
}

pub(crate) fn read_all(py: Python<'_>, reader: Reader, table: &str) -> PyResult<Vec<RecordBatch>> {
    reader
        .map(|b| b.map_err(|e| input_error(py, arrow_error(table, &e))))
        .collect()
}

/// The options of `Engine.evaluate_batch`.
pub struct Options<'o> {
    pub detail: bool,
    pub threads: Option<usize>,
    pub money: &'o str,
    /// Microseconds since the epoch: `now` of orders without `created_at`.
    pub now: i64,
    pub extra_columns: &'o str,
}

pub fn evaluate_batch<'py>(
    py: Python<'py>,
    program: &Arc<Program>,
    orders: &Bound<'py, PyAny>,
    lines: Option<&Bound<'py, PyAny>>,
    options: &Options<'_>,
) -> PyResult<(Bound<'py, PyCapsule>, Option<Bound<'py, PyCapsule>>)> {
    let Options {
        detail,
        threads,
        money,
        now,
        extra_columns,
    } = *options;
    let money = MoneyOut::parse(money).ok_or_else(|| {
        PyValueError::new_err(format!(
            "money must be 'decimal', 'minor' or 'float', got {money:?}"
        ))
    })?;
    let extra = match extra_columns {
        "forbid" => Extra::Forbid,
        "ignore" => Extra::Ignore,
        other => {
            return Err(PyValueError::new_err(format!(
                "extra_columns must be 'forbid' or 'ignore', got {other:?}"
            )))
        }
    };
    let threads = match threads {
        None => std::thread::available_parallelism().map_or(1, std::num::NonZero::get),
        Some(0) => return Err(PyValueError::new_err("threads must be at least 1")),
        Some(n) => n,
    };
    let orders = import(orders, "orders")?;
    let lines = match lines {
        None => None,
        Some(l) => {
            let batches = read_all(py, import(l, "lines")?, "lines")?;
            Some(
                py.detach(|| Lines::new(batches).map_err(|e| Errors::input(vec![e])))
                    .map_err(|e| errors::to_py(py, &e))?,
            )
        }
    };
    let schema = orders.schema();
    let order_id_type = schema
        .field_with_name("order_id")
        .map_or(DataType::Int64, |f| f.data_type().clone());
    let pool = pool(threads)?;
    let program: &Program = program;
    let mut batch = Batch::new(program, money, detail, lines, now, extra);
    let mut summary = Vec::new();
    let mut details = Vec::new();
    let mut start = 0;
    // An empty table is checked too (its columns, and that no line is left without an order).
    let empty = RecordBatch::new_empty(Arc::clone(&schema));
    py.detach(|| pool.install(|| batch.chunk(&empty, 0)))
        .map_err(|e| errors::to_py(py, &e))?;
    for input in orders {
        let input = input.map_err(|e| input_error(py, arrow_error("orders", &e)))?;
        let mut offset = 0;
        while offset < input.num_rows() {
            let len = CHUNK.min(input.num_rows() - offset);
            let chunk = input.slice(offset, len);
            let outs = py
                .detach(|| pool.install(|| batch.chunk(&chunk, start + offset)))
                .map_err(|e| errors::to_py(py, &e))?;
            for out in outs {
                summary.push(out.summary);
                details.extend(out.detail);
            }
            py.check_signals()?;
            offset += len;
        }
        start += input.num_rows();
    }
    batch.finish().map_err(|e| errors::to_py(py, &e))?;
    let summary = export(py, batch.summary_schema(&order_id_type), summary)?;
    let detail = if detail {
        Some(export(py, batch.detail_schema(&order_id_type), details)?)
    } else {
        None
    };
    Ok((summary, detail))
}
