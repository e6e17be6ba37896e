"""pytest-benchmark suite for DESIGN section 7; `make bench` runs it and benches/report.py
turns its JSON into ratios. In normal test runs (`--benchmark-disable`) each body runs once,
as a smoke test.

Groups and names are read by benches/report.py: keep them in step.
"""

from __future__ import annotations

import inspect
import itertools
import json
import os
from typing import Any

import pytest

import promotor as pm
from benches.baseline import baseline_view, price_w20
from benches.baseline_w100 import W100Pricer
from benches.workloads import (
    NOW,
    Order,
    arrow_orders,
    orders,
    w20_engine,
    w20_specs,
    w100_campaigns,
    w100_engine,
    w100_orders,
    w100_specs,
)
from promotor import _native

N_BATCH = 10_000


@pytest.fixture(scope="module")
def w20_orders() -> list[Order]:
    return orders(N_BATCH)


# -- single evaluation from a Python dict -----------------------------------------------------


@pytest.mark.benchmark(group="single-w20", max_time=2.0)
def test_single_promotor(benchmark: Any, w20_orders: list[Order]) -> None:
    engine = w20_engine()
    it = itertools.cycle(w20_orders)

    def one() -> dict[str, Any]:
        o = next(it)
        return baseline_view(engine.evaluate(o.cart, customer=o.customer, now=NOW))

    assert "total" in benchmark(one)


@pytest.mark.benchmark(group="single-w20", max_time=2.0)
def test_single_baseline(benchmark: Any, w20_orders: list[Order]) -> None:
    specs = w20_specs()
    it = itertools.cycle(w20_orders)

    def one() -> dict[str, Any]:
        o = next(it)
        return price_w20(o.cart, o.customer, NOW, specs)

    assert "total" in benchmark(one)


@pytest.mark.benchmark(group="single-w20", max_time=2.0)
def test_single_zen(benchmark: Any, w20_orders: list[Order]) -> None:
    """zen-engine (benches/peers/zen_w20.py): one compiled expression per cart dict."""
    pytest.importorskip("zen")
    from benches.peers.zen_w20 import compile_w20, iso, price_w20_zen

    expression = compile_w20()
    now = iso(NOW)
    it = itertools.cycle(w20_orders)

    def one() -> dict[str, Any]:
        o = next(it)
        return price_w20_zen(expression, o.cart, o.customer, now)

    assert "total" in benchmark(one)


@pytest.fixture(scope="module")
def w100_batch() -> list[Order]:
    """W100 carts with codes, first orders and times on and off the schedules."""
    return w100_orders(N_BATCH)


@pytest.mark.benchmark(group="single-w100", max_time=2.0)
def test_single_w100_promotor(benchmark: Any, w100_batch: list[Order]) -> None:
    engine = w100_engine()
    it = itertools.cycle(w100_batch)

    def one() -> dict[str, Any]:
        o = next(it)
        result = engine.evaluate(o.cart, customer=o.customer, codes=o.codes, now=o.now)
        return baseline_view(result)

    assert "total" in benchmark(one)


@pytest.mark.benchmark(group="single-w100", max_time=2.0)
def test_single_w100_baseline(benchmark: Any, w100_batch: list[Order]) -> None:
    pricer = W100Pricer(w100_specs())
    it = itertools.cycle(w100_batch)

    def one() -> dict[str, Any]:
        o = next(it)
        return pricer.price(o.cart, o.customer, o.now, o.codes)

    assert "total" in benchmark(one)


# -- compile --------------------------------------------------------------------------------


@pytest.mark.benchmark(group="compile-w100", max_time=2.0)
def test_compile_w100(benchmark: Any) -> None:
    """What `pm.Engine(campaigns)` costs: IR from the models, JSON, native compile."""
    campaigns = w100_campaigns()
    engine = benchmark(pm.Engine, campaigns, currency="USD")
    assert len(engine.campaigns) == 100


