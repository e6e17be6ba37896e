"""Referral programmes: the Rust core and the pure-Python reference make the same decision
(deltas, events, answer) on generated programmes, snapshots and operations: an advocate's
code, progress, a friend using a code, a conversion (with tiers, limits and every kind of
reward), the clawback of a conversion and the rollback of the order that referred a friend
(before or after the friend converted). A failure here is a bug in one of them
(rust/promotor-core/src/programs/referral/ and promotor/testing/reference/programs/)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import assume, given, note
from hypothesis import strategies as st

import promotor as pm
from promotor import _native
from promotor.testing.reference import programs as ref

from .twin import applied

T0 = datetime(2026, 11, 27, 10, tzinfo=UTC)
ZONES = ["UTC", "Europe/Warsaw", "Pacific/Kiritimati"]
FRIENDS = ["f1", "f2", "f3", "ana"]
CODES = ["RW-AAAA", "RW-BBBB", "RW-CCCC", "REF-TAKEN"]
EMAILS = [None, "f.one@gmail.com", "fone+x@googlemail.com", "Ana.N@gmail.com", "f@example.com"]
AMOUNT = {"type": "amount_off", "amount": {"type": "num", "value": "5"}}


def micros(t: datetime) -> int:
    return (t - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)


@st.composite
def programmes(draw: st.DrawFn) -> dict[str, Any]:
    thresholds = sorted(draw(st.sets(st.integers(1, 5), max_size=3)))
    rewards = []
    for n in thresholds:
        kind = draw(st.sampled_from(["effect", "points", "gift_card"]))
        value: Any = {"effect": AMOUNT, "points": draw(st.integers(1, 900)),
                      "gift_card": draw(st.sampled_from(["25", "7.5", "0.01"]))}[kind]  # fmt: skip
        rewards.append({"referrals": n, kind: value})
    limits = []
    if draw(st.booleans()):
        limits.append({"type": "limit", "max": draw(st.integers(1, 4)),
                       "every": draw(st.sampled_from([None, "day", "week", "month"])),
                       "timezone": draw(st.sampled_from(ZONES))})  # fmt: skip
    raw: dict[str, Any] = {
        "type": "referral",
        "id": "friends",
        "friend_effect": AMOUNT,
        "rewards": rewards,
        "limits": limits,
        "on": draw(st.sampled_from([None, "e"])),
    }
    if draw(st.booleans()):
        raw["starts_at"] = "2026-11-27T00:00:00Z"
        raw["ends_at"] = "2026-11-29T00:00:00Z"
    return raw


@st.composite
def snapshots(draw: st.DrawFn) -> dict[str, int]:
    af = ref.referral_family("friends", "advocate", "ana")
    snap: dict[str, int] = {}
    if draw(st.booleans()):
        snap[f"{af}#code"] = 1
    rewarded = 0
    for f in FRIENDS[:3]:
        state = draw(st.integers(0, 3))
        if state:
            snap[f"{af}#friend={f}"] = state
            ff = ref.referral_family("friends", "friend", f)
            snap[f"{ff}#referred"] = 1
            snap[f"{ff}#by=ana"] = 1 if state == 1 else 2
            rewarded += state == 3
    if draw(st.booleans()):
        ef = ref.referral_family("friends", "email", "fone@gmail.com")
        snap[f"{ef}#referred"] = 1
    rewarded += draw(st.integers(0, 3))
    snap[f"{af}#rewarded"] = rewarded
    snap[f"{af}#converted"] = rewarded + draw(st.integers(0, 2))
    snap[f"{af}#tier"] = draw(st.sampled_from([0, 1, 2, 3]))
    if draw(st.booleans()):
        snap[f"{af}#period=month:2026-11"] = draw(st.integers(0, 4))
    if draw(st.booleans()):
        taken = draw(st.sampled_from(CODES))
        snap[f"{ref.code_family(taken.lower())}#used"] = 1
    if draw(st.booleans()):
        snap[f"{ref.loyalty_family('pts', 'ana')}#debt"] = draw(st.integers(1, 50))
    return {k: v for k, v in snap.items() if v}


@st.composite
def operations(draw: st.DrawFn) -> dict[str, Any]:
    now = micros(T0 + timedelta(hours=draw(st.integers(-30, 60))))
    kind = draw(st.sampled_from(["referral_code", "referrals", "refer", "convert", "track",
                                 "clawback"]))  # fmt: skip
    codes = draw(st.lists(st.sampled_from(CODES), max_size=4))
    if kind == "referral_code":
        return {"op": kind, "program": "friends", "advocate": draw(st.sampled_from(["ana", "bo"])),
                "code": draw(st.sampled_from(["REF-NEW1", "REF-TAKEN"])),
                "email": draw(st.sampled_from(EMAILS)), "now": now}  # fmt: skip
    if kind == "referrals":
        return {"op": kind, "program": "friends", "advocate": "ana"}
    if kind == "refer":
        return {"op": kind, "program": "friends", "advocate": "ana",
                "advocate_email": draw(st.sampled_from(EMAILS)),
                "friend": draw(st.sampled_from(FRIENDS)), "email": draw(st.sampled_from(EMAILS)),
                "now": now}  # fmt: skip
    if kind == "track":
        return {"op": kind, "customer": draw(st.sampled_from(FRIENDS)),
                "event": draw(st.sampled_from(["e", "x"])), "now": now, "codes": codes}  # fmt: skip
    return {"op": "convert", "program": "friends", "friend": draw(st.sampled_from(FRIENDS)),
            "now": now, "codes": codes, "clawback": kind == "clawback"}  # fmt: skip


def read(engine: pm.Engine, text: str, snapshot: dict[str, int]) -> dict[str, int]:
    """What a store gives the core: the named keys and families, then those they lead to."""
    keys, families = engine._program.program_reads(text)

    def take(fams: list[str]) -> dict[str, int]:
        return {k: v for k, v in snapshot.items() if k in keys or k.partition("#")[0] in fams}

    seen = take(families)
    more = engine._program.program_more(text, seen)
    return {**seen, **take(more)} if more else seen


def rust(engine: pm.Engine, op: dict[str, Any], snapshot: dict[str, int]) -> Any:
    text = json.dumps(op)
    try:
        return json.loads(engine._program.program_op(text, read(engine, text, snapshot)))
    except pm.InputError as err:
        return ("refused", str(err))


def reference(engine: pm.Engine, op: dict[str, Any], snapshot: dict[str, int]) -> Any:
    try:
        return ref.as_json(ref.operate(engine.to_ir(), op, snapshot, exponent=2))
    except ValueError as err:
        return ("refused", str(err))


@given(programmes(), snapshots(), operations())
def test_property_referral_rust_equals_reference(
    raw: dict[str, Any], snapshot: dict[str, int], op: dict[str, Any]
) -> None:
    loyalty = {"type": "loyalty", "id": "pts", "earn": [{"points": "1"}]}
    engine = pm.Engine([], programs=[loyalty, raw], currency="USD")
    assert _native.currency_exponent("USD") == 2
    clawback = op.pop("clawback", False)
    note(json.dumps(raw))
    note(f"snapshot {snapshot}")
    note(f"op {op}")
    actual, expected = rust(engine, op, snapshot), reference(engine, op, snapshot)
    if isinstance(actual, tuple) or isinstance(expected, tuple):
        assert isinstance(actual, tuple), actual
        assert isinstance(expected, tuple), expected
        return
    assert actual == expected
    after = applied(snapshot, actual)
    if clawback and actual[0]["answer"] is not None:
        # Rolling the conversion back: the same clawback from both, and the counters of
        # the referral back where they were.
        back = {"op": "rollback", "deltas": actual[0]["deltas"], "now": op["now"]}
        note(f"rollback {back}")
        undone, expected_undone = rust(engine, back, after), reference(engine, back, after)
        assert undone == expected_undone
        restored = applied(after, undone)
        for key, value in snapshot.items():
            if key.startswith("referral|"):
                assert restored.get(key, 0) == value, key
        assert [e["type"] for e in undone[0]["events"]][-1] == "referral_reversed"


@given(programmes(), snapshots(), st.sampled_from(EMAILS), st.booleans())
def test_property_rolling_back_the_referring_order_rust_equals_reference(
    raw: dict[str, Any], snapshot: dict[str, int], email: str | None, converted: bool
) -> None:
    """A new friend referred, converted by a later order or not, then the order that
    referred them rolled back."""
    loyalty = {"type": "loyalty", "id": "pts", "earn": [{"points": "1"}]}
    engine = pm.Engine([], programs=[loyalty, raw], currency="USD")
    note(json.dumps(raw))
    note(f"snapshot {snapshot}")
    op = {"op": "refer", "program": "friends", "advocate": "ana", "advocate_email": None,
          "friend": "fresh", "email": email, "now": micros(T0)}  # fmt: skip
    referred = rust(engine, op, snapshot)
    assert referred == reference(engine, op, snapshot)
    # Refused only when the friend's email was referred before.
    assume(referred[0]["answer"]["referred"])
    unrefer(engine, op, snapshot, applied(snapshot, referred), referred, converted)


def friend_state(state: dict[str, int], friend: str) -> tuple[int, int]:
    """The friend's ``by=ana`` and the advocate's ``friend=`` values."""
    ff = ref.referral_family("friends", "friend", friend)
    af = ref.referral_family("friends", "advocate", "ana")
    return state.get(f"{ff}#by=ana", 0), state.get(f"{af}#friend={friend}", 0)


def unrefer(engine: pm.Engine, op: dict[str, Any], snapshot: dict[str, int],
            after: dict[str, int], referred: Any, converted: bool) -> None:  # fmt: skip
    """Rolling back the order that referred the friend, optionally after a later conversion:
    the same decision from both; a friend still pending is unreferred (the referral's
    counters back where they were), one who converted since stays referred and converted."""
    if converted:
        conv = {"op": "convert", "program": "friends", "friend": op["friend"], "now": op["now"],
                "codes": list(CODES)}  # fmt: skip
        done, expected_done = rust(engine, conv, after), reference(engine, conv, after)
        assert done == expected_done
        if isinstance(done, tuple) or done[0]["answer"] is None:
            return
        after = applied(after, done)
    back = {"op": "rollback", "deltas": referred[0]["deltas"], "now": op["now"]}
    note(f"rollback {back}")
    undone, expected_undone = rust(engine, back, after), reference(engine, back, after)
    assert undone == expected_undone
    restored = applied(after, undone)
    if converted:
        assert friend_state(restored, op["friend"]) == friend_state(after, op["friend"])
        assert friend_state(restored, op["friend"])[0] == 2
        # The kept referral is bounded: it applies only while the friend is still converted.
        by = next(d for d in undone[0]["deltas"] if d[0].endswith("#by=ana"))
        assert (by[1], by[3]) == (0, 2)
    else:
        for key in set(snapshot) | set(restored):
            if key.startswith("referral|"):
                assert restored.get(key, 0) == snapshot.get(key, 0), key
