"""What usage limits cost `evaluate` (DESIGN section 8: a snapshot read adds at most 50 us on
SQLite): the same campaign without limits, with limits on a memory store, and with limits on
SQLite. `python -m benches.stores --pytest-json ...` prints the difference of the medians.
The state-evaluate-codes group compares a unique code of a pool with a public code on SQLite
(DESIGN section 9: within 50 us); `python -m benches.pools --pytest-json ...` prints it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import promotor as pm
from benches.stores import CART, NOW, bf_engine

LIMITS = [pm.limit(1_000_000), pm.limit(10, per="customer"), pm.budget("100000.00")]


def engine(store: pm.Store | None, limits: bool) -> pm.Engine:
    return bf_engine(store, LIMITS if limits else None)


def evaluate(e: pm.Engine) -> Any:
    return e.evaluate(CART, customer={"id": "c1"}, codes=["blckfrdy"], now=NOW).total


@pytest.mark.benchmark(group="state-evaluate", max_time=2.0)
def test_state_evaluate_without_limits(benchmark: Any) -> None:
    e = engine(None, limits=False)
    assert benchmark(evaluate, e) > 0


@pytest.mark.benchmark(group="state-evaluate", max_time=2.0)
def test_state_evaluate_memory(benchmark: Any) -> None:
    e = engine(None, limits=True)
    e.redeem(CART, customer={"id": "c1"}, codes=["blckfrdy"], now=NOW)
    assert benchmark(evaluate, e) > 0


@pytest.mark.benchmark(group="state-evaluate", max_time=2.0)
def test_state_evaluate_sqlite(benchmark: Any, tmp_path: Path) -> None:
    e = engine(pm.store(f"sqlite:///{tmp_path / 'bench.db'}"), limits=True)
    for i in range(200):
        e.redeem(CART, customer={"id": f"c{i % 20}"}, codes=["blckfrdy"], now=NOW)
    assert benchmark(evaluate, e) > 0


# -- a unique code against a public code (DESIGN section 9: within 50 us on SQLite) ------------
#
# The same campaign and limits, one by its public code and one by a code of a 100,000-code pool
# assigned to the customer: the difference of the medians is what the pool lookup adds
# (benches/pools.py prints it).

POOL = 100_000


def pooled_engine(store: pm.Store, unique: bool) -> pm.Engine:
    return bf_engine(store, LIMITS, unique)


def evaluate_with(e: pm.Engine, code: str) -> Any:
    return e.evaluate(CART, customer={"id": "c1"}, codes=[code], now=NOW).total


@pytest.mark.benchmark(group="state-evaluate-codes", max_time=2.0)
def test_state_evaluate_sqlite_public_code(benchmark: Any, tmp_path: Path) -> None:
    e = pooled_engine(pm.store(f"sqlite:///{tmp_path / 'bench.db'}"), unique=False)
    e.redeem(CART, customer={"id": "c1"}, codes=["blckfrdy"], now=NOW)
    assert benchmark(evaluate_with, e, "blckfrdy") < e.evaluate(CART, now=NOW).total


@pytest.mark.benchmark(group="state-evaluate-codes", max_time=2.0)
def test_state_evaluate_sqlite_unique_code(benchmark: Any, tmp_path: Path) -> None:
    store = pm.store(f"sqlite:///{tmp_path / 'bench.db'}")
    e = pooled_engine(store, unique=True)
    store.generate_codes("bf", "BF-####-####", count=POOL, seed=1)
    code = e.assign_code("bf", customer="c1", now=NOW)
    e.redeem(CART, customer={"id": "c1"}, codes=[code], now=NOW)
    assert benchmark(evaluate_with, e, code.lower()) < e.evaluate(CART, now=NOW).total
