"""Several shipping methods (issue 10, item 1), as a shop would say it: "free express shipping
over 100", "half price on every shipping method". A cart lists ``shipping_methods`` (``shipping``
stays the one-method shorthand); rules read them as ``cart.shipping_methods``; shipping effects
take all methods or those ``pm.shipping(pred)`` selects, each alone (``allocation="each"``) or
their sum (``"across"``, the default); results report a discount per method. Every case runs
through both evaluators (tests/both.py)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

import promotor as pm
from promotor import cart, method
from promotor.errors import InputError, RuleError
from tests.both import both

EXPRESS = method.code == "express"


def basket(subtotal: str = "120.00", *methods: tuple[str, str]) -> dict[str, Any]:
    chosen = methods or (("standard", "4.99"), ("express", "12.00"))
    return {
        "items": [{"sku": "A", "price": subtotal, "quantity": 1}],
        "shipping_methods": [
            {"id": f"m{i}", "code": code, "price": price} for i, (code, price) in enumerate(chosen)
        ],
    }


def per_method(result: pm.Result) -> list[tuple[str | None, Decimal, Decimal]]:
    return [(m.code, m.discount, m.total) for m in result.shipping_methods]


def free_express_over_100() -> pm.Engine:
    return pm.Engine(
        [
            pm.Campaign(
                id="free-express",
                rules=(cart.subtotal >= 100) & cart.shipping_methods.any(EXPRESS),
                effect=pm.free_shipping(on=pm.shipping(EXPRESS)),
            )
        ]
    )


def test_free_express_shipping_over_100() -> None:
    result = both(free_express_over_100(), basket())
    assert per_method(result) == [
        ("standard", Decimal("0.00"), Decimal("4.99")),
        ("express", Decimal("12.00"), Decimal("0.00")),
    ]
    [applied] = result.applied
    assert applied.shipping_amount == Decimal("12.00")
    assert applied.shipping_allocations == {1: Decimal("12.00")}
    assert result.shipping == Decimal("16.99")
    assert result.total == Decimal("124.99")  # 120.00 + 16.99 - 12.00


def test_free_express_needs_the_express_method_and_the_spend() -> None:
    standard_only = basket("120.00", ("standard", "4.99"))
    result = both(free_express_over_100(), standard_only)
    assert [r.reason for r in result.rejected] == ["rules_not_met"]
    assert result.rejected[0].condition == (
        'cart.shipping_methods.exists(method, method.code == "express")'
    )
    assert both(free_express_over_100(), basket("99.99")).discount == Decimal("0.00")


def test_the_rule_text_form_reads_the_same() -> None:
    text = pm.Engine(
        [
            pm.Campaign(
                id="free-express",
                rules="cart.subtotal >= 100"
                ' && cart.shipping_methods.exists(m, m.code == "express")',
                effect=pm.free_shipping(on=pm.shipping(pm.parse('method.code == "express"'))),
            )
        ]
    )
    assert per_method(both(text, basket())) == per_method(both(free_express_over_100(), basket()))


def test_across_splits_in_proportion_to_the_methods_prices() -> None:
    # 5.00 off the shipping, in cents: 500 x 499 / 1699 = 146.85..., 500 x 1200 / 1699 =
    # 353.15...; the floors 146 and 353 leave one cent, to the larger remainder (standard).
    engine = pm.Engine([pm.Campaign(id="five", effect=pm.shipping_off(5))])
    result = both(engine, basket())
    assert per_method(result) == [
        ("standard", Decimal("1.47"), Decimal("3.52")),
        ("express", Decimal("3.53"), Decimal("8.47")),
    ]
    assert sum(result.applied[0].shipping_allocations.values()) == Decimal("5.00")


def test_each_takes_the_amount_off_every_method() -> None:
    engine = pm.Engine(
        [pm.Campaign(id="five-each", effect=pm.shipping_off(5, on=pm.shipping(allocation="each")))]
    )
    result = both(engine, basket())
    assert per_method(result) == [
        ("standard", Decimal("4.99"), Decimal("0.00")),  # at most what it costs
        ("express", Decimal("5.00"), Decimal("7.00")),
    ]
    assert result.shipping_discount == Decimal("9.99")


def test_half_price_on_each_method_rounds_per_method() -> None:
    # each: round(4.99 / 2) = 2.50 (half even of 249.5 -> 250), round(12.99 / 2) = 6.50 (649.5
    # -> 650), 9.00 in all; across: round(17.98 / 2) = 8.99.
    cart_ = basket("10.00", ("standard", "4.99"), ("express", "12.99"))
    each = pm.Engine(
        [pm.Campaign(id="half", effect=pm.percent_off(50, on=pm.shipping(allocation="each")))]
    )
    across = pm.Engine([pm.Campaign(id="half", effect=pm.percent_off(50, on=pm.SHIPPING))])
    assert both(each, cart_).shipping_discount == Decimal("9.00")
    assert both(across, cart_).shipping_discount == Decimal("8.99")


def test_fixed_price_shipping_per_method() -> None:
    # "Express for 5.00": each selected method costs 5.00, never more than before.
    engine = pm.Engine(
        [pm.Campaign(id="express-5", effect=pm.fixed_price(5, on=pm.shipping(EXPRESS)))]
    )
    result = both(engine, basket())
    assert per_method(result)[1] == ("express", Decimal("7.00"), Decimal("5.00"))


def test_amount_off_on_some_methods_across() -> None:
    cart_ = basket("10.00", ("standard", "4.00"), ("express", "12.00"), ("express", "8.00"))
    engine = pm.Engine([pm.Campaign(id="ten", effect=pm.amount_off(10, on=pm.shipping(EXPRESS)))])
    result = both(engine, cart_)
    # 10.00 over 12.00 and 8.00: 6.00 and 4.00; standard untouched
    assert [m.discount for m in result.shipping_methods] == [
        Decimal("0.00"),
        Decimal("6.00"),
        Decimal("4.00"),
    ]


def test_stacked_shipping_discounts_see_what_is_left_per_method() -> None:
    engine = pm.Engine(
        [
            pm.Campaign(id="free-express", effect=pm.free_shipping(on=pm.shipping(EXPRESS))),
            pm.Campaign(id="half", effect=pm.shipping_off(50, percent=True)),
        ]
    )
    result = both(engine, basket())
    # half of what is left: the standard 4.99 only (express is free already): 2.50 (2.495 even)
    assert per_method(result) == [
        ("standard", Decimal("2.50"), Decimal("2.49")),
        ("express", Decimal("12.00"), Decimal("0.00")),
    ]
    assert [a.shipping_allocations for a in result.applied] == [
        {1: Decimal("12.00")},
        {0: Decimal("2.50")},
    ]


def test_base_original_clips_each_method_to_what_is_left() -> None:
    engine = pm.Engine(
        [
            pm.Campaign(id="free-express", effect=pm.free_shipping(on=pm.shipping(EXPRESS))),
            pm.Campaign(id="ten-off-shipping", effect=pm.shipping_off(10)),
        ],
        stacking=pm.Stacking(base="original"),
    )
    result = both(engine, basket())
    # the second computes on the original 16.99: 10.00 as 2.94 + 7.06, and express has
    # nothing left, so only 2.94 lands
    assert [a.shipping_allocations for a in result.applied] == [
        {1: Decimal("12.00")},
        {0: Decimal("2.94")},
    ]
    assert result.shipping_discount == Decimal("14.94")


def test_max_discount_resplits_the_methods_by_their_shares() -> None:
    engine = pm.Engine(
        [pm.Campaign(id="free", effect=pm.free_shipping())],
        stacking=pm.Stacking(max_discount=10),  # 10% of 50.00 = 5.00
    )
    result = both(engine, basket("50.00", ("standard", "4.00"), ("express", "12.00")))
    [applied] = result.applied
    assert applied.limited_by == "max_discount"
    assert applied.shipping_allocations == {0: Decimal("1.25"), 1: Decimal("3.75")}


def test_metadata_and_price_of_a_method_are_readable() -> None:
    engine = pm.Engine(
        [
            pm.Campaign(
                id="dhl",
                rules="cart.shipping_methods.exists("
                'm, m.metadata.carrier == "dhl" && m.price > 10)',
                effect=pm.shipping_off(
                    2, on=pm.shipping(pm.parse('method.metadata.carrier == "dhl"'))
                ),
            )
        ]
    )
    cart_ = {
        "items": [{"price": "5.00"}],
        "shipping_methods": [
            {"code": "express", "price": "12.00", "metadata": {"carrier": "dhl"}},
            {"code": "standard", "price": "4.00", "metadata": {"carrier": "ups"}},
        ],
    }
    assert [m.discount for m in both(engine, cart_).shipping_methods] == [
        Decimal("2.00"),
        Decimal("0.00"),
    ]


def test_the_shipping_shorthand_is_one_method() -> None:
    engine = pm.Engine(
        [
            pm.Campaign(
                id="one",
                rules="cart.shipping_methods.size() == 1 && cart.shipping == 4.99",
                effect=pm.free_shipping(),
            )
        ]
    )
    result = both(engine, {"items": [{"price": "10.00"}], "shipping": "4.99"})
    assert result.shipping_discount == Decimal("4.99")
    assert result.shipping_methods == []  # per method only when the cart lists them
    assert result.applied[0].shipping_allocations == {}
    none = both(engine, {"items": [{"price": "10.00"}]})
    assert none.rejected[0].reason == "rules_not_met"  # no shipping: no method


def test_cart_shipping_is_the_sum_of_the_rounded_prices() -> None:
    engine = pm.Engine(
        [pm.Campaign(id="x", rules="cart.shipping == 2.02", effect=pm.percent_off(1))]
    )
    cart_ = basket("100.00", ("a", "1.005"), ("b", "1.015"))  # half even: 1.00 + 1.02
    result = both(engine, cart_)
    assert result.shipping == Decimal("2.02")
    assert [m.price for m in result.shipping_methods] == [Decimal("1.00"), Decimal("1.02")]


def test_builder_and_models() -> None:
    model = pm.Cart(
        items=[pm.Item(price=10)],
        shipping_methods=[pm.ShippingMethod(code="express", price="9.90")],
    )
    result = both(free_express_over_100(), model)
    assert result.rejected[0].reason == "rules_not_met"  # subtotal 10
    assert str(cart.shipping_methods.filter(EXPRESS).count() > 0) == (
        'cart.shipping_methods.filter(method, method.code == "express").count() > 0'
    )


def test_giving_shipping_and_methods_is_an_error_at_its_location() -> None:
    engine = free_express_over_100()
    with pytest.raises(InputError) as info:
        engine.evaluate({"shipping": "4.99", "shipping_methods": [{"price": "1"}]})
    [error] = info.value.errors()
    assert (error["loc"], error["type"]) == (("cart", "shipping_methods"), "incompatible")
    # shipping 0 (the models' default) beside methods is fine
    engine.evaluate({"shipping": "0", "shipping_methods": [{"price": "1"}]})


@pytest.mark.parametrize(
    ("method_", "loc", "kind"),
    [
        ({"code": "x"}, ("cart", "shipping_methods", 0, "price"), "required"),
        ({"price": "-1"}, ("cart", "shipping_methods", 0, "price"), "too_small"),
        ({"price": "1", "cdoe": "x"}, ("cart", "shipping_methods", 0, "cdoe"), "unknown_field"),
        ({"price": "1", "code": 3}, ("cart", "shipping_methods", 0, "code"), "type_mismatch"),
    ],
)
def test_bad_methods_are_located(method_: dict[str, Any], loc: tuple[Any, ...], kind: str) -> None:
    with pytest.raises(InputError) as info:
        free_express_over_100().evaluate({"shipping_methods": [method_]})
    assert (info.value.errors()[0]["loc"], info.value.errors()[0]["type"]) == (loc, kind)


def test_definition_mistakes() -> None:
    with pytest.raises(RuleError) as info:
        pm.Engine(
            [
                pm.Campaign(
                    id="x", effect=pm.free_shipping(on=pm.shipping(pm.parse("method.cod == 'x'")))
                )
            ]
        )
    assert "did you mean" in str(info.value)
    with pytest.raises(RuleError):
        pm.Engine([pm.Campaign(id="x", rules="method.code == 'x'", effect=pm.percent_off(1))])
    with pytest.raises(RuleError):  # amount_off each on shipping: per unit makes no sense
        pm.Engine([pm.Campaign(id="x", effect=pm.amount_off(1, on=pm.SHIPPING, allocation="each"))])
    with pytest.raises(RuleError):  # shipping_off takes a shipping target
        pm.ir.ShippingOff.model_validate(
            {
                "type": "shipping_off",
                "amount": {"type": "num", "value": "1"},
                "on": {"type": "order"},
            }
        )


def test_results_round_trip() -> None:
    import pickle

    result = both(free_express_over_100(), basket())
    assert pickle.loads(pickle.dumps(result)) == result
    data = result.to_dict(mode="json")
    assert data["shipping_methods"][1]["discount"] == "12.00"
    assert data["applied"][0]["shipping_allocations"] == {"1": "12.00"}
    assert "shipping method 1 express: -12.00" in result.explain()


def shipping_parts_engine(**stacking: object) -> pm.Engine:
    """Two shipping effects on different methods in one campaign: "free express and 2.00 off
    standard", plus 5.00 off the order."""
    return pm.Engine(
        [
            pm.Campaign(
                id="welcome",
                effects=[
                    pm.free_shipping(on=pm.shipping(EXPRESS)),
                    pm.shipping_off(2, on=pm.shipping(method.code == "standard")),
                    pm.amount_off(5),
                ],
            )
        ],
        stacking=pm.Stacking(**stacking),  # type: ignore[arg-type]
    )


