"""Price a Dask DataFrame of orders: ``map_partitions`` over Arrow tables, one
:meth:`Engine.evaluate_batch` call per partition, in the workers.

``pip install 'promotor[dask]'``; see docs/scale-out.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import Money, Threads, check_threads, need_order_id, output_schema, require

if TYPE_CHECKING:
    from promotor.engine import Engine

__all__ = ["evaluate"]

_POS = "__promotor_position"


def evaluate(
    engine: Engine,
    ddf: Any,
    lines: Any = None,
    *,
    threads: Threads = "auto",
    money: Money = "decimal",
    aligned: bool = False,
) -> Any:
    """A lazy Dask DataFrame of ``engine.evaluate_batch``'s summary (``order_id, subtotal,
    discount, shipping_discount, total, applied``) for the orders of ``ddf``.

    With nested ``items`` the result has ``ddf``'s partitions, divisions and index, row for
    row. With a separate ``lines`` frame keyed by ``order_id``, both frames are shuffled by
    ``order_id`` into the same number of partitions (each order's lines keep their order), so
    the result is partitioned by a hash of ``order_id``; pass ``aligned=True`` when partition
    ``i`` of ``lines`` already holds exactly the lines of partition ``i`` of ``ddf``, to skip
    the shuffle. Money columns are ``decimal128`` with the places of the engine's currency
    (as ``pandas.ArrowDtype``), or ``*_minor`` int64 / float64 by ``money``.

    ``threads``: the width of the thread pool the worker process prices on. ``"auto"`` (the
    default) is the worker's own thread count, so its concurrent tasks share as many threads as
    Dask gave it (every core outside a distributed worker); ``None`` is every core of the
    machine.
    """
    dd = require("dask.dataframe", "dask")
    dask = require("dask", "dask")
    pd = require("pandas", "dask")
    pa = require("pyarrow", "dask")
    check_threads(threads)
    need_order_id(ddf.columns)
    order_id = pa.Schema.from_pandas(ddf._meta, preserve_index=False).field("order_id").type
    empty = output_schema(engine, order_id, money).empty_table()
    meta = empty.to_pandas(types_mapper=pd.ArrowDtype)
    meta["order_id"] = ddf._meta["order_id"]
    # one task holds the engine: each worker unpickles (compiles) it once, not once per task
    held = dask.delayed(engine, pure=True)
    if lines is None:
        meta.index = ddf._meta.index
        return ddf.map_partitions(_price, held, threads, money, meta=meta)
    if not aligned:
        parts = max(ddf.npartitions, lines.npartitions)
        ddf = _shuffle(ddf, parts)
        lines = _shuffle(lines, parts)
    elif ddf.npartitions != lines.npartitions:
        raise ValueError(
            f"aligned=True needs as many partitions in lines ({lines.npartitions}) "
            f"as in the orders ({ddf.npartitions})"
        )
    meta = meta.reset_index(drop=True)
    return dd.map_partitions(
        _price_lines,
        ddf,
        lines,
        held,
        threads,
        money,
        meta=meta,
        align_dataframes=False,
        enforce_metadata=False,
    )


def _shuffle(frame: Any, parts: int) -> Any:
    """``frame`` hash-partitioned by ``order_id``, with each row's original position kept in
    a column: a shuffle does not promise to keep the rows' order."""
    pd = require("pandas", "dask")
    meta = frame._meta.assign(**{_POS: pd.Series([], dtype="int64")})
    positioned = frame.map_partitions(_position, meta=meta)
    # the p2p shuffle cannot carry ArrowDtype list columns through its Arrow round trip
    return positioned.shuffle("order_id", npartitions=parts, shuffle_method="tasks")


def _position(df: Any, partition_info: dict[str, Any] | None = None) -> Any:
    import numpy as np

    number = 0 if partition_info is None else partition_info["number"]
    return df.assign(**{_POS: (number << 40) + np.arange(len(df), dtype="int64")})


def _threads(threads: Threads) -> int | None:
    """What "auto" means in this worker: the tasks running at once in this process share one
    pool, so it is as wide as the worker has threads."""
    if not isinstance(threads, str):
        return threads
    try:
        from distributed import get_worker  # type: ignore[import-untyped,unused-ignore]

        return int(get_worker().state.nthreads)
    except (ImportError, ValueError):  # not in a distributed worker: the local scheduler
        return None


def _arrow(df: Any) -> Any:
    import pyarrow as pa  # type: ignore[import-untyped,unused-ignore]

    return pa.Table.from_pandas(df, preserve_index=False)


def _price(df: Any, engine: Engine, threads: Threads, money: Money) -> Any:
    pd = require("pandas", "dask")
    out = engine.evaluate_batch(_arrow(df), threads=_threads(threads), money=money)
    frame = out.to_pandas(types_mapper=pd.ArrowDtype)
    frame.index = df.index
    frame["order_id"] = df["order_id"].array
    return frame


def _price_lines(orders: Any, lines: Any, engine: Engine, threads: Threads, money: Money) -> Any:
    pd = require("pandas", "dask")
    if _POS in orders.columns:  # shuffled: back to the input's order
        orders = orders.sort_values(_POS, kind="stable").drop(columns=_POS)
        lines = lines.sort_values(_POS, kind="stable").drop(columns=_POS)

    out = engine.evaluate_batch(
        _arrow(orders), _arrow(lines), threads=_threads(threads), money=money
    )
    frame = out.to_pandas(types_mapper=pd.ArrowDtype)
    frame["order_id"] = orders["order_id"].array
    return frame
