"""Quantity groups (docs/semantics.md, "Targets"): `items(..., groups_of=n)` discounts only the
units in complete groups of n across the matching lines, the dearest units forming the
groups. Hand-computed, both evaluators (tests/effects/_both.py)."""

from __future__ import annotations

from decimal import Decimal

import pytest

import promotor as pm
from promotor import item
from promotor.errors import RuleError

from ._both import d, price

TEA = item.category == "tea"
CART = [
    {"sku": "A", "category": "tea", "price": "12.00", "quantity": 2},
    {"sku": "B", "category": "tea", "price": "8.00", "quantity": 2},
    {"sku": "C", "category": "tea", "price": "5.00"},
    {"sku": "D", "category": "mugs", "price": "100.00"},
]


def test_every_three_items_five_off_each() -> None:
    # 5 tea units: one complete group of 3, the dearest: A, A, B; 5.00 off each.
    p = price(
        [
            pm.Campaign(
                id="g3",
                effect=pm.amount_off(5, on=pm.items(TEA, groups_of=3), allocation="each"),
            )
        ],
        CART,
    )
    assert p.lines == d("10.00", "5.00", "0", "0")


def test_ten_percent_in_groups_of_two() -> None:
    # 5 tea units: two groups of 2 (A, A, B, B), C left out: 10% of 40.00 = 4.00, split 24:16.
    p = price(
        [pm.Campaign(id="g2", effect=pm.percent_off(10, on=pm.items(TEA, groups_of=2)))], CART
    )
    assert p.lines == d("2.40", "1.60", "0", "0")


def test_fixed_price_per_unit_in_groups() -> None:
    # 3 for the price of 3 x 6.00: the group A, A, B: 6.00 off each A, B is at 8.00 -> 2.00.
    p = price([pm.Campaign(id="g3", effect=pm.fixed_price(6, on=pm.items(TEA, groups_of=3)))], CART)
    assert p.lines == d("12.00", "2.00", "0", "0")


def test_too_few_units_is_no_effect() -> None:
    p = price(
        [pm.Campaign(id="g9", effect=pm.percent_off(10, on=pm.items(TEA, groups_of=9)))], CART
    )
    assert p.rejected == {"g9": "no_effect"}


def test_groups_after_max_quantity() -> None:
    # max_quantity=1 keeps one unit of each tea line (A, B, C); groups of 2: A and B.
    p = price(
        [
            pm.Campaign(
                id="g2",
                effect=pm.amount_off(
                    1, on=pm.items(TEA, max_quantity=1, groups_of=2), allocation="each"
                ),
            )
        ],
        CART,
    )
    assert p.lines == d("1.00", "1.00", "0", "0")


def test_groups_see_current_unit_prices() -> None:
    # 100% off one A unit first leaves A's units at 12.00 and 0;
    # groups of 2 of tea then take the dearest: A (12.00), B, B, C -> 4 units, A's free unit
    # left out; 1.00 off each.
    p = price(
        [
            pm.Campaign(
                id="free", effect=pm.percent_off(100, on=pm.items(item.sku == "A", max_quantity=1))
            ),
            pm.Campaign(
                id="g2",
                effect=pm.amount_off(1, on=pm.items(TEA, groups_of=2), allocation="each"),
            ),
        ],
        CART,
    )
    assert p.applied["g2"][1] == {0: Decimal("1.00"), 1: Decimal("2.00"), 2: Decimal("1.00")}


def test_groups_of_zero_is_refused() -> None:
    with pytest.raises(RuleError) as e:
        pm.items(TEA, groups_of=0)
    assert e.value.errors()[0]["type"] == "too_small"


def test_rule_text_and_ir_round_trip() -> None:
    effect = pm.amount_off(5, on=pm.items(TEA, groups_of=3), allocation="each")
    engine = pm.Engine([pm.Campaign(id="g3", effect=effect)])
    again = pm.Engine.from_json(engine.to_json())
    assert again.to_json() == engine.to_json()
