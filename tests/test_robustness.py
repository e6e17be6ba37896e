"""Nothing a user can send crashes or hangs the process: bad definitions raise RuleError, bad
carts raise InputError, always naming where, and nothing is half-applied."""

from __future__ import annotations

import json
import math
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import promotor as pm
from promotor import _native, cart
from promotor.errors import InputError, RuleError

GOLDEN = json.loads((Path(__file__).parent / "data" / "ir" / "all_variants.json").read_text())

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "type",
                    "op",
                    "value",
                    "path",
                    "args",
                    "fn",
                    "left",
                    "right",
                    "arg",
                    "items",
                    "campaigns",
                    "version",
                    "id",
                    "effect",
                    "rules",
                    "percent",
                    "on",
                ]
            )
            | st.text(max_size=4),
            children,
            max_size=5,
        )
    ),
    max_leaves=30,
)


@given(json_values)
def test_property_arbitrary_json_is_rejected_cleanly(doc: Any) -> None:
    try:
        _native.Program(json.dumps(doc))
    except RuleError as err:
        assert err.errors()


@st.composite
def mutated_golden(draw: st.DrawFn) -> Any:
    """The golden IR with one node somewhere replaced by arbitrary JSON."""
    doc = json.loads(json.dumps(GOLDEN))
    node: Any = doc
    for _ in range(draw(st.integers(1, 8))):
        if isinstance(node, dict) and node:
            key = draw(st.sampled_from(sorted(node)))
            if not isinstance(node[key], dict | list) or draw(st.booleans()):
                node[key] = draw(json_values)
                return doc
            node = node[key]
        elif isinstance(node, list) and node:
            index = draw(st.integers(0, len(node) - 1))
            if not isinstance(node[index], dict | list) or draw(st.booleans()):
                node[index] = draw(json_values)
                return doc
            node = node[index]
    return doc


@given(mutated_golden())
def test_property_mutated_definitions_are_rejected_cleanly(doc: Any) -> None:
    try:
        pm.Engine.from_json(json.dumps(doc))
    except RuleError as err:
        assert all("loc" in e and e["msg"] for e in err.errors())


@given(st.text(alphabet="cartsubol.() &|!=<>+-*/%?:[]\"'0123456789, \n_xyi", max_size=60))
def test_property_arbitrary_rule_text_parses_or_raises_rule_error(text: str) -> None:
    try:
        expr = pm.parse(text)
    except RuleError as err:
        [error] = err.errors()
        assert error["line"] >= 1
        assert error["column"] >= 1
    else:
        assert pm.parse(str(expr)).equals(expr)


@pytest.mark.parametrize(
    "text",
    [
        "(" * 100_000 + "1" + ")" * 100_000,
        "!" * 100_000 + "true",
        "1" + " + 1" * 100_000,
        "x" * 2_000_000,
    ],
)
def test_pathological_rule_text_is_rejected_quickly(text: str) -> None:
    with pytest.raises(RuleError):
        pm.parse(text)


def test_rule_cost_is_bounded_at_compile_time() -> None:
    nested = "cart.items.all(a, cart.items.all(b, cart.items.all(c, cart.items.all(d, true))))"
    with pytest.raises(RuleError, match="cost") as info:
        pm.Engine([pm.Campaign(id="slow", rules=nested, effect=pm.percent_off(1))])
    assert info.value.errors()[0]["loc"] == ("campaigns", 0, "rules")


def test_unknown_field_says_where_and_suggests() -> None:
    with pytest.raises(RuleError) as info:
        pm.Engine(
            [
                pm.Campaign(id="ok", effect=pm.percent_off(1)),
                pm.Campaign(id="typo", rules="cart.subtotl > 5", effect=pm.percent_off(5)),
            ]
        )
    [error] = info.value.errors()
    # located at the node (the comparison's left operand), with its line and column in the text
    assert error["loc"] == ("campaigns", 1, "rules", "left")
    assert (error["type"], error["line"], error["column"]) == ("unknown_field", 1, 1)
    assert error["ctx"] == {"name": "cart.subtotl", "suggestion": "cart.subtotal"}
    assert "did you mean 'cart.subtotal'" in error["msg"]


