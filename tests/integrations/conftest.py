"""Shared data for the cluster tests: a small sample history, the engine that prices it, and
what engine.evaluate_batch says on one machine, which every cluster must equal exactly."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

import promotor as pm
from promotor import datasets

N = 2_000


@pytest.fixture(scope="package")
def engine() -> pm.Engine:
    return pm.Engine(datasets.black_friday_campaigns(2025))


@pytest.fixture(scope="package")
def sample() -> datasets.Sample:
    """Orders placed around Black Friday, so most campaigns apply to some of them."""
    from datetime import date

    return datasets.orders(N, seed=42, start=date(2025, 11, 1), end=date(2025, 12, 10), lines=True)


@pytest.fixture(scope="package")
def nested() -> Any:
    from datetime import date

    return datasets.orders(N, seed=42, start=date(2025, 11, 1), end=date(2025, 12, 10))


@pytest.fixture(scope="package")
def expected(engine: pm.Engine, nested: Any) -> Any:
    return engine.evaluate_batch(nested)


def assert_same(got: Any, expected: Any) -> None:
    """Row for row and cent for cent (Decimal values, not their float shadows), in any row
    order, with money in decimal128 of the engine currency's places."""
    assert got.column_names == expected.column_names
    for name in ("subtotal", "discount", "shipping_discount", "total"):
        if name in got.column_names:
            assert got.schema.field(name).type == expected.schema.field(name).type, name
    assert got.sort_by("order_id").to_pylist() == expected.to_pylist()
    assert len({tuple(r) for r in expected["applied"].to_pylist()}) > 5  # not a trivial case


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    """A local Dask cluster of two worker processes, one per Dask test module (a module's
    tests share it; modules do not, so one module's work on the workers cannot reach another).
    Its workers must live through the module: a restarted worker fails the last test."""
    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        workers = set(client.scheduler_info()["workers"])
        yield client
        # Dask quietly recomputes the tasks of a worker that dies (only the log says so): a
        # worker the nanny had to restart is a crash these tests must not pass over.
        assert set(client.scheduler_info()["workers"]) == workers, (
            "a Dask worker process died during this module's tests: see the captured log"
        )


def dask_frame(table: Any, npartitions: int) -> Any:
    """An Arrow table as a Dask frame of ``npartitions`` (Arrow-backed pandas columns)."""
    import dask.dataframe as dd
    import pandas as pd

    return dd.from_pandas(table.to_pandas(types_mapper=pd.ArrowDtype), npartitions=npartitions)
