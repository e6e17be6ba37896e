"""engine.qualifications: what applies now, best first, and how close the cart is to the rest,
with hints that are checked by re-pricing the cart."""

from decimal import Decimal

import promotor as pm
from promotor import cart, customer, item

coffee = item.category == "coffee"
ENGINE = pm.Engine(
    [
        pm.Campaign(id="ship", rules=cart.subtotal >= 60, effect=pm.free_shipping()),
        pm.Campaign(id="five", effect=pm.amount_off(5)),
        pm.Campaign(id="ten", effect=pm.amount_off(10)),
        pm.Campaign(
            id="coffee-pair",
            rules=cart.items.filter(coffee).sum(item.quantity) >= 2,
            effect=pm.percent_off(10),
        ),
        pm.Campaign(id="three-lines", rules=cart.items.count() >= 3, effect=pm.percent_off(1)),
        pm.Campaign(id="vip", rules=customer.segments.contains("vip"), effect=pm.percent_off(20)),
        pm.Campaign(
            id="big-coffee",
            rules=(cart.subtotal > 100) & (cart.items.filter(coffee).sum(item.quantity) >= 3),
            effect=pm.percent_off(15),
        ),
    ]
)
CART = {
    "items": [
        {"sku": "BEANS", "price": "23.80", "quantity": 1, "category": "coffee"},
        {"sku": "MUG", "price": "23.80", "quantity": 1, "category": "mugs"},
    ],
    "shipping": "4.99",
}


def test_eligible_best_first() -> None:
    q = ENGINE.qualifications(CART)
    assert q.eligible == [("ten", Decimal("10.00")), ("five", Decimal("5.00"))]


def test_subtotal_hint_says_how_much_to_add() -> None:
    near = {n.campaign_id: n for n in ENGINE.qualifications(CART).near}
    assert near["ship"].hints == [
        pm.Hint("cart.subtotal", Decimal("12.40"), "add 12.40 to the cart")
    ]


def test_item_hints_name_the_category() -> None:
    near = {n.campaign_id: n for n in ENGINE.qualifications(CART).near}
    [hint] = near["coffee-pair"].hints
    assert (hint.missing, hint.message) == (Decimal(1), "add 1 more item of category coffee")
    [hint] = near["three-lines"].hints
    assert hint.message == "add 1 more product"


def test_several_thresholds_give_several_hints() -> None:
    near = {n.campaign_id: n for n in ENGINE.qualifications(CART).near}
    messages = [h.message for h in near["big-coffee"].hints]
    assert messages == ["add 52.41 to the cart", "add 2 more items of category coffee"]


def test_conditions_a_bigger_cart_cannot_meet_are_said_so() -> None:
    q = ENGINE.qualifications(CART)
    assert "vip" not in [n.campaign_id for n in q.near]
    [vip] = [n for n in q.unreachable if n.campaign_id == "vip"]
    assert vip.hints == []
    assert "not a threshold" in vip.message
