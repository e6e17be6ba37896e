"""Programmes (DESIGN section 10): redemptions per second on SQLite with a loyalty programme
(earning on every order, paying with points) and a gift card, beside the same redemption
without them; and the import rate of a points migration into SQLite (target: at least
50,000 rows/s; ``python -m benches.programs`` prints rows/s)."""

from __future__ import annotations

import csv
import itertools
from pathlib import Path
from typing import Any

import pytest

import promotor as pm
from benches.stores import CART, NOW

POINTS = pm.Loyalty(
    id="points",
    earn=[pm.earn(points=1, per=1), pm.earn(multiplier=2, schedule=pm.Schedule(weekdays=[6, 7]))],
    pending_days=14,
    expire_after_days=365,
    tiers=[pm.LoyaltyTier("gold", points=2000, multiplier="1.5")],
    tier_window_days=365,
    point_value="0.01",
)
CAMPAIGN = pm.Campaign(id="ten", rules="cart.subtotal >= 20", effect=pm.percent_off(10))


@pytest.mark.benchmark(group="programs-redeem", max_time=3.0)
def test_redeem_sqlite_plain(benchmark: Any, tmp_path: Path) -> None:
    e = pm.Engine([CAMPAIGN], store=f"sqlite:///{tmp_path / 'plain.db'}")
    ids = itertools.count()
    benchmark(lambda: e.redeem(CART, customer={"id": f"c{next(ids) % 500}"}, now=NOW))


@pytest.mark.benchmark(group="programs-redeem", max_time=3.0)
def test_redeem_sqlite_loyalty_and_gift_card(benchmark: Any, tmp_path: Path) -> None:
    e = pm.Engine([CAMPAIGN], programs=[POINTS], store=f"sqlite:///{tmp_path / 'loyal.db'}")
    e.issue_gift_card("1000000.00", code="GC-BENCH", now=NOW)
    for i in range(500):
        e.track("signup", f"c{i}", now=NOW)
    ids = itertools.count()

    def redeem() -> Any:
        i = next(ids) % 500
        return e.redeem(CART, customer={"id": f"c{i}"}, gift_cards=["GC-BENCH"], points=10,
                        now=NOW)  # fmt: skip

    red = benchmark(redeem)
    assert red.result.payments


def write_balances(path: Path, rows: int) -> None:
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["email", "points"])
        for i in range(rows):
            w.writerow([f"customer{i}@example.com", i % 1000])


@pytest.mark.benchmark(group="programs-import", max_time=5.0, min_rounds=1)
def test_import_100000_rows_into_sqlite(benchmark: Any, tmp_path: Path) -> None:
    path = tmp_path / "balances.csv"
    write_balances(path, 100_000)
    runs = itertools.count()

    def run() -> pm.ImportReport:
        e = pm.Engine([], programs=[POINTS], store=f"sqlite:///{tmp_path / f'i{next(runs)}.db'}")
        return e.import_points("points", path, create_missing=True, now=NOW)

    report = benchmark.pedantic(run, rounds=2, iterations=1)
    assert report.imported == 100_000
