"""Price a Spark DataFrame of orders: ``mapInArrow``, one :meth:`Engine.evaluate_batch` call
per Arrow record batch, in the Python workers of the executors.

``pip install 'promotor[spark]'`` (and a Java runtime for Spark); see docs/scale-out.md.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from . import Money, Threads, check_threads, need_order_id, output_schema, require

if TYPE_CHECKING:
    from promotor.engine import Engine

__all__ = ["evaluate", "nest", "schema"]


def evaluate(
    engine: Engine,
    df: Any,
    lines: Any = None,
    *,
    threads: Threads = "auto",
    money: Money = "decimal",
) -> Any:
    """A lazy Spark DataFrame of ``engine.evaluate_batch``'s summary (``order_id, subtotal,
    discount, shipping_discount, total, applied``) for the orders of ``df``, which carry
    their lines nested in ``items`` (``array<struct<sku, price, quantity, ...>>``) or in a
    separate ``lines`` DataFrame keyed by ``order_id`` (nested first by :func:`nest`).

    The output schema is declared up front (:func:`schema`): money as
    ``DecimalType(18, places of the engine's currency)``, or ``*_minor`` longs / doubles by
    ``money``. Spark hands each Python worker record batches of
    ``spark.sql.execution.arrow.maxRecordsPerBatch`` rows (10,000 by default). ``threads``:
    ``"auto"`` (the default) is the CPUs Spark gives each task (``spark.task.cpus``, 1 unless
    set), ``None`` every core of the machine.
    """
    require("pyspark.sql", "spark")
    check_threads(threads)
    need_order_id(df.columns)
    if lines is not None:
        df = nest(df, lines)
    price = functools.partial(_price, engine=engine, threads=threads, money=money)
    return df.mapInArrow(price, schema(engine, df.schema["order_id"].dataType, money))


def nest(orders: Any, lines: Any) -> Any:
    """``orders`` with an ``items`` column holding each order's rows of ``lines`` (every
    column but ``order_id``), in the order ``lines`` has them; an order without lines gets an
    empty list. A shuffle (group by and join on ``order_id``): the result's rows are in no
    particular order."""
    functions = require("pyspark.sql.functions", "spark")
    need_order_id(lines.columns)
    if "items" in orders.columns:
        raise ValueError("orders with an items column and a lines table: give one of them")
    fields = [c for c in lines.columns if c != "order_id"]
    # a line's position survives the shuffle as the first field of the struct it sorts by
    pos = "__promotor_position"
    grouped = (
        lines.withColumn(pos, functions.monotonically_increasing_id())
        .groupBy("order_id")
        .agg(
            functions.array_sort(functions.collect_list(functions.struct(pos, *fields))).alias(
                "items"
            )
        )
        .withColumn("items", functions.transform("items", lambda line: line.dropFields(pos)))
    )
    item = grouped.schema["items"].dataType
    nested = orders.join(grouped, on="order_id", how="left")
    empty = functions.array().cast(item)
    return nested.withColumn("items", functions.coalesce(nested["items"], empty))


def schema(engine: Engine, order_id: Any, money: Money = "decimal") -> Any:
    """The Spark ``StructType`` of :func:`evaluate`'s output for an ``order_id`` of Spark
    type ``order_id``."""
    types = require("pyspark.sql.pandas.types", "spark")
    sql = require("pyspark.sql.types", "spark")
    summary = output_schema(engine, types.to_arrow_type(order_id), money)
    rest = types.from_arrow_schema(summary.remove(0)).fields
    return sql.StructType([sql.StructField("order_id", order_id, True), *rest])


def _price(batches: Iterable[Any], engine: Engine, threads: Threads, money: Money) -> Iterator[Any]:
    width: int | None
    if isinstance(threads, str):  # "auto": the CPUs Spark gives each task
        context = require("pyspark", "spark").TaskContext.get()
        width = max(1, int(context.cpus())) if context is not None else 1
    else:
        width = threads
    for batch in batches:
        yield from engine.evaluate_batch(batch, threads=width, money=money).to_batches()
