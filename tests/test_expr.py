"""The expression builder: every construct's IR, without the native module."""

from __future__ import annotations

import math
import pickle
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest

from promotor import expr as pmx
from promotor import ir
from promotor.errors import RuleError
from promotor.expr import Expr, cart, context, customer, greatest, item, least, lit, when


def field(*path: str) -> dict[str, Any]:
    return {"type": "field", "path": list(path)}


def num(value: str) -> dict[str, Any]:
    return {"type": "num", "value": value}


def s(value: str) -> dict[str, Any]:
    return {"type": "str", "value": value}


def binary(op: str, left: dict[str, Any], right: dict[str, Any]) -> dict[str, Any]:
    return {"type": "binary", "op": op, "left": left, "right": right}


def call(fn: str, *args: dict[str, Any]) -> dict[str, Any]:
    return {"type": "call", "fn": fn, "args": list(args)}


SUBTOTAL = field("cart", "subtotal")


@pytest.mark.parametrize(
    ("root", "name"),
    [(root, name) for root, fields in pmx.FIELDS.items() for name in fields],
)
def test_every_field(root: str, name: str) -> None:
    e = getattr(getattr(pmx, root), name)
    assert e.to_ir() == field(root, name)


def test_unknown_field_did_you_mean() -> None:
    with pytest.raises(AttributeError, match="did you mean 'subtotal'"):
        _ = cart.subtotl
    with pytest.raises(AttributeError, match="no field 'x'"):
        _ = customer.x
    with pytest.raises(AttributeError):
        _ = cart.subtotal.foo


def test_metadata_paths() -> None:
    assert customer["tier"].to_ir() == field("customer", "metadata", "tier")
    assert customer.metadata.tier.to_ir() == field("customer", "metadata", "tier")
    assert item.metadata.a.b.to_ir() == field("item", "metadata", "a", "b")
    assert cart["x"]["y"].to_ir() == field("cart", "metadata", "x", "y")
    assert context.metadata["count"].to_ir() == field("context", "metadata", "count")
    with pytest.raises(TypeError):
        _ = cart.subtotal["x"]
    with pytest.raises(TypeError):
        _ = cart[0]  # type: ignore[index]


@pytest.mark.parametrize(
    ("build", "op"),
    [
        (lambda x: x == 1, "eq"),
        (lambda x: x != 1, "ne"),
        (lambda x: x < 1, "lt"),
        (lambda x: x <= 1, "le"),
        (lambda x: x > 1, "gt"),
        (lambda x: x >= 1, "ge"),
        (lambda x: x + 1, "add"),
        (lambda x: x - 1, "sub"),
        (lambda x: x * 1, "mul"),
        (lambda x: x / 1, "div"),
        (lambda x: x % 1, "mod"),
        (lambda x: x & 1, "and"),
        (lambda x: x | 1, "or"),
    ],
)
def test_binary_operators(build: Any, op: str) -> None:
    assert build(cart.subtotal).to_ir() == binary(op, SUBTOTAL, num("1"))


@pytest.mark.parametrize(
    ("build", "op"),
    [
        (lambda x: 1 + x, "add"),
        (lambda x: 1 - x, "sub"),
        (lambda x: 1 * x, "mul"),
        (lambda x: 1 / x, "div"),
        (lambda x: 1 % x, "mod"),
        (lambda x: True & x, "and"),
        (lambda x: False | x, "or"),
    ],
)
def test_reflected_operators(build: Any, op: str) -> None:
    left = num("1") if op not in ("and", "or") else {"type": "bool", "value": op == "and"}
    assert build(cart.subtotal).to_ir() == binary(op, left, SUBTOTAL)


def test_reflected_comparison_flips() -> None:
    assert (cart.subtotal >= 100).to_ir() == binary("ge", SUBTOTAL, num("100"))


def test_unary() -> None:
    assert (~(cart.subtotal > 1)).to_ir()["op"] == "not"
    assert (-cart.subtotal).to_ir() == {"type": "unary", "op": "neg", "arg": SUBTOTAL}


