"""The Python side of :func:`simulate`: normalise the orders to Arrow, sort them by time,
stream them through the Rust replay (``_native.simulate``) with a progress bar, and wrap the
results in a :class:`~promotor.simulation.Report`."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from .. import _native
from .._batch import _kind, _pyarrow, _table, c_stream
from ..errors import InputError
from ._report import Report, Run

if TYPE_CHECKING:
    from ..engine import Engine
    from ..stores.base import Store

#: The column of orders that holds the cost of goods (exact money), for margins.
COST = "cost"
COST_MINOR = "cost_minor"


def _error(loc: tuple[Any, ...], msg: str) -> InputError:
    return InputError([{"loc": loc, "msg": msg}])


def _starting_state(state: Store | Mapping[str, int] | None) -> dict[str, int]:
    """The counters to start from: a store's committed counters (read, never written), a
    mapping of counter keys to values, or nothing."""
    if state is None:
        return {}
    if isinstance(state, Mapping):
        out = {}
        for k, v in state.items():
            if not isinstance(k, str) or type(v) is not int:
                raise _error(("state", str(k)), "expected counter keys (str) and values (int)")
            out[k] = v
        return out
    dump = getattr(state, "_dump", None)
    if dump is None:
        raise _error(("state",), f"expected a Store or a mapping, got {type(state).__name__}")
    return dict(dump().counters)


def _pool_rows(
    state: Store | Mapping[str, int] | None, engines: Iterable[Engine]
) -> list[tuple[str, str, str, str | None]] | None:
    """The rows of a store's code pools that the engines' ``unique_codes`` campaigns read:
    ``(key, campaign id, code, customer id)``. Read once, never written; assigning codes is
    not an order, so the pools stay as they are through the replay."""
    if state is None or isinstance(state, Mapping):
        return None
    from ..stores.codec import normalize_code

    wanted = sorted({c.id for e in engines for c in e.campaigns if c.unique_codes})
    rows: list[tuple[str, str, str, str | None]] = []
    for campaign_id in wanted:
        for chunk in state._pool_rows(campaign_id):
            for code, customer, _ in chunk:
                rows.append((normalize_code(code), campaign_id, code, customer))
    return rows or None


def _with_customers(table: Any, customers: Any) -> Any:
    """Joins the customers table's columns onto the orders by ``customer_id``, keeping the
    orders' order; columns the orders already have win."""
    _pyarrow()
    ctable = _table(customers, "customers")
    if "customer_id" not in ctable.column_names:
        raise _error(("customers", "customer_id"), "the customers table needs customer_id")
    if "customer_id" not in table.column_names:
        raise _error(("orders", "customer_id"), "joining customers needs orders.customer_id")
    extra = [c for c in ctable.column_names if c != "customer_id" and c not in table.column_names]
    if not extra:
        return table
    import pyarrow.compute as pc  # type: ignore[import-untyped,unused-ignore]

    # A lookup rather than a join: Arrow's hash join cannot carry list columns (segments).
    at = pc.index_in(table.column("customer_id"), value_set=ctable.column("customer_id"))
    found = ctable.select(extra).take(at)
    for name in extra:
        table = table.append_column(ctable.schema.field(name), found.column(name))
    return table


def _sorted(table: Any) -> Any:
    """The orders by ``created_at``, equal times in input order (a stable sort)."""
    import pyarrow.compute as pc  # type: ignore[import-untyped,unused-ignore]

    if "created_at" not in table.column_names:
        raise _error(("orders", "created_at"), "the simulation needs created_at to order orders")
    created = table.column("created_at")
    if created.null_count:
        row = pc.index(pc.is_null(created), True).as_py()
        raise _error(("orders", row, "created_at"), "created_at must not be null")
    if table.num_rows < 2:
        return table
    ahead = pc.less(created.slice(1), created.slice(0, table.num_rows - 1))
    if not pc.any(ahead).as_py():
        return table
    return table.take(pc.sort_indices(table, [("created_at", "ascending")]))


def _cost_minor(table: Any, exponent: int) -> tuple[Any, int | None]:
    """Drops the cost column, returning the table and the total cost in minor units."""
    import pyarrow.compute as pc

    pa = _pyarrow()
    names = table.column_names
    if COST in names and COST_MINOR in names:
        raise _error(("orders", COST_MINOR), "give either cost or cost_minor, not both")
    if COST_MINOR in names:
        col = table.column(COST_MINOR)
        if not pa.types.is_integer(col.type):
            raise _error(("orders", COST_MINOR), f"expected integer minor units, got {col.type}")
        total = pc.sum(col).as_py() or 0
        return table.drop_columns([COST_MINOR]), int(total)
    if COST not in names:
        return table, None
    col = table.column(COST)
    if pa.types.is_floating(col.type):
        raise _error(
            ("orders", COST),
            "cost must be exact money: decimal128, or integer minor units in cost_minor",
        )
    if pa.types.is_integer(col.type):
        col = col.cast(pa.decimal128(38, 0))
    elif not pa.types.is_decimal(col.type):
        raise _error(("orders", COST), f"expected decimal money, got {col.type}")
    total = pc.sum(col).as_py()
    from decimal import Decimal

    total = Decimal(0) if total is None else total
    if total != total.quantize(Decimal(1).scaleb(-exponent)):
        raise _error(("orders", COST), f"cost has more than {exponent} decimal places")
    return table.drop_columns([COST]), int(total.scaleb(exponent))


