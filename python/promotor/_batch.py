"""Arrow plumbing of :meth:`Engine.evaluate_batch`: whatever table the caller has goes in as an
Arrow C stream, and the result comes back in the caller's dataframe type. pyarrow is needed
(``pip install promotor[arrow]``); polars and pandas are used only when the caller passes them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _pyarrow() -> Any:
    try:
        import pyarrow  # type: ignore[import-untyped,unused-ignore]
    except ImportError:  # pragma: no cover - depends on the environment
        raise ImportError("evaluate_batch needs pyarrow: pip install 'promotor[arrow]'") from None
    return pyarrow


def _kind(obj: Any) -> str:
    module = type(obj).__module__.split(".")[0]
    if module == "polars":
        return "polars-lazy" if type(obj).__name__ == "LazyFrame" else "polars"
    if module == "pandas":
        return "pandas"
    return "pyarrow"


def _table(obj: Any, name: str) -> Any:
    pa = _pyarrow()
    if isinstance(obj, pa.Table):
        return obj
    if isinstance(obj, pa.RecordBatch):
        return pa.Table.from_batches([obj])
    kind = _kind(obj)
    if kind == "pandas":
        return pa.Table.from_pandas(obj, preserve_index=False)
    if kind == "polars-lazy":
        # A query plan: run it (the rows must all be read anyway).
        obj = obj.collect()
    if hasattr(obj, "__arrow_c_stream__") or hasattr(obj, "__arrow_c_array__"):
        return pa.table(obj)
    if _kind(obj) == "polars":
        return obj.to_arrow()
    raise TypeError(
        f"{name}: expected a pyarrow, polars or pandas table (or an Arrow PyCapsule producer), "
        f"got {type(obj).__name__}"
    )


def c_stream(data: Any) -> Any:
    """The Arrow C stream capsule the native module reads, of a pyarrow ``Table`` or
    ``RecordBatchReader``, with every buffer aligned to 8 bytes.

    The C data interface does not promise alignment, and pyarrow data unpickled from
    out-of-band buffers (what Dask and Ray workers receive) can start a buffer at any byte.
    The native reader refuses string offsets it cannot read in place, so a table or batch with
    such a buffer is copied once here, through the Arrow IPC format (which pads every buffer);
    aligned data, the usual case, goes out zero-copy."""
    pa = _pyarrow()
    if isinstance(data, pa.RecordBatchReader):
        reader = data
        data = pa.RecordBatchReader.from_batches(
            reader.schema, (_realigned(b) if _has_misaligned(b) else b for b in reader)
        )
    elif _has_misaligned(data):
        data = _realigned(data)
    return data.__arrow_c_stream__()


def _has_misaligned(data: Any) -> bool:
    """Whether any buffer of a pyarrow Table or RecordBatch (children and dictionaries
    included) starts off an 8-byte boundary."""
    columns = data.columns
    chunks = (c for col in columns for c in getattr(col, "chunks", [col]))
    return any(_array_misaligned(chunk) for chunk in chunks)


def _array_misaligned(array: Any) -> bool:
    if any(b is not None and b.address % 8 for b in array.buffers()):
        return True
    dictionary = getattr(array, "dictionary", None)
    return dictionary is not None and _array_misaligned(dictionary)


def _realigned(data: Any) -> Any:
    """A copy of a pyarrow Table or RecordBatch through the IPC stream format."""
    pa = _pyarrow()
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, data.schema) as writer:
        writer.write(data)
    reader = pa.ipc.open_stream(sink.getvalue())
    return reader.read_all() if isinstance(data, pa.Table) else reader.read_next_batch()


def _back(table: Any, kind: str) -> Any:
    if kind in ("polars", "polars-lazy"):
        import polars  # type: ignore[import-not-found,unused-ignore]

        frame: Any = polars.from_arrow(table)
        return frame.lazy() if kind == "polars-lazy" else frame
    if kind == "pandas":
        return table.to_pandas()
    return table


def evaluate_batch(
    program: Any,
    orders: Any,
    lines: Any,
    *,
    detail: bool,
    threads: int | None,
    money: str,
    extra_columns: str,
) -> Any:
    pa = _pyarrow()
    if threads is not None and (type(threads) is not int or threads < 1):
        raise ValueError(f"threads must be a positive int or None, got {threads!r}")
    kind = _kind(orders)
    table = _table(orders, "orders")
    lines_stream = None if lines is None else c_stream(_table(lines, "lines"))
    now = datetime.now(UTC) - _EPOCH
    now_us = (now.days * 86_400 + now.seconds) * 1_000_000 + now.microseconds
    summary_capsule, detail_capsule = program.evaluate_batch(
        c_stream(table), lines_stream, detail, threads, money, now_us, extra_columns
    )
    summary = pa.RecordBatchReader._import_from_c_capsule(summary_capsule).read_all()
    if not detail:
        return _back(summary, kind)
    details = pa.RecordBatchReader._import_from_c_capsule(detail_capsule).read_all()
    return _back(summary, kind), _back(details, kind)
