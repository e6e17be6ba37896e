"""Code pools: the Rust core and the pure-Python reference make the same decision on pool rows
(which given codes are pool codes of which campaign, and whose), on generated engines with
``unique_codes``, carts, rows and snapshots; and compute the same wallet."""

from typing import Any

from hypothesis import event, given, note
from hypothesis import strategies as st

from promotor import reference
from promotor.codes import normalize as normalize_code
from promotor.redemption import micros

from ..strategies import POOL_CODES, engines, pool_rows, pooled_engines, snapshots
from ..twin import compiled_case
from .test_property_limits import request_of


def check(engine_ir: dict[str, Any], data: st.DataObject) -> None:
    program, canonical = compiled_case(engine_ir, data)
    canonical["codes"] = canonical["codes"] + data.draw(
        st.lists(st.sampled_from(POOL_CODES), max_size=3)
    )
    if canonical["customer"] is not None and data.draw(st.booleans()):
        canonical["customer"]["id"] = "me"
    request = request_of(program, canonical)
    lookups = request.pool_lookups()
    assert lookups == reference.pool_lookups(engine_ir, canonical)
    customer = (canonical["customer"] or {}).get("id")
    ids = [c["id"] for c in engine_ir["campaigns"]]
    pools = data.draw(pool_rows(lookups, ids, customer))
    note(f"pools: {pools}")
    keys = request.keys(pools)
    assert keys == reference.state_keys(engine_ir, canonical, pools=pools)
    snapshot = data.draw(snapshots(keys))
    priced, deltas = request.decide(snapshot, pools)
    actual = priced.explained()
    expected, expected_deltas = reference.decide(engine_ir, canonical, snapshot, pools=pools)
    for r in actual["rejected"]:
        if r["reason"] in ("not_assigned_to_customer", "unknown_code"):
            event(r["reason"])
    if any(a["code"] and a["code"].startswith("POOL") for a in actual["applied"]):
        event("a pool code applied")
    assert actual == expected
    assert [(d["key"], d["add"], d["max"], d["min"]) for d in expected_deltas] == deltas

    # The wallet of the customer's pool codes (and some that are not theirs).
    held = data.draw(st.lists(st.sampled_from(POOL_CODES), max_size=4))
    mine = {**canonical, "codes": held}
    wallet_request = request_of(program, mine)
    pools = {
        k: (c, code, customer if data.draw(st.integers(0, 3)) else owner)
        for k, (c, code, owner) in data.draw(
            pool_rows(sorted({normalize_code(h) for h in held}), ids, customer)
        ).items()
    }
    wkeys = wallet_request.wallet_keys(pools)
    assert wkeys == reference.wallet_keys(engine_ir, mine, pools)
    wsnapshot = data.draw(snapshots(wkeys))
    priced_too = data.draw(st.booleans())
    got = wallet_request.wallet(wsnapshot, pools, priced_too)
    want = reference.wallet(engine_ir, mine, wsnapshot, pools, priced_too)
    for _, _, status, _, value in got:
        event(
            f"wallet: {status}, value {'none' if value is None else 'zero' if not value else '>0'}"
        )
    assert got == [(i, c, s, None if at is None else micros(at), v) for i, c, s, at, v in want]


@given(pooled_engines(), st.data())
def test_property_pools_rust_equals_reference(
    engine_ir: dict[str, Any], data: st.DataObject
) -> None:
    check(engine_ir, data)


@given(pooled_engines(engines(max_campaigns=4, depth=1)), st.data())
def test_property_pools_with_rules_codes_and_windows(
    engine_ir: dict[str, Any], data: st.DataObject
) -> None:
    check(engine_ir, data)
