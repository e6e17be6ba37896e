"""Several effects in one campaign (issue 10, item 9): "Birthday: 20 off plus free shipping,
valid for 7 days from the birthday". The effects apply in order, each on the cart as the ones
before it left it, and the campaign is explained as one ``Applied`` whose ``parts`` add up to
it, to the cent. Every case runs through both evaluators."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

import promotor as pm
from promotor import cart, context, customer, item
from promotor.errors import RuleError
from tests.both import both

WARSAW = "Europe/Warsaw"
BIRTHDAY_WEEK = (
    customer.birthday.last_anniversary(context.now, WARSAW).days_until(context.now.date(WARSAW)) < 7
)


def birthday_engine(**stacking: object) -> pm.Engine:
    return pm.Engine(
        [
            pm.Campaign(
                id="birthday",
                rules=BIRTHDAY_WEEK,
                effects=[pm.amount_off(20), pm.free_shipping()],
            )
        ],
        stacking=pm.Stacking(**stacking),  # type: ignore[arg-type]
    )


BASKET = {
    "items": [
        {"sku": "CAKE", "price": "30.00", "quantity": 1},
        {"sku": "CANDLE", "price": "5.00", "quantity": 2},
    ],
    "shipping": "4.99",
}


def at(y: int, m: int, d: int, h: int = 12) -> datetime:
    return datetime(y, m, d, h, tzinfo=UTC)


@pytest.mark.parametrize(
    ("birthday", "now", "applies"),
    [
        ("1990-01-30", at(2027, 1, 30), True),  # on the day
        ("1990-01-30", at(2027, 2, 5), True),  # the 7th day, across a month end
        ("1990-01-30", at(2027, 2, 6), False),  # the 8th day
        ("1990-12-29", at(2027, 1, 4), True),  # across a year end
        ("1990-12-29", at(2027, 1, 5), False),
        ("1990-12-29", at(2026, 12, 28), False),  # the day before
        ("1990-01-30", at(2027, 1, 29, 23), True),  # 23:00 UTC is already the 30th in Warsaw
    ],
)
def test_birthday_20_off_plus_free_shipping_valid_for_7_days(
    birthday: str, now: datetime, applies: bool
) -> None:
    result = both(birthday_engine(), BASKET, customer={"id": "c1", "birthday": birthday}, now=now)
    if not applies:
        assert result.applied == []
        assert [r.reason for r in result.rejected] == ["rules_not_met"]
        return
    [applied] = result.applied
    assert (applied.amount, applied.shipping_amount) == (Decimal("24.99"), Decimal("4.99"))
    assert result.total == Decimal("20.00")  # 40.00 + 4.99 - 20.00 - 4.99
    first, second = applied.parts
    assert (first.amount, first.shipping_amount) == (Decimal("20.00"), Decimal("0.00"))
    assert first.allocations == {0: Decimal("15.00"), 1: Decimal("5.00")}
    assert (second.amount, second.shipping_amount) == (Decimal("4.99"), Decimal("4.99"))
    assert second.allocations == {}


@pytest.mark.parametrize(
    ("now", "applies"),
    [
        (at(2027, 2, 28), True),  # common year: the birthday is February 28
        (at(2027, 3, 6), True),  # its 7th day
        (at(2027, 3, 7), False),
        (at(2028, 2, 28), False),  # leap year: the birthday is February 29
        (at(2028, 2, 29), True),
        (at(2028, 3, 6), True),
        (at(2028, 3, 7), False),
    ],
)
def test_a_february_29_birthday_is_february_28_in_common_years(
    now: datetime, applies: bool
) -> None:
    result = both(birthday_engine(), BASKET, customer={"birthday": "2000-02-29"}, now=now)
    assert bool(result.applied) is applies


def test_each_effect_sees_what_the_ones_before_it_left() -> None:
    engine = pm.Engine([pm.Campaign(id="both", effects=[pm.percent_off(50), pm.amount_off(30)])])
    result = both(engine, {"items": [{"sku": "A", "price": "50.00", "quantity": 1}]})
    [applied] = result.applied
    # 50% of 50.00, then 30.00 off the 25.00 left: 25.00 of it
    assert [p.amount for p in applied.parts] == [Decimal("25.00"), Decimal("25.00")]
    assert result.total == Decimal("0.00")


def test_parts_add_up_to_the_cent_after_max_discount() -> None:
    engine = pm.Engine(
        [
            pm.Campaign(
                id="tea-and-ship",
                effects=[
                    pm.percent_off(33, on=pm.items(item.category == "tea")),
                    pm.amount_off(7),
                    pm.free_shipping(),
                ],
            )
        ],
        stacking=pm.Stacking(max_discount=10),
    )
    basket = {
        "items": [
            {"sku": "T1", "price": "3.33", "quantity": 3, "category": "tea"},
            {"sku": "M", "price": "12.01", "quantity": 1},
        ],
        "shipping": "3.99",
    }
    [applied] = both(engine, basket).applied
    assert applied.limited_by == "max_discount"
    assert applied.amount == Decimal("2.20")  # 10% of 21.00 (rounded half-even)
    assert sum(p.amount for p in applied.parts) == applied.amount
    assert sum(p.shipping_amount for p in applied.parts) == applied.shipping_amount
    for line in (0, 1):
        assert sum(p.allocations.get(line, 0) for p in applied.parts) == applied.allocations.get(
            line, 0
        )


def test_a_tier_may_carry_several_effects() -> None:
    engine = pm.Engine(
        [
            pm.Campaign(
                id="spend-more",
                tiers=[
                    pm.Tier(cart.subtotal >= 100, pm.percent_off(10)),
                    pm.Tier(cart.subtotal >= 200, [pm.percent_off(15), pm.gift("TOTE")]),
                ],
            )
        ]
    )
    low = both(engine, {"items": [{"sku": "A", "price": "150.00"}]})
    assert low.applied[0].parts == []
    assert low.discount == Decimal("15.00")
    [applied] = both(engine, {"items": [{"sku": "A", "price": "200.00"}]}).applied
    assert (applied.tier, applied.amount) == (1, Decimal("30.00"))
    assert [g.sku for g in applied.gifts] == ["TOTE"]
    assert [[g.sku for g in p.gifts] for p in applied.parts] == [[], ["TOTE"]]


def test_stacking_sees_one_campaign() -> None:
    campaigns = [
        pm.Campaign(id="pair", effects=[pm.amount_off(5), pm.free_shipping()]),
        pm.Campaign(id="big", effect=pm.percent_off(20)),
    ]
    basket = {"items": [{"sku": "A", "price": "40.00"}], "shipping": "4.00"}
    best = both(pm.Engine(campaigns, stacking=pm.Stacking(mode="best_deal", max_applied=1)), basket)
    assert [a.campaign_id for a in best.applied] == ["pair"]  # 9.00 beats 8.00
    original = both(pm.Engine(campaigns, stacking=pm.Stacking(base="original")), basket)
    assert original.discount == Decimal("17.00")  # 5.00 + 4.00, then 20% of 40.00
    exclusive = [pm.Campaign(id="pair", effects=[pm.amount_off(5)], exclusive=True), campaigns[1]]
    only = both(pm.Engine(exclusive), basket)
    assert [a.campaign_id for a in only.applied] == ["pair"]
    assert [r.reason for r in only.rejected] == ["exclusive_conflict"]


def test_a_null_number_in_any_effect_is_no_effect() -> None:
    engine = pm.Engine(
        [pm.Campaign(id="x", effects=[pm.amount_off(5), pm.amount_off(customer["missing"])])]
    )
    result = both(engine, {"items": [{"sku": "A", "price": "40.00"}]})
    assert [r.reason for r in result.rejected] == ["no_effect"]


def test_effect_and_effects_together_are_refused() -> None:
    with pytest.raises(RuleError) as err:
        pm.Campaign(id="x", effect=pm.amount_off(5), effects=[pm.free_shipping()])
    assert err.value.errors()[0]["type"] == "exactly_one"
    with pytest.raises(RuleError) as err:
        pm.Campaign(id="x", effects=[])
    assert err.value.errors()[0]["type"] == "empty"


def test_explain_names_each_effect() -> None:
    result = both(
        birthday_engine(), BASKET, customer={"birthday": "1990-01-30"}, now=at(2027, 1, 30)
    )
    text = result.explain()
    assert "effect 1 amount_off(20): -20.00" in text
    assert "effect 2" in text
    assert "(shipping -4.99)" in text
    assert result.to_dict()["applied"][0]["parts"][1]["shipping_amount"] == Decimal("4.99")


def test_round_trips_through_json() -> None:
    engine = birthday_engine()
    assert pm.Engine.from_json(engine.to_json()).to_ir() == engine.to_ir()
    c = engine.to_ir()["campaigns"][0]
    assert "effect" not in c
    assert [e["type"] for e in c["effects"]] == ["amount_off", "shipping_off"]


def test_a_budget_reduces_several_effects_and_the_parts_follow() -> None:
    from promotor import reference
    from promotor.inputs import canonical_input

    engine = pm.Engine(
        [
            pm.Campaign(
                id="birthday",
                effects=[pm.amount_off(20), pm.free_shipping()],
                limits=[pm.budget("100.00")],
            )
        ]
    )
    request = engine._request(BASKET, None, (), at(2027, 1, 30), None)
    snapshot = {"budget|campaign=birthday": 9000}  # 10.00 of the budget left
    rust = request.decide(snapshot)[0].explained()
    canonical = canonical_input(BASKET, now=at(2027, 1, 30))
    assert reference.decide(engine.to_ir(), canonical, snapshot)[0] == rust
    [applied] = rust["applied"]
    assert (applied["amount"], applied["limited_by"]) == (Decimal("10.00"), "budget")
    parts = applied["parts"]
    # 24.99 shrinks to 10.00; each line's and the shipping's share splits over the effects
    assert sum(p["amount"] for p in parts) == Decimal("10.00")
    assert [p["shipping_amount"] for p in parts] == [Decimal("0.00"), Decimal("2.00")]


def test_redeem_and_wallet_keep_working() -> None:
    from promotor.stores.memory import MemoryStore

    engine = pm.Engine(
        [pm.Campaign(id="birthday", code="HAPPY", effects=[pm.amount_off(20), pm.free_shipping()])],
        store=MemoryStore(),
    )
    redemption = engine.redeem(BASKET, codes=["happy"], now=at(2027, 1, 30))
    [applied] = redemption.result.applied
    assert [p.amount for p in applied.parts] == [Decimal("20.00"), Decimal("4.99")]
    assert redemption.result.total == Decimal("20.00")


def test_definition_files_say_effects_as_a_list() -> None:
    from promotor.definitions import dumps, loads

    engine = loads(
        "campaigns:\n"
        "  - id: birthday\n"
        "    effects: [{type: amount_off, amount: 20}, {type: free_shipping}]\n"
    )
    assert (
        engine.to_ir()["campaigns"][0]["effects"]
        == birthday_engine().to_ir()["campaigns"][0]["effects"]
    )
    assert loads(dumps(engine)).to_ir() == engine.to_ir()


def test_a_budget_reduced_campaign_leaves_the_units_adding_up_for_the_next() -> None:
    # "1.00 off, then the rest of the order for 0.00", with only 5.00 of budget left: the
    # second effect was computed on units the unreduced first left; after the reduction its
    # share lands on all the line's units, so a later campaign still sees them add up.
    from promotor import reference
    from promotor.inputs import canonical_input

    engine = pm.Engine(
        [
            pm.Campaign(
                id="all-free",
                priority=1,
                effects=[pm.amount_off(1), pm.fixed_price(0)],
                limits=[pm.budget("100.00")],
            ),
            pm.Campaign(id="ten", effect=pm.percent_off(10)),
        ]
    )
    basket = {"items": [{"sku": "MUG", "price": "14.00", "quantity": 4}]}
    request = engine._request(basket, None, (), at(2027, 1, 30), None)
    snapshot = {"budget|campaign=all-free": 9500}  # 5.00 left
    rust = request.decide(snapshot)[0].explained()
    canonical = canonical_input(basket, now=at(2027, 1, 30))
    assert reference.decide(engine.to_ir(), canonical, snapshot)[0] == rust
    first, second = rust["applied"]
    assert (first["amount"], first["limited_by"]) == (Decimal("5.00"), "budget")
    assert second["amount"] == Decimal("5.10")  # 10% of the 51.00 left
