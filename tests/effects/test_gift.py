"""Gifts that scale (issue 10, item 7), as a shop would say it: "a free mug for every 3 bags
of coffee". Qualifying units are the units of the lines the gift's ``of`` selects (every line
without it), counted on the cart as given; each complete ``per`` of them gives ``quantity``
gifts."""

from __future__ import annotations

from decimal import Decimal

import pytest

import promotor as pm
from promotor import cart, item
from promotor.errors import RuleError
from tests.both import both

COFFEE = item.category == "coffee"


def basket(coffee: int, tea: int = 0) -> dict[str, object]:
    items = [{"sku": "BAG", "price": "12.00", "quantity": coffee, "category": "coffee"}]
    if tea:
        items.append({"sku": "TEA", "price": "4.00", "quantity": tea, "category": "tea"})
    return {"items": items}


def mugs(**kwargs: object) -> pm.Engine:
    return pm.Engine(
        [pm.Campaign(id="mug", effect=pm.gift("MUG", price="9.90", per=3, of=COFFEE, **kwargs))]
    )


@pytest.mark.parametrize(("bags", "mug_count"), [(3, 1), (5, 1), (6, 2), (7, 2), (30, 10)])
def test_a_free_mug_for_every_3_bags_of_coffee(bags: int, mug_count: int) -> None:
    result = both(mugs(), basket(bags, tea=4))
    [applied] = result.applied
    [gift] = applied.gifts
    assert (gift.sku, gift.quantity, gift.price) == ("MUG", mug_count, Decimal("9.90"))
    assert result.discount == Decimal("0.00")  # gifts change no total


def test_two_bags_give_no_mug() -> None:
    result = both(mugs(), basket(2, tea=9))  # tea does not count
    assert result.applied == []
    assert [r.reason for r in result.rejected] == ["no_effect"]


def test_units_of_several_lines_add_up() -> None:
    two_lines = {
        "items": [
            {"sku": "BAG", "price": "12.00", "quantity": 2, "category": "coffee"},
            {"sku": "BEANS", "price": "20.00", "quantity": 2, "category": "coffee"},
        ]
    }
    [gift] = both(mugs(), two_lines).applied[0].gifts
    assert gift.quantity == 1  # 4 coffee units: one complete 3


def test_quantity_is_per_complete_group() -> None:
    [gift] = both(mugs(quantity=2), basket(7)).applied[0].gifts
    assert gift.quantity == 4  # 2 groups of 3, 2 mugs each


def test_without_of_every_unit_counts() -> None:
    engine = pm.Engine([pm.Campaign(id="sample", effect=pm.gift("SAMPLE", per=5))])
    [gift] = both(engine, basket(3, tea=4)).applied[0].gifts
    assert gift.quantity == 1  # 7 units in the cart


def test_of_takes_items_like_targets() -> None:
    assert pm.gift("MUG", per=3, of=pm.items(COFFEE)) == pm.gift("MUG", per=3, of=COFFEE)


def test_without_per_one_gift_as_before() -> None:
    engine = pm.Engine([pm.Campaign(id="g", rules=cart.subtotal >= 10, effect=pm.gift("MUG"))])
    [gift] = both(engine, basket(30)).applied[0].gifts
    assert gift.quantity == 1


def test_per_must_be_at_least_1_and_of_needs_per() -> None:
    with pytest.raises(RuleError, match="per"):
        pm.Campaign(id="g", effect=pm.gift("MUG", per=0))
    with pytest.raises(RuleError, match="of"):
        pm.gift("MUG", of=COFFEE)
