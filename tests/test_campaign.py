"""Campaign definitions: validation as RuleError, IR dumps and JSON round trips."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest

from promotor import ir
from promotor.campaign import Campaign, Schedule, Stacking, Tier
from promotor.effects import (
    ORDER,
    SHIPPING,
    amount_off,
    buy_x_get_y,
    fixed_price,
    free_shipping,
    gift,
    items,
    percent_off,
    shipping_off,
)
from promotor.errors import RuleError
from promotor.expr import cart, customer, item, least, lit

coffee = item.category == "coffee"


def full_campaign() -> Campaign:
    return Campaign(
        "arabica-lovers",
        name="Arabica lovers",
        rules=(customer.segments.contains("vip") | (cart.subtotal >= 100))
        & (cart.items.filter(coffee).sum(item.quantity) >= 2),
        effect=percent_off(15, on=items(coffee, cheapest=2, max_quantity=1), cap=50),
        codes=["COFFEE", "ARABICA"],
        starts_at=datetime(2026, 11, 27, 1, tzinfo=timezone(timedelta(hours=1))),
        ends_at=datetime(2026, 12, 1, tzinfo=UTC),
        schedule=Schedule(weekdays=[5, 6], hours=(9, 17), timezone="Europe/Warsaw"),
        priority=5,
        exclusive=True,
        group="coffee",
        stop_after=True,
        active=False,
        metadata={"owner": "marketing", "budget": 1000, "tags": ["a", None]},
    )


def test_json_round_trip_is_exact() -> None:
    c = full_campaign()
    text = c.model_dump_json()
    back = Campaign.model_validate_json(text)
    assert back == c
    assert back.to_ir() == c.to_ir()
    assert back.model_dump_json() == text
    assert back.rules is not None
    assert c.rules is not None
    assert back.rules.equals(c.rules)


def test_to_ir_is_accepted_by_the_ir_models() -> None:
    c = full_campaign()
    data = c.to_ir()
    assert data["starts_at"] == "2026-11-27T00:00:00Z"
    assert data["ends_at"] == "2026-12-01T00:00:00Z"
    assert data["schedule"] == {"weekdays": [5, 6], "hours": [9, 17], "timezone": "Europe/Warsaw"}
    assert "code" not in data  # None fields are left out
    assert ir.dump(ir.CampaignDef.model_validate(data)) == data
    engine = ir.EngineDef(campaigns=(ir.CampaignDef.model_validate(data),))
    assert json.loads(engine.model_dump_json())["campaigns"][0]["id"] == "arabica-lovers"


@pytest.mark.parametrize(
    ("effect", "expected"),
    [
        (
            percent_off(10),
            {
                "type": "percent_off",
                "percent": {"type": "num", "value": "10"},
                "on": {"type": "order"},
            },
        ),
        (
            amount_off("5.50", on=SHIPPING),
            {
                "type": "amount_off",
                "amount": {"type": "num", "value": "5.50"},
                "on": {"type": "shipping"},
                "allocation": "across",
            },
        ),
        (
            fixed_price(1, on=ORDER),
            {
                "type": "fixed_price",
                "price": {"type": "num", "value": "1"},
                "on": {"type": "order"},
            },
        ),
        (
            free_shipping(),
            {"type": "shipping_off", "amount": {"type": "num", "value": "100"}, "percent": True},
        ),
        (
            shipping_off(4.99),
            {"type": "shipping_off", "amount": {"type": "num", "value": "4.99"}, "percent": False},
        ),
        (
            gift("MUG", 2, price="9.90"),
            {
                "type": "gift",
                "sku": "MUG",
                "quantity": 2,
                "price": {"type": "num", "value": "9.90"},
            },
        ),
    ],
)
def test_effect_ir(effect: Any, expected: dict[str, Any]) -> None:
    assert ir.dump(effect) == expected
    assert Campaign("c", effect=effect).to_ir()["effect"] == expected


def test_buy_x_get_y_and_dynamic_amounts() -> None:
    e = buy_x_get_y(coffee, 2, get=item.category == "mug", percent=50, max_applications=3)
    data = ir.dump(e)
    assert data["buy"] == coffee.to_ir()
    assert data["get_quantity"] == {"type": "num", "value": "1"}
    assert data["max_applications"] == {"type": "num", "value": "3"}
    dynamic = amount_off(least(cart.subtotal * 0.15, 50))
    assert ir.dump(dynamic)["amount"]["fn"] == "min"
    assert ir.dump(items())["type"] == "items"


@pytest.mark.parametrize(
    ("make", "loc"),
    [
        (lambda: percent_off(True), ("percent",)),
        (lambda: percent_off("ten"), ("percent",)),
        (lambda: amount_off(float("nan")), ("amount",)),
        (lambda: items(cheapest=-1), ("cheapest",)),
        (lambda: amount_off(1, allocation="all"), ("allocation",)),  # type: ignore[arg-type]
    ],
)
def test_effect_errors(make: Any, loc: tuple[str, ...]) -> None:
    with pytest.raises(RuleError) as info:
        make()
    assert info.value.errors()[0]["loc"] == loc


def test_tiers() -> None:
    c = Campaign(
        "spend-more",
        tiers=[
            Tier(rules=cart.subtotal >= 100, effect=percent_off(10)),
            Tier(cart.subtotal >= 200, percent_off(15)),
        ],
    )
    assert [t["rules"]["right"]["value"] for t in c.to_ir()["tiers"]] == ["100", "200"]
    assert Campaign.model_validate_json(c.model_dump_json()) == c


@pytest.mark.parametrize(
    ("kwargs", "kind", "loc", "msg"),
    [
        ({}, "exactly_one", (), "give exactly one of 'effect' and 'tiers'"),
        (
            {"effect": amount_off(1), "tiers": [Tier(None, amount_off(1))]},
            "exactly_one",
            (),
            "give exactly one of 'effect' and 'tiers'",
        ),
        (
            {"effect": amount_off(1), "prority": 1},
            "unknown_field",
            ("prority",),
            "unknown field 'prority'; did you mean 'priority'?",
        ),
        (
            {"effect": amount_off(1), "starts_at": datetime(2026, 1, 1)},
            "naive_datetime",
            ("starts_at",),
            "a naive datetime is ambiguous: give it a timezone, e.g. tzinfo=timezone.utc",
        ),
        (
            {
                "effect": amount_off(1),
                "starts_at": datetime(2026, 1, 2, tzinfo=UTC),
                "ends_at": datetime(2026, 1, 1, tzinfo=UTC),
            },
            "out_of_order",
            ("ends_at",),
            "ends_at must be later than starts_at",
        ),
        (
            {"effect": amount_off(1), "rules": 5},
            "type_mismatch",
            ("rules",),
            "expected an Expr, rule text or an IR dict, got int",
        ),
        (
            {"effect": amount_off(1), "schedule": {"weekdays": [8]}},
            "too_large",
            ("schedule", "weekdays", 0),
            "must be at most 7",
        ),
        (
            {"effect": {"type": "amount_off", "amont": {"type": "num", "value": "1"}}},
            "unknown_field",
            ("effect", "amont"),
            "unknown field 'amont'; did you mean 'amount'?",
        ),
        (
            {
                "effect": amount_off(1),
                "rules": {
                    "type": "binary",
                    "op": "ge",
                    "left": {"type": "null"},
                    "rigt": {"type": "null"},
                },
            },
            "unknown_field",
            ("rules", "rigt"),
            "unknown field 'rigt'; did you mean 'right'?",
        ),
        (
            {"effect": amount_off(1), "codes": []},
            "empty",
            ("codes",),
            "must not be empty; leave codes out for an automatic campaign",
        ),
        ({"effect": amount_off(1), "code": " "}, "empty", ("code",), "must not be empty"),
        (
            {"effect": amount_off(1), "schedule": {"hours": (5, 5)}},
            "empty",
            ("schedule", "hours"),
            "must not be empty; use (0, 24) for the whole day",
        ),
    ],
)
def test_validation_errors(
    kwargs: dict[str, Any], kind: str, loc: tuple[Any, ...], msg: str
) -> None:
    with pytest.raises(RuleError) as info:
        Campaign("c", **kwargs)
    found = [(e["type"], e["loc"], e["msg"]) for e in info.value.errors()]
    assert (kind, loc, msg) in found
    assert isinstance(info.value, ValueError)


def test_every_error_has_a_type_a_location_a_message_and_context() -> None:
    with pytest.raises(RuleError) as info:
        Campaign("c", effect=amount_off(1), schedule={"weekdays": [0, 9], "timezone": "Mars"})
    errors = info.value.errors()
    assert [e["loc"] for e in errors] == [
        ("schedule", "weekdays", 0),
        ("schedule", "weekdays", 1),
        ("schedule", "timezone"),
    ]
    assert all(set(e) == {"type", "loc", "msg", "ctx"} for e in errors)
    assert errors[0]["ctx"] == {"min": "1"}


def test_codes_empty_list_is_not_an_automatic_campaign() -> None:
    """``codes=[]`` once made the campaign automatic, so it discounted every cart."""
    with pytest.raises(RuleError) as info:
        Campaign("c", effect=amount_off(1), codes=[])
    assert info.value.errors()[0]["loc"] == ("codes",)
    from promotor import Engine

    with pytest.raises(RuleError) as info:
        Engine.from_ir(
            {
                "version": 2,
                "campaigns": [
                    {
                        "id": "c",
                        "codes": [],
                        "effect": {"type": "amount_off", "amount": {"type": "num", "value": "1"}},
                    }
                ],
            }
        )
    assert info.value.errors()[0]["loc"] == ("campaigns", 0, "codes")


def test_rules_accept_ir_dicts_and_bools() -> None:
    c = Campaign("c", rules=(cart.subtotal >= 1).to_ir(), effect=amount_off(1))
    assert c.rules is not None
    assert c.rules.equals(cart.subtotal >= 1)
    assert Campaign("c", rules=True, effect=amount_off(1)).to_ir()["rules"] == {
        "type": "bool",
        "value": True,
    }


def test_rule_text_is_parsed_at_validation() -> None:
    c = Campaign("bf10", code="BLCKFRDY", rules="cart.subtotal >= 50", effect=amount_off(10))
    assert c.rules is not None
    assert c.rules.equals(cart.subtotal >= 50)


def test_rule_text_errors_carry_line_and_column() -> None:
    with pytest.raises(RuleError) as info:
        Campaign("c", rules="cart.subtotal >=\n  >", effect=amount_off(10))
    [error] = info.value.errors()
    assert error["loc"] == ("rules",)
    assert (error["line"], error["column"]) == (2, 3)
    assert "line 2, column 3" in str(info.value)
    with pytest.raises(RuleError) as info:
        Campaign("c", tiers=[{"rules": "cart.>", "effect": amount_off(1)}])
    assert info.value.errors()[0]["loc"] == ("tiers", 0, "rules")


def test_frozen_and_keyword_id() -> None:
    c = Campaign(id="c", effect=amount_off(1))
    with pytest.raises(Exception, match="frozen"):
        c.priority = 3  # type: ignore[misc]
    assert c.id == "c"


def test_stacking_and_schedule() -> None:
    assert ir.dump(Stacking(mode="best_deal", max_discount=30)) == {
        "mode": "best_deal",
        "base": "discounted",
        "max_discount": "30",
    }
    with pytest.raises(RuleError) as info:
        Stacking(mode="best")  # type: ignore[arg-type]
    assert info.value.errors()[0]["loc"] == ("mode",)
    with pytest.raises(RuleError):
        Schedule(hours=(9, 25))


def test_json_schema_is_available() -> None:
    schema = Campaign.model_json_schema()
    assert "rules" in schema["properties"]


def test_a_condition_where_a_target_belongs_says_use_items() -> None:
    with pytest.raises(RuleError) as info:
        percent_off(10, on=item.category == "coffee")  # type: ignore[arg-type]
    [error] = info.value.errors()
    assert (error["type"], error["loc"]) == ("type_mismatch", ("on",))
    assert "pm.items(" in error["msg"]
    assert "discriminator" not in error["msg"]
    condition = (item.category == "coffee").to_ir()
    with pytest.raises(RuleError) as info:
        Campaign("c", effect={"type": "percent_off", "percent": lit(10).to_ir(), "on": condition})
    [error] = info.value.errors()
    assert error["loc"] == ("effect", "on")
    assert "pm.items(" in error["msg"]


@pytest.mark.parametrize(
    ("make", "kind", "loc"),
    [
        (lambda: percent_off(150), "too_large", ("percent",)),
        (lambda: percent_off(-1), "too_small", ("percent",)),
        (lambda: percent_off(10, cap=-5), "too_small", ("cap",)),
        (lambda: amount_off(-5), "too_small", ("amount",)),
        (lambda: fixed_price("-0.01"), "too_small", ("price",)),
        (lambda: shipping_off(101, percent=True), "too_large", ("amount",)),
        (lambda: gift("MUG", quantity=0), "too_small", ("quantity",)),
        (lambda: buy_x_get_y(None, 1.5), "not_integer", ("buy_quantity",)),
        (lambda: buy_x_get_y(None, 2, get_quantity=0), "too_small", ("get_quantity",)),
        (lambda: buy_x_get_y(None, 2, percent=200), "too_large", ("percent",)),
        (lambda: amount_off(1, on=SHIPPING, allocation="each"), "incompatible", ("allocation",)),
    ],
)
def test_literal_mistakes_in_effects_are_rule_errors(
    make: Any, kind: str, loc: tuple[str, ...]
) -> None:
    with pytest.raises(RuleError) as info:
        make()
    assert [(e["type"], e["loc"]) for e in info.value.errors()] == [(kind, loc)]


def test_a_computed_percent_over_100_is_still_clamped() -> None:
    from promotor import Engine

    engine = Engine([Campaign("c", effect=percent_off(cart.subtotal * 100))])
    result = engine.evaluate({"items": [{"sku": "A", "price": "9.99", "quantity": 1}]})
    assert result.discount == Decimal("9.99")


def test_buy_x_get_y_takes_items_like_on() -> None:
    from promotor import Engine

    mugs = item.category == "mug"
    assert buy_x_get_y(items(mugs), 2, get=items(mugs)) == buy_x_get_y(mugs, 2, get=mugs)
    engine = Engine([Campaign("b", effect=buy_x_get_y(items(mugs), 1))])
    cart_data = {"items": [{"sku": "M", "price": "5", "quantity": 2, "category": "mug"}]}
    assert engine.evaluate(cart_data).discount == Decimal("5.00")
    with pytest.raises(RuleError) as info:
        buy_x_get_y(items(mugs, cheapest=1), 2)
    assert info.value.errors()[0]["loc"] == ("buy", "cheapest")