def test_type_errors_are_compile_errors() -> None:
    with pytest.raises(RuleError, match="str") as info:
        pm.Engine([pm.Campaign(id="t", rules='cart.subtotal > "5"', effect=pm.percent_off(5))])
    assert info.value.errors()[0]["loc"] == ("campaigns", 0, "rules")
    assert info.value.errors()[0]["type"] == "type_mismatch"


ENGINE = pm.Engine([pm.Campaign(id="ten", rules=cart.subtotal >= 10, effect=pm.percent_off(10))])


@pytest.mark.parametrize(
    ("cart_data", "loc"),
    [
        ({"items": [{"sku": "A", "price": "-1", "quantity": 1}]}, ("cart", "items", 0, "price")),
        (
            {"items": [{"sku": "A", "price": math.nan, "quantity": 1}]},
            ("cart", "items", 0, "price"),
        ),
        (
            {"items": [{"sku": "A", "price": Decimal("Infinity"), "quantity": 1}]},
            ("cart", "items", 0, "price"),
        ),
        ({"items": [{"sku": "A", "price": "1", "quantity": 0}]}, ("cart", "items", 0, "quantity")),
        (
            {"items": [{"sku": "A", "price": "1", "quantity": 1.5}]},
            ("cart", "items", 0, "quantity"),
        ),
        ({"items": [{"sku": "A", "price": "abc", "quantity": 1}]}, ("cart", "items", 0, "price")),
        (
            {"items": [{"sku": "A", "price": "1", "quantity": 1}], "currency": "XYZ"},
            ("cart", "currency"),
        ),
        ({"items": [{"sku": "A", "price": "1e20", "quantity": 1}]}, ("cart", "items", 0, "price")),
        ({"items": [{"sku": "A", "prise": "1", "quantity": 1}]}, ("cart", "items", 0, "prise")),
        ({"items": [{"sku": "A", "price": "1", "quantity": 1}] * 1001}, ("cart", "items")),
    ],
)
def test_bad_carts_raise_input_error_naming_the_field(
    cart_data: dict[str, Any], loc: tuple[Any, ...]
) -> None:
    with pytest.raises(InputError) as info:
        ENGINE.evaluate(cart_data)
    assert loc in [e["loc"] for e in info.value.errors()], info.value.errors()


def test_naive_now_is_an_input_error() -> None:
    with pytest.raises(InputError) as info:
        ENGINE.evaluate({"items": []}, now=datetime(2026, 11, 27))
    assert info.value.errors()[0]["loc"] == ("now",)


cart_values = st.fixed_dictionaries(
    {},
    optional={
        "items": st.lists(
            st.fixed_dictionaries(
                {
                    "sku": st.text(max_size=3),
                    "price": st.one_of(
                        st.floats(), st.integers(), st.text(max_size=5), st.decimals()
                    ),
                    "quantity": st.one_of(st.integers(-2, 10**7), st.floats(), st.text(max_size=2)),
                },
                optional={
                    "category": st.none() | st.text(max_size=3),
                    "tags": st.lists(st.text(max_size=3), max_size=3) | st.integers(),
                    "metadata": json_values,
                },
            ),
            max_size=4,
        ),
        "shipping": st.one_of(st.floats(), st.integers(), st.text(max_size=5)),
        "currency": st.text(max_size=4),
        "metadata": json_values,
    },
)


@given(cart_values)
def test_property_arbitrary_carts_price_or_raise_input_error(cart_data: dict[str, Any]) -> None:
    try:
        result = ENGINE.evaluate(cart_data)
    except InputError as err:
        assert err.errors()
    else:
        assert result.total >= 0


def test_a_builder_rule_too_deep_is_a_rule_error_with_its_location() -> None:
    rule = cart.subtotal
    for _ in range(10_000):
        rule = rule + 1
    with pytest.raises(RuleError) as info:
        pm.Engine([pm.Campaign(id="deep", rules=rule > 5, effect=pm.percent_off(1))])
    [error] = info.value.errors()
    assert (error["type"], error["loc"]) == ("too_deep", ("rules",))
    assert error["ctx"] == {"max": _native.MAX_DEPTH}


