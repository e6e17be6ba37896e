"""The W20 baseline (benches/baseline.py) is a fair yardstick only if it computes what the
engine computes: same totals, same applied campaigns and amounts, on seeded W20 carts."""

from __future__ import annotations

from benches.baseline import price_w20
from benches.workloads import NOW, orders, w20_specs

from .test_bench_peers import assert_prices_as_engine


def test_baseline_agrees_with_engine_on_w20() -> None:
    specs = w20_specs()
    assert_prices_as_engine(
        lambda order: price_w20(order.cart, order.customer, NOW, specs),
        orders(300),
        ("subtotal", "shipping", "discount", "total"),
    )
