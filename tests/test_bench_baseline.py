"""The W20 baseline (benches/baseline.py) is a fair yardstick only if it computes what the
engine computes: same totals, same applied campaigns and amounts, on seeded W20 carts."""

from __future__ import annotations

from benches.baseline import price_w20
from benches.workloads import NOW, orders, w20_engine, w20_specs


def test_baseline_agrees_with_engine_on_w20() -> None:
    engine = w20_engine()
    specs = w20_specs()
    discounted = stacked_to_zero = 0
    for order in orders(300):
        expected = engine.evaluate(order.cart, customer=order.customer, now=NOW)
        got = price_w20(order.cart, order.customer, NOW, specs)
        assert (got["subtotal"], got["shipping"], got["discount"], got["total"]) == (
            expected.subtotal,
            expected.shipping,
            expected.discount,
            expected.total,
        ), order
        assert got["applied"] == [(a.campaign_id, a.amount) for a in expected.applied], order
        discounted += bool(got["applied"])
        stacked_to_zero += got["discount"] == got["subtotal"] > 0
    # The sample exercises the interesting paths, not only carts nothing applies to.
    assert discounted >= 30
    assert stacked_to_zero >= 1
