"""Qualifications that do the math for the shopper (issue 10, item 9): next-tier upsells
("add 50.00 for 15%"), hints for existence conditions ("add a coffee item"), and near misses
listed by closeness. Every pricing they do runs through both evaluators (``Twin``)."""

from __future__ import annotations

from decimal import Decimal

import pytest

import promotor as pm
from promotor import cart, item
from promotor.errors import RuleError
from promotor.qualify import qualifications
from tests.both import Twin

SPEND_MORE = pm.Campaign(
    id="spend-more",
    tiers=[
        pm.Tier(cart.subtotal >= 100, pm.percent_off(10)),
        pm.Tier(cart.subtotal >= 200, pm.percent_off(15)),
        pm.Tier(cart.subtotal >= 300, [pm.percent_off(20), pm.free_shipping()]),
    ],
)


def basket(price: str, **line: object) -> dict[str, object]:
    return {"items": [{"sku": "A", "price": price, "quantity": 1, **line}], "shipping": "5.00"}


def test_spend_100_get_10_spend_200_get_15_tells_how_much_more() -> None:
    q = qualifications(Twin(pm.Engine([SPEND_MORE])), cart=basket("150.00"))
    assert q.eligible == [("spend-more", Decimal("15.00"))]
    assert [(u.tier, u.message) for u in q.upsells] == [
        (1, "add 50.00 for 15%"),
        (2, "add 150.00 for 20% + free shipping"),
    ]
    assert q.upsells[0].hints == [
        pm.Hint("cart.subtotal", Decimal("50.00"), "add 50.00 to the cart")
    ]


def test_the_top_tier_has_no_upsell() -> None:
    q = qualifications(Twin(pm.Engine([SPEND_MORE])), cart=basket("310.00"))
    assert q.upsells == []


def test_listed_from_the_top_down_the_shop_is_told_at_once() -> None:
    with pytest.raises(RuleError, match="smallest threshold to the largest"):
        pm.Campaign(
            id="spend-more",
            tiers=[
                pm.Tier(cart.subtotal >= 200, pm.percent_off(15)),
                pm.Tier(cart.subtotal >= 100, pm.percent_off(10)),
            ],
        )


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        (cart.items.any(item.category == "coffee"), "add a coffee item"),
        (cart.items.any(item.sku == "MUG-1"), "add item MUG-1"),
        (cart.items.any(item.tags.contains("organic")), "add an organic item"),
        (
            cart.items.any((item.category == "tea") & item.tags.contains("organic")),
            "add an organic tea item",
        ),
    ],
    ids=str,
)
def test_existence_conditions_get_a_hint(rule: pm.Expr, message: str) -> None:
    shop = Twin(pm.Engine([pm.Campaign(id="c", rules=rule, effect=pm.amount_off(5))]))
    [near] = qualifications(shop, cart=basket("20.00")).near
    [hint] = near.hints
    assert (hint.missing, hint.message) == (Decimal(1), message)


def test_an_existence_hint_is_checked_with_the_others() -> None:
    rule = cart.items.any(item.category == "coffee") & (cart.subtotal >= 50)
    shop = Twin(pm.Engine([pm.Campaign(id="c", rules=rule, effect=pm.amount_off(5))]))
    [near] = qualifications(shop, cart=basket("20.00")).near
    assert [h.message for h in near.hints] == ["add a coffee item", "add 30.00 to the cart"]


def test_near_misses_are_listed_by_closeness() -> None:
    shop = Twin(
        pm.Engine(
            [
                pm.Campaign(id="far", rules=cart.subtotal >= 500, effect=pm.free_shipping()),
                pm.Campaign(
                    id="two-steps",
                    rules=(cart.subtotal >= 60) & (cart.quantity >= 3),
                    effect=pm.amount_off(5),
                ),
                pm.Campaign(id="near", rules=cart.subtotal >= 60, effect=pm.free_shipping()),
                pm.Campaign(id="nearer", rules=cart.subtotal >= 55, effect=pm.amount_off(2)),
            ]
        )
    )
    q = qualifications(shop, cart=basket("50.00"))
    assert [n.campaign_id for n in q.near] == ["nearer", "near", "far", "two-steps"]


def test_engine_qualifications_has_the_upsells() -> None:
    q = pm.Engine([SPEND_MORE]).qualifications(basket("150.00"))
    assert [u.message for u in q.upsells][:1] == ["add 50.00 for 15%"]
