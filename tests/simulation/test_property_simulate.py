"""simulate == engine.redeem on each order in created_at order against a fresh memory store,
order by order, on generated engines (usage limits, budgets, shared keys, once per customer
and per code, periods) and histories (few customers, repeated codes, equal times, unsorted
input); and the pure-Python reference evaluator, replayed on a dict of counters, makes the
same decisions. A failure is a bug in the replay (rust/promotor-core/src/simulate/) or in
one evaluator."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pyarrow as pa
from hypothesis import event, given, note, settings
from hypothesis import strategies as st

import promotor as pm
from promotor import reference

from ..programs.test_property_programs import programmes as loyalty
from ..programs.test_property_referral import programmes as referral
from ..strategies import CATEGORIES, SEGMENTS, T0, TAGS, engines, limited_engines
from ..twin import engine_or_skip

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


def on_fresh_store(engine: pm.Engine) -> tuple[pm.Engine, pm.Store]:
    """A copy of ``engine`` that redeems against a new memory store, and the store."""
    store = pm.store("memory://")
    redeeming = pm.Engine.from_json(engine.to_json())
    redeeming._store = store
    return redeeming, store


def redeem(
    engine: pm.Engine, o: dict[str, Any], oid: str, codes: list[str], **more: Any
) -> pm.Redemption:
    """``engine.redeem`` of a generated order, as the order's row in ``table`` says it."""
    return engine.redeem(
        {"items": o["items"], "shipping": o["shipping"]},
        customer={
            "id": o["customer_id"],
            "segments": o["segments"],
            "orders_count": o["orders_count"],
        },
        codes=codes,
        now=T0 + timedelta(minutes=o["minute"]),
        order_id=oid,
        **more,
    )


def by_order(
    report: pm.Report,
) -> tuple[dict[str, dict[str, Any]], dict[str, list[tuple[str, Decimal]]]]:
    """A report's order rows by order id, and each order's (campaign, amount) rows."""
    got = {r["order_id"]: r for r in report.orders.to_pylist()}
    amounts: dict[str, list[tuple[str, Decimal]]] = {}
    for r in report.applied.to_pylist():
        amounts.setdefault(r["order_id"], []).append((r["campaign_id"], r["amount"]))
    return got, amounts


def check(engine_ir: dict[str, Any], history: list[dict[str, Any]], shuffle: list[int]) -> None:
    engine = engine_or_skip(engine_ir)
    # Give the rows in another order than time order: simulate sorts them, stably.
    rows = table(history)
    order = sorted(range(len(history)), key=lambda i: shuffle[i % len(shuffle)])
    report = pm.simulate(engine, rows.take(order), progress=False, final_counters=True)
    history = [history[i] for i in order]
    got, amounts = by_order(report)

    redeeming, store = on_fresh_store(engine)
    ref_state: dict[str, int] = {}
    for i, o in in_time_order(history):
        oid = f"o{order[i]}"
        res = redeem(redeeming, o, oid, o["codes"]).result
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


# --- programmes (DESIGN section 10): points, tiers, referral, gift cards, code pools --------

#: Placeholders in generated orders: the advocate's referral code (made in the store before
#: the replay), gift cards issued there, and pool codes added there.
REF = "$ref"
GIFT_CARDS = ["GC-1", "gc-2", "GC-3", "GC-NONE"]
POOL = ["P-1", "p-2", "P-3", "P-NONE"]
PROGRAMME_CODES = ["code0", "CODE1", "nope", REF, REF, REF, *POOL]

programme_order = st.fixed_dictionaries(
    {
        "customer_id": st.sampled_from(["c0", "c1", "c2", "c3", None]),
        "segments": st.lists(st.sampled_from(SEGMENTS), max_size=1),
        "orders_count": st.integers(0, 2),
        "codes": st.lists(st.sampled_from(PROGRAMME_CODES), max_size=2),
        # Hours over about ten days, so points pend, become available, expire and count in
        # or out of a tier window.
        "minute": st.one_of(st.integers(0, 10 * 24 * 60), st.integers(0, 3)),
        "shipping": st.sampled_from([Decimal("0"), Decimal("4.99")]),
        "items": st.lists(line, min_size=1, max_size=3),
        "gift_cards": st.lists(st.sampled_from(GIFT_CARDS), max_size=2),
        "points": st.one_of(st.none(), st.integers(0, 400)),
    }
)


