"""Unit-level accounting (docs/semantics.md, "Units"): a later campaign sees what each unit
of a line costs now, not the line's remaining amount spread evenly over its units. Every case
is hand-computed and runs through both evaluators (tests/effects/_both.py)."""

from __future__ import annotations

from decimal import Decimal

import promotor as pm
from promotor import item

from ._both import d, price

A = item.sku == "A"


def test_a_free_unit_leaves_the_other_at_full_price_for_max_quantity() -> None:
    # 2 x 50.00; buy one get one free takes one unit to 0, the other stays at 50.00. Half off
    # one unit then takes 25.00 (the old even spread, 25.00 a unit, gave 12.50).
    p = price(
        [
            pm.Campaign(id="bogo", effect=pm.buy_x_get_y(A, 1)),
            pm.Campaign(id="half", effect=pm.percent_off(50, on=pm.items(A, max_quantity=1))),
        ],
        [{"sku": "A", "price": "50.00", "quantity": 2}],
    )
    assert p.applied["bogo"][0] == Decimal("50.00")
    assert p.applied["half"][0] == Decimal("25.00")
    assert p.discount == Decimal("75.00")


def test_most_expensive_sees_the_undiscounted_unit() -> None:
    # A: 2 x 30.00, one unit made free by 30.00 off (max_quantity=1); B: 20.00. The most
    # expensive unit is now A's other unit at 30.00 (the old spread said 15.00, so B).
    p = price(
        [
            pm.Campaign(
                id="one-free",
                effect=pm.amount_off(30, on=pm.items(A, max_quantity=1), allocation="each"),
            ),
            pm.Campaign(id="half", effect=pm.percent_off(50, on=pm.items(most_expensive=1))),
        ],
        [{"sku": "A", "price": "30.00", "quantity": 2}, {"sku": "B", "price": "20.00"}],
    )
    assert p.applied["half"] == (Decimal("15.00"), {0: Decimal("15.00")})
    assert p.lines == d("45.00", "0")


def test_amount_each_is_per_unit_at_most_its_price() -> None:
    # A: 2 x 10.00, one unit free after buy-one-get-one; 8.00 off each unit takes 8.00 from
    # the unit at 10.00 and nothing from the free one (the line-level min(2 x 8.00, 10.00)
    # would have taken 10.00).
    p = price(
        [
            pm.Campaign(id="bogo", effect=pm.buy_x_get_y(A, 1)),
            pm.Campaign(id="each", effect=pm.amount_off(8, on=pm.items(A), allocation="each")),
        ],
        [{"sku": "A", "price": "10.00", "quantity": 2}],
    )
    assert p.applied["each"][0] == Decimal("8.00")
    assert p.discount == Decimal("18.00")


def test_fixed_price_each_unit_never_above_its_current_price() -> None:
    # A: 3 x 9.00, one unit free; each unit at 5.00: the two at 9.00 give 4.00 each, the free
    # one gives nothing: 8.00.
    p = price(
        [
            pm.Campaign(id="b2g1", effect=pm.buy_x_get_y(A, 2)),
            pm.Campaign(id="fixed", effect=pm.fixed_price(5, on=pm.items(A))),
        ],
        [{"sku": "A", "price": "9.00", "quantity": 3}],
    )
    assert p.applied["b2g1"][0] == Decimal("9.00")
    assert p.applied["fixed"][0] == Decimal("8.00")


def test_a_whole_line_discount_keeps_units_alike() -> None:
    # 10% off the order, then 100% off one unit: every unit is 9.00 after the first, so the
    # second takes 9.00: the same answer as before unit-level accounting.
    p = price(
        [
            pm.Campaign(id="ten", effect=pm.percent_off(10)),
            pm.Campaign(id="one", effect=pm.percent_off(100, on=pm.items(max_quantity=1))),
        ],
        [{"sku": "A", "price": "10.00", "quantity": 3}],
    )
    assert p.applied["one"][0] == Decimal("9.00")
    assert p.discount == Decimal("12.00")


def test_a_share_on_some_units_lands_to_the_cent() -> None:
    # 10.00 over 3 units: one unit targeted is worth floor(1000 / 3) = 333; 100% off it leaves
    # the other two units worth 667 (333.5 each). A second 100% off one unit takes the
    # dearest, floor(667 / 2) = 333; the line keeps 334 and the allocations sum exactly.
    p = price(
        [
            pm.Campaign(id="first", effect=pm.percent_off(100, on=pm.items(max_quantity=1))),
            pm.Campaign(id="second", effect=pm.percent_off(100, on=pm.items(max_quantity=1))),
        ],
        [
            {"sku": "A", "price": "10.00", "quantity": 1},
            {"sku": "B", "price": "3.3333", "quantity": 3},
        ],
    )
    assert p.applied["first"][1] == {0: Decimal("10.00"), 1: Decimal("3.33")}
    assert p.applied["second"][1] == {1: Decimal("3.33")}
    assert p.lines == d("10.00", "6.66")


def test_base_original_spreads_over_the_line() -> None:
    # base="original": each campaign computes on the original cart (with no units used), so
    # both buy-one-get-one campaigns take 50.00 and the second is clipped to what is left.
    p = price(
        [
            pm.Campaign(id="bogo1", effect=pm.buy_x_get_y(A, 1)),
            pm.Campaign(id="bogo2", effect=pm.buy_x_get_y(A, 1, percent=50)),
        ],
        [{"sku": "A", "price": "50.00", "quantity": 2}],
        stacking=pm.Stacking(base="original"),
    )
    assert p.applied["bogo1"][0] == Decimal("50.00")
    assert p.applied["bogo2"][0] == Decimal("25.00")
