"""Buy-x-get-y completed (docs/semantics.md, "Effects"): percentage, amount and fixed-price
rewards, `get_from`, and no double-dipping between buy-x-get-y campaigns. Hand-computed, both
evaluators (tests/effects/_both.py)."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

import promotor as pm
from promotor import item
from promotor.errors import RuleError

from ._both import d, price

FOUR = [
    {"sku": "A", "price": "40.00"},
    {"sku": "B", "price": "30.00"},
    {"sku": "C", "price": "20.00"},
    {"sku": "D", "price": "10.00"},
]


def test_percent_reward_cheapest() -> None:
    # by price: A B C D; app 1 buys A and gets D, app 2 buys B and gets C; 50% of 30.00.
    p = price([pm.Campaign(id="b", effect=pm.buy_x_get_y(None, 1, percent=50))], FOUR)
    assert p.lines == d("0", "0", "10.00", "5.00")


def test_amount_off_each_get_unit_at_most_its_price() -> None:
    # gets D (10.00) and C (20.00): 15.00 off each, at most the unit's price: 10.00 + 15.00.
    p = price([pm.Campaign(id="b", effect=pm.buy_x_get_y(None, 1, amount=15))], FOUR)
    assert p.lines == d("0", "0", "15.00", "10.00")
    assert p.discount == Decimal("25.00")


def test_fixed_price_for_each_get_unit() -> None:
    # gets D and C at 12.00 each: D is already cheaper (0), C gives 8.00.
    p = price([pm.Campaign(id="b", effect=pm.buy_x_get_y(None, 1, fixed_price=12))], FOUR)
    assert p.lines == d("0", "0", "8.00", "0")


def test_get_from_most_expensive() -> None:
    # the list read from the cheap end: app 1 buys D and gets A, app 2 buys C and gets B;
    # each get-unit at 5.00: 35.00 + 25.00.
    p = price(
        [
            pm.Campaign(
                id="b",
                effect=pm.buy_x_get_y(None, 1, fixed_price=5, get_from="most_expensive"),
            )
        ],
        FOUR,
    )
    assert p.lines == d("35.00", "25.00", "0", "0")


def test_get_from_null_in_the_ir_is_cheapest() -> None:
    # The Python model reads `get_from: null` as the default; the core read only a string and
    # refused the whole effect ("expected string or map, got null"). 50% of D and C: 15.00.
    engine = pm.Engine([pm.Campaign(id="b", effect=pm.buy_x_get_y(None, 1, percent=50))])
    ir = json.loads(engine.to_json())
    ir["campaigns"][0]["effect"]["get_from"] = None
    again = pm.Engine.from_json(json.dumps(ir))
    cart = {"items": [{"sku": x["sku"], "price": x["price"], "quantity": 1} for x in FOUR]}
    assert again.evaluate(cart).discount == engine.evaluate(cart).discount == Decimal("15.00")


def test_get_from_most_expensive_with_one_application() -> None:
    # buy 2 get 1: the get-unit is the dearest (A), the buy-units the two cheapest.
    p = price(
        [
            pm.Campaign(
                id="b", effect=pm.buy_x_get_y(None, 2, get_from="most_expensive", percent=50)
            )
        ],
        FOUR[:3],
    )
    assert p.lines == d("20.00", "0", "0")


def test_no_double_dipping_between_campaigns() -> None:
    # 3 x 10.00: buy one get one free uses two units; buy two get one half off finds only one
    # unused unit and has no effect (before: 3.33 off the 6.67 left per unit).
    a = item.sku == "A"
    p = price(
        [
            pm.Campaign(id="bogo", effect=pm.buy_x_get_y(a, 1)),
            pm.Campaign(id="b2g1", effect=pm.buy_x_get_y(a, 2, percent=50)),
        ],
        [{"sku": "A", "price": "10.00", "quantity": 3}],
    )
    assert p.applied == {"bogo": (Decimal("10.00"), {0: Decimal("10.00")})}
    assert p.rejected == {"b2g1": "no_effect"}


def test_used_units_stay_open_to_other_effects() -> None:
    # buy one get one free on 2 x 10.00, then 10% off the order: the unit at 10.00 gives 1.00.
    a = item.sku == "A"
    p = price(
        [
            pm.Campaign(id="bogo", effect=pm.buy_x_get_y(a, 1)),
            pm.Campaign(id="ten", effect=pm.percent_off(10)),
        ],
        [{"sku": "A", "price": "10.00", "quantity": 2}],
    )
    assert p.applied["ten"][0] == Decimal("1.00")


def test_get_units_priced_before_this_campaign() -> None:
    # 20% off first leaves 4 x 8.00; buy one get one at 5.00 each: 2 x (8.00 - 5.00).
    a = item.sku == "A"
    p = price(
        [
            pm.Campaign(id="twenty", effect=pm.percent_off(20)),
            pm.Campaign(id="bogo", effect=pm.buy_x_get_y(a, 1, fixed_price=5)),
        ],
        [{"sku": "A", "price": "10.00", "quantity": 4}],
    )
    assert p.applied["bogo"][0] == Decimal("6.00")


def test_second_campaign_takes_the_units_left() -> None:
    # 4 x 10.00 and 1 x 6.00; buy one get one free (A only, max one application) uses two A
    # units; a buy-one-get-one-half on everything then sees A, A, B: buys A, gets B half off.
    a = item.sku == "A"
    p = price(
        [
            pm.Campaign(id="bogo", effect=pm.buy_x_get_y(a, 1, max_applications=1)),
            pm.Campaign(id="half", effect=pm.buy_x_get_y(None, 1, percent=50)),
        ],
        [{"sku": "A", "price": "10.00", "quantity": 4}, {"sku": "B", "price": "6.00"}],
    )
    assert p.applied["half"] == (Decimal("3.00"), {1: Decimal("3.00")})


def test_the_buy_units_keep_the_cent_the_get_unit_leaves() -> None:
    # 10% off 3 x 3.33 leaves 8.99 for three units. Buy 2 get 1 takes the get-unit at
    # floor(8.99 / 3) = 2.99; the two buy-units keep the 6.00 it leaves (not floor(8.99 x 2/3)
    # = 5.99, which lost a cent). So the amount_off(10) after it takes all 6.00 that is left.
    campaigns = [
        pm.Campaign(id="ten", effect=pm.percent_off(10)),
        pm.Campaign(id="b", effect=pm.buy_x_get_y(item.category == "x", 2)),
        pm.Campaign(id="rest", effect=pm.amount_off(10)),
    ]
    p = price(campaigns, [{"sku": "A", "price": "3.33", "quantity": 3, "category": "x"}])
    assert [p.applied[c][0] for c in ("ten", "b", "rest")] == d("1.00", "2.99", "6.00")
    assert p.discount == Decimal("9.99")  # the whole line


def test_the_units_add_up_after_a_partial_get() -> None:
    # 3 x 3.33 less 1.00 is 8.99 over three units; buy 1 get 1 gets one unit (2.99) and buys
    # one from the 6.00 the get-unit leaves (3.00); the unit left keeps 3.00, and a later 50%
    # on the dearest unit takes 1.50 of it.
    campaigns = [
        pm.Campaign(id="one", effect=pm.amount_off(1)),
        pm.Campaign(id="b", effect=pm.buy_x_get_y(item.category == "x", 1)),
        pm.Campaign(id="half", effect=pm.percent_off(50, on=pm.items(max_quantity=1))),
    ]
    p = price(campaigns, [{"sku": "A", "price": "3.33", "quantity": 3, "category": "x"}])
    assert [p.applied[c][0] for c in ("one", "b", "half")] == d("1.00", "2.99", "1.50")


def test_one_reward_only() -> None:
    with pytest.raises(RuleError) as e:
        pm.buy_x_get_y(None, 1, amount=5, fixed_price=3)
    assert e.value.errors()[0]["type"] == "incompatible"
    with pytest.raises(RuleError):
        pm.buy_x_get_y(None, 1, percent=50, amount=5)


def test_the_core_refuses_two_rewards_in_ir() -> None:
    ir = {
        "version": 1,
        "campaigns": [
            {
                "id": "b",
                "effect": {
                    "type": "buy_x_get_y",
                    "buy_quantity": {"type": "num", "value": "1"},
                    "get_quantity": {"type": "num", "value": "1"},
                    "percent": {"type": "num", "value": "100"},
                    "amount": {"type": "num", "value": "1"},
                    "fixed_price": {"type": "num", "value": "1"},
                },
            }
        ],
    }
    import json

    with pytest.raises(RuleError) as e:
        pm.Engine.from_json(json.dumps(ir))
    assert e.value.errors()[0]["type"] == "incompatible"


def test_the_core_refuses_a_percent_beside_an_amount() -> None:
    import json

    effect = pm.buy_x_get_y(None, 1, amount=5).model_dump(mode="json", exclude_none=True)
    effect["percent"] = {"type": "num", "value": "50"}
    ir = {"version": 1, "campaigns": [{"id": "b", "effect": effect}]}
    with pytest.raises(RuleError) as e:
        pm.Engine.from_json(json.dumps(ir))
    assert e.value.errors()[0]["type"] == "incompatible"