@pytest.mark.benchmark(group="compile-w100", max_time=2.0)
def test_compile_w100_native(benchmark: Any) -> None:
    """The native part alone: parse the IR JSON and compile it."""
    text = w100_engine().to_json()
    assert len(json.loads(text)["campaigns"]) == 100
    benchmark(_native.Program, text)


# -- batch over Arrow ------------------------------------------------------------------------


def _batch_threads_kw(engine: pm.Engine, threads: int) -> dict[str, int]:
    if not hasattr(engine, "evaluate_batch"):
        pytest.skip("Engine.evaluate_batch is not available in this build")
    params = inspect.signature(engine.evaluate_batch).parameters
    if "threads" not in params:
        pytest.skip("evaluate_batch has no threads= argument")
    if threads > (os.cpu_count() or 1):
        pytest.skip(f"needs {threads} cores")
    return {"threads": threads}


@pytest.mark.benchmark(group="batch-w20", max_time=3.0, min_rounds=3)
@pytest.mark.parametrize("threads", [1, 2])
def test_batch_promotor(benchmark: Any, w20_orders: list[Order], threads: int) -> None:
    engine = w20_engine()
    kw = _batch_threads_kw(engine, threads)
    pytest.importorskip("pyarrow")
    table = arrow_orders(w20_orders)
    out = benchmark(engine.evaluate_batch, table, **kw)  # type: ignore[attr-defined]
    assert len(out) == N_BATCH


@pytest.mark.benchmark(group="batch-w20", max_time=3.0, min_rounds=3)
def test_batch_baseline(benchmark: Any, w20_orders: list[Order]) -> None:
    """The baseline pricing the same 10,000 carts one by one (its carts/s)."""
    specs = w20_specs()

    def run() -> int:
        return len([price_w20(o.cart, o.customer, NOW, specs) for o in w20_orders])

    assert benchmark.pedantic(run, rounds=3, iterations=1) == N_BATCH


@pytest.mark.benchmark(group="batch-w20", max_time=3.0, min_rounds=3)
def test_batch_polars(benchmark: Any, w20_orders: list[Order]) -> None:
    """Hand-written polars (benches/peers/polars_w20.py) over the same table, already a
    polars DataFrame; on the threads benches/conftest.py gives polars (one unless
    POLARS_MAX_THREADS says otherwise)."""
    pl = pytest.importorskip("polars")
    pytest.importorskip("pyarrow")
    from benches.peers.polars_w20 import price_w20_polars

    frame = pl.from_arrow(arrow_orders(w20_orders))
    benchmark.extra_info["threads"] = pl.thread_pool_size()
    out = benchmark(price_w20_polars, frame)
    assert out.height == N_BATCH


@pytest.mark.benchmark(group="batch-w100", max_time=3.0, min_rounds=3)
def test_batch_w100_promotor(benchmark: Any, w100_batch: list[Order]) -> None:
    """The 10,000 W100 carts as one Arrow table (codes and times in columns), one thread."""
    engine = w100_engine()
    kw = _batch_threads_kw(engine, 1)
    pytest.importorskip("pyarrow")
    table = arrow_orders(w100_batch)
    out = benchmark(engine.evaluate_batch, table, **kw)  # type: ignore[attr-defined]
    assert len(out) == N_BATCH


@pytest.mark.benchmark(group="batch-w100", max_time=3.0, min_rounds=3)
def test_batch_w100_baseline(benchmark: Any, w100_batch: list[Order]) -> None:
    """The W100 baseline pricing the same 10,000 carts one by one (its carts/s)."""
    pricer = W100Pricer(w100_specs())

    def run() -> int:
        return len([pricer.price(o.cart, o.customer, o.now, o.codes) for o in w100_batch])

    assert benchmark.pedantic(run, rounds=3, iterations=1) == N_BATCH


# -- the stage scripts of benches/stages.py (callgrind runs them; here each runs once) -------


@pytest.mark.parametrize("stage", ["read", "price", "evaluate", "full", "baseline"])
def test_stage_scripts_run(stage: str) -> None:
    from benches.stages import run

    assert run("plain", stage, 1) > run("qualifying", stage, 1) > 0
