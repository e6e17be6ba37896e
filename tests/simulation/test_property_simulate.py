"""simulate == engine.redeem on each order in created_at order against a fresh memory store,
order by order, on generated engines (usage limits, budgets, shared keys, once per customer
and per code, periods) and histories (few customers, repeated codes, equal times, unsorted
input); and the pure-Python reference evaluator, replayed on a dict of counters, makes the
same decisions. A failure is a bug in the replay (rust/promotor-core/src/simulate/) or in
one evaluator."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pyarrow as pa
from hypothesis import assume, event, given, note
from hypothesis import strategies as st

import promotor as pm
from promotor import reference
from promotor.errors import RuleError

from ..strategies import CATEGORIES, SEGMENTS, T0, TAGS, engines, limited_engines

CUSTOMERS = ["c0", "c1", "c2", None]
CODES = ["code0", "code1", " ALT0 ", "CODE1", "nope", "code2", "code3"]

prices = st.one_of(
    st.decimals(min_value=0, max_value=200, places=2, allow_nan=False),
    st.sampled_from([Decimal("0"), Decimal("0.01"), Decimal("10.00"), Decimal("3.333")]),
)

line = st.fixed_dictionaries(
    {
        "sku": st.sampled_from(["A", "B", "C"]),
        "product": st.one_of(st.none(), st.sampled_from(["p1", "p2"])),
        "category": st.one_of(st.none(), st.sampled_from(CATEGORIES)),
        "tags": st.lists(st.sampled_from(TAGS), max_size=2, unique=True),
        "price": prices,
        "quantity": st.integers(1, 4),
    }
)

order = st.fixed_dictionaries(
    {
        "customer_id": st.sampled_from(CUSTOMERS),
        "segments": st.lists(st.sampled_from(SEGMENTS), max_size=2, unique=True),
        "orders_count": st.integers(0, 3),
        "codes": st.lists(st.sampled_from(CODES), max_size=2),
        # Minutes over about five weeks, so day, week and month periods roll over; small
        # ranges make equal times common.
        "minute": st.one_of(st.integers(0, 50 * 24 * 60), st.integers(0, 3)),
        "shipping": st.sampled_from([Decimal("0"), Decimal("4.99"), Decimal("12.50")]),
        "items": st.lists(line, min_size=0, max_size=4),
    }
)

histories = st.lists(order, min_size=1, max_size=25)


def table(history: list[dict[str, Any]]) -> pa.Table:
    item_type = pa.struct(
        [
            ("sku", pa.string()),
            ("product", pa.string()),
            ("category", pa.string()),
            ("tags", pa.list_(pa.string())),
            ("price", pa.decimal128(18, 6)),
            ("quantity", pa.int64()),
        ]
    )
    return pa.table(
        {
            "order_id": pa.array([f"o{i}" for i in range(len(history))]),
            "customer_id": pa.array([o["customer_id"] for o in history], pa.string()),
            "segments": pa.array([o["segments"] for o in history], pa.list_(pa.string())),
            "orders_count": pa.array([o["orders_count"] for o in history], pa.int64()),
            "codes": pa.array([o["codes"] for o in history], pa.list_(pa.string())),
            "created_at": pa.array(
                [T0 + timedelta(minutes=o["minute"]) for o in history], pa.timestamp("us", "UTC")
            ),
            "shipping": pa.array([o["shipping"] for o in history], pa.decimal128(12, 2)),
            "items": pa.array([o["items"] for o in history], pa.list_(item_type)),
        }
    )


def in_time_order(history: list[dict[str, Any]]) -> list[tuple[int, dict[str, Any]]]:
    return sorted(enumerate(history), key=lambda p: p[1]["minute"])  # stable: ties keep order


def canonical(o: dict[str, Any]) -> dict[str, Any]:
    """What the batch reader makes of a row: the reference evaluator's input."""
    return {
        "cart": {
            "currency": None,
            "shipping": o["shipping"],
            "items": [{**it, "metadata": {}} for it in o["items"]],
            "metadata": {},
        },
        "customer": {
            "id": o["customer_id"],
            "email": None,
            "segments": o["segments"],
            "orders_count": Decimal(o["orders_count"]),
            "total_spent": None,
            "created_at": None,
            "birthday": None,
            "metadata": {},
        },
        "context": {
            "now": T0 + timedelta(minutes=o["minute"]),
            "channel": None,
            "country": None,
            "metadata": {},
        },
        "codes": list(o["codes"]),
    }


