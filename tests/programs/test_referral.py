"""Referral programmes, hand-checked on every store (DESIGN section 10, "Referral"): each test is
one sentence of the issue's seed (an advocate shares a code, the friend gets a discount, the
referral counts on a conversion, conditional rewards, tiers, events out, QR codes at the
till) or a fraud check with its named reason."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import promotor as pm
from promotor.errors import NotEligibleError
from promotor.expr import cart, customer, item
from tests.state.conftest import ALL, fresh_url

NOW = datetime(2026, 11, 27, 10, tzinfo=UTC)
ANA = {"id": "ana", "email": "Ana.Nowak@gmail.com", "segments": ["loyalty"]}


def order(price: str, sku: str = "A") -> dict[str, Any]:
    return {"items": [{"sku": sku, "price": price, "quantity": 1}]}


def friend(fid: str, **kw: Any) -> dict[str, Any]:
    return {"id": fid, "orders_count": 0, **kw}


def seed(**kw: Any) -> pm.Referral:
    """The seed's programme: 10 off the friend's first order of at least 20 (product X
    excluded), converting on a first order over 60; one friend: 10 off, three: 50 off;
    loyalty members only; valid in November and December; 10 rewarded referrals a month."""
    base: dict[str, Any] = {
        "id": "friends",
        "friend_effect": pm.amount_off(10, on=pm.items(item.sku != "X")),
        "friend_rules": (customer.orders_count == 0) & (cart.subtotal >= 20),
        "advocate_rules": customer.segments.contains("loyalty"),
        "conversion": cart.subtotal >= 60,
        "rewards": [
            pm.referral_reward(1, pm.amount_off(10)),
            pm.referral_reward(3, pm.amount_off(50)),
        ],
        "starts_at": datetime(2026, 11, 1, tzinfo=UTC),
        "ends_at": datetime(2027, 1, 1, tzinfo=UTC),
        "limits": [pm.limit(10, every="month")],
    }
    base.update(kw)
    return pm.Referral(**base)


@pytest.fixture(params=ALL)
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return fresh_url(request.param, tmp_path)


def make(url: str, *programs: Any) -> pm.Engine:
    return pm.Engine([], programs=list(programs) or [seed()], store=url)


def events(engine: pm.Engine, kind: str) -> list[pm.events.Event]:
    return [e for e in engine.store.events(limit=1000) if e.type == kind]


def reasons(result: pm.Result) -> list[tuple[str, str | None]]:
    return [(r.reason, r.detail) for r in result.rejected]


# -- the seed, sentence by sentence ----------------------------------------------------------


def test_an_advocate_gets_one_stable_code_and_the_crm_hears_of_it(url: str) -> None:
    engine = make(url)
    code = engine.referral_code("friends", advocate=ANA, now=NOW)
    assert code.startswith("REF-")
    assert len(code) == len("REF-####-####")
    assert engine.referral_code("friends", advocate="ana", now=NOW) == code
    assert engine.referrals("ana").code == code
    (event,) = events(engine, "code_assigned")
    assert event.customer_id == "ana"
    assert event.payload == {"program": "friends", "campaign_id": "friends", "code": code,
                             "kind": "referral"}  # fmt: skip


def test_only_loyalty_members_can_be_advocates(url: str) -> None:
    engine = make(url)
    with pytest.raises(NotEligibleError) as err:
        engine.referral_code("friends", advocate={"id": "bob", "segments": []}, now=NOW)
    assert err.value.errors()[0]["type"] == "not_eligible"
    assert engine.referrals("bob").code is None
    assert events(engine, "code_assigned") == []


def test_the_friend_gets_10_off_a_first_order_of_at_least_20_product_x_excluded(url: str) -> None:
    engine = make(url)
    code = engine.referral_code("friends", advocate=ANA, now=NOW)
    ok = engine.evaluate(order("25.00"), customer=friend("bob"), codes=[code], now=NOW)
    assert ok.total == Decimal("15.00")
    assert [a.campaign_id for a in ok.applied] == ["friends"]
    small = engine.evaluate(order("19.99"), customer=friend("bob"), codes=[code], now=NOW)
    assert small.total == Decimal("19.99")
    assert [r.reason for r in small.rejected] == ["rules_not_met"]
    only_x = engine.evaluate(order("30.00", sku="X"), customer=friend("bob"), codes=[code], now=NOW)
    assert only_x.total == Decimal("30.00")
    returning = engine.evaluate(order("30.00"), customer={"id": "bob", "orders_count": 2},
                                codes=[code], now=NOW)  # fmt: skip
    assert returning.total == Decimal("30.00")
    # A code scanned at the till reads the same in any case and spacing.
    assert engine.evaluate(order("25.00"), customer=friend("bob"), codes=[f" {code.lower()} "],
                           now=NOW).total == Decimal("15.00")  # fmt: skip


def test_the_code_is_valid_between_day_x_and_y(url: str) -> None:
    engine = make(url)
    code = engine.referral_code("friends", advocate=ANA, now=NOW)
    for when in (datetime(2026, 10, 31, 23, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC)):
        r = engine.evaluate(order("25.00"), customer=friend("bob"), codes=[code], now=when)
        assert r.total == Decimal("25.00")
        assert reasons(r) == [("not_active", "the programme is not running")]


def test_a_first_use_whose_rules_fail_does_not_refer_the_friend(url: str) -> None:
    engine = make(url)
    code = engine.referral_code("friends", advocate=ANA, now=NOW)
    engine.redeem(order("10.00"), customer=friend("bob"), codes=[code], now=NOW)
    assert engine.referrals("ana").friends == []
    red = engine.redeem(order("25.00"), customer=friend("bob"), codes=[code], now=NOW)
    assert red.result.total == Decimal("15.00")
    assert engine.referrals("ana").friends == [("bob", "pending")]


def test_the_referral_counts_only_on_a_first_order_over_60(url: str) -> None:
    engine = make(url)
    code = engine.referral_code("friends", advocate=ANA, now=NOW)
    engine.redeem(order("30.00"), customer=friend("bob"), codes=[code], now=NOW)
    progress = engine.referrals("ana")
    assert (progress.pending, progress.converted, progress.rewarded) == (1, 0, 0)
    assert (progress.next_tier, progress.to_next_tier) == (1, 1)
    # A later order without the code, over 60: the referral converts (once).
    engine.redeem(order("75.00"), customer={"id": "bob", "orders_count": 1}, now=NOW,
                  order_id="o-2")  # fmt: skip
    engine.redeem(order("90.00"), customer={"id": "bob", "orders_count": 2}, now=NOW)
    progress = engine.referrals("ana")
    assert (progress.pending, progress.converted, progress.rewarded) == (0, 1, 1)
    assert (progress.tier, progress.next_tier, progress.to_next_tier) == (1, 3, 2)
    (converted,) = events(engine, "referral_converted")
    assert converted.customer_id == "ana"
    assert converted.payload == {"program": "friends", "friend_id": "bob", "rewarded": True,
                                 "referrals": 1, "next_tier": 3, "to_next_tier": 2,
                                 "via": "order", "order_id": "o-2"}  # fmt: skip


def test_or_when_the_friend_completes_a_profile(url: str) -> None:
    profile = seed(on="profile_completed", conversion=None)
    engine = make(url, profile)
    code = engine.referral_code("friends", advocate=ANA, now=NOW)
    engine.redeem(order("75.00"), customer=friend("bob"), codes=[code], now=NOW)
    assert engine.referrals("ana").pending == 1  # an order does not convert this programme
    assert engine.track("profile_completed", "bob", now=NOW) == {"friends": 1}
    assert engine.track("profile_completed", "bob", now=NOW) == {"friends": 0}
    assert engine.track("profile_completed", "zoe", now=NOW) == {"friends": 0}
    assert engine.referrals("ana").rewarded == 1
    (converted,) = events(engine, "referral_converted")
    assert converted.payload["via"] == "event"
    assert converted.payload["event"] == "profile_completed"


def test_one_friend_10_off_three_friends_50_off_as_wallet_codes(url: str) -> None:
    engine = make(url)
    code = engine.referral_code("friends", advocate=ANA, now=NOW)
    for f in ("bob", "cyd", "dan"):
        engine.redeem(order("70.00"), customer=friend(f), codes=[code], now=NOW)
    issued = events(engine, "reward_issued")
    assert [(e.payload["referrals"], e.payload["campaign_id"]) for e in issued] == [
        (1, "friends:1"),
        (3, "friends:3"),
    ]
    assert all(e.customer_id == "ana" for e in issued)
    ten, fifty = (e.payload["code"] for e in issued)
    # The rewards are the advocate's, once each.
    assert (
        engine.evaluate(order("100.00"), customer={"id": "ana"}, codes=[fifty], now=NOW).total == 50
    )
    rej = engine.evaluate(order("100.00"), customer={"id": "bob"}, codes=[ten], now=NOW).rejected
    assert [r.reason for r in rej] == ["not_assigned_to_customer"]
    engine.redeem(order("100.00"), customer={"id": "ana"}, codes=[ten], now=NOW)
    again = engine.evaluate(order("100.00"), customer={"id": "ana"}, codes=[ten], now=NOW)
    assert again.total == 100
    assert [(r.reason, r.detail) for r in again.rejected] == [("limit_reached", "per_code")]
    progress = engine.referrals("ana")
    assert (progress.rewarded, progress.tier, progress.next_tier) == (3, 3, None)
    assert progress.friends == [("bob", "rewarded"), ("cyd", "rewarded"), ("dan", "rewarded")]
    # The advocate's own code is not in their wallet.
    assert code not in [c.code for c in engine.wallet("ana", now=NOW)]


def test_at_most_10_rewarded_referrals_per_advocate_per_month(url: str) -> None:
    engine = make(url, seed(limits=[pm.limit(2, every="month")],
                           rewards=[pm.referral_reward(3, pm.amount_off(50))]))  # fmt: skip
    code = engine.referral_code("friends", advocate=ANA, now=NOW)
    for f in ("bob", "cyd", "dan"):
        engine.redeem(order("70.00"), customer=friend(f), codes=[code], now=NOW)
    progress = engine.referrals("ana")
    assert (progress.converted, progress.rewarded) == (3, 2)
    assert ("dan", "converted") in progress.friends
    assert events(engine, "reward_issued") == []
    assert [e.payload["rewarded"] for e in events(engine, "referral_converted")] == [
        True, True, False,
    ]  # fmt: skip
    # December starts a new period: the third rewarded referral reaches the tier.
    engine.redeem(order("70.00"), customer=friend("eve"), codes=[code],
                  now=datetime(2026, 12, 2, tzinfo=UTC))  # fmt: skip
    assert engine.referrals("ana").rewarded == 3
    assert [e.payload["referrals"] for e in events(engine, "reward_issued")] == [3]


def test_single_sided_and_points_and_gift_card_rewards(url: str) -> None:
    points = pm.Loyalty(id="points", earn=[pm.earn(points=1, per=1)])
    single = pm.Referral(
        id="invite",
        rewards=[pm.referral_reward(1, 500), pm.referral_reward(2, gift_card="25.00")],
    )
    engine = make(url, points, single)
    code = engine.referral_code("invite", advocate="ana", now=NOW)
    r = engine.redeem(order("40.00"), customer={"id": "bob"}, codes=[code], now=NOW)
    assert r.result.total == Decimal("40.00")
    assert r.result.rejected == []
    assert engine.balance("ana", program="points", now=NOW).available == 500
    engine.redeem(order("40.00"), customer={"id": "cyd"}, codes=[code], now=NOW)
    card = next(e for e in events(engine, "reward_issued") if e.payload["kind"] == "gift_card")
    assert card.payload["amount"] == "25.00"
    got = engine.gift_card(card.payload["code"])
    assert (got.balance, got.customer_id, got.active) == (Decimal("25.00"), None, True)
    assert [e.customer_id for e in events(engine, "gift_card_issued")] == ["ana"]
    engine.store.verify()


# -- fraud checks ----------------------------------------------------------------------------


def test_self_referral_by_own_code_or_the_same_email(url: str) -> None:
    engine = make(url)
    code = engine.referral_code("friends", advocate=ANA, now=NOW)
    own = engine.evaluate(order("70.00"), customer=friend("ana"), codes=[code], now=NOW)
    assert reasons(own) == [("self_referral", "own code")]
    assert own.rejected[0].campaign_id == "friends"
    for alias in ("ana.nowak@gmail.com", "ananowak+promo@googlemail.com", " ANA.NO.WAK@Gmail.com"):
        r = engine.evaluate(order("70.00"), customer=friend("ana2", email=alias), codes=[code],
                            now=NOW)  # fmt: skip
        assert reasons(r) == [("self_referral", "same email")], alias
    # Other domains keep their dots (they may be different people); the +tag is dropped.
    other = make(url, seed(id="other"))
    c2 = other.referral_code("other", advocate={**ANA, "email": "ana.nowak@example.com"}, now=NOW)
    dots = other.evaluate(order("70.00"), customer=friend("z", email="ananowak@example.com"),
                          codes=[c2], now=NOW)  # fmt: skip
    assert dots.rejected == []
    assert dots.total == 60
    tag = other.evaluate(order("70.00"), customer=friend("z", email="ana.nowak+x@example.com"),
                         codes=[c2], now=NOW)  # fmt: skip
    assert reasons(tag) == [("self_referral", "same email")]


def test_already_referred_first_referrer_wins(url: str) -> None:
    engine = make(url)
    ana = engine.referral_code("friends", advocate=ANA, now=NOW)
    ben = engine.referral_code("friends", advocate={"id": "ben", "segments": ["loyalty"]}, now=NOW)
    engine.redeem(order("30.00"), customer=friend("bob", email="bob@gmail.com"), codes=[ana],
                  now=NOW)  # fmt: skip
    second = engine.redeem(order("30.00"), customer=friend("bob"), codes=[ben], now=NOW)
    assert second.result.total == Decimal("30.00")
    assert reasons(second.result) == [("already_referred", "referred before")]
    # A new account with an alias of the friend's gmail address counts as the same friend.
    alias = engine.evaluate(order("30.00"), customer=friend("bob2", email="b.o.b+2@gmail.com"),
                            codes=[ben], now=NOW)  # fmt: skip
    assert reasons(alias) == [("already_referred", "same email referred before")]
    # The conversion is the first referrer's.
    engine.redeem(order("70.00"), customer={"id": "bob", "orders_count": 1}, now=NOW)
    assert engine.referrals("ana").rewarded == 1
    assert engine.referrals("ben").friends == []


def test_a_refund_claws_back_the_conversion_and_its_rewards(url: str) -> None:
    engine = make(url)
    code = engine.referral_code("friends", advocate=ANA, now=NOW)
    reds = [engine.redeem(order("70.00"), customer=friend(f), codes=[code], now=NOW)
            for f in ("bob", "cyd", "dan")]  # fmt: skip
    fifty = events(engine, "reward_issued")[1].payload["code"]
    engine.rollback(reds[2].id, reason="refund", now=NOW)
    progress = engine.referrals("ana")
    assert (progress.converted, progress.rewarded, progress.tier) == (2, 2, 1)
    assert ("dan", "pending") not in progress.friends
    assert len(progress.friends) == 2
    # The tier-3 code is gone: nobody can use it.
    gone = engine.evaluate(order("100.00"), customer={"id": "ana"}, codes=[fifty], now=NOW)
    assert gone.total == 100
    assert [r.reason for r in gone.rejected] == ["unknown_code"]
    (reversed_,) = events(engine, "referral_reversed")
    assert reversed_.customer_id == "ana"
    assert reversed_.payload["friend_id"] == "dan"
    assert reversed_.payload["codes"] == [pm.codes.normalize(fifty)]
    # The refunded friend may be referred again, and tier 3 is reached (and issued) again.
    engine.redeem(order("70.00"), customer=friend("dan"), codes=[code], now=NOW)
    assert [e.payload["referrals"] for e in events(engine, "reward_issued")] == [1, 3, 3]
    engine.store.verify()


def test_refunding_the_first_order_after_a_later_one_converted_keeps_the_referral(
    url: str,
) -> None:
    # The conversion stands until its own order is refunded, so the friend stays referred
    # (refunding the first order used to leave the friend "referred" with the advocate's
    # entry "rewarded": every later order of the friend then failed with ConflictError).
    engine = make(url)
    code = engine.referral_code("friends", advocate=ANA, now=NOW)
    first = engine.redeem(order("30.00"), customer=friend("bob"), codes=[code], now=NOW)
    later = engine.redeem(order("75.00"), customer={"id": "bob", "orders_count": 1}, now=NOW)
    engine.rollback(first.id, reason="refund", now=NOW)
    progress = engine.referrals("ana")
    assert (progress.pending, progress.converted, progress.rewarded) == (0, 1, 1)
    assert progress.friends == [("bob", "rewarded")]
    # The friend orders again: it commits, and converts nothing twice.
    again = engine.redeem(order("80.00"), customer={"id": "bob", "orders_count": 2}, now=NOW)
    assert again.status == "redeemed"
    assert len(events(engine, "referral_converted")) == 1
    assert events(engine, "referral_reversed") == []
    # Refunding the converting order too: the friend is pending again, and converts again.
    engine.rollback(later.id, reason="refund", now=NOW)
    assert engine.referrals("ana").friends == [("bob", "pending")]
    engine.redeem(order("90.00"), customer={"id": "bob", "orders_count": 3}, now=NOW)
    progress = engine.referrals("ana")
    assert (progress.pending, progress.converted, progress.rewarded) == (0, 1, 1)
    assert [e.payload["referrals"] for e in events(engine, "reward_issued")] == [1, 1]
    engine.store.verify()


def test_refunding_the_first_order_before_a_conversion_unrefers_the_friend(url: str) -> None:
    engine = make(url)
    code = engine.referral_code("friends", advocate=ANA, now=NOW)
    ben = engine.referral_code("friends", advocate={**ANA, "id": "ben", "email": None}, now=NOW)
    first = engine.redeem(order("30.00"), customer=friend("bob"), codes=[code], now=NOW)
    engine.rollback(first.id, reason="refund", now=NOW)
    assert engine.referrals("ana").friends == []
    # Another advocate may now refer the friend, and the conversion is theirs.
    engine.redeem(order("30.00"), customer=friend("bob"), codes=[ben], now=NOW)
    engine.redeem(order("75.00"), customer={"id": "bob", "orders_count": 1}, now=NOW)
    assert (engine.referrals("ana").converted, engine.referrals("ben").converted) == (0, 1)
    engine.store.verify()


def test_a_clawed_back_gift_card_gives_back_what_is_left(url: str) -> None:
    single = pm.Referral(id="invite", rewards=[pm.referral_reward(1, gift_card="25.00")])
    engine = make(url, single)
    code = engine.referral_code("invite", advocate="ana", now=NOW)
    red = engine.redeem(order("40.00"), customer={"id": "bob"}, codes=[code], now=NOW)
    card = events(engine, "reward_issued")[0].payload["code"]
    engine.redeem(order("10.00"), customer={"id": "ana"}, gift_cards=[card], now=NOW)
    engine.rollback(red.id, now=NOW)
    (ev,) = events(engine, "referral_reversed")
    assert ev.payload["gift_cards"] == [{"code": pm.codes.normalize(card), "amount": "25.00",
                                         "recovered": "15.00"}]  # fmt: skip
    with pytest.raises(pm.errors.NotFoundError):
        engine.gift_card(card)
    engine.store.verify()


def test_a_clawed_back_points_reward_is_taken_back(url: str) -> None:
    points = pm.Loyalty(id="points", earn=[pm.earn(points=1, per=1)], point_value="0.01")
    single = pm.Referral(id="invite", rewards=[pm.referral_reward(1, 500)])
    engine = make(url, points, single)
    code = engine.referral_code("invite", advocate="ana", now=NOW)
    red = engine.redeem(order("40.00"), customer={"id": "bob"}, codes=[code], now=NOW)
    assert engine.balance("ana", program="points", now=NOW).available == 500
    engine.rollback(red.id, now=NOW)
    assert engine.balance("ana", program="points", now=NOW).available == 0
    engine.store.verify()


def test_definitions_are_checked_with_their_location() -> None:
    with pytest.raises(pm.errors.RuleError) as err:
        pm.Engine(
            [],
            programs=[
                pm.Referral(
                    id="r",
                    rewards=[
                        pm.referral_reward(3, pm.amount_off(5)),
                        pm.referral_reward(1, pm.amount_off(5)),
                    ],
                )
            ],
        )
    assert "ascending" in str(err.value)
    with pytest.raises(pm.errors.RuleError) as err:
        pm.Engine([], programs=[pm.Referral(id="r", rewards=[pm.referral_reward(1, 500)])])
    assert "loyalty programme" in str(err.value)
    with pytest.raises(pm.errors.RuleError) as err:
        pm.Engine([], programs=[pm.Referral(id="r", limits=[pm.budget("10")])])
    assert "rewarded referrals per advocate" in str(err.value)


def test_the_qr_code_and_barcode_of_an_advocate_code() -> None:
    engine = pm.Engine([], programs=[seed()])
    code = engine.referral_code("friends", advocate=ANA, now=NOW)
    assert pm.codes.qr(code).startswith(b"<")
    assert pm.codes.barcode(code).startswith(b"<")


def test_a_retried_converting_order_converts_once(url: str) -> None:
    # The fresh reward codes of each attempt are not part of the request: the same
    # idempotency key returns the first redemption, with one conversion and one reward.
    engine = make(url)
    code = engine.referral_code("friends", advocate=ANA, now=NOW)
    first = engine.redeem(order("70.00"), customer=friend("bob"), codes=[code], now=NOW,
                          idempotency_key="k-1")  # fmt: skip
    again = engine.redeem(order("70.00"), customer=friend("bob"), codes=[code], now=NOW,
                          idempotency_key="k-1")  # fmt: skip
    assert again.id == first.id
    assert len(events(engine, "reward_issued")) == 1
    assert engine.referrals("ana").rewarded == 1