def test_methods() -> None:
    sku = field("item", "sku")
    assert item.sku.startswith("A").to_ir() == call("startsWith", sku, s("A"))
    assert item.sku.endswith("Z").to_ir() == call("endsWith", sku, s("Z"))
    assert item.sku.contains("x").to_ir() == call("contains", sku, s("x"))
    assert item.sku.matches("^A[0-9]+$").to_ir() == call("matches", sku, s("^A[0-9]+$"))
    assert item.sku.lower().to_ir() == call("lower", sku)
    assert item.sku.upper().to_ir() == call("upper", sku)
    assert item.tags.size().to_ir() == call("size", field("item", "tags"))
    assert customer.email.is_null().to_ir() == {
        "type": "unary",
        "op": "not",
        "arg": call("has", field("customer", "email")),
    }
    assert customer.email.is_not_null().to_ir() == call("has", field("customer", "email"))
    assert customer["tier"].is_in(["gold", "vip"]).to_ir() == binary(
        "in",
        field("customer", "metadata", "tier"),
        {"type": "list", "items": [s("gold"), s("vip")]},
    )
    assert lit("vip").is_in(customer.segments).to_ir() == binary(
        "in", s("vip"), field("customer", "segments")
    )


def test_numeric_functions() -> None:
    assert abs(cart.subtotal).to_ir() == call("abs", SUBTOTAL)
    assert round(cart.subtotal).to_ir() == call("round", SUBTOTAL)
    assert round(cart.subtotal, 2).to_ir() == call("round", SUBTOTAL, num("2"))
    assert math.floor(cart.subtotal).to_ir() == call("floor", SUBTOTAL)  # type: ignore[call-overload]
    assert math.ceil(cart.subtotal).to_ir() == call("ceil", SUBTOTAL)  # type: ignore[call-overload]
    assert cart.subtotal.floor(1).to_ir() == call("floor", SUBTOTAL, num("1"))


def test_time_functions() -> None:
    now = field("context", "now")
    assert context.now.weekday().to_ir() == call("weekday", now)
    assert context.now.hour("Europe/Warsaw").to_ir() == call("hour", now, s("Europe/Warsaw"))
    assert context.now.day().to_ir()["fn"] == "day"
    assert context.now.month().to_ir()["fn"] == "month"
    assert context.now.year().to_ir()["fn"] == "year"


def test_item_macros_bind_item() -> None:
    coffee = item.category == "coffee"
    items = field("cart", "items")
    body = coffee.to_ir()
    filtered = cart.items.filter(coffee)
    assert filtered.to_ir() == {
        "type": "macro",
        "op": "filter",
        "list": items,
        "var": "item",
        "body": body,
    }
    total = filtered.sum(item.quantity).to_ir()
    assert total["op"] == "sum"
    assert total["list"] == filtered.to_ir()
    assert total["body"] == field("item", "quantity")
    for method, op in [
        ("any", "exists"),
        ("all", "all"),
        ("exactly_one", "exists_one"),
        ("count", "count"),
        ("map", "map"),
        ("min", "min"),
        ("max", "max"),
    ]:
        assert getattr(cart.items, method)(coffee).to_ir()["op"] == op
    assert cart.items.count().to_ir() == {"type": "macro", "op": "count", "list": items}


def test_other_lists_only_take_argument_free_ops() -> None:
    segments = field("customer", "segments")
    assert customer.segments.count().to_ir() == {"type": "macro", "op": "count", "list": segments}
    for op in ("sum", "min", "max"):
        assert getattr(item.tags, op)().to_ir()["op"] == op
    with pytest.raises(TypeError, match=r"cart\.items"):
        customer.segments.filter(item.sku == "x")
    with pytest.raises(TypeError, match=r"cart\.items"):
        customer.segments.any(item.sku == "x")
    with pytest.raises(TypeError, match=r"cart\.items"):
        customer.segments.count(item.sku == "x")


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1, "1"),
        (-5, "-5"),
        (0, "0"),
        (Decimal("12.50"), "12.50"),
        (Decimal("1E+2"), "100"),
        (19.99, "19.99"),
        (0.1 + 0.2, "0.3"),
        (1 / 3, "0.333333"),
        (2.0, "2"),
        (-0.0, "0"),
        (1e-7, "0"),
        (0.0000005, "0"),
        (0.0000015, "0.000002"),
        (1e13, "10000000000000"),
        (Decimal("0.1234567890123456"), "0.123456789012"),
    ],
)
def test_lit_numbers(value: Any, text: str) -> None:
    assert lit(value).to_ir() == num(text)


