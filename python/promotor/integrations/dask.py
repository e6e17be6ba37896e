"""Price a Dask DataFrame of orders: ``map_partitions`` over Arrow tables, one
:meth:`Engine.evaluate_batch` call per partition, in the workers.

``pip install 'promotor[dask]'``; see docs/scale-out.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from . import Money, Threads, check_threads, need_order_id, output_schema, require

if TYPE_CHECKING:
    from promotor.engine import Engine
    from promotor.simulation import Report
    from promotor.stores.base import Store

__all__ = ["evaluate", "simulate"]

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


def simulate(
    engine: Engine,
    ddf: Any,
    lines: Any = None,
    customers: Any = None,
    variants: Mapping[str, Engine] | None = None,
    state: Store | Mapping[str, int] | None = None,
    timezone: str = "UTC",
    *,
    keep_orders: bool = True,
    partitions: int | None = None,
) -> Report:
    """:func:`promotor.simulate` of the orders of ``ddf`` on the Dask cluster: the same
    :class:`~promotor.simulation.Report`, order for order and cent for cent (computed, not
    lazy; tables come back as pandas frames).

    Orders are partitioned by ``customer_id`` into ``partitions`` pieces (default: as many
    as ``ddf`` has). In each piece the workers find the customers with an order that a limit
    shared across customers (a total budget or limit, a per-code or per-period limit) can
    decide; all orders of those customers are replayed in one ordered pass on one worker,
    every other customer's in parallel, piece by piece, and the pieces' reports are merged
    on the client. See docs/scale-out.md for when it is fast and what it costs.

    ``lines``: a Dask frame of lines keyed by ``order_id`` (unique order ids), moved to its
    orders' pieces. ``customers``: an in-memory table joined onto the orders by
    ``customer_id`` in each piece (a Dask frame is computed first). ``state``, ``timezone``,
    ``variants`` and ``keep_orders`` as for :func:`promotor.simulate`.
    """
    dask = require("dask", "dask")
    require("pandas", "dask")
    from ..simulation import _partitioned as part
    from ..simulation._replay import _error, _pool_rows, _starting_state

    engines: dict[str, Engine] = {"baseline": engine}
    for name, other in (variants or {}).items():
        if name in engines:
            raise _error(("variants", name), "a variant may not be named 'baseline'")
        if other.currency != engine.currency:
            raise _error(("variants", name), "every variant must use the engine's currency")
        engines[name] = other
    need_order_id(ddf.columns)
    if "created_at" not in list(ddf.columns):
        raise _error(("orders", "created_at"), "the simulation needs created_at to order orders")
    if partitions is not None and (type(partitions) is not int or partitions < 1):
        raise ValueError(f"partitions must be a positive int, got {partitions!r}")
    if customers is not None and hasattr(customers, "dask"):
        customers = customers.compute()
    start = _starting_state(state)
    pools = _pool_rows(state, engines.values())
    local = part.local_state(start)
    people = part.referral_people(start)
    n = partitions or ddf.npartitions
    orders, lines_parts = _by_customer(ddf, lines, n)
    held = dask.delayed(engines, pure=True)
    list_engines = dask.delayed(list(engines.values()), pure=True)
    split = dask.delayed(_split, nout=4, pure=True)
    pieces = []
    involved: list[Any] = []
    involved_lines: list[Any] = []
    replay = dask.delayed(part.replay, pure=True)
    for i, o in enumerate(orders):
        lpart = None if lines_parts is None else lines_parts[i]
        rest, rest_lines, mine, mine_lines = split(list_engines, o, lpart, people)
        involved.append(mine)
        involved_lines.append(mine_lines)
        pieces.append(
            replay(
                held,
                [rest],
                None if lines is None else [rest_lines],
                customers,
                local,
                timezone,
                keep_orders,
            )
        )
    # the ordered pass is the longest task and waits for every split: run it first
    with dask.annotate(priority=10):
        ordered = replay(
            held,
            involved,
            None if lines is None else involved_lines,
            customers,
            start,
            timezone,
            keep_orders,
            pools,
        )
    done = dask.compute(ordered, *pieces)
    exponent = _native_exponent(engine.currency)
    return part.merge(
        list(done),
        start,
        engines,
        kind="pandas",
        currency=engine.currency,
        exponent=exponent,
        timezone=timezone,
    )


def _native_exponent(currency: str) -> int:
    from .. import _native

    exponent = _native.currency_exponent(currency)
    assert exponent is not None
    return exponent


def _by_customer(ddf: Any, lines: Any, n: int) -> tuple[list[Any], list[Any] | None]:
    """Per piece ``0..n-1``, the delayed Arrow tables (one from each partition of ``ddf``)
    holding the orders of its customers, each with its position in ``ddf``; with ``lines``,
    likewise the lines of those orders. Cut with Arrow ``take`` by a piece number per row
    rather than with Dask's shuffle: the pieces go straight to tasks that want Arrow, and
    a pandas shuffle of nested list columns costs as much as the replay itself."""
    dask = require("dask", "dask")
    pd = require("pandas", "dask")
    from ..simulation._partitioned import PART

    meta = ddf._meta.assign(
        **{_POS: pd.Series([], dtype="int64"), PART: pd.Series([], dtype="int64")}
    )
    keyed = ddf.map_partitions(_keyed, n, meta=meta)
    cut = dask.delayed(_cut, nout=n, pure=True)
    orders = [cut(d, n) for d in keyed.to_delayed()]
    by_piece = [[c[i] for c in orders] for i in range(n)]
    if lines is None:
        return by_piece, None
    need_order_id(lines.columns)
    lmeta = lines._meta.assign(**{_POS: pd.Series([], dtype="int64")})
    positioned = lines.map_partitions(_position, meta=lmeta)
    owners = keyed[["order_id", PART]]
    moved = positioned.merge(owners, on="order_id", how="inner", shuffle_method="tasks")
    cut_lines = [cut(d, n) for d in moved.to_delayed()]
    return by_piece, [[c[i] for c in cut_lines] for i in range(n)]


def _cut(df: Any, n: int) -> list[Any]:
    """The rows of ``df`` as ``n`` Arrow tables by their piece number, each in ``df``'s
    order."""
    import numpy as np

    from ..simulation._partitioned import PART

    table = _arrow(df)
    piece = table.column(PART).to_numpy()
    order = np.argsort(piece, kind="stable")
    ends = np.cumsum(np.bincount(piece, minlength=n))
    table = table.drop_columns([PART]).take(order)
    return [table.slice(int(a), int(b - a)) for a, b in zip([0, *ends[:-1]], ends, strict=True)]


def _keyed(df: Any, n: int, partition_info: dict[str, Any] | None = None) -> Any:
    """``df`` with each row's position and the piece its customer goes to (orders without a
    customer share no counter with anyone: spread by position)."""
    import numpy as np

    from ..simulation._partitioned import PART

    pd = require("pandas", "dask")
    df = _position(df, partition_info)
    pos = df[_POS].to_numpy()
    key = pos.astype("uint64")
    if "customer_id" in df.columns:
        customer = df["customer_id"]
        missing = customer.isna().to_numpy()
        hashed = pd.util.hash_pandas_object(
            customer.astype(object).where(~missing, ""), index=False
        ).to_numpy()
        key = np.where(missing, key, hashed)
    return df.assign(**{PART: (key % np.uint64(n)).astype("int64")})


def _split(
    engines: list[Engine], orders: list[Any], lines: list[Any] | None, people: list[str]
) -> tuple[Any, Any, Any, Any]:
    pa = require("pyarrow", "dask")
    from ..simulation._partitioned import split

    table = pa.concat_tables(orders)
    return split(engines, table, None if lines is None else pa.concat_tables(lines), people)
