"""The simulation's report: tables in the caller's dataframe type with exact money, variants
compared, budgets forecast, margins from a cost column, a store's state read and never
written, customers joined, lines tables, streamed batches, and located errors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pyarrow as pa
import pytest

import promotor as pm
from promotor.errors import InputError

T0 = datetime(2025, 11, 24, 9, tzinfo=UTC)


def orders(n: int = 8) -> pa.Table:
    """n orders of 40.00 + 5.00 shipping, one an hour, alternating two customers."""
    item = pa.struct(
        [("sku", pa.string()), ("price", pa.decimal128(12, 2)), ("quantity", pa.int64())]
    )
    return pa.table(
        {
            "order_id": pa.array(range(1, n + 1), pa.int64()),
            "customer_id": [f"c{i % 2}" for i in range(n)],
            "segments": pa.array(
                [["vip"] if i % 2 else [] for i in range(n)], pa.list_(pa.string())
            ),
            "codes": pa.array([["BF"] for _ in range(n)], pa.list_(pa.string())),
            "created_at": pa.array(
                [T0 + timedelta(hours=i) for i in range(n)], pa.timestamp("us", "UTC")
            ),
            "shipping": pa.array([Decimal("5.00")] * n, pa.decimal128(12, 2)),
            "items": pa.array(
                [[{"sku": "A", "price": Decimal("20.00"), "quantity": 2}] for _ in range(n)],
                pa.list_(item),
            ),
        }
    )


def engine(budget: str = "25.00", per_customer: int = 2) -> pm.Engine:
    return pm.Engine(
        [
            pm.Campaign(
                id="bf",
                code="BF",
                effect=pm.percent_off(25),
                limits=[pm.limit(per_customer, per="customer"), pm.budget(budget)],
            ),
            pm.Campaign(id="ship", rules="cart.subtotal >= 30", effect=pm.free_shipping()),
        ]
    )


def test_budget_runs_out_and_the_report_says_when() -> None:
    report = pm.simulate(engine(), orders(), progress=False)
    # 10.00 twice, then 5.00 left: the third shrinks to it; the fourth is refused.
    assert [r["discount"] for r in report.orders.to_pylist()][:4] == [
        Decimal("15.00"),
        Decimal("15.00"),
        Decimal("10.00"),
        Decimal("5.00"),
    ]
    bf = report.campaigns.to_pylist()[0]
    assert bf["campaign_id"] == "bf"
    assert (bf["orders"], bf["redemptions"], bf["discount"]) == (8, 3, Decimal("25.00"))
    assert (bf["budget"], bf["budget_used"], bf["limited_by_budget"]) == (
        Decimal("25.00"),
        Decimal("25.00"),
        1,
    )
    assert bf["exhausted_at"] == T0 + timedelta(hours=3)
    assert report.campaigns.schema.field("discount").type == pa.decimal128(18, 2)
    f = report.forecast("bf")
    assert f.remaining == 0
    assert f.runs_out_at == T0 + timedelta(hours=3)
    # the final counters are kept only on request (the partitioned simulation merges them)
    assert "counters" not in report._run(None).tally
    kept = pm.simulate(engine(), orders(), progress=False, final_counters=True)
    assert kept._run(None).tally["counters"]["budget|campaign=bf"] == 2500


def test_once_per_customer_then_the_budget() -> None:
    report = pm.simulate(engine(budget="1000.00", per_customer=1), orders(), progress=False)
    applied = [r["applied"] for r in report.orders.to_pylist()]
    assert applied[:3] == [["bf", "ship"], ["bf", "ship"], ["ship"]]
    bf = report.campaigns.to_pylist()[0]
    assert bf["redemptions"] == 2
    assert bf["exhausted_at"] is None
    assert bf["refused"] == 6


def test_daily_segments_and_types_follow_the_caller() -> None:
    pd = pytest.importorskip("pandas")
    pl = pytest.importorskip("polars")
    t = orders(30)
    report = pm.simulate(engine(budget="100.00"), t.to_pandas(), progress=False)
    assert isinstance(report.daily, pd.DataFrame)
    assert isinstance(
        pm.simulate(engine(), pl.from_arrow(t), progress=False).campaigns, pl.DataFrame
    )
    daily = pm.simulate(engine(budget="100.00"), t, progress=False).daily.to_pylist()
    assert {r["day"].isoformat() for r in daily} == {"2025-11-24", "2025-11-25"}
    bf = [r for r in daily if r["campaign_id"] == "bf"]
    assert bf[0]["budget_remaining"] == Decimal("100.00") - bf[0]["discount"]
    seg = pm.simulate(engine(), t, progress=False).segments.to_pylist()
    assert {(r["segment"], r["campaign_id"]) for r in seg} == {("vip", "bf"), ("vip", "ship")}
    assert all(r["orders"] == 15 for r in seg)


def test_variants_compare_with_margin_from_cost() -> None:
    t = orders().append_column("cost", pa.array([Decimal("22.00")] * 8, pa.decimal128(12, 2)))
    generous = engine(budget="200.00")
    report = pm.simulate(engine(), t, variants={"generous": generous}, progress=False)
    rows = report.compare().to_pylist()
    totals = {r["variant"]: r for r in rows if r["campaign_id"] is None}
    assert totals["baseline"]["discount"] == Decimal("25.00") + Decimal("5.00") * 8
    # Two per customer: four redemptions of 10.00.
    assert totals["generous"]["discount"] == Decimal("40.00") + Decimal("5.00") * 8
    # revenue 8 x 45.00 - discount; margin: revenue - shipping (8 x 5.00) - cost (8 x 22.00).
    b = totals["baseline"]
    assert b["revenue"] == Decimal("360.00") - b["discount"]
    assert b["margin"] == b["revenue"] - Decimal("40.00") - Decimal("176.00")
    assert [r["variant"] for r in rows] == ["baseline"] * 3 + ["generous"] * 3


def test_float_cost_is_refused() -> None:
    t = orders().append_column("cost", pa.array([22.0] * 8))
    with pytest.raises(InputError, match="exact money"):
        pm.simulate(engine(), t, progress=False)


def test_starts_from_a_store_and_never_writes_to_it() -> None:
    store = pm.store("memory://")
    e = pm.Engine(engine().campaigns, store=store)
    cart = {"items": [{"sku": "A", "price": "40.00", "quantity": 1}]}
    e.redeem(cart, customer={"id": "c0"}, codes=["BF"], now=T0 - timedelta(days=1))
    before = dict(store._dump().counters)
    report = pm.simulate(e, orders(), state=store, progress=False)
    assert store._dump().counters == before
    # 10.00 of the budget was used before: 15.00 left.
    bf = report.campaigns.to_pylist()[0]
    assert bf["budget_used"] == Decimal("25.00")
    assert bf["discount"] == Decimal("15.00")
    # c0 used one of its two.
    assert report.orders.to_pylist()[0]["applied"] == ["bf", "ship"]


def test_customers_and_lines_tables() -> None:
    t = orders().drop_columns(["segments", "items"])
    lines = pa.table(
        {
            "order_id": pa.array(range(1, 9), pa.int64()),
            "sku": ["A"] * 8,
            "price": pa.array([Decimal("20.00")] * 8, pa.decimal128(12, 2)),
            "quantity": [2] * 8,
        }
    )
    customers = pa.table(
        {"customer_id": ["c0", "c1"], "segments": pa.array([[], ["vip"]], pa.list_(pa.string()))}
    )
    report = pm.simulate(engine(), t, lines=lines, customers=customers, progress=False)
    expected = pm.simulate(engine(), orders(), progress=False)
    assert report.orders.equals(expected.orders)
    assert report.segments.equals(expected.segments)


def test_streamed_batches_must_come_in_time_order() -> None:
    t = orders()
    streamed = pm.simulate(
        engine(), t.to_batches(max_chunksize=3), progress=False, keep_orders=False
    )
    assert streamed.campaigns.equals(pm.simulate(engine(), t, progress=False).campaigns)
    backwards = t.take([1, 0, 2, 3, 4, 5, 6, 7]).to_batches(max_chunksize=3)
    with pytest.raises(InputError) as err:
        pm.simulate(engine(), iter(backwards), progress=False)
    assert err.value.errors()[0]["loc"] == ("orders", 1, "created_at")


def test_missing_or_null_times_are_located() -> None:
    with pytest.raises(InputError, match="created_at"):
        pm.simulate(engine(), orders().drop_columns(["created_at"]), progress=False)
    t = orders()
    times = t.column("created_at").to_pylist()
    times[2] = None
    t = t.set_column(
        t.column_names.index("created_at"), "created_at", pa.array(times, pa.timestamp("us", "UTC"))
    )
    with pytest.raises(InputError) as err:
        pm.simulate(engine(), t, progress=False)
    assert err.value.errors()[0]["loc"] == ("orders", 2, "created_at")


def test_unsorted_tables_are_sorted_stably() -> None:
    t = orders()
    shuffled = t.take([3, 0, 7, 1, 6, 2, 5, 4])
    a = pm.simulate(engine(), shuffled, progress=False)
    b = pm.simulate(engine(), t, progress=False)
    assert a.orders.sort_by("order_id").equals(b.orders)


def test_progress_bar_and_html_repr() -> None:
    pytest.importorskip("tqdm")
    report = pm.simulate(engine(), orders(), progress=True)
    page = report._repr_html_()
    assert "<table" in page
    assert "bf" in page
    assert "ship" in page
    assert "orders" in repr(report)
