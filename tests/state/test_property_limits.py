"""Usage limits and budgets: the Rust core and the pure-Python reference make the same
snapshot -> (outcome, deltas) decision on generated engines, carts and snapshots, and the
deltas keep every limit. A failure here is a bug in one of them (the order of the checks is in
rust/promotor-core/src/state/limits.rs)."""

from typing import Any

from hypothesis import event, given, note
from hypothesis import strategies as st

from promotor import _native, reference

from ..strategies import engines, limited_engines, snapshots
from ..twin import compiled_case


def request_of(program: "_native.Program", canonical: dict[str, Any]) -> "_native.Request":
    """The program's request for a canonical input (its parts as Engine.evaluate takes them)."""
    return program.request(
        canonical["cart"], canonical.get("customer"), canonical["codes"], None, canonical["context"]
    )


def check(engine_ir: dict[str, Any], data: st.DataObject) -> None:
    program, canonical = compiled_case(engine_ir, data)
    request = request_of(program, canonical)
    keys = reference.state_keys(engine_ir, canonical)
    assert request.keys() == keys
    snapshot = data.draw(snapshots(keys))
    note(f"snapshot: {snapshot}")
    priced, deltas = request.decide(snapshot)
    actual = priced.explained()
    expected, expected_deltas = reference.decide(engine_ir, canonical, snapshot)
    for r in actual["rejected"]:
        if r["reason"] in ("limit_reached", "budget_exhausted"):
            event(f"{r['reason']}: {r['detail']}")
    for a in actual["applied"]:
        if a.get("limited_by"):
            event("limited by budget")
    assert actual == expected
    assert [(d["key"], d["add"], d["max"], d["min"]) for d in expected_deltas] == deltas
    # Each delta holds on the snapshot it was decided on, and moves only the keys read.
    for key, add, most, _ in deltas:
        assert key in keys
        assert add > 0
        assert most is not None
        assert snapshot.get(key, 0) + add <= most


@given(limited_engines(), st.data())
def test_property_limits_rust_equals_reference(
    engine_ir: dict[str, Any], data: st.DataObject
) -> None:
    check(engine_ir, data)


@given(limited_engines(engines(max_campaigns=4, depth=1)), st.data())
def test_property_limits_with_rules_codes_and_windows(
    engine_ir: dict[str, Any], data: st.DataObject
) -> None:
    check(engine_ir, data)


@given(limited_engines(), st.data())
def test_property_price_without_store_reads_zero_counters(
    engine_ir: dict[str, Any], data: st.DataObject
) -> None:
    """An engine evaluated without a snapshot decides as on an empty one."""
    program, canonical = compiled_case(engine_ir, data)
    assert program.evaluate(canonical) == reference.evaluate(engine_ir, canonical)


@given(limited_engines(), st.data())
def test_property_stored_outcomes_read_back_exactly(
    engine_ir: dict[str, Any], data: st.DataObject
) -> None:
    """What a store records of a decision (written in Rust) reads back as the same outcome."""
    from promotor.stores.codec import decode_outcome

    program, canonical = compiled_case(engine_ir, data)
    request = request_of(program, canonical)
    priced, _ = request.decide(data.draw(snapshots(request.keys())))
    text, currency, applied = priced.record()
    outcome = priced.explained()
    assert decode_outcome(text) == outcome
    assert currency == outcome["currency"]
    assert applied == [(a["campaign_id"], a["code"], str(a["amount"])) for a in outcome["applied"]]
