"""Stateful simulation on Dask (`promotor.integrations.dask.simulate`) against `pm.simulate`
on one machine: 1,000,000 generated orders (`pm.datasets.orders(n, seed=11)`) through the
catalogue of `test_bench_simulate.stateful_engine` (the Black-Friday weekend on a 25,000.00
budget shared by every customer, the BLCKFRDY code once per customer, a loyalty programme whose
points stay with their customer), on a `LocalCluster` of
2 worker processes with one thread each. The orders are persisted in the workers first, as a
Dask history would be, so the figure is the simulation's (split, shuffle by customer, the
parallel and the ordered replays, the merge), not loading. Speed-up: the single-machine
median over the Dask one. In normal test runs (benchmarks disabled) each body runs once on
10,000 orders, as a smoke test."""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from typing import Any

import pytest

pytest.importorskip("pyarrow")
pd = pytest.importorskip("pandas")
dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")

import promotor as pm  # noqa: E402
from benches.test_bench_simulate import stateful_engine  # noqa: E402
from promotor.integrations import dask as pm_dask  # noqa: E402
from promotor.simulation._partitioned import POS, split  # noqa: E402

ORDERS = 1_000_000
WORKERS = 2
PARTITIONS = 8


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    with (
        distributed.LocalCluster(
            n_workers=WORKERS,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client


@cache
def history(n: int) -> Any:
    return pm.datasets.orders(n, seed=11)


def size(benchmark: Any) -> int:
    return 10_000 if benchmark.disabled else ORDERS


def involved_share(engine: pm.Engine, orders: Any) -> float:
    """The share of orders replayed in the ordered pass (all orders of the customers a shared
    budget or limit can decide)."""
    import pyarrow as pa

    positioned = orders.append_column(POS, pa.array(range(orders.num_rows), pa.int64()))
    _, _, mine, _ = split([engine], positioned, None)
    return float(mine.num_rows / orders.num_rows)


@pytest.mark.benchmark(group="simulate-dask", min_rounds=3, max_time=60.0)
def test_simulate_one_machine(benchmark: Any) -> None:
    n = size(benchmark)
    orders = history(n)
    benchmark.extra_info["orders"] = n
    benchmark.pedantic(
        pm.simulate,
        args=(stateful_engine(), orders),
        kwargs={"progress": False, "keep_orders": False},
        rounds=3,
        iterations=1,
    )


@pytest.mark.benchmark(group="simulate-dask", min_rounds=3, max_time=60.0)
def test_simulate_dask_two_workers(benchmark: Any, client: Any) -> None:
    n = size(benchmark)
    orders = history(n)
    engine = stateful_engine()
    frame = dd.from_pandas(
        orders.to_pandas(types_mapper=pd.ArrowDtype), npartitions=PARTITIONS
    ).persist()
    distributed.wait(frame)
    benchmark.extra_info["orders"] = n
    benchmark.extra_info["workers"] = WORKERS
    benchmark.extra_info["ordered_share"] = involved_share(engine, orders)
    report = benchmark.pedantic(
        pm_dask.simulate,
        args=(engine, frame),
        kwargs={"keep_orders": False},
        rounds=3,
        iterations=1,
    )
    want = pm.simulate(engine, orders, progress=False, final_counters=True, keep_orders=False)
    assert report._run(None).tally == want._run(None).tally
