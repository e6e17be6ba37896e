"""promotor.integrations.ray on a real local Ray instance (two CPUs, worker processes): the
same money as engine.evaluate_batch on one machine."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

pa = pytest.importorskip("pyarrow")
ray = pytest.importorskip("ray")
pytest.importorskip("ray.data")

import promotor as pm  # noqa: E402
from promotor.integrations import ray as pm_ray  # noqa: E402

from .conftest import assert_same  # noqa: E402


@pytest.fixture(scope="module")
def local_ray() -> Iterator[None]:
    ray.init(
        num_cpus=2,
        object_store_memory=200 * 1024 * 1024,
        include_dashboard=False,
        log_to_driver=False,
    )
    ray.data.DataContext.get_current().enable_progress_bars = False
    try:
        yield
    finally:
        ray.shutdown()


def collect(ds: Any) -> Any:
    return pa.concat_tables(ray.get(ds.to_arrow_refs()))


def blocks(table: Any, size: int) -> Any:
    return ray.data.from_arrow([table.slice(i, size) for i in range(0, table.num_rows, size)])


def test_batches_priced_in_tasks_equal_one_machine(
    local_ray: None, engine: pm.Engine, nested: Any, expected: Any
) -> None:
    priced = pm_ray.evaluate(engine, blocks(nested, 700), batch_size=300)
    assert_same(collect(priced), expected)


def test_minor_units_and_map_batches_options(
    local_ray: None, engine: pm.Engine, nested: Any
) -> None:
    priced = pm_ray.evaluate(engine, blocks(nested, 1000), money="minor", concurrency=2)
    got = collect(priced)
    assert got.schema.field("discount_minor").type == pa.int64()
    want = engine.evaluate_batch(nested, money="minor")
    assert got.sort_by("order_id").to_pylist() == want.to_pylist()