def _progress(total: int | None, enabled: bool, desc: str) -> tuple[Callable[[int], Any], Any]:
    """A tqdm.auto bar (a widget in notebooks, text elsewhere) when tqdm is installed."""
    if not enabled:
        return (lambda n: None), None
    try:
        from tqdm.auto import tqdm  # type: ignore[import-untyped,unused-ignore]
    except ImportError:
        return (lambda n: None), None
    bar = tqdm(total=total, desc=desc, unit=" orders", unit_scale=True)
    return bar.update, bar


def _stream(batches: Iterable[Any], exponent: int, costs: list[int]) -> Iterator[Any]:
    for batch in batches:
        table = _table(batch, "orders")
        table, cost = _cost_minor(table, exponent)
        if cost is not None:
            costs.append(cost)
        yield from table.to_batches()


def simulate(
    engine: Engine,
    orders: Any,
    lines: Any = None,
    customers: Any = None,
    variants: Mapping[str, Engine] | None = None,
    state: Store | Mapping[str, int] | None = None,
    timezone: str = "UTC",
    progress: bool = True,
    *,
    keep_orders: bool = True,
    pools: list[tuple[str, str, str, str | None]] | None = None,
    final_counters: bool = False,
) -> Report:
    """Replays ``orders`` in ``created_at`` order through ``engine`` (named ``"baseline"``)
    and each of ``variants``, each order decided as :meth:`Engine.redeem` decides it, with the
    state held in memory: usage limits and budgets, code pools and issued codes, loyalty
    points and tiers, referral progress and gift cards. It starts empty or from ``state`` (a
    store's counters and pools, read and never written).

    ``orders``: a pyarrow, polars or pandas table (sorted here, stably, if it is not in time
    order), or an iterable of Arrow record batches or tables already in time order, streamed
    chunk by chunk. Columns as for :meth:`Engine.evaluate_batch`, plus ``cost`` (decimal) or
    ``cost_minor`` for margins, and what orders pay with as :meth:`Engine.redeem` takes it:
    ``gift_cards`` (a list of codes) and ``points`` (points of the engine's one loyalty
    programme). ``lines``: a separate lines table; ``customers``: a table
    joined onto the orders by ``customer_id``. ``timezone``: the days of ``report.daily``.
    ``keep_orders=False`` keeps no per-order table (memory bounded by the state).
    ``pools``: pool rows ``(key, campaign id, code, customer id)`` to start from when
    ``state`` is a mapping (the partitioned simulation's ordered pass). ``final_counters``:
    also keep every counter the replay ends with in each run's tally (``"counters"``), which
    the partitioned simulation merges; building it costs about 6% of a replay.
    """
    pa = _pyarrow()
    engines: dict[str, Engine] = {"baseline": engine}
    for name, other in (variants or {}).items():
        if name in engines:
            raise _error(("variants", name), "a variant may not be named 'baseline'")
        if other.currency != engine.currency:
            raise _error(("variants", name), "every variant must use the engine's currency")
        engines[name] = other
    exponent = _native.currency_exponent(engine.currency)
    assert exponent is not None
    kind = _kind(orders)
    costs: list[int] = []
    total: int | None = None
    if isinstance(orders, pa.RecordBatchReader) or (
        isinstance(orders, Iterable)
        and not isinstance(orders, pa.Table | pa.RecordBatch)
        and kind == "pyarrow"
        and not hasattr(orders, "__arrow_c_stream__")
    ):
        if customers is not None:
            raise _error(("customers",), "join customers onto streamed orders before simulating")
        first: list[Any] = []
        batches = iter(_stream(orders, exponent, costs))
        for b in batches:
            first.append(b)
            break
        if not first:
            raise _error(("orders",), "no orders to simulate")
        schema = first[0].schema

        def chained() -> Iterator[Any]:
            yield from first
            yield from batches

        source = pa.RecordBatchReader.from_batches(schema, chained())
    else:
        table = _table(orders, "orders")
        if customers is not None:
            table = _with_customers(table, customers)
        table = _sorted(table)
        table, cost = _cost_minor(table, exponent)
        if cost is not None:
            costs.append(cost)
        total = table.num_rows
        source = table
    lines_stream = None if lines is None else c_stream(_table(lines, "lines"))
    counters = _starting_state(state)
    if pools is None:
        pools = _pool_rows(state, engines.values())
    update, bar = _progress(total, progress, "simulate")
    try:
        results = _native.simulate(
            [e._program for e in engines.values()],
            c_stream(source),
            lines_stream,
            "decimal",
            timezone,
            [counters] * len(engines),
            keep_orders,
            update,
            pools,
            final_counters,
        )
    finally:
        if bar is not None:
            bar.close()
    runs = {}
    for name, ((summary, detail), tally) in zip(engines, results, strict=True):
        runs[name] = Run(
            name=name,
            tally=tally,
            summary=None
            if summary is None
            else pa.RecordBatchReader._import_from_c_capsule(summary).read_all(),
            detail=None
            if detail is None
            else pa.RecordBatchReader._import_from_c_capsule(detail).read_all(),
        )
    return Report(
        runs,
        kind=kind,
        currency=engine.currency,
        exponent=exponent,
        timezone=timezone,
        cost_minor=sum(costs) if costs else None,
    )
