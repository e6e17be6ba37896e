"""Programmes: the Rust core and the pure-Python reference make the same decision (deltas,
events, answer) on generated programmes, snapshots and operations. A failure here is a bug
in one of them (rust/promotor-core/src/programs/ and promotor/testing/reference/programs/)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

from hypothesis import given, note
from hypothesis import strategies as st

import promotor as pm
from promotor.testing.reference import programs as ref

from .twin import applied

T0 = datetime(2026, 11, 27, 10, tzinfo=UTC)
ZONES = ["UTC", "Europe/Warsaw", "America/Santiago", "Pacific/Kiritimati"]


@st.composite
def programmes(draw: st.DrawFn) -> dict[str, Any]:
    earn: list[dict[str, Any]] = [
        {"points": draw(st.sampled_from(["1", "2", "0.5", "3"])),
         "per": draw(st.sampled_from(["1", "3", "2.5"]))},
        {"points": draw(st.sampled_from(["10", "25"])), "on": "e"},
    ]  # fmt: skip
    if draw(st.booleans()):
        earn.append({"multiplier": draw(st.sampled_from(["2", "1.5", "0.5"])),
                     "schedule": {"weekdays": draw(st.lists(st.integers(1, 7), min_size=1,
                                                            max_size=3)),
                                  "timezone": draw(st.sampled_from(ZONES))}})  # fmt: skip
    if draw(st.booleans()):
        earn.append({"multiplier": "3", "on": "e", "starts_at": "2026-11-28T00:00:00Z"})
    n_tiers = draw(st.integers(0, 2))
    thresholds = sorted(draw(st.lists(st.integers(0, 120), min_size=n_tiers, max_size=n_tiers,
                                      unique=True)))  # fmt: skip
    tiers = [{"name": f"t{i}", "points": t, "multiplier": draw(st.sampled_from(["1", "1.5", "2"]))}
             for i, t in enumerate(thresholds)]  # fmt: skip
    return {
        "type": "loyalty",
        "id": "pts",
        "earn": earn,
        "pending_days": draw(st.integers(0, 3)),
        "expire_after_days": draw(st.none() | st.integers(1, 10)),
        "tiers": tiers,
        "tier_window_days": draw(st.none() | st.integers(1, 10)),
        "rewards": [{"id": "r", "cost": draw(st.integers(1, 60)),
                     "effect": {"type": "amount_off", "amount": {"type": "num", "value": "5"}}}],
        "point_value": "0.01",
        "timezone": draw(st.sampled_from(ZONES)),
        "expiring_notice_days": draw(st.integers(0, 5)),
    }  # fmt: skip


def day(offset: int) -> str:
    return (date(2026, 11, 27) + timedelta(days=offset)).isoformat()


@st.composite
def snapshots(draw: st.DrawFn, customer: str = "c1") -> dict[str, int]:
    family = ref.loyalty_family("pts", customer)
    snap: dict[str, int] = {}
    for _ in range(draw(st.integers(0, 5))):
        a = draw(st.integers(-12, 4))
        e = draw(st.none() | st.integers(a + 1, a + 12))
        member = f"lot={day(a)}/{'-' if e is None else day(e)}"
        snap[f"{family}#{member}"] = draw(st.integers(0, 80))
        if e is not None and draw(st.booleans()):
            snap[f"{family}#notice={member[4:]}"] = 1
    for _ in range(draw(st.integers(0, 3))):
        snap[f"{family}#earned={day(draw(st.integers(-12, 3)))}"] = draw(st.integers(1, 90))
    if draw(st.booleans()):
        snap[f"{family}#debt"] = draw(st.integers(1, 40))
    if draw(st.booleans()):
        snap[f"{family}#tier"] = draw(st.integers(0, 2))
    return {k: v for k, v in snap.items() if v}


@st.composite
def operations(draw: st.DrawFn, snapshot: dict[str, int]) -> dict[str, Any]:
    now_ = T0 + timedelta(hours=draw(st.integers(-30, 200)))
    now = (now_ - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)
    kind = draw(st.sampled_from(["balance", "track", "reward", "import", "rollback", "announce"]))
    if kind == "track":
        return {"op": "track", "customer": "c1", "event": draw(st.sampled_from(["e", "x"])),
                "now": now}  # fmt: skip
    if kind == "reward":
        return {"op": "reward", "program": "pts", "customer": "c1", "reward": "r",
                "code": "RW-TEST", "now": now}  # fmt: skip
    if kind == "import":
        rows = draw(st.lists(st.fixed_dictionaries({
            "customer": st.sampled_from(["c1", "c2"]),
            "points": st.integers(0, 90),
            "mode": st.sampled_from(["add", "replace", "retroactive"]),
        }), min_size=1, max_size=4))  # fmt: skip
        return {"op": "import", "program": "pts", "rows": rows, "now": now}
    if kind == "rollback":
        lots = [k for k in snapshot if "#lot=" in k]
        family = ref.loyalty_family("pts", "c1")
        deltas: list[list[Any]] = []
        if lots and draw(st.booleans()):
            deltas.append([draw(st.sampled_from(lots)), draw(st.integers(1, 60)), None, None])
        if lots and draw(st.booleans()):
            deltas.append([draw(st.sampled_from(lots)), -draw(st.integers(1, 30)), None, 0])
        if draw(st.booleans()):
            deltas.append([f"{family}#lot={day(2)}/-", draw(st.integers(1, 50)), None, None])
        if draw(st.booleans()):
            deltas.append([f"{family}#earned={day(0)}", 12, None, None])
        deltas.append(["count|campaign=x", 1, 10, None])
        return {"op": "rollback", "deltas": deltas, "now": now}
    return {"op": kind, "program": "pts", "customer": "c1", "now": now}


def rust(engine: pm.Engine, op: dict[str, Any], snapshot: dict[str, int]) -> Any:
    text = json.dumps(op)
    keys, families = engine._program.program_reads(text)
    seen = {k: v for k, v in snapshot.items() if k in keys or k.partition("#")[0] in families}
    try:
        return json.loads(engine._program.program_op(text, seen))
    except pm.InputError as err:
        return ("refused", str(err))


def reference(engine: pm.Engine, op: dict[str, Any], snapshot: dict[str, int]) -> Any:
    try:
        return ref.as_json(ref.operate(engine.to_ir(), op, snapshot))
    except ValueError as err:
        return ("refused", str(err))


@given(programmes(), st.data())
def test_property_programmes_rust_equals_reference(
    raw: dict[str, Any], data: st.DataObject
) -> None:
    engine = pm.Engine([], programs=[raw])
    snapshot = data.draw(snapshots())
    op = data.draw(operations(snapshot))
    note(json.dumps(raw))
    note(f"snapshot {snapshot}")
    note(f"op {op}")
    actual, expected = rust(engine, op, snapshot), reference(engine, op, snapshot)
    if isinstance(actual, tuple) or isinstance(expected, tuple):
        assert isinstance(actual, tuple)
        assert isinstance(expected, tuple)
        return
    assert actual == expected
    # Each decision's deltas hold on the state it was decided on (import rows in order).
    applied(snapshot, actual)


def test_taking_back_from_pending_lots_starts_with_the_one_that_never_expires() -> None:
    # Found by the property above: of two pending lots available the same day, the core took
    # back from the one expiring first (Option's order puts "never" first), the reference from
    # the one that never expires. Latest expiry first, "never" the latest, as in spending.
    raw = {"type": "loyalty", "id": "pts", "earn": [{"points": "1", "per": "1"}],
           "pending_days": 0, "expire_after_days": None, "tiers": [], "rewards": [],
           "point_value": "0.01", "timezone": "UTC"}  # fmt: skip
    engine = pm.Engine([], programs=[raw])
    family = ref.loyalty_family("pts", "c1")
    snapshot = {f"{family}#lot=2026-12-01/2026-12-02": 1, f"{family}#lot=2026-12-01/-": 1}
    op = {"op": "rollback", "deltas": [[f"{family}#lot=2026-11-29/-", 1, None, None]],
          "now": 1_795_773_600_000_000}  # fmt: skip
    actual = rust(engine, op, snapshot)
    assert actual == reference(engine, op, snapshot)
    assert [d[0] for d in actual[0]["deltas"]] == [f"{family}#lot=2026-12-01/-"]
