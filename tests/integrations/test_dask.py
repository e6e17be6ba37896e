"""promotor.integrations.dask on a real LocalCluster with worker processes: the same money as
engine.evaluate_batch on one machine, with nested items, with a lines table shuffled by
order_id, and with lines already partitioned alike."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

pa = pytest.importorskip("pyarrow")
pc = pytest.importorskip("pyarrow.compute")
pd = pytest.importorskip("pandas")
dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")

import promotor as pm  # noqa: E402
from promotor import datasets  # noqa: E402
from promotor.integrations import dask as pm_dask  # noqa: E402

from .conftest import assert_same, dask_frame  # noqa: E402

frame = dask_frame


def arrow(df: Any) -> Any:
    return pa.Table.from_pandas(df, preserve_index=False)


def test_nested_items_keep_partitions_and_index(
    client: Any, engine: pm.Engine, nested: Any, expected: Any
) -> None:
    ddf = frame(nested, 4)
    priced = pm_dask.evaluate(engine, ddf)
    assert priced.npartitions == 4
    assert priced.divisions == ddf.divisions
    assert str(priced.dtypes["total"]) == "decimal128(18, 2)[pyarrow]"
    result = priced.compute()
    assert list(result.index) == list(range(len(result)))
    assert_same(arrow(result), expected)


def test_lines_table_is_shuffled_to_its_orders(
    client: Any, engine: pm.Engine, sample: datasets.Sample, expected: Any
) -> None:
    priced = pm_dask.evaluate(engine, frame(sample.orders, 3), frame(sample.lines, 5))
    assert_same(arrow(priced.compute()), expected)


def test_aligned_partitions_skip_the_shuffle(
    client: Any, engine: pm.Engine, sample: datasets.Sample, expected: Any
) -> None:
    bounds = [1, 700, 1400, len(expected) + 1]
    ranges = list(itertools.pairwise(bounds))

    def part(table: Any, bounds: tuple[int, int]) -> Any:
        ids = table["order_id"]
        keep = pc.and_(pc.greater_equal(ids, bounds[0]), pc.less(ids, bounds[1]))
        return table.filter(keep).to_pandas(types_mapper=pd.ArrowDtype)

    orders = dd.from_map(part, [sample.orders] * 3, ranges)
    lines = dd.from_map(part, [sample.lines] * 3, ranges)
    priced = pm_dask.evaluate(engine, orders, lines, aligned=True, money="minor")
    minor = engine.evaluate_batch(sample.orders, sample.lines, money="minor")
    got = arrow(priced.compute())
    assert got.schema.field("total_minor").type == pa.int64()
    assert got.to_pylist() == minor.to_pylist()  # partition order kept: no shuffle
    with pytest.raises(ValueError, match="as many partitions"):
        pm_dask.evaluate(engine, orders, frame(sample.lines, 2), aligned=True)


def test_meta_has_the_engine_currency_places(nested: Any) -> None:
    kwd = pm.Engine(datasets.black_friday_campaigns(), currency="KWD")
    priced = pm_dask.evaluate(kwd, frame(nested.slice(0, 10), 1))
    assert str(priced.dtypes["discount"]) == "decimal128(18, 3)[pyarrow]"
    assert list(priced.columns) == [
        "order_id", "subtotal", "discount", "shipping_discount", "total", "applied"
    ]  # fmt: skip
    with pytest.raises(ValueError, match="threads"):
        pm_dask.evaluate(kwd, frame(nested.slice(0, 10), 1), threads=0)
    with pytest.raises(pm.InputError, match="needs an order_id column"):
        pm_dask.evaluate(kwd, frame(nested.slice(0, 10).drop_columns(["order_id"]), 1))


def test_auto_threads_are_the_workers_own(client: Any) -> None:
    """Concurrent tasks of one worker process share one pool, as wide as the worker's thread
    count; outside a distributed worker (the local scheduler) it is every core."""
    in_tasks = client.gather([client.submit(pm_dask._threads, "auto", pure=False) for _ in "ab"])
    assert in_tasks == [1, 1]  # threads_per_worker=1
    assert pm_dask._threads("auto") is None
    assert pm_dask._threads(3) == 3