@st.composite
def programme_engines(draw: st.DrawFn) -> dict[str, Any]:
    """Limited engines with a loyalty programme (earning, tiers, pending, expiry), often a
    referral programme (every kind of reward, limits) and a campaign taking pool codes."""
    engine = draw(limited_engines(engines(max_campaigns=3, depth=1)))
    engine["currency"] = "USD"
    programs = [draw(loyalty())]
    if draw(st.booleans()):
        friends = draw(referral())
        if draw(st.integers(0, 3)):
            # Mostly orders convert (not a named event), at any time of the history.
            friends.update(on=None, starts_at=None, ends_at=None)
        programs.append(friends)
    engine["programs"] = programs
    if draw(st.booleans()):
        limits = [{"type": "limit", "max": 1, "per": "code"}] if draw(st.booleans()) else []
        engine["campaigns"].append(
            {
                "id": "pooled",
                "unique_codes": True,
                "effect": {"type": "amount_off", "amount": {"type": "num", "value": "3"}},
                "limits": limits,
            }
        )
    return engine


def _canonical_codes(counters: dict[str, int]) -> list[tuple[str, int]]:
    """Counters with the codes referral rewards issue (random ``RW-`` ones in a redeem, ``SIM-``
    ones in a replay) named alike, as a sorted multiset."""
    import re

    issued = re.compile(r"code=(rw|sim)-[^#|]*")
    return sorted((issued.sub("code=<issued>", k), v) for k, v in counters.items() if v)


def _setup(engine: pm.Engine, store: Any) -> str | None:
    """The state the history starts from: gift cards, an advocate's code, pool codes."""
    before = T0 - timedelta(days=1)
    engine.issue_gift_card("30.00", code="GC-1", now=before)
    engine.issue_gift_card("5.00", code="GC-2", expires_at=T0 + timedelta(days=3), now=before)
    engine.issue_gift_card("12.00", code="GC-3", now=before)
    if any(c.id == "pooled" for c in engine.campaigns):
        store.add_codes("pooled", ["P-1", "P-2", "P-3"], customers=["c1", None, "c2"])
    if any(p.id == "friends" for p in engine.programs):
        return engine.referral_code("friends", advocate="c0", now=before)
    return None


def programme_table(history: list[dict[str, Any]], ref: str | None) -> pa.Table:
    rows = table(history)
    codes = [[(ref or "no-ref") if c == REF else c for c in o["codes"]] for o in history]
    rows = rows.set_column(rows.schema.get_field_index("codes"), "codes", pa.array(codes))
    rows = rows.append_column("gift_cards", pa.array([o["gift_cards"] for o in history]))
    # Points pay only with a customer id (engine.redeem refuses them without one, as does
    # the replay).
    points = [o["points"] if o["customer_id"] is not None else None for o in history]
    return rows.append_column("points", pa.array(points, pa.int64()))


def check_programmes(engine_ir: dict[str, Any], history: list[dict[str, Any]]) -> None:
    engine = engine_or_skip(engine_ir)
    redeeming, store = on_fresh_store(engine)
    ref = _setup(redeeming, store)
    start = store._dump()
    report = pm.simulate(
        engine, programme_table(history, ref), state=store, progress=False, final_counters=True
    )
    # The replay reads the store and never writes to it.
    assert store._dump().counters == start.counters
    got, amounts = by_order(report)
    paid = {"gift_card": Decimal(0), "points": 0}
    for i, o in in_time_order(history):
        oid = f"o{i}"
        red = redeem(
            redeeming,
            o,
            oid,
            [(ref or "no-ref") if c == REF else c for c in o["codes"]],
            gift_cards=o["gift_cards"],
            points=o["points"] if o["customer_id"] is not None else None,
        )
        res = red.result
        row = got[oid]
        note(f"{oid}: {row} {res.payments}")
        assert row["discount"] == res.discount
        assert row["total"] == res.total
        assert row["applied"] == [a.campaign_id for a in res.applied]
        assert amounts.get(oid, []) == [(a.campaign_id, a.amount) for a in res.applied]
        for p in res.payments:
            if p.kind == "gift_card":
                paid["gift_card"] += p.amount
            else:
                paid["points"] += p.points or 0
    final = store._dump().counters
    tally = report._run(None).tally
    assert _canonical_codes(tally["counters"]) == _canonical_codes(final)
    assert report.gift_cards.to_pylist()[0]["redeemed"] == paid["gift_card"]
    loyalty = report.loyalty.to_pylist()
    assert sum(r["points_redeemed"] for r in loyalty) == paid["points"]
    earned = sum(
        e.payload["points"] for e in store.events(limit=100_000) if e.type == "points_earned"
    )
    assert sum(r["points_earned"] for r in loyalty) == earned
    # Every customer with points state ends in one tier row, and the balances add up.
    for r in loyalty:
        tiers = [t for t in report.tiers.to_pylist() if t["program_id"] == r["program_id"]]
        assert sum(t["members"] for t in tiers) == r["members"]
        balances = [
            redeeming.balance(c, r["program_id"], now=tally_last(tally)) for c in members(final)
        ]
        assert sum(b.available + b.pending for b in balances) == r["points_outstanding"]
        if r["upgrades"]:
            event("a tier upgrade")
        if r["points_redeemed"]:
            event("points paid an order")
    if paid["gift_card"]:
        event("a gift card paid")
    for r in report.referrals.to_pylist():
        if r["conversions"]:
            event("a referral converted")
        if r["rewards_issued"]:
            event("a referral reward was issued")
    for r in report.codes.to_pylist():
        if r["redeemed"]:
            event("a pool or issued code was redeemed")


