"""Price a Spark DataFrame of orders: ``mapInArrow``, one :meth:`Engine.evaluate_batch` call
per Arrow record batch, in the Python workers of the executors.

``pip install 'promotor[spark]'`` (and a Java runtime for Spark); see docs/scale-out.md.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from . import Money, check_threads, need_order_id, output_schema, require

if TYPE_CHECKING:
    from ..engine import Engine

__all__ = ["evaluate", "schema"]


def evaluate(engine: Engine, df: Any, *, threads: int | None = 1, money: Money = "decimal") -> Any:
    """A lazy Spark DataFrame of ``engine.evaluate_batch``'s summary (``order_id, subtotal,
    discount, shipping_discount, total, applied``) for the orders of ``df``, which carry
    their lines nested in ``items`` (``array<struct<sku, price, quantity, ...>>``).

    The output schema is declared up front (:func:`schema`): money as
    ``DecimalType(18, places of the engine's currency)``, or ``*_minor`` longs / doubles by
    ``money``. Spark hands each Python worker record batches of
    ``spark.sql.execution.arrow.maxRecordsPerBatch`` rows (10,000 by default); ``threads`` is
    each call's thread count (default 1, as Spark already runs one task per core).
    """
    require("pyspark.sql", "spark")
    check_threads(threads)
    need_order_id(df.columns)
    price = functools.partial(_price, engine=engine, threads=threads, money=money)
    return df.mapInArrow(price, schema(engine, df.schema["order_id"].dataType, money))


def schema(engine: Engine, order_id: Any, money: Money = "decimal") -> Any:
    """The Spark ``StructType`` of :func:`evaluate`'s output for an ``order_id`` of Spark
    type ``order_id``."""
    types = require("pyspark.sql.pandas.types", "spark")
    sql = require("pyspark.sql.types", "spark")
    summary = output_schema(engine, types.to_arrow_type(order_id), money)
    rest = types.from_arrow_schema(summary.remove(0)).fields
    return sql.StructType([sql.StructField("order_id", order_id, True), *rest])


def _price(
    batches: Iterable[Any], engine: Engine, threads: int | None, money: Money
) -> Iterator[Any]:
    for batch in batches:
        yield from engine.evaluate_batch(batch, threads=threads, money=money).to_batches()