def engine_or_skip(engine_ir: dict[str, Any]) -> pm.Engine:
    try:
        return pm.Engine.from_json(json.dumps(engine_ir))
    except RuleError as err:
        note(str(err))
        assume(False)
        raise


def check(engine_ir: dict[str, Any], history: list[dict[str, Any]], shuffle: list[int]) -> None:
    engine = engine_or_skip(engine_ir)
    note(json.dumps(engine_ir, indent=1))
    # Give the rows in another order than time order: simulate sorts them, stably.
    rows = table(history)
    order = sorted(range(len(history)), key=lambda i: shuffle[i % len(shuffle)])
    report = pm.simulate(engine, rows.take(order), progress=False)
    history = [history[i] for i in order]
    got = {r["order_id"]: r for r in report.orders.to_pylist()}
    amounts: dict[str, list[tuple[str, Decimal]]] = {}
    for r in report.applied.to_pylist():
        amounts.setdefault(r["order_id"], []).append((r["campaign_id"], r["amount"]))

    store = pm.store("memory://")
    redeeming = pm.Engine.from_json(engine.to_json())
    redeeming._store = store
    ref_state: dict[str, int] = {}
    for i, o in in_time_order(history):
        oid = f"o{order[i]}"
        res = redeeming.redeem(
            {"items": o["items"], "shipping": o["shipping"]},
            customer={
                "id": o["customer_id"],
                "segments": o["segments"],
                "orders_count": o["orders_count"],
            },
            codes=o["codes"],
            now=T0 + timedelta(minutes=o["minute"]),
            order_id=oid,
        ).result
        row = got[oid]
        note(f"{oid}: {row}")
        assert row["discount"] == res.discount
        assert row["shipping_discount"] == res.shipping_discount
        assert row["total"] == res.total
        assert row["subtotal"] == res.subtotal
        assert row["applied"] == [a.campaign_id for a in res.applied]
        assert amounts.get(oid, []) == [(a.campaign_id, a.amount) for a in res.applied]
        # The reference, on its own dict of counters.
        c = canonical(o)
        keys = reference.state_keys(engine_ir, c)
        expected, deltas = reference.decide(engine_ir, c, {k: ref_state.get(k, 0) for k in keys})
        assert [a["campaign_id"] for a in expected["applied"]] == row["applied"]
        assert expected["discount"] == row["discount"]
        for d in deltas:
            ref_state[d["key"]] = ref_state.get(d["key"], 0) + d["add"]
    counters = {k: v for k, v in store._dump().counters.items() if v}
    assert report._run(None).tally["counters"] == counters
    assert {k: v for k, v in ref_state.items() if v} == counters
    # The per-campaign table adds up the per-order one.
    for r in report.campaigns.to_pylist():
        if r["refused"]:
            event("a limit or budget refused a campaign")
        if r["exhausted_at"] is not None:
            event("a budget or total limit ran out")
        if r["limited_by_budget"]:
            event("a budget shrank a discount")
        mine = [a for rows in amounts.values() for a in rows if a[0] == r["campaign_id"]]
        assert r["redemptions"] == len(mine)
        assert r["discount"] == sum((a for _, a in mine), Decimal(0))


shuffles = st.lists(st.integers(0, 5), min_size=1, max_size=8)


@given(limited_engines(), histories, shuffles)
def test_property_simulate_equals_sequential_redeem(
    engine_ir: dict[str, Any], history: list[dict[str, Any]], shuffle: list[int]
) -> None:
    check(engine_ir, history, shuffle)


@given(limited_engines(engines(max_campaigns=4, depth=1)), histories, shuffles)
def test_property_simulate_with_rules_codes_and_windows(
    engine_ir: dict[str, Any], history: list[dict[str, Any]], shuffle: list[int]
) -> None:
    check(engine_ir, history, shuffle)
