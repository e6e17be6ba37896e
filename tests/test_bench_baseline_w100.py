"""The W100 baseline (benches/baseline_w100.py) is a fair yardstick only if it computes what the
engine computes: same subtotal, discounts, total and applied campaigns with their amounts, on
seeded W100 carts with codes, first orders and times on and off the campaigns' windows and the
Warsaw schedule."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from benches.baseline_w100 import W100Pricer, price_w100
from benches.workloads import w100_engine, w100_orders, w100_specs

import promotor as pm
from promotor import item, reference
from promotor.inputs import canonical_input

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
    lost_cent = 0
    for order in w100_orders(N_CARTS):
        expected = _view(
            engine.evaluate(
                order.cart, customer=order.customer, codes=list(order.codes), now=order.now
            )
        )
        got = pricer.price(order.cart, order.customer, order.now, order.codes)
        if got != expected:
            # The engine's known defect (test_engine_keeps_the_cent_a_buy_x_get_y_leaves below):
            # the cent the floors of a buy-x-get-y leave of a group it takes whole is lost from
            # the units, so later effects compute on a cent less. Only such carts may differ,
            # and the reference evaluator stops on them at its own check that a line's groups
            # add up to what is left of it.
            canonical = canonical_input(
                order.cart, customer=order.customer, codes=list(order.codes), now=order.now
            )
            with pytest.raises(AssertionError):
                reference.evaluate(engine.to_ir(), canonical)
            assert [c for c, _ in got["applied"]] == [c for c, _ in expected["applied"]], order
            assert abs(got["total"] - expected["total"]) <= Decimal("0.05"), order
            lost_cent += 1
            continue
        applied.update(shape[c] for c, _ in got["applied"])
        seen["discounted"] += got["discount"] > 0
        seen["zeroed"] += got["total"] == got["shipping"] - got["shipping_discount"]
        seen["exclusive gift alone"] += len(got["applied"]) == 1 and any(
            s.exclusive for s in specs if s.id == got["applied"][0][0]
        )
        seen["code given"] += bool(order.codes)
    # The defect touches a few carts only; all the others agree to the cent.
    assert lost_cent <= N_CARTS // 10
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


@pytest.mark.xfail(
    strict=True,
    reason="engine defect: a cent of a unit group is lost when a buy-x-get-y takes it whole",
)
def test_engine_keeps_the_cent_a_buy_x_get_y_leaves() -> None:
    """3 x 3.33 is 8.99 after 10% off: the free unit is worth floor(899 / 3) = 2.99, the two
    bought ones floor(899 x 2 / 3) = 5.99, and the line has 6.00 left (docs/semantics.md,
    "Units": a line's groups always add up to what is left of it). 10.00 off the order then
    takes all 6.00 (``T_i = A_i``); the engine takes 5.99 and leaves 0.01."""
    engine = pm.Engine(
        [
            pm.Campaign(id="ten", effect=pm.percent_off(10)),
            pm.Campaign(id="b2g1", effect=pm.buy_x_get_y(item.category == "x", 2)),
            pm.Campaign(id="off", effect=pm.amount_off(10)),
        ],
        currency="USD",
    )
    cart = {"items": [{"sku": "X", "price": "3.33", "quantity": 3, "category": "x"}]}
    result = engine.evaluate(cart, now=datetime(2026, 11, 27, tzinfo=UTC))
    assert [(a.campaign_id, a.amount) for a in result.applied] == [
        ("ten", Decimal("1.00")),
        ("b2g1", Decimal("2.99")),
        ("off", Decimal("6.00")),
    ]
    assert result.total == 0


def test_report_prints_the_w100_rows() -> None:
    from benches.report import rows

    medians = {
        "test_single_w100_promotor": 40e-6,
        "test_single_w100_baseline": 200e-6,
        "test_batch_w100_promotor": 50e-3,
        "test_batch_w100_baseline": 2.0,
    }
    by_label = {r[0]: r[1:] for r in rows(medians, {})}
    assert by_label["batch W100, 1 thread: carts/s over baseline"] == ("40x", ">= 20x", "PASS")
    assert by_label["  single cart W100: speed-up over baseline (median)"] == ("5.00x", "", "info")
    assert by_label["  batch W100 (10,000 carts): baseline, ms"] == ("2000.00", "", "info")
    by_label = {r[0]: r[1:] for r in rows({}, {})}
    assert by_label["batch W100, 1 thread: carts/s over baseline"][2] == "SKIP"
    assert by_label["  single cart W100: speed-up over baseline (median)"][0] == "n/a"
