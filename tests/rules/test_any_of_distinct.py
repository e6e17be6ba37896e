"""List overlap and distinct counts (issue 10, item 9), as shops say them: "segment is vip
or gold", "10 distinct SKUs". Through the builder, the rule text and both evaluators."""

from __future__ import annotations

from decimal import Decimal

import pytest

import promotor as pm
from promotor import cart, customer, item
from promotor.errors import RuleError
from tests.both import both


def lines(*skus: str) -> dict[str, object]:
    return {"items": [{"sku": s, "price": "5.00", "quantity": 1} for s in skus]}


VIP_OR_GOLD = customer.segments.any_of(["vip", "gold"])


@pytest.mark.parametrize(
    ("segments", "applies"),
    [(["gold"], True), (["new", "vip"], True), (["new"], False), ([], False)],
)
def test_segment_is_vip_or_gold(segments: list[str], applies: bool) -> None:
    for rules in (VIP_OR_GOLD, 'customer.segments.any_of(["vip", "gold"])'):
        engine = pm.Engine([pm.Campaign(id="vip", rules=rules, effect=pm.percent_off(10))])
        result = both(engine, lines("A"), customer={"segments": segments})
        assert bool(result.applied) is applies


def test_any_of_prints_and_parses_back() -> None:
    text = 'customer.segments.any_of(["vip", "gold"])'
    assert str(VIP_OR_GOLD) == text
    assert pm.parse(text).equals(VIP_OR_GOLD)


TEN_SKUS = cart.items.distinct(item.sku).count() >= 10


@pytest.mark.parametrize(
    ("skus", "applies"),
    [
        ([f"S{i}" for i in range(10)], True),
        ([f"S{i}" for i in range(9)] * 3, False),  # 27 lines, 9 SKUs
        ([f"S{i}" for i in range(10)] + ["S0"], True),
    ],
)
def test_ten_distinct_skus(skus: list[str], applies: bool) -> None:
    for rules in (TEN_SKUS, "cart.items.map(i, i.sku).distinct().size() >= 10"):
        engine = pm.Engine([pm.Campaign(id="variety", rules=rules, effect=pm.amount_off(3))])
        result = both(engine, lines(*skus))
        assert result.discount == (Decimal("3.00") if applies else Decimal("0.00"))


def test_distinct_numbers_compare_by_value() -> None:
    # 5, 5.0 and 5.00 are one price; lines without a sku (null) count once.
    engine = pm.Engine(
        [
            pm.Campaign(
                id="p",
                rules=(cart.items.distinct(item.price).count() == 2)
                & (cart.items.distinct(item.sku).count() == 2),
                effect=pm.amount_off(1),
            )
        ]
    )
    result = both(
        engine,
        {
            "items": [
                {"price": "5", "sku": "A"},
                {"price": "5.0"},
                {"price": "5.00"},
                {"price": "7"},
            ]
        },
    )
    assert result.discount == Decimal("1.00")


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        ('customer.segments.contains(["vip", "gold"])', "any_of"),
        ('["vip", "gold"] in customer.segments', "any_of"),
        ('customer.segments.intersects(["vip"])', "any_of"),
        ("cart.items.count_distinct(i, i.sku) >= 10", "distinct"),
        ("cart.items.map(i, i.sku).unique().size() >= 10", "distinct"),
    ],
)
def test_the_common_wrong_forms_suggest_the_right_one(wrong: str, hint: str) -> None:
    with pytest.raises(RuleError, match=hint):
        pm.Engine([pm.Campaign(id="x", rules=wrong, effect=pm.amount_off(1))])


def test_the_builder_suggests_them_too() -> None:
    with pytest.raises(TypeError, match="any_of"):
        customer.segments.contains(["vip", "gold"])
    with pytest.raises(AttributeError, match="any_of"):
        customer.segments.intersects  # noqa: B018
    with pytest.raises(AttributeError, match=r"distinct\(expr\)\.count\(\)"):
        cart.items.count_distinct  # noqa: B018
