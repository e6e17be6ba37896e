"""W20 written by hand in polars: what a data scientist with the orders in a dataframe would
write without promotor, vectorised over the same table ``evaluate_batch`` reads
(``benches.workloads.arrow_orders``: nested ``items``, decimal128 money, ``created_at``).

Money is integer cents throughout (the decimal128(12, 2) columns' physical integers), never
float: per-order subtotal as a list sum of price x quantity, the segment and the "coffee line
with quantity >= 2" tests as list predicates, then the 20 campaigns stacked in order, two
``with_columns`` each (the campaign's amount from what is left, then what is left after it),
with promotor's half-to-even rounding to the cent done in integers. The result has
``order_id``, ``subtotal_minor``, ``discount_minor``, ``total_minor`` (as ``evaluate_batch(...,
money="minor")``), ``applied`` (campaign ids) and ``applied_minor`` (their amounts).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import polars as pl

from benches.workloads import W20Campaign, w20_specs

CAP = 5_000  # 50.00 in cents
SEGMENTS = ["vip", "gold"]


def _div_half_even(num: pl.Expr, den: int) -> pl.Expr:
    """``num / den`` rounded half to even, for integers ``num >= 0``."""
    q = num // den
    twice_r = 2 * (num - q * den)
    up = (twice_r > den) | ((twice_r == den) & (q % 2 == 1))
    return q + up.cast(pl.Int64)


def _cents(column: str) -> pl.Expr:
    """A decimal column with 2 fraction digits as int64 cents (its physical integers)."""
    return pl.col(column).to_physical().cast(pl.Int64)


def w20_polars(
    orders: pl.DataFrame | pl.LazyFrame, specs: Sequence[W20Campaign] | None = None
) -> pl.LazyFrame:
    """The W20 query over an orders frame shaped like ``arrow_orders``."""
    specs = w20_specs() if specs is None else specs
    item = pl.element().struct
    lf = orders.lazy().select(
        "order_id",
        "created_at",
        sub=pl.col("items")
        .list.eval(item.field("price").to_physical().cast(pl.Int64) * item.field("quantity"))
        .list.sum(),
        ship=_cents("shipping"),
        ok=(
            pl.col("segments").list.eval(pl.element().is_in(SEGMENTS)).list.any()
            & pl.col("items")
            .list.eval((item.field("category") == "coffee") & (item.field("quantity") >= 2))
            .list.any()
        ).fill_null(False),
    )
    lf = lf.with_columns(
        formula=_div_half_even(pl.col("sub") * 15, 100).clip(0, CAP), left=pl.col("sub")
    )
    now = pl.col("created_at")
    for k, c in enumerate(specs):
        eligible = (
            pl.col("ok")
            & (pl.col("sub") >= int(c.threshold * 100))
            & (now >= c.starts_at)
            & (now < c.ends_at)
        )
        if c.formula:  # amount_off(least(subtotal * 0.15, 50)), at most what is left
            amount = pl.min_horizontal("formula", "left")
        else:  # percent_off(15, cap=50) of what is left
            amount = pl.min_horizontal(_div_half_even(pl.col("left") * 15, 100), CAP, "left")
        lf = lf.with_columns(pl.when(eligible).then(amount).otherwise(0).alias(f"a{k}"))
        lf = lf.with_columns(left=pl.col("left") - pl.col(f"a{k}"))
    amounts = [pl.col(f"a{k}") for k in range(len(specs))]
    return lf.select(
        "order_id",
        subtotal_minor="sub",
        discount_minor=pl.col("sub") - pl.col("left"),
        total_minor=pl.max_horizontal(pl.col("ship") + pl.col("left"), 0),
        applied=pl.concat_list(
            [pl.when(a > 0).then(pl.lit(c.id)) for a, c in zip(amounts, specs, strict=True)]
        ).list.drop_nulls(),
        applied_minor=pl.concat_list([pl.when(a > 0).then(a) for a in amounts]).list.drop_nulls(),
    )


def price_w20_polars(orders: pl.DataFrame, specs: Sequence[W20Campaign] | None = None) -> Any:
    """Price every order of the frame: one ``collect`` of :func:`w20_polars`."""
    return w20_polars(orders, specs).collect()
