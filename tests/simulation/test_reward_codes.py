"""The codes a referral reward issues during pm.simulate are named by the order that issued
them (``SIM-<order_id>-<n>``), so that any replay of the history in time order, whole or in
the partitioned simulation's pieces, names them alike; a repeated order id takes the next
free name."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

import promotor as pm
from promotor.effects import amount_off

pa = pytest.importorskip("pyarrow")

T0 = datetime(2026, 11, 27, 9, tzinfo=UTC)
ITEM = pa.struct([("sku", pa.string()), ("price", pa.decimal128(12, 2)), ("quantity", pa.int64())])


def issued(orders: list[tuple[str, str, str]], tiers: int = 1) -> list[str]:
    """The reward codes a replay issues. ``orders``: (order id, friend, advocate), each the
    friend's first order, with the advocate's code; the programme rewards the 1st to the
    ``tiers``-th referral with a code."""
    rewards = [pm.referral_reward(n, amount_off(n)) for n in range(1, tiers + 1)]
    engine = pm.Engine(
        [], programs=[pm.Referral(id="friends", rewards=rewards)], store=pm.store("memory://")
    )
    before = T0 - timedelta(days=1)
    refs = {a: engine.referral_code("friends", advocate=a, now=before) for *_, a in orders}
    table = pa.table(
        {
            "order_id": [o for o, *_ in orders],
            "customer_id": [f for _, f, _ in orders],
            "created_at": pa.array(
                [T0 + timedelta(minutes=i) for i in range(len(orders))], pa.timestamp("us", "UTC")
            ),
            "codes": pa.array([[refs[a]] for *_, a in orders], pa.list_(pa.string())),
            "items": pa.array(
                [[{"sku": "A", "price": Decimal(60), "quantity": 1}]] * len(orders),
                pa.list_(ITEM),
            ),
        }
    )
    report = pm.simulate(engine, table, state=engine.store, progress=False, final_counters=True)
    counters = report._run("baseline").tally["counters"]
    return sorted(
        k.partition("code=")[2].partition("#")[0]
        for k, v in counters.items()
        if "code=sim-" in k and v
    )


def test_a_reward_code_is_named_by_its_order() -> None:
    assert issued([("o1", "f1", "a"), ("o2", "f2", "a")], tiers=2) == ["sim-o1-0", "sim-o2-0"]


def test_a_repeated_order_id_takes_the_next_free_name() -> None:
    # Each order is offered SIM-<id>-<n> for each reward that can issue a code, then
    # SIM-<id>-<n>-<row>.
    twice = [("o1", "f1", "a"), ("o1", "f2", "a")]
    assert issued(twice, tiers=2) == ["sim-o1-0", "sim-o1-1"]
    # One reward, two advocates: the second "o1" (row 1) finds SIM-o1-0 taken.
    assert issued([("o1", "f1", "a"), ("o1", "f2", "b")]) == ["sim-o1-0", "sim-o1-0-1"]
