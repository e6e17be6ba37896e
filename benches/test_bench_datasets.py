"""How fast promotor.datasets.orders generates a sample history (orders/s), at 1,000,000
orders with nested items and with a separate lines table. `make bench` runs it; in normal
test runs (benchmarks disabled) each body runs once on 10,000 orders, as a smoke test."""

from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip("numpy")
pytest.importorskip("pyarrow")

from promotor import datasets

ORDERS = 1_000_000


@pytest.mark.benchmark(group="datasets", min_rounds=3, max_time=10.0)
@pytest.mark.parametrize("lines", [False, True], ids=["items", "lines"])
def test_datasets_orders(benchmark: Any, lines: bool) -> None:
    n = 10_000 if benchmark.disabled else ORDERS
    benchmark.extra_info["orders"] = n
    out = benchmark.pedantic(
        datasets.orders, args=(n,), kwargs={"seed": 1, "lines": lines}, rounds=3, iterations=1
    )
    assert (out.orders if lines else out).num_rows == n
