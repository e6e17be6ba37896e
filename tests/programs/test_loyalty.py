"""Loyalty points, hand-checked (DESIGN section 10, "Loyalty, exactly"): each case states the
numbers a merchant would work out on paper."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

import promotor as pm

UTC = UTC
# Friday 2026-11-27 10:00 UTC (11:00 in Warsaw).
NOW = datetime(2026, 11, 27, 10, tzinfo=UTC)
SAT = datetime(2026, 11, 28, 10, tzinfo=UTC)


def cart(price: str, shipping: str = "5.00") -> dict[str, object]:
    return {"items": [{"sku": "A", "price": price, "quantity": 1}], "shipping": shipping}


def programme(**kw: object) -> pm.Loyalty:
    base: dict[str, object] = {
        "id": "points",
        "earn": [
            pm.earn(points=1, per=1),
            pm.earn(multiplier=2, schedule=pm.Schedule(weekdays=[6, 7], timezone="Europe/Warsaw")),
            pm.earn(points=50, on="review_posted"),
        ],
        "pending_days": 14,
        "expire_after_days": 365,
        "tiers": [
            pm.LoyaltyTier("silver", points=100),
            pm.LoyaltyTier("gold", points=200, multiplier=1.5),
        ],
        "tier_window_days": 365,
        "rewards": [pm.Reward("five-off", cost=100, effect=pm.amount_off(5))],
        "point_value": "0.01",
        "timezone": "Europe/Warsaw",
    }
    base.update(kw)
    return pm.Loyalty(**base)  # type: ignore[arg-type]


@pytest.fixture(params=["memory", "sqlite"])
def engine(request: pytest.FixtureRequest, tmp_path: object) -> pm.Engine:
    url = "memory://" if request.param == "memory" else f"sqlite:///{tmp_path}/t.db"
    return pm.Engine([], programs=[programme()], store=url)


def test_points_are_floored_once_after_every_multiplier(engine: pm.Engine) -> None:
    # 20.50 on a Saturday in Warsaw: 20.50 x 2 = 41 (not 2 x floor(20.50) = 40).
    red = engine.redeem(cart("20.50"), customer={"id": "c1"}, now=SAT)
    assert engine.balance("c1", now=SAT).pending == 41
    assert red.result.total == pm.Engine([]).evaluate(cart("20.50")).total


def test_shipping_earns_nothing_and_discounts_reduce_the_amount(tmp_path: object) -> None:
    e = pm.Engine([pm.Campaign(id="ten", effect=pm.amount_off(10))], programs=[programme()])
    e.redeem(cart("30.99", shipping="9.99"), customer={"id": "c1"}, now=NOW)
    assert e.balance("c1", now=NOW).pending == 20  # 30.99 - 10.00 = 20.99 -> 20


def test_order_points_are_pending_until_local_midnight(engine: pm.Engine) -> None:
    engine.redeem(cart("100.00"), customer={"id": "c1"}, now=NOW)
    # Earned on 2026-11-27 (Warsaw): available at 2026-12-11 00:00 Warsaw = 12-10 23:00 UTC.
    edge = datetime(2026, 12, 10, 23, tzinfo=UTC)
    assert engine.balance("c1", now=edge - timedelta(microseconds=1)) == pm.Balance(
        0, 100, [], None
    )
    b = engine.balance("c1", now=edge)
    assert (b.available, b.pending, b.expiring) == (100, 0, [(date(2027, 12, 11), 100)])
    # Pending points count toward nothing: no tier before they are available.
    assert engine.balance("c1", now=edge - timedelta(seconds=1)).tier is None
    assert b.tier == "silver"


def test_event_points_are_available_at_once_and_track_is_idempotent(engine: pm.Engine) -> None:
    assert engine.track("review_posted", "c1", now=NOW, idempotency_key="r-1") == {"points": 50}
    assert engine.track("review_posted", "c1", now=NOW, idempotency_key="r-1") == {"points": 50}
    assert engine.balance("c1", now=NOW).available == 50
    assert engine.track("unknown_event", "c1", now=NOW) == {"points": 0}


def test_lots_expire_and_spending_takes_the_earliest_to_expire(engine: pm.Engine) -> None:
    engine.track("review_posted", "c1", now=NOW)  # lot expires 2027-11-27
    engine.track("review_posted", "c1", now=NOW + timedelta(days=30))  # expires 2027-12-27
    later = NOW + timedelta(days=31)
    red = engine.redeem(cart("0.30", shipping="0.00"), customer={"id": "c1"}, now=later, points=30)
    assert [(p.kind, p.points, p.amount) for p in red.result.payments] == [
        ("points", 30, pm.Engine([]).evaluate(cart("0.30", "0.00")).total)
    ]
    b = engine.balance("c1", now=later)
    assert b.expiring == [(date(2027, 11, 27), 20), (date(2027, 12, 27), 50)]
    # At 00:00 Warsaw on 2027-11-27 the first lot's 20 points are gone, the other lot stays.
    gone = datetime(2027, 11, 26, 23, tzinfo=UTC)
    assert engine.balance("c1", now=gone).available == 50 + 0  # 20 expired


def test_paying_with_points_is_capped_by_balance_and_amount_due(engine: pm.Engine) -> None:
    engine.track("review_posted", "c1", now=NOW)
    red = engine.redeem(cart("0.20", shipping="0.10"), customer={"id": "c1"}, now=NOW, points=500)
    (payment,) = red.result.payments
    assert (payment.points, str(payment.amount), str(red.result.amount_due)) == (30, "0.30", "0.00")
    assert engine.balance("c1", now=NOW).available == 20
    red = engine.redeem(cart("9.00", shipping="0.00"), customer={"id": "c1"}, now=NOW, points=500)
    assert red.result.payments[0].points == 20
    assert str(red.result.amount_due) == "8.80"


def test_tier_is_read_before_the_order_and_multiplies(engine: pm.Engine) -> None:
    engine.track("review_posted", "c1", now=NOW)
    engine.track("review_posted", "c1", now=NOW)
    engine.track("review_posted", "c1", now=NOW)  # 150: silver
    assert engine.balance("c1", now=NOW).tier == "silver"
    engine.track("review_posted", "c1", now=NOW)  # 200: gold; this event earned at silver
    assert engine.balance("c1", now=NOW).available == 200
    engine.redeem(cart("10.00"), customer={"id": "c1"}, now=NOW)  # gold x1.5: 15
    assert engine.balance("c1", now=NOW).pending == 15
    changes = [e.payload["to"] for e in engine.store.events() if e.type == "tier_changed"]
    assert changes == ["silver", "gold"]


def test_tiers_follow_points_earned_not_the_balance(engine: pm.Engine) -> None:
    for _ in range(4):
        engine.track("review_posted", "c1", now=NOW)
    code = engine.redeem_reward("c1", "five-off", now=NOW)  # spends 100 of 200
    b = engine.balance("c1", now=NOW)
    assert (b.available, b.tier) == (100, "gold")
    assert code.startswith("RW-")


def test_a_reward_code_works_for_its_customer_once(engine: pm.Engine) -> None:
    engine.track("review_posted", "c1", now=NOW)
    engine.track("review_posted", "c1", now=NOW)
    code = engine.redeem_reward({"id": "c1"}, "five-off", now=NOW)
    other = engine.evaluate(cart("20.00"), customer={"id": "c2"}, codes=[code], now=NOW)
    assert [(r.reason, r.campaign_id) for r in other.rejected] == [
        ("not_assigned_to_customer", "points:five-off")
    ]
    red = engine.redeem(cart("20.00"), customer={"id": "c1"}, codes=[code.lower()], now=NOW)
    assert [(a.campaign_id, str(a.amount)) for a in red.result.applied] == [
        ("points:five-off", "5.00")
    ]
    again = engine.evaluate(cart("20.00"), customer={"id": "c1"}, codes=[code], now=NOW)
    assert [(r.reason, r.detail) for r in again.rejected] == [("limit_reached", "per_code")]
    with pytest.raises(pm.InputError, match="not enough points"):
        engine.redeem_reward("c1", "five-off", now=NOW)
    engine.rollback(red.id, now=NOW)
    ok = engine.evaluate(cart("20.00"), customer={"id": "c1"}, codes=[code], now=NOW)
    assert [a.campaign_id for a in ok.applied] == ["points:five-off"]
    engine.store.verify()


def test_rollback_takes_earned_points_from_pending_first(engine: pm.Engine) -> None:
    first = engine.redeem(cart("40.00"), customer={"id": "c1"}, now=NOW)  # 40 pending
    engine.store.verify()
    engine.rollback(first.id, now=NOW + timedelta(days=1))
    assert engine.balance("c1", now=NOW + timedelta(days=1)) == pm.Balance(0, 0, [], None)
    engine.store.verify()


def test_rollback_of_spent_points_leaves_a_debt_that_earnings_repay(engine: pm.Engine) -> None:
    order = engine.redeem(cart("60.00", "0.00"), customer={"id": "c1"}, now=NOW)
    day15 = NOW + timedelta(days=14)  # a Friday: the 60 points are available
    engine.redeem(cart("0.60", "0.00"), customer={"id": "c1"}, now=day15, points=60)  # spent
    assert engine.balance("c1", now=day15).available == 0
    engine.rollback(order.id, reason="refund", now=day15)
    # The 60 earned points were spent: nothing pending to take them from, so the balance
    # goes negative...
    assert engine.balance("c1", now=day15).available == -60
    back = next(e.payload for e in engine.store.events() if e.type == "rollback")
    assert back["taken_back"][0]["owed"] == 60
    # ...and later earnings pay that back first.
    engine.track("review_posted", "c1", now=day15)
    assert engine.balance("c1", now=day15).available == -10
    engine.track("review_posted", "c1", now=day15)
    assert engine.balance("c1", now=day15).available == 40
    engine.store.verify()


def test_rollback_returns_spent_points_to_their_lots(engine: pm.Engine) -> None:
    engine.track("review_posted", "c1", now=NOW)
    red = engine.redeem(cart("0.30", "0.00"), customer={"id": "c1"}, now=NOW, points=30)
    assert engine.balance("c1", now=NOW).available == 20
    engine.rollback(red.id, now=NOW)
    assert engine.balance("c1", now=NOW).available == 50
    engine.store.verify()


def test_events_are_written_with_their_changes(engine: pm.Engine) -> None:
    seen: list[pm.Event] = []
    engine.store.subscribe(seen.append)
    red = engine.redeem(
        cart("10.00"), customer={"id": "c1", "email": "Ana@Example.com"}, now=NOW, order_id="o-1"
    )
    types = [e.type for e in engine.store.events()]
    assert types == ["redemption", "points_earned"]
    assert [e.id for e in seen] == [1, 2]
    earned = engine.store.events()[1]
    assert earned.payload == {
        "program": "points",
        "points": 10,
        "source": "order",
        "available_on": "2026-12-11",
        "expires_on": "2027-12-11",
        "order_id": "o-1",
    }
    assert engine.store.customer_id(" ANA@example.com") == "c1"
    engine.rollback(red.id, now=NOW)
    assert [e.type for e in seen][-1] == "rollback"
    assert engine.store.events(after=2)[0].payload["redemption_id"] == red.id


def test_points_expiring_is_written_once_when_a_call_passes_the_notice(engine: pm.Engine) -> None:
    engine.track("review_posted", "c1", now=NOW)  # expires 2027-11-27
    before = datetime(2027, 11, 12, 12, tzinfo=UTC)  # 15 days before: not yet
    assert engine.sweep(now=before) == 0
    due = datetime(2027, 11, 13, 12, tzinfo=UTC)  # 14 days before
    assert engine.sweep(now=due) == 1
    assert engine.sweep(now=due) == 0
    (event,) = [e for e in engine.store.events() if e.type == "points_expiring"]
    assert event.payload == {
        "program": "points",
        "points": 50,
        "expires_on": "2027-11-27",
        "days_left": 14,
    }
    engine.store.verify()


def test_definitions_are_checked_with_their_location() -> None:
    with pytest.raises(pm.RuleError) as err:
        pm.Engine([], programs=[programme(timezone="Mars/Base", point_value="0.001")])
    locs = [e["loc"] for e in err.value.errors()]
    assert ("programs", 0, "timezone") in locs
    assert ("programs", 0, "point_value") in locs


def test_engines_with_programmes_round_trip_through_json() -> None:
    e = pm.Engine([], programs=[programme()])
    again = pm.Engine.from_json(e.to_json())
    assert again.to_ir() == e.to_ir()
    assert pm.Engine([]).to_ir().get("programs") is None
