"""Stateful simulation (DESIGN section 11, issue 15): 1,000,000 generated orders replayed in
time order through the Black-Friday catalogue with a budget, a once-per-customer limit and a
loyalty programme (points pending 14 days, expiring, two tiers with a multiplier), on one
thread, against stateless `evaluate_batch` on the same orders and thread count, measured
in the same run (ratio: `python -m benches.report`). Target: at least 200,000 orders/s
stateful. `make bench` runs it; in normal test runs (benchmarks disabled) each body runs once
on 10,000 orders, as a smoke test. Peak memory: `python -m benches.simulate_memory`."""

from __future__ import annotations

from functools import cache
from typing import Any

import pytest

pytest.importorskip("numpy")
pytest.importorskip("pyarrow")

import promotor as pm

ORDERS = 1_000_000


def loyalty() -> pm.Loyalty:
    """A point per 1.00 paid, double at weekends, pending 14 days, expiring after a year,
    silver and gold tiers over a year's window (gold earns 1.5x)."""
    return pm.Loyalty(
        id="points",
        earn=[
            pm.earn(points=1, per=1),
            pm.earn(multiplier=2, schedule=pm.Schedule(weekdays=[6, 7])),
        ],
        pending_days=14,
        expire_after_days=365,
        tiers=[pm.LoyaltyTier("silver", points=300), pm.LoyaltyTier("gold", points=1000,
                                                                        multiplier=1.5)],
        tier_window_days=365,
        point_value="0.01",
    )  # fmt: skip


def stateful_engine() -> pm.Engine:
    """The catalogue of `pm.datasets.black_friday_campaigns`, with the Black-Friday weekend
    on a 25,000.00 budget, the BLCKFRDY code once per customer, and the loyalty programme
    :func:`loyalty`."""
    campaigns = []
    for c in pm.datasets.black_friday_campaigns():
        if c.id == "bf-weekend":
            c = c.model_copy(update={"limits": (pm.budget("25000.00"),)})
        if c.id == "bf-code":
            c = c.model_copy(update={"limits": (pm.limit(1, per="customer"),)})
        campaigns.append(c)
    return pm.Engine(campaigns, programs=[loyalty()])


@cache
def history(n: int) -> Any:
    return pm.datasets.orders(n, seed=11)


def size(benchmark: Any) -> int:
    return 10_000 if benchmark.disabled else ORDERS


@pytest.mark.benchmark(group="simulate", min_rounds=3, max_time=20.0)
def test_simulate_stateful(benchmark: Any) -> None:
    n = size(benchmark)
    orders = history(n)
    engine = stateful_engine()
    benchmark.extra_info["orders"] = n
    report = benchmark.pedantic(
        pm.simulate,
        args=(engine, orders),
        kwargs={"progress": False, "keep_orders": False},
        rounds=3,
        iterations=1,
    )
    campaigns = {r["campaign_id"]: r for r in report.campaigns.to_pylist()}
    assert campaigns["bf-weekend"]["budget_used"] is not None
    assert report.loyalty.to_pylist()[0]["points_earned"] > 0
    if n == ORDERS:
        assert campaigns["bf-weekend"]["exhausted_at"] is not None


@pytest.mark.benchmark(group="simulate", min_rounds=3, max_time=20.0)
def test_simulate_stateless_batch(benchmark: Any) -> None:
    n = size(benchmark)
    orders = history(n)
    engine = stateful_engine()
    benchmark.extra_info["orders"] = n
    out = benchmark.pedantic(
        engine.evaluate_batch, args=(orders,), kwargs={"threads": 1}, rounds=3, iterations=1
    )
    assert out.num_rows == n