@pytest.mark.parametrize("value", [float("nan"), float("inf"), 1e14, 10**15, Decimal("NaN")])
def test_lit_rejects_bad_numbers(value: Any) -> None:
    with pytest.raises(RuleError):
        lit(value)


def test_lit_other_values() -> None:
    assert lit(True).to_ir() == {"type": "bool", "value": True}
    assert lit(None).to_ir() == {"type": "null"}
    assert lit("x").to_ir() == s("x")
    assert lit([1, "a"]).to_ir() == {"type": "list", "items": [num("1"), s("a")]}
    warsaw = timezone(timedelta(hours=1))
    assert lit(datetime(2026, 11, 27, 1, 0, 0, 250, tzinfo=warsaw)).to_ir() == call(
        "timestamp", s("2026-11-27T00:00:00.000250Z")
    )
    assert lit(date(2026, 1, 2)).to_ir() == call("timestamp", s("2026-01-02T00:00:00Z"))
    assert lit(timedelta(days=7)).to_ir() == call("duration", s("604800s"))
    assert lit(timedelta(seconds=-1, microseconds=5)).to_ir() == call("duration", s("-999995us"))
    with pytest.raises(RuleError, match="naive"):
        lit(datetime(2026, 1, 1))
    with pytest.raises(TypeError):
        lit(object())
    e = cart.subtotal
    assert lit(e) is e


def test_when_least_greatest() -> None:
    e = when(customer.orders_count == 0).then(10).otherwise(5)
    assert e.to_ir() == {
        "type": "cond",
        "if": binary("eq", field("customer", "orders_count"), num("0")),
        "then": num("10"),
        "else": num("5"),
    }
    chained = when(cart.subtotal > 200).then(20).when(cart.subtotal > 100).then(10).otherwise(0)
    assert chained.to_ir()["else"]["type"] == "cond"
    assert chained.to_ir()["else"]["then"] == num("10")
    with pytest.raises(TypeError):
        when(cart.subtotal > 1).otherwise(0)  # type: ignore[attr-defined]
    assert least(cart.subtotal * 0.15, 50).to_ir() == call(
        "min", binary("mul", SUBTOTAL, num("0.15")), num("50")
    )
    assert greatest(1, 2, 3).to_ir()["fn"] == "max"
    with pytest.raises(TypeError):
        least(1)


def test_no_truth_value_and_no_hash() -> None:
    with pytest.raises(TypeError, match="combine conditions with"):
        bool(cart.subtotal > 1)
    with pytest.raises(TypeError, match="combine conditions with"):
        _ = (cart.subtotal > 1) and (cart.quantity > 1)
    with pytest.raises(TypeError):
        hash(cart.subtotal)
    with pytest.raises(TypeError, match=r"contains"):
        _ = "x" in customer.segments


def test_equals_and_immutability() -> None:
    assert (cart.subtotal >= 100).equals(cart.subtotal >= 100)
    assert not (cart.subtotal >= 100).equals(cart.subtotal > 100)
    assert not cart.subtotal.equals("cart.subtotal")  # type: ignore[arg-type]
    with pytest.raises(AttributeError):
        cart.subtotal._node = ir.Null()


def test_ir_round_trip_and_pickle() -> None:
    e = cart.items.filter(item.category == "coffee").sum(item.quantity) >= 2
    assert Expr.from_ir(e.to_ir()).equals(e)
    assert Expr.from_ir(e.to_json()).equals(e)
    assert Expr.from_ir(e.node).equals(e)
    assert pickle.loads(pickle.dumps(e)).equals(e)
    restored = pickle.loads(pickle.dumps(cart))
    assert restored.subtotal.equals(cart.subtotal)


def test_from_ir_errors_are_rule_errors() -> None:
    with pytest.raises(RuleError) as info:
        Expr.from_ir({"type": "binary", "op": "eq", "left": {"type": "null"}, "rigth": 1})
    assert {
        "type": "unknown_field",
        "loc": ("rigth",),
        "msg": "unknown field 'rigth'; did you mean 'right'?",
        "ctx": {"name": "rigth", "suggestion": "right"},
    } in info.value.errors()


def test_str_and_repr_print_rule_text() -> None:
    assert str(cart.subtotal >= 5) == "cart.subtotal >= 5"
    assert repr(cart.subtotal >= 5) == "<Expr cart.subtotal >= 5>"
    assert pmx.parse("true").equals(lit(True))
