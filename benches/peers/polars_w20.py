"""W20 written by hand in polars: what a data scientist with the orders in a dataframe would
write without promotor, vectorised over the same table ``evaluate_batch`` reads
(``benches.workloads.arrow_orders``: nested ``items``, decimal128 money, ``created_at``).

Money is integer cents throughout (the decimal128(12, 2) columns' physical integers), never
float. One ``select`` gives each order's subtotal (a list sum of price x quantity), shipping
and whether the segment and "a coffee line with quantity >= 2" tests pass (list predicates).
Only the orders that pass those (about 14%) go on: the 20 campaigns are stacked in order over
their columns, each campaign's amount computed from what the ones before it left, with
promotor's half-to-even rounding to the cent done in integers; the discounts are then
scattered back. (A lazy query of 40 chained ``with_columns`` computes the same but spends 5-10
times longer planning than computing, so the eager loop is what a careful user ends up with.)

The result has ``order_id``, ``subtotal_minor``, ``discount_minor``, ``total_minor`` (like
``evaluate_batch(..., money="minor")``), ``applied`` (campaign ids) and ``applied_minor``
(their amounts).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import polars as pl

from benches.workloads import W20Campaign, w20_specs

CAP = 5_000  # 50.00 in cents


def _percent15(cents: pl.Series) -> pl.Series:
    """15% of ``cents`` (>= 0) rounded half to even to the cent: (x + 50) // 100 rounds half
    up, so take one back from the ties whose quotient is even (x % 200 == 50)."""
    x = cents * 15
    return (x + 50) // 100 - (x % 200 == 50).cast(pl.Int64)


def price_w20_polars(orders: pl.DataFrame, specs: Sequence[W20Campaign] | None = None) -> Any:
    """Price every order of the frame (shaped like ``arrow_orders``) under W20."""
    specs = w20_specs() if specs is None else specs
    item = pl.element().struct
    base = orders.select(
        "order_id",
        "created_at",
        sub=pl.col("items")
        .list.eval(item.field("price").to_physical().cast(pl.Int64) * item.field("quantity"))
        .list.sum(),
        ship=pl.col("shipping").to_physical().cast(pl.Int64),
        ok=(
            (pl.col("segments").list.contains("vip") | pl.col("segments").list.contains("gold"))
            & pl.col("items")
            .list.eval((item.field("category") == "coffee") & (item.field("quantity") >= 2))
            .list.any()
        ).fill_null(False),
    ).with_row_index("row")
    q = base.filter("ok")
    sub, now = q["sub"], q["created_at"]
    zero = pl.zeros(q.height, pl.Int64, eager=True)
    formula = _percent15(sub).clip(0, CAP)  # amount_off(least(subtotal * 0.15, 50))
    left = sub
    amounts = []
    for c in specs:
        eligible = (sub >= int(c.threshold * 100)) & (now >= c.starts_at) & (now < c.ends_at)
        amount = formula if c.formula else _percent15(left).clip(0, CAP)  # percent_off(15, cap=50)
        amount = amount.zip_with((amount <= left) & eligible, left.zip_with(eligible, zero))
        left = left - amount
        amounts.append(amount.alias(c.id))
    applied = (
        pl.DataFrame([q["row"], *amounts])
        .unpivot(index="row", variable_name="applied", value_name="applied_minor")
        .filter(pl.col("applied_minor") > 0)
        .group_by("row", maintain_order=True)
        .agg("applied", "applied_minor")
        .join(q.select("row", discount=sub - left), on="row", how="right")
    )
    return base.join(applied, on="row", how="left", maintain_order="left").select(
        "order_id",
        subtotal_minor="sub",
        discount_minor=pl.col("discount").fill_null(0),
        total_minor=pl.max_horizontal(
            pl.col("sub") + pl.col("ship") - pl.col("discount").fill_null(0), 0
        ),
        applied=pl.col("applied").fill_null(pl.lit([], pl.List(pl.String))),
        applied_minor=pl.col("applied_minor").fill_null(pl.lit([], pl.List(pl.Int64))),
    )
