"""The W100 baseline (benches/baseline_w100.py) is a fair yardstick only if it computes what the
engine computes: same subtotal, discounts, total and applied campaigns with their amounts, on
seeded W100 carts with codes, first orders and times on and off the campaigns' windows and the
Warsaw schedule."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Any

import pytest
from benches.baseline_w100 import W100Pricer, price_w100
from benches.workloads import w100_engine, w100_orders, w100_specs

import promotor as pm

N_CARTS = 4000


def _view(result: pm.Result) -> dict[str, Any]:
    return {
        "subtotal": result.subtotal,
        "shipping": result.shipping,
        "discount": result.discount,
        "shipping_discount": result.shipping_discount,
        "total": result.total,
        "applied": [(a.campaign_id, a.amount) for a in result.applied],
    }


def test_baseline_agrees_with_engine_on_w100() -> None:
    engine = w100_engine()
    specs = w100_specs()
    shape = {s.id: s.shape for s in specs}
    pricer = W100Pricer(specs)
    applied: Counter[str] = Counter()
    seen: Counter[str] = Counter()
    for order in w100_orders(N_CARTS):
        expected = _view(
            engine.evaluate(
                order.cart, customer=order.customer, codes=list(order.codes), now=order.now
            )
        )
        got = pricer.price(order.cart, order.customer, order.now, order.codes)
        assert got == expected, order
        applied.update(shape[c] for c, _ in got["applied"])
        seen["discounted"] += got["discount"] > 0
        seen["zeroed"] += got["total"] == got["shipping"] - got["shipping_discount"]
        seen["exclusive gift alone"] += len(got["applied"]) == 1 and any(
            s.exclusive for s in specs if s.id == got["applied"][0][0]
        )
        seen["code given"] += bool(order.codes)
    # The sample exercises every shape and the interesting paths.
    assert all(applied[s] >= 100 for s in {s.shape for s in specs}), applied
    assert seen["discounted"] >= N_CARTS // 2, seen
    assert seen["zeroed"] >= 1, seen
    assert seen["exclusive gift alone"] >= 50, seen
    assert seen["code given"] >= N_CARTS // 3, seen


def test_orders_reach_both_sides_of_the_warsaw_schedule() -> None:
    """The first-order campaigns run Friday to Sunday, 8:00-22:00 in Warsaw: the carts' times
    fall on both sides of it, at its edges too, and first orders are frequent."""
    pricer = W100Pricer(w100_specs())
    first = [o for o in w100_orders(N_CARTS) if o.customer["orders_count"] == 0]
    inside = sum(pricer.on_schedule(o.now) for o in first)
    assert len(first) >= N_CARTS // 4
    assert inside >= len(first) // 4
    assert len(first) - inside >= len(first) // 4


@pytest.mark.parametrize(
    ("now", "inside"),
    [
        (datetime(2026, 11, 27, 7, 0, tzinfo=UTC), True),  # Friday 8:00 in Warsaw (CET)
        (datetime(2026, 11, 27, 6, 59, 59, tzinfo=UTC), False),
        (datetime(2026, 11, 29, 20, 59, 59, tzinfo=UTC), True),  # Sunday 21:59:59
        (datetime(2026, 11, 29, 21, 0, tzinfo=UTC), False),
        (datetime(2026, 11, 26, 12, 0, tzinfo=UTC), False),  # Thursday
        (datetime(2026, 10, 23, 6, 0, tzinfo=UTC), True),  # Friday 8:00 in summer time (CEST)
    ],
)
def test_first_order_campaigns_follow_warsaw_time(now: datetime, inside: bool) -> None:
    first_order = [s for s in w100_specs() if s.shape == "first_order"]
    cart = {
        "items": [
            {"sku": f"S{k}", "price": "5.00", "quantity": 1, "category": s.category}
            for k, s in enumerate(first_order)
        ]
    }
    customer = {"id": "c", "segments": [], "orders_count": 0}
    result = w100_engine().evaluate(cart, customer=customer, now=now)
    got = price_w100(cart, customer, now, (), w100_specs())
    assert got == _view(result)
    assert bool({s.id for s in first_order} & {c for c, _ in got["applied"]}) is inside
