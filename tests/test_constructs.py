"""Every expression construct, four ways: the builder prints the expected rule text, the text
parses back to the same expression, and the Rust evaluator and the pure-Python reference both
compute the expected value on one sample cart."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

import promotor as pm
from promotor import cart, context, customer, item, reference
from promotor.expr import Expr
from promotor.inputs import canonical_input

CART = {
    "items": [
        {
            "sku": "ARABICA",
            "category": "coffee",
            "tags": ["organic"],
            "price": "24.90",
            "quantity": 2,
            "metadata": {"origin": "Ethiopia"},
        },
        {"sku": "MUG", "category": "mugs", "price": "9.99", "quantity": 1},
        {
            "sku": "TEA",
            "category": "tea",
            "tags": ["organic", "sale"],
            "price": "7.50",
            "quantity": 3,
        },
    ],
    "shipping": "4.99",
    "metadata": {"source": "newsletter"},
}
CUSTOMER = {
    "id": "c-1001",
    "email": "ana@example.com",
    "segments": ["vip", "newsletter"],
    "orders_count": 12,
    "total_spent": "1520.40",
    "created_at": datetime(2024, 3, 1, 12, tzinfo=UTC),
    "metadata": {"tier": "gold", "points": 340},
}
NOW = datetime(2026, 11, 27, 10, 30, tzinfo=UTC)
CONTEXT = {"channel": "web", "country": "PL"}

coffee = item.category == "coffee"

# (builder expression, its rule text, its value on the sample cart)
CASES: list[tuple[Expr, str, Any]] = [
    (cart.subtotal, "cart.subtotal", Decimal("82.29")),
    (cart.quantity, "cart.quantity", 6),
    (cart.shipping, "cart.shipping", Decimal("4.99")),
    (cart.currency, "cart.currency", "USD"),
    (cart.metadata.source, "cart.metadata.source", "newsletter"),
    (customer["tier"], "customer.metadata.tier", "gold"),
    (customer.metadata["points"], "customer.metadata.points", 340),
    (customer.id, "customer.id", "c-1001"),
    (customer.orders_count, "customer.orders_count", 12),
    (context.channel, "context.channel", "web"),
    (pm.lit(12.5), "12.5", Decimal("12.5")),
    (pm.lit("x"), '"x"', "x"),
    (pm.lit(True), "true", True),
    (cart.subtotal >= 50, "cart.subtotal >= 50", True),
    (cart.subtotal > 100, "cart.subtotal > 100", False),
    (cart.subtotal < 100, "cart.subtotal < 100", True),
    (cart.subtotal <= 82.29, "cart.subtotal <= 82.29", True),
    (customer.id != "c-2", 'customer.id != "c-2"', True),
    (context.country == "PL", 'context.country == "PL"', True),
    (
        (cart.subtotal > 50) & (customer.orders_count > 20),
        "cart.subtotal > 50 && customer.orders_count > 20",
        False,
    ),
    (
        (cart.subtotal > 500) | (context.channel == "web"),
        'cart.subtotal > 500 || context.channel == "web"',
        True,
    ),
    (~customer.segments.contains("staff"), '!customer.segments.contains("staff")', True),
    (cart.subtotal + cart.shipping, "cart.subtotal + cart.shipping", Decimal("87.28")),
    (cart.subtotal - 2, "cart.subtotal - 2", Decimal("80.29")),
    (cart.subtotal * 0.15, "cart.subtotal * 0.15", Decimal("12.3435")),
    (cart.subtotal / 3, "cart.subtotal / 3", Decimal("27.43")),
    (customer.orders_count % 5, "customer.orders_count % 5", 2),
    (-cart.shipping, "-cart.shipping", Decimal("-4.99")),
    (100 - cart.subtotal, "100 - cart.subtotal", Decimal("17.71")),
    (context.country.is_in(["PL", "CZ"]), 'context.country in ["PL", "CZ"]', True),
    (customer.segments.contains("vip"), 'customer.segments.contains("vip")', True),
    (customer.email.contains("@"), 'customer.email.contains("@")', True),
    (customer.id.startswith("c-"), 'customer.id.startsWith("c-")', True),
    (customer.email.endswith(".org"), 'customer.email.endsWith(".org")', False),
    (customer.id.matches("^c-[0-9]+$"), 'customer.id.matches("^c-[0-9]+$")', True),
    (customer["tier"].upper(), "customer.metadata.tier.upper()", "GOLD"),
    (pm.lit("AbC").lower(), '"AbC".lower()', "abc"),
    (customer["nope"].is_null(), "!has(customer.metadata.nope)", True),
    (customer["tier"].is_not_null(), "has(customer.metadata.tier)", True),
    (
        cart.items.filter(coffee).count(),
        'cart.items.filter(item, item.category == "coffee").count()',
        1,
    ),
    (cart.items.any(coffee), 'cart.items.exists(item, item.category == "coffee")', True),
    (cart.items.all(item.price > 5), "cart.items.all(item, item.price > 5)", True),
    (
        cart.items.exactly_one(item.tags.contains("organic")),
        'cart.items.exists_one(item, item.tags.contains("organic"))',
        False,
    ),
    (cart.items.count(item.price < 10), "cart.items.count(item, item.price < 10)", 2),
    (cart.items.count(), "cart.items.count()", 3),
    (cart.items.sum(item.quantity), "cart.items.sum(item, item.quantity)", 6),
    (cart.items.min(item.price), "cart.items.min(item, item.price)", Decimal("7.50")),
    (cart.items.max(item.subtotal), "cart.items.max(item, item.subtotal)", Decimal("49.80")),
    (cart.items.map(item.quantity).sum(), "cart.items.map(item, item.quantity).sum()", 6),
    (cart.items.size(), "size(cart.items)", 3),
    (customer.segments.count(), "customer.segments.count()", 2),
    (
        pm.when(customer.orders_count == 0).then(10).otherwise(5),
        "customer.orders_count == 0 ? 10 : 5",
        5,
    ),
    (pm.least(cart.subtotal * 0.15, 10), "min(cart.subtotal * 0.15, 10)", 10),
    (pm.greatest(cart.shipping, 5), "max(cart.shipping, 5)", 5),
    (abs(pm.lit(-4.5)), "abs(-4.5)", Decimal("4.5")),
    (round(cart.subtotal * 0.15, 2), "round(cart.subtotal * 0.15, 2)", Decimal("12.34")),
    (cart.subtotal.floor(), "floor(cart.subtotal)", 82),
    (cart.subtotal.ceil(1), "ceil(cart.subtotal, 1)", Decimal("82.3")),
    (context.now.weekday("Europe/Warsaw"), 'weekday(context.now, "Europe/Warsaw")', 5),
    (context.now.hour("Europe/Warsaw"), 'hour(context.now, "Europe/Warsaw")', 11),
    (context.now.day(), "day(context.now)", 27),
    (context.now.month(), "month(context.now)", 11),
    (context.now.year(), "year(context.now)", 2026),
    (
        context.now > pm.lit(datetime(2026, 11, 27, tzinfo=UTC)),
        'context.now > timestamp("2026-11-27T00:00:00Z")',
        True,
    ),
    (
        context.now - customer.created_at > pm.lit(timedelta(days=365)),
        'context.now - customer.created_at > duration("31536000s")',
        True,
    ),
]


@pytest.fixture(scope="module")
def canonical() -> dict[str, Any]:
    return canonical_input(CART, customer=CUSTOMER, now=NOW, context=CONTEXT)


@pytest.mark.parametrize(("expr", "text", "value"), CASES, ids=[t for _, t, _ in CASES])
def test_construct(expr: Expr, text: str, value: Any, canonical: dict[str, Any]) -> None:
    assert str(expr) == text
    assert pm.parse(text).equals(expr)
    rule = (expr == value) if not isinstance(value, bool) else expr if value else ~expr
    engine = pm.Engine([pm.Campaign(id="probe", rules=rule, effect=pm.amount_off(1))])
    result = engine.evaluate(CART, customer=CUSTOMER, now=NOW, context=CONTEXT)
    assert [a.campaign_id for a in result.applied] == ["probe"], result.explain()
    outcome = reference.evaluate(engine.to_ir(), canonical)
    assert [a["campaign_id"] for a in outcome["applied"]] == ["probe"]


def test_a_false_construct_is_reported_with_actual_and_expected(
    canonical: dict[str, Any],
) -> None:
    engine = pm.Engine([pm.Campaign(id="big", rules=cart.subtotal >= 100, effect=pm.amount_off(1))])
    [rejected] = engine.evaluate(CART, customer=CUSTOMER, now=NOW).rejected
    assert (rejected.reason, rejected.condition) == ("rules_not_met", "cart.subtotal >= 100")
    assert (rejected.actual, rejected.expected) == (Decimal("82.29"), 100)
    assert reference.evaluate(engine.to_ir(), canonical)["rejected"][0]["actual"] == Decimal(
        "82.29"
    )
