"""Rule text round trips through the native parser and printer (run after integration)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from promotor.expr import Expr, cart, context, customer, greatest, item, least, lit, parse, when

native = pytest.importorskip("promotor._native")

coffee = item.category == "coffee"

CONSTRUCTS: list[Expr] = [
    cart.subtotal >= 100,
    (cart.subtotal >= 100) & (cart.quantity < 5),
    (cart.subtotal >= 100) | ~(cart.quantity == 1),
    cart.subtotal != 1,
    cart.subtotal + 1 - 2 * 3 / 4 % 5,
    -cart.subtotal,
    lit(-5) < cart.subtotal,
    cart.subtotal * 0.15,
    customer["tier"] == "gold",
    customer.metadata.a.b == True,  # noqa: E712
    customer["tier"].is_in(["gold", "vip"]),
    customer.segments.contains("vip"),
    item.sku.startswith("A") & item.sku.endswith("Z"),
    item.sku.matches("^A[0-9]+$"),
    item.sku.lower() == item.sku.upper(),
    customer.email.is_null(),
    customer.email.is_not_null(),
    customer.segments.size() > 0,
    cart.items.filter(coffee).sum(item.quantity) >= 2,
    cart.items.any(coffee),
    cart.items.all(item.price > 1),
    cart.items.exactly_one(coffee),
    cart.items.count(coffee) == 1,
    cart.items.count() == 1,
    cart.items.min(item.price) < 1,
    cart.items.max(item.price) > 1,
    cart.items.map(item.price).sum() > 1,
    customer.segments.count() > 1,
    when(customer.orders_count == 0).then(10).otherwise(5),
    least(cart.subtotal * 0.15, 50),
    greatest(1, 2, cart.subtotal),
    abs(cart.subtotal),
    round(cart.subtotal, 2),
    context.now >= lit(datetime(2026, 11, 27, tzinfo=UTC)),
    context.now - customer.created_at > lit(timedelta(days=30)),
    context.now.weekday("Europe/Warsaw") == 5,
    lit(None) == customer.email,
    lit("a") + "b" == "ab",
]


@pytest.mark.parametrize("e", CONSTRUCTS, ids=lambda e: e.to_json()[:60])
def test_round_trip(e: Expr) -> None:
    text = str(e)
    assert parse(text).equals(e), text


def test_repr_uses_rule_text() -> None:
    assert repr(cart.subtotal >= 100) == "<Expr cart.subtotal >= 100>"
