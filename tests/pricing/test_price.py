"""Product page prices (issue 10, item 10): ``engine.price(item, cart=None, customer=None,
codes=(), now=None)`` is what one unit would cost if added to the cart, with the campaigns
that make the price. Each case prices through both evaluators (``Twin``): the unit is added
as a line of its own and the cart is priced as at checkout."""

from __future__ import annotations

from decimal import Decimal

import promotor as pm
from promotor import cart, customer, item
from promotor.pricing import item_price
from tests.both import Twin

TEA = {"sku": "TEA-1", "price": "7.50", "category": "tea"}
MUG = {"sku": "MUG", "price": "12.00", "category": "mugs"}


def engine(*campaigns: pm.Campaign) -> Twin:
    return Twin(pm.Engine(list(campaigns)))


def test_a_product_page_shows_the_category_discount() -> None:
    shop = engine(
        pm.Campaign(id="tea-10", effect=pm.percent_off(10, on=pm.items(item.category == "tea")))
    )
    p = item_price(shop, TEA)
    assert (p.unit_price, p.price, p.discount) == (
        Decimal("7.50"),
        Decimal("6.75"),
        Decimal("0.75"),
    )
    assert [(c.campaign_id, c.amount) for c in p.campaigns] == [("tea-10", Decimal("0.75"))]
    assert item_price(shop, MUG).campaigns == []
    # the public method is the same computation on the engine itself
    assert shop.engine.price(TEA) == p


def test_buy_one_get_one_free_makes_the_next_unit_free() -> None:
    shop = engine(pm.Campaign(id="bogo", effect=pm.buy_x_get_y(item.sku == "MUG", 1)))
    assert item_price(shop, MUG).price == Decimal("12.00")  # alone it is the buy-unit
    in_cart = {"items": [{**MUG, "quantity": 1}]}
    p = item_price(shop, MUG, cart=in_cart)
    assert p.price == Decimal("0.00")
    assert [c.campaign_id for c in p.campaigns] == ["bogo"]


def test_an_order_discount_counts_with_the_units_share() -> None:
    shop = engine(pm.Campaign(id="ten-off", rules=cart.subtotal >= 50, effect=pm.amount_off(10)))
    basket = {"items": [{"sku": "BOOTS", "price": "40.00"}]}
    # the mug makes the cart cross 50.00; 10.00 off splits 40 : 12 -> 7.69 and 2.31
    p = item_price(shop, MUG, cart=basket)
    assert (p.price, p.discount) == (Decimal("9.69"), Decimal("2.31"))
    assert item_price(shop, MUG).price == Decimal("12.00")  # an empty cart stays below


def test_codes_and_customers_count() -> None:
    shop = engine(
        pm.Campaign(id="vip", rules=customer.segments.contains("vip"), effect=pm.percent_off(20)),
        pm.Campaign(
            id="code", code="TEA5", effect=pm.amount_off(5, on=pm.items(item.category == "tea"))
        ),
    )
    assert item_price(shop, TEA).price == Decimal("7.50")
    p = item_price(shop, TEA, customer={"segments": ["vip"]}, codes=["tea5"])
    assert p.price == Decimal("1.00")  # 20% off 7.50, then 5.00 off the 6.00 left
    assert [(c.campaign_id, c.code, c.amount) for c in p.campaigns] == [
        ("vip", None, Decimal("1.50")),
        ("code", "TEA5", Decimal("5.00")),
    ]


def test_shipping_discounts_and_gifts_are_not_part_of_the_price() -> None:
    shop = engine(
        pm.Campaign(id="ship", effect=pm.free_shipping()),
        pm.Campaign(id="tote", rules=cart.subtotal >= 15, effect=pm.gift("TOTE")),
    )
    basket = {"items": [{"sku": "X", "price": "5.00"}], "shipping": "4.99"}
    p = item_price(shop, MUG, cart=basket)
    assert (p.price, p.campaigns) == (Decimal("12.00"), [])
    assert [(g.sku, g.quantity) for g in p.gifts] == [("TOTE", 1)]  # earned by adding the mug
    bigger = {"items": [{"sku": "X", "price": "20.00"}]}
    assert item_price(shop, MUG, cart=bigger).gifts == []  # the cart had it already


def test_a_quantity_given_is_one_unit() -> None:
    shop = engine(
        pm.Campaign(id="tea-10", effect=pm.percent_off(10, on=pm.items(item.category == "tea")))
    )
    p = item_price(shop, {**TEA, "quantity": 5})
    assert p.price == Decimal("6.75")
    assert p.result is not None
    assert p.result.lines[-1].quantity == 1


def test_several_effects_price_the_unit_together() -> None:
    shop = engine(
        pm.Campaign(
            id="tea-deal",
            effects=[pm.percent_off(10, on=pm.items(item.category == "tea")), pm.amount_off(1)],
        )
    )
    p = item_price(shop, TEA)
    assert p.price == Decimal("5.75")  # 7.50 - 0.75 - 1.00
    assert [(c.campaign_id, c.amount) for c in p.campaigns] == [("tea-deal", Decimal("1.75"))]
