"""canonical_input (the native validator's canonical dicts), the models, and every input error."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest

import promotor as pm
from promotor.errors import InputError, RuleError
from promotor.inputs import Cart, Context, Customer, Item, canonical_input

NOW = datetime(2026, 11, 27, 10, tzinfo=UTC)


def canon(cart: Any, **kwargs: Any) -> dict[str, Any]:
    kwargs.setdefault("now", NOW)
    return canonical_input(cart, **kwargs)


def errors_of(cart: Any, **kwargs: Any) -> list[dict[str, Any]]:
    with pytest.raises(InputError) as info:
        canon(cart, **kwargs)
    return info.value.errors()


def test_canonical_shape() -> None:
    out = canon(
        {
            "items": [
                {
                    "sku": "A1",
                    "price": "12.50",
                    "quantity": 2,
                    "category": "coffee",
                    "tags": ["x"],
                    "metadata": {"n": 1, "f": 1.5, "b": True, "l": [1, None]},
                }
            ],
            "shipping": 4.99,
            "currency": "pln",
            "metadata": {"a": {"b": "c"}},
        },
        customer={
            "id": "c1",
            "segments": ["vip"],
            "orders_count": 3,
            "birthday": date(1990, 5, 1),
            "created_at": datetime(2020, 1, 1, 1, tzinfo=timezone(timedelta(hours=1))),
        },
        codes=["blckfrdy"],
        context={"channel": "web"},
    )
    assert out == {
        "cart": {
            "currency": "PLN",
            "shipping": Decimal("4.99"),
            "items": [
                {
                    "sku": "A1",
                    "product": None,
                    "category": "coffee",
                    "tags": ["x"],
                    "price": Decimal("12.50"),
                    "quantity": 2,
                    "metadata": {
                        "n": Decimal(1),
                        "f": Decimal("1.5"),
                        "b": True,
                        "l": [Decimal(1), None],
                    },
                }
            ],
            "metadata": {"a": {"b": "c"}},
        },
        "customer": {
            "id": "c1",
            "email": None,
            "segments": ["vip"],
            "orders_count": Decimal(3),
            "total_spent": None,
            "created_at": datetime(2020, 1, 1, tzinfo=UTC),
            "birthday": datetime(1990, 5, 1, tzinfo=UTC),
            "metadata": {},
        },
        "context": {"now": NOW, "channel": "web", "country": None, "metadata": {}},
        "codes": ["blckfrdy"],
    }
    assert out["cart"]["items"][0]["metadata"]["b"] is True
    assert out["customer"]["created_at"].tzinfo is UTC


@pytest.mark.parametrize(
    ("price", "expected"),
    [
        (19.99, Decimal("19.99")),
        (0.1 + 0.2, Decimal("0.3")),
        (1 / 3, Decimal("0.333333")),
        (2.0, Decimal("2")),
        (5, Decimal("5")),
        ("12.50", Decimal("12.50")),
        (Decimal("1.0000000000005"), Decimal("1.000000000000")),
        ("1.0000000000015", Decimal("1.000000000002")),
        ("1e2", Decimal("100")),
        (Decimal("0"), Decimal("0")),
    ],
)
def test_prices(price: Any, expected: Decimal) -> None:
    got = canon({"items": [{"price": price}]})["cart"]["items"][0]["price"]
    assert got == expected
    assert str(got) == str(expected)


@pytest.mark.parametrize(
    ("price", "kind", "msg"),
    [
        (-1, "too_small", "must be at least 0"),
        ("-0.01", "too_small", "must be at least 0"),
        (float("nan"), "not_finite", "must be a finite number"),
        (float("inf"), "not_finite", "must be a finite number"),
        ("abc", "type_mismatch", "expected a number, got 'abc'"),
        (True, "type_mismatch", "expected a number, got bool"),
        ([1], "type_mismatch", "expected a number, got list"),
        (10**14, "out_of_range", "out of range: numbers must stay below 10^14 in magnitude"),
        (1e15, "out_of_range", "out of range: numbers must stay below 10^14 in magnitude"),
        (Decimal("NaN"), "not_finite", "must be a finite number"),
        (None, "required", "required"),
    ],
)
def test_bad_prices(price: Any, kind: str, msg: str) -> None:
    errors = errors_of(
        {
            "items": [{"sku": "a"}, {"sku": "b"}, {"sku": "c"}, {"price": price}]
            if price is None
            else [{"price": 1}, {"price": 1}, {"price": 1}, {"price": price}]
        }
    )
    assert errors[-1]["loc"] == ("cart", "items", 3, "price")
    assert (errors[-1]["type"], errors[-1]["msg"]) == (kind, msg)


@pytest.mark.parametrize(
    ("quantity", "kind", "msg"),
    [
        (0, "too_small", "must be at least 1"),
        (-2, "too_small", "must be at least 1"),
        (1.5, "type_mismatch", "expected a whole number, got 1.5"),
        ("2.5", "type_mismatch", "expected a whole number, got 2.5"),
        (1_000_001, "too_large", "must be at most 1000000"),
        (True, "type_mismatch", "expected a whole number, got bool"),
        ("x", "type_mismatch", "expected a number, got 'x'"),
        (None, "type_mismatch", "expected a whole number, got NoneType"),
    ],
)
def test_bad_quantities(quantity: Any, kind: str, msg: str) -> None:
    errors = errors_of({"items": [{"price": 1, "quantity": quantity}]})
    assert [(e["type"], e["loc"], e["msg"]) for e in errors] == [
        (kind, ("cart", "items", 0, "quantity"), msg)
    ]


def test_integral_quantities_of_other_types() -> None:
    lines = canon({"items": [{"price": 1, "quantity": q} for q in (2.0, "3", Decimal(4))]})
    assert [line["quantity"] for line in lines["cart"]["items"]] == [2, 3, 4]


def test_limits() -> None:
    assert errors_of({"items": [{"price": 1}] * 1001})[0]["loc"] == ("cart", "items")
    long = "x" * 10_001
    assert errors_of({"items": [{"price": 1, "sku": long}]})[0]["loc"] == (
        "cart",
        "items",
        0,
        "sku",
    )
    assert errors_of({"items": [{"price": 1, "tags": ["t"] * 1001}]})[0]["loc"] == (
        "cart",
        "items",
        0,
        "tags",
    )
    deep: Any = "leaf"
    for _ in range(17):
        deep = {"k": deep}
    assert "nested" in errors_of({"metadata": deep})[0]["msg"]
    ok: Any = "leaf"
    for _ in range(15):
        ok = {"k": ok}
    canon({"metadata": ok})


def test_unknown_keys_did_you_mean() -> None:
    errors = errors_of({"items": [{"price": 1, "categroy": "x"}], "shiping": 1})
    assert {
        "type": "unknown_field",
        "loc": ("cart", "items", 0, "categroy"),
        "msg": "unknown field 'categroy'; did you mean 'category'?",
        "ctx": {"name": "categroy", "suggestion": "category"},
    } in errors
    assert {
        "type": "unknown_field",
        "loc": ("cart", "shiping"),
        "msg": "unknown field 'shiping'; did you mean 'shipping'?",
        "ctx": {"name": "shiping", "suggestion": "shipping"},
    } in errors
    errors = errors_of({}, customer={"segment": ["vip"]})
    assert errors[0]["msg"] == "unknown field 'segment'; did you mean 'segments'?"


def test_datetimes() -> None:
    naive = datetime(2026, 1, 1)
    assert errors_of({}, now=naive)[0]["loc"] == ("now",)
    assert errors_of({}, customer={"created_at": naive})[0]["loc"] == ("customer", "created_at")
    assert errors_of({}, customer={"birthday": "1990-05-01T00:00:00"})[0]["loc"] == (
        "customer",
        "birthday",
    )
    out = canon(
        {},
        customer={"birthday": "1990-05-01", "created_at": "2020-01-01T00:00:00Z"},
        now=datetime(2026, 1, 1, 12, 0, 0, 123456, tzinfo=timezone(timedelta(hours=2))),
    )
    assert out["customer"]["birthday"] == datetime(1990, 5, 1, tzinfo=UTC)
    assert out["context"]["now"] == datetime(2026, 1, 1, 10, 0, 0, 123456, tzinfo=UTC)
    assert out["context"]["now"].tzinfo is UTC
    default = canonical_input({})["context"]["now"]
    assert default.tzinfo is UTC
    assert abs(default - datetime.now(UTC)) < timedelta(seconds=5)
    assert canon({}, now=None, context={"now": NOW})["context"]["now"] == NOW


def test_currencies() -> None:
    assert errors_of({"currency": "US"})[0]["loc"] == ("cart", "currency")
    assert errors_of({"currency": 840})[0]["loc"] == ("cart", "currency")
    # The engine's own currency is part of its definition: checked when it is built.
    with pytest.raises(RuleError):
        pm.Engine([], currency="dollars")
    assert canon({"currency": " eur "})["cart"]["currency"] == "EUR"
    assert canon({})["cart"]["currency"] is None


def test_codes() -> None:
    assert canon({}, codes="BF")["codes"] == ["BF"]
    assert canon({}, codes=("a", "b"))["codes"] == ["a", "b"]
    assert errors_of({}, codes=[1])[0]["loc"] == ("codes", 0)


def test_metadata_values() -> None:
    out = canon({"metadata": {"a": [1.25, "x", False, None, {"b": Decimal("2")}]}})
    assert out["cart"]["metadata"] == {"a": [Decimal("1.25"), "x", False, None, {"b": Decimal(2)}]}
    # datetimes are values of their own (issue 10); a naive one is an error where it is
    when = canon({"metadata": {"when": datetime(2026, 1, 1, tzinfo=UTC)}})
    assert when["cart"]["metadata"] == {"when": datetime(2026, 1, 1, tzinfo=UTC)}
    errors = errors_of({"metadata": {"when": datetime(2026, 1, 1)}})
    assert (errors[0]["type"], errors[0]["loc"]) == ("naive_datetime", ("cart", "metadata", "when"))
    assert errors_of({"metadata": {1: "x"}})[0]["loc"] == ("cart", "metadata", 1)


def test_negative_shipping() -> None:
    assert errors_of({"shipping": -1}) == [
        {
            "type": "too_small",
            "loc": ("cart", "shipping"),
            "msg": "must be at least 0",
            "ctx": {"min": "0"},
        }
    ]


def test_models_give_the_same_canonical_input() -> None:
    as_dict = {
        "items": [{"sku": "A", "price": 19.99, "quantity": 2, "tags": ["t"]}],
        "shipping": "5",
        "currency": "usd",
    }
    model = Cart(
        items=[Item(sku="A", price=19.99, quantity=2, tags=["t"])], shipping="5", currency="usd"
    )
    customer = Customer(id="c", birthday=date(1990, 1, 1), orders_count=2)
    context = Context(channel="app")
    assert canon(model, customer=customer, context=context) == canon(
        as_dict,
        customer={"id": "c", "birthday": date(1990, 1, 1), "orders_count": 2},
        context={"channel": "app"},
    )
    assert Cart.model_validate(as_dict) == model
    assert model.items[0].price == Decimal("19.99")
    assert context.now is None


def test_model_errors_are_input_errors() -> None:
    with pytest.raises(InputError) as info:
        Item(price=-1, quantity=0)
    assert [e["loc"] for e in info.value.errors()] == [("price",), ("quantity",)]
    with pytest.raises(InputError) as info:
        Cart(items=[{"price": 1}, {"price": "x"}])
    assert info.value.errors()[0]["loc"] == ("items", 1, "price")
    with pytest.raises(InputError) as info:
        Customer.model_validate({"created_at": datetime(2026, 1, 1)})
    assert info.value.errors()[0]["loc"] == ("created_at",)
    with pytest.raises(InputError) as info:
        Cart.model_validate_json('{"items": [{"price": "1", "quantity": 0}]}')
    assert info.value.errors()[0]["loc"] == ("items", 0, "quantity")
