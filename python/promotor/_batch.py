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
    lines_stream = None if lines is None else _table(lines, "lines").__arrow_c_stream__()
    now = datetime.now(UTC) - _EPOCH
    now_us = (now.days * 86_400 + now.seconds) * 1_000_000 + now.microseconds
    summary_capsule, detail_capsule = program.evaluate_batch(
        table.__arrow_c_stream__(), lines_stream, detail, threads, money, now_us, extra_columns
    )
    summary = pa.RecordBatchReader._import_from_c_capsule(summary_capsule).read_all()
    if not detail:
        return _back(summary, kind)
    details = pa.RecordBatchReader._import_from_c_capsule(detail_capsule).read_all()
    return _back(summary, kind), _back(details, kind)