def test_several_effects_report_per_method_shares_that_add_up() -> None:
    [applied] = both(shipping_parts_engine(), basket()).applied
    assert applied.shipping_allocations == {0: Decimal("2.00"), 1: Decimal("12.00")}
    assert [p.shipping_amount for p in applied.parts] == [
        Decimal("12.00"),
        Decimal("2.00"),
        Decimal("0.00"),
    ]


def test_a_reduced_several_effect_campaign_keeps_each_method_within_its_price() -> None:
    # max_discount is 10% of the 120.00 subtotal: 12.00 of 19.00 (5.00 + 2.00 + 12.00). Every
    # method's share and every part's shipping amount shrink with it, and they still add up.
    result = both(shipping_parts_engine(max_discount=10), basket())
    [applied] = result.applied
    assert applied.amount == Decimal("12.00")
    assert applied.limited_by == "max_discount"
    assert sum(applied.shipping_allocations.values()) == applied.shipping_amount
    assert sum(p.shipping_amount for p in applied.parts) == applied.shipping_amount
    for m in result.shipping_methods:
        assert Decimal(0) <= m.discount <= m.price
        assert m.discount == applied.shipping_allocations.get(m.index, Decimal(0))


def test_base_original_clips_several_effects_per_method() -> None:
    # "free express" takes express first; the several-effect campaign, computed on the
    # original cart, is clipped to what is left of each method: nothing of express.
    engine = pm.Engine(
        [
            pm.Campaign(
                id="free-express",
                priority=10,
                effect=pm.free_shipping(on=pm.shipping(EXPRESS)),
            ),
            *shipping_parts_engine().campaigns,
        ],
        stacking=pm.Stacking(base="original"),
    )
    result = both(engine, basket())
    welcome = next(a for a in result.applied if a.campaign_id == "welcome")
    assert welcome.shipping_allocations == {0: Decimal("2.00")}
    assert [p.shipping_amount for p in welcome.parts] == [
        Decimal("0.00"),
        Decimal("2.00"),
        Decimal("0.00"),
    ]
    assert [m.total for m in result.shipping_methods] == [Decimal("2.99"), Decimal("0.00")]