def members(counters: dict[str, int]) -> list[str]:
    """Customers with any loyalty counter."""
    from promotor.programs.keys import family_customer

    out = []
    for k in counters:
        if k.startswith("loyalty|"):
            c = family_customer(k.partition("#")[0])
            if c is not None and c not in out:
                out.append(c)
    return out


def tally_last(tally: dict[str, Any]) -> Any:
    from datetime import UTC, datetime

    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=tally["last_at"])


#: Cases of the programme properties: each case redeems every order in Python, so `make test`
#: (the fast profile) runs 100; the slow profile runs its own count (100,000).
PROGRAMME_EXAMPLES = 100 if settings.default.max_examples <= 300 else settings.default.max_examples


@settings(max_examples=PROGRAMME_EXAMPLES)
@given(programme_engines(), st.lists(programme_order, min_size=1, max_size=20))
def test_property_simulate_with_programmes_equals_sequential_redeem(
    engine_ir: dict[str, Any], history: list[dict[str, Any]]
) -> None:
    check_programmes(engine_ir, history)


@st.composite
def loyalty_engines(draw: st.DrawFn) -> dict[str, Any]:
    engine = draw(limited_engines(engines(max_campaigns=3, depth=1)))
    engine["currency"] = "USD"
    engine["programs"] = [draw(loyalty())]
    return engine


@settings(max_examples=PROGRAMME_EXAMPLES)
@given(loyalty_engines(), st.lists(programme_order, min_size=1, max_size=20))
def test_property_simulate_with_loyalty_equals_the_reference(
    engine_ir: dict[str, Any], history: list[dict[str, Any]]
) -> None:
    """The pure-Python reference replays the same history on a dict of counters: each order's
    discounts (``reference.decide``), then the points it earns on what it paid after discounts
    and before shipping, at the tier read before the order, and the tier changes it announces
    (``promotor.testing.reference.programs``). Its counters at the end equal the replay's."""
    from promotor.testing.reference.programs.keys import loyalty_family
    from promotor.testing.reference.programs.loyalty import _programmes
    from promotor.testing.reference.programs.work import Work

    engine = engine_or_skip(engine_ir)
    report = pm.simulate(engine, table(history), progress=False, final_counters=True)
    (programme,) = _programmes(engine_ir).values()
    state: dict[str, int] = {}
    upgrades = 0
    for _, o in in_time_order(history):
        c = canonical(o)
        keys = reference.state_keys(engine_ir, c)
        result, deltas = reference.decide(engine_ir, c, {k: state.get(k, 0) for k in keys})
        for d in deltas:
            state[d["key"]] = state.get(d["key"], 0) + d["add"]
        customer = o["customer_id"]
        if customer is None:
            continue
        now = (c["context"]["now"] - T0).total_seconds()
        now_us = micros(T0) + int(now * 1_000_000)
        paid = result["subtotal"] - (result["discount"] - result["shipping_discount"])
        family = loyalty_family(programme.id, customer)
        w = Work(state)
        today = programme.today(now_us)
        points = programme.points(None, paid, programme.tier(w, family, today), now_us)
        if points > 0:
            programme.credit(w, family, points, programme.order_available(today), False)
        events: list[Any] = []
        programme.announce(w, family, customer, now_us, events)
        upgrades += sum(
            1
            for kind, _, payload in events
            if kind == "tier_changed" and payload["to"] is not None and (
                payload["from"] is None
                or programme.tiers().index(next(t for t in programme.tiers()
                                                if t["name"] == payload["from"]))
                < programme.tiers().index(next(t for t in programme.tiers()
                                               if t["name"] == payload["to"]))
            )
        )  # fmt: skip
        for key, add, _, _ in w.deltas():
            state[key] = state.get(key, 0) + add
    assert report._run(None).tally["counters"] == {k: v for k, v in state.items() if v}
    (row,) = report.loyalty.to_pylist()
    assert row["upgrades"] == upgrades
    if upgrades:
        event("a tier upgrade (reference)")


def micros(at: Any) -> int:
    from datetime import UTC, datetime

    return (at - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)
