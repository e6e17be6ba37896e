"""Rules on the discounted cart (issue 10, item 6), as Solidus' promotion lanes say it:
"spend 100 after other discounts, get 10% off". A campaign with ``rules_on="discounted"``
tests its rules at its turn, on the cart as left by the campaigns applied before it:
``cart.subtotal``, ``item.subtotal`` and ``cart.shipping`` after their discounts."""

from __future__ import annotations

from decimal import Decimal

import pytest

import promotor as pm
from promotor import cart, item
from promotor.errors import RuleError
from tests.both import both


def one_line(price: str, shipping: str = "0") -> dict[str, object]:
    return {"items": [{"sku": "A", "price": price, "quantity": 1}], "shipping": shipping}


def lanes(rules_on: str = "discounted", **stacking: object) -> pm.Engine:
    return pm.Engine(
        [
            pm.Campaign(id="twenty-off", effect=pm.amount_off(20)),
            pm.Campaign(
                id="spend-100",
                rules=cart.subtotal >= 100,
                rules_on=rules_on,  # type: ignore[arg-type]
                effect=pm.percent_off(10),
            ),
        ],
        stacking=pm.Stacking(**stacking),  # type: ignore[arg-type]
    )


def test_spend_100_after_other_discounts() -> None:
    # 130.00 - 20.00 = 110.00 left, which is at least 100: 10% of 110.00 = 11.00.
    result = both(lanes(), one_line("130.00"))
    assert [a.campaign_id for a in result.applied] == ["twenty-off", "spend-100"]
    assert result.discount == Decimal("31.00")


def test_a_cart_that_only_reaches_100_before_discounts_does_not_qualify() -> None:
    result = both(lanes(), one_line("110.00"))
    assert [a.campaign_id for a in result.applied] == ["twenty-off"]
    [rejected] = result.rejected
    assert (rejected.reason, rejected.condition) == ("rules_not_met", "cart.subtotal >= 100")
    assert (rejected.actual, rejected.expected) == (Decimal("90.00"), 100)


def test_by_default_rules_read_the_cart_as_given() -> None:
    result = both(lanes("original"), one_line("110.00"))
    assert result.discount == Decimal("29.00")  # 20.00, then 10% of the 90.00 left


def test_campaigns_after_it_do_not_count() -> None:
    engine = pm.Engine(
        [
            pm.Campaign(id="spend-100", rules=cart.subtotal >= 100, rules_on="discounted",
                        effect=pm.percent_off(10)),
            pm.Campaign(id="twenty-off", effect=pm.amount_off(20)),
        ]
    )  # fmt: skip
    assert both(engine, one_line("110.00")).discount == Decimal("31.00")  # 11.00 + 20.00


def test_priority_decides_what_comes_before() -> None:
    engine = pm.Engine(
        [
            pm.Campaign(id="spend-100", rules=cart.subtotal >= 100, rules_on="discounted",
                        effect=pm.percent_off(10)),
            pm.Campaign(id="twenty-off", priority=1, effect=pm.amount_off(20)),
        ]
    )  # fmt: skip
    assert both(engine, one_line("110.00")).discount == Decimal("20.00")


def test_item_subtotal_and_shipping_are_after_discounts_too() -> None:
    engine = pm.Engine(
        [
            pm.Campaign(id="half-a", effect=pm.percent_off(50, on=pm.items(item.sku == "A"))),
            pm.Campaign(id="free-ship", effect=pm.free_shipping()),
            pm.Campaign(
                id="lane",
                rules=cart.items.any(item.subtotal >= 40) | (cart.shipping > 0),
                rules_on="discounted",
                effect=pm.amount_off(1),
            ),
        ]
    )
    # A: 60.00 -> 30.00 left; shipping 5.00 -> 0: neither holds any more.
    result = both(engine, one_line("60.00", shipping="5.00"))
    assert [a.campaign_id for a in result.applied] == ["half-a", "free-ship"]
    # A: 100.00 -> 50.00 left, at least 40.00: the lane applies.
    result = both(engine, one_line("100.00", shipping="5.00"))
    assert [a.campaign_id for a in result.applied] == ["half-a", "free-ship", "lane"]


def test_tiers_are_chosen_on_the_discounted_cart() -> None:
    engine = pm.Engine(
        [
            pm.Campaign(id="twenty-off", effect=pm.amount_off(20)),
            pm.Campaign(
                id="spend-more",
                rules_on="discounted",
                tiers=[
                    pm.Tier(rules=cart.subtotal >= 100, effect=pm.amount_off(5)),
                    pm.Tier(rules=cart.subtotal >= 200, effect=pm.amount_off(15)),
                ],
            ),
        ]
    )
    # 210.00 - 20.00 = 190.00: the lower tier, though the cart as given reaches 200.
    result = both(engine, one_line("210.00"))
    assert [(a.campaign_id, a.tier) for a in result.applied] == [
        ("twenty-off", None),
        ("spend-more", 0),
    ]
    result = both(engine, one_line("110.00"))  # 90.00 left: no tier
    [rejected] = result.rejected
    assert (rejected.reason, rejected.detail) == ("rules_not_met", "tier 0")


def test_an_exclusive_winner_still_wins_and_lanes_report_their_rules_first() -> None:
    engine = pm.Engine(
        [
            pm.Campaign(id="vip", exclusive=True, effect=pm.amount_off(30)),
            pm.Campaign(id="spend-100", rules=cart.subtotal >= 100, rules_on="discounted",
                        effect=pm.percent_off(10)),
        ]
    )  # fmt: skip
    # After the winner's 30.00, 110.00 leaves 80.00: the lane's rules fail first.
    [r] = both(engine, one_line("110.00")).rejected
    assert r.reason == "rules_not_met"
    [r] = both(engine, one_line("150.00")).rejected
    assert (r.reason, r.by) == ("exclusive_conflict", "vip")


def test_with_the_original_base_amounts_are_the_originals() -> None:
    # Rules see 130.00 - 20.00 = 110.00; the effect computes on the original 130.00.
    result = both(lanes(base="original"), one_line("130.00"))
    assert result.discount == Decimal("33.00")


def test_refused_where_it_cannot_be_exact() -> None:
    with pytest.raises(RuleError, match="best_deal"):
        lanes(mode="best_deal")
    with pytest.raises(RuleError, match="exclusive"):
        pm.Engine(
            [pm.Campaign(id="x", exclusive=True, rules_on="discounted", effect=pm.amount_off(1))]
        )
