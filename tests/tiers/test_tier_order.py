"""Tiers listed in an order that cannot mean what it says (issue 10, item 9): "spend 100 get
10%, spend 200 get 15%" written from the top down used to give 10% on a 250.00 cart, silently.

A campaign applies the last listed tier whose rules hold, so a tier whose rules imply a later
tier's can never apply: such a definition is refused, saying how to list the tiers. Listed
ascending, every answer is what it always was."""

from __future__ import annotations

from decimal import Decimal

import pytest

import promotor as pm
from promotor import cart
from promotor.errors import RuleError
from tests.both import both


def spend(p: str) -> dict[str, object]:
    return {"items": [{"sku": "A", "price": p, "quantity": 1}]}


def test_spend_100_get_10_spend_200_get_15_listed_ascending() -> None:
    engine = pm.Engine(
        [
            pm.Campaign(
                id="spend-more",
                tiers=[
                    pm.Tier(rules=cart.subtotal >= 100, effect=pm.percent_off(10)),
                    pm.Tier(rules=cart.subtotal >= 200, effect=pm.percent_off(15)),
                ],
            )
        ]
    )
    assert both(engine, spend("250.00")).discount == Decimal("37.50")  # 15% of 250.00
    assert both(engine, spend("150.00")).discount == Decimal("15.00")  # 10% of 150.00
    [applied] = both(engine, spend("200.00")).applied
    assert applied.tier == 1


@pytest.mark.parametrize(
    ("high", "low"),
    [
        (cart.subtotal >= 200, cart.subtotal >= 100),
        (cart.subtotal > 200, cart.subtotal >= 100),
        (cart.subtotal >= 200, cart.subtotal >= 200),  # the same threshold twice
        (cart.quantity >= 10, cart.quantity > 5),
        (cart.subtotal <= 50, cart.subtotal <= 100),  # "small orders" tiers, upside down
    ],
    ids=str,
)
def test_a_tier_that_can_never_apply_is_refused(high: pm.Expr, low: pm.Expr) -> None:
    with pytest.raises(RuleError) as err:
        pm.Campaign(
            id="spend-more",
            tiers=[
                pm.Tier(rules=high, effect=pm.percent_off(15)),
                pm.Tier(rules=low, effect=pm.percent_off(10)),
            ],
        )
    [problem] = err.value.errors()
    assert problem["loc"] == ("tiers", 0, "rules")
    assert "tier 0 can never apply" in problem["msg"]
    assert "smallest threshold to the largest" in problem["msg"]


def test_rule_text_tiers_are_checked_too() -> None:
    with pytest.raises(RuleError, match="tier 0 can never apply"):
        pm.Engine.from_ir(
            {
                "version": 2,
                "campaigns": [
                    {
                        "id": "t",
                        "tiers": [
                            {
                                "rules": pm.parse("cart.subtotal >= 200").to_ir(),
                                "effect": pm.percent_off(15).model_dump(mode="json"),
                            },
                            {
                                "rules": pm.parse("100 <= cart.subtotal").to_ir(),
                                "effect": pm.percent_off(10).model_dump(mode="json"),
                            },
                        ],
                    }
                ],
            }
        )


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (cart.subtotal >= 100, cart.subtotal >= 200),  # ascending: both can apply
        (cart.subtotal >= 200, cart.quantity >= 2),  # different measures: nothing implied
        (cart.subtotal >= 200, cart.subtotal <= 100),  # a range, not a ladder
    ],
    ids=str,
)
def test_tiers_that_can_each_apply_compile(first: pm.Expr, second: pm.Expr) -> None:
    pm.Campaign(
        id="t",
        tiers=[
            pm.Tier(rules=first, effect=pm.percent_off(15)),
            pm.Tier(rules=second, effect=pm.percent_off(10)),
        ],
    )