def test_a_stored_rule_too_deep_is_a_rule_error_with_its_location() -> None:
    rule = '{"type": "bool", "value": true}'
    for _ in range(1000):
        rule = f'{{"type": "unary", "op": "not", "arg": {rule}}}'
    effect = '{"type": "percent_off", "percent": {"type": "num", "value": "1"}}'
    text = f'{{"version": 2, "campaigns": [{{"id": "a", "rules": {rule}, "effect": {effect}}}]}}'
    with pytest.raises(RuleError) as info:
        pm.Engine.from_json(text)
    [error] = info.value.errors()
    assert (error["type"], error["loc"]) == ("too_deep", ("campaigns", 0, "rules"))
    data: dict[str, Any] = {"type": "bool", "value": True}
    for _ in range(2000):
        data = {"type": "unary", "op": "not", "arg": data}
    definition = {
        "version": 2,
        "campaigns": [{"id": "a", "rules": data, "effect": json.loads(effect)}],
    }
    with pytest.raises(RuleError) as info:
        pm.Engine.from_ir(definition)
    assert info.value.errors()[0]["loc"] == ("campaigns", 0, "rules")


def test_a_lone_surrogate_in_rule_text_is_a_rule_error_with_its_position() -> None:
    with pytest.raises(RuleError) as info:
        pm.Campaign(id="x", rules='cart.currency ==\n "\ud800"', effect=pm.percent_off(1))
    [error] = info.value.errors()
    assert (error["type"], error["loc"]) == ("syntax_error", ("rules",))
    assert (error["line"], error["column"]) == (2, 3)
    with pytest.raises(RuleError):
        pm.parse("\udfff")


def test_compile_errors_inside_rule_text_have_a_line_and_a_column() -> None:
    rules = 'cart.subtotal >= 10\n  && cart.items.exists(i, i.price > "5")'
    with pytest.raises(RuleError) as info:
        pm.Engine([pm.Campaign(id="a", rules=rules, effect=pm.percent_off(1))])
    [error] = info.value.errors()
    assert error["type"] == "type_mismatch"
    assert error["loc"] == ("campaigns", 0, "rules", "right", "body")
    assert (error["line"], error["column"]) == (2, 35)
    assert "line 2, column 35" in str(info.value)
    # in a tier's rules too
    with pytest.raises(RuleError) as info:
        pm.Engine(
            [
                pm.Campaign(
                    id="t",
                    tiers=[
                        pm.Tier(
                            rules="cart.subtotal > 5 &&\ncart.quantiy > 1", effect=pm.percent_off(1)
                        )
                    ],
                )
            ]
        )
    located = [(e["loc"], e["line"], e["column"]) for e in info.value.errors()]
    assert located == [(("campaigns", 0, "tiers", 0, "rules", "right", "left"), 2, 1)]


def test_rule_bounds_above_the_defaults_hold_for_rule_text() -> None:
    deep = "!" * 80 + "true"
    with pytest.raises(RuleError) as info:
        pm.Engine([pm.Campaign(id="d", rules=deep, effect=pm.percent_off(1))])
    assert (info.value.errors()[0]["type"], info.value.errors()[0]["loc"]) == (
        "too_deep",
        ("campaigns", 0, "rules"),
    )
    engine = pm.Engine(
        [pm.Campaign(id="d", rules=deep, effect=pm.percent_off(1))],
        bounds=pm.RuleBounds(max_depth=90),
    )
    assert engine.bounds.max_depth == 90
    with pytest.raises(RuleError) as info:
        pm.RuleBounds(max_depth=500)
    assert info.value.errors()[0]["loc"] == ("max_depth",)


def test_engine_settings_may_be_dicts() -> None:
    engine = pm.Engine(
        [pm.Campaign(id="a", effect=pm.percent_off(1))],
        stacking={"mode": "best_deal", "max_discount": 30},
        bounds={"max_cost": 1_000_000},
    )
    assert engine.stacking.mode == "best_deal"
    assert engine.bounds.max_cost == 1_000_000
    with pytest.raises(RuleError) as info:
        pm.Engine([], stacking={"mode": "best"})
    [error] = info.value.errors()
    assert (error["type"], error["loc"]) == ("unknown_choice", ("stacking", "mode"))
    assert error["ctx"]["suggestion"] == "best_deal"
    with pytest.raises(RuleError) as info:
        pm.Engine([], stacking=3)  # type: ignore[arg-type]
    assert info.value.errors()[0]["loc"] == ("stacking",)
