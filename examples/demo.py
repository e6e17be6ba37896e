"""A Black-Friday campaign set pricing a handful of carts, each with its explanation.

Run with `make demo`.
"""

from __future__ import annotations

import pickle
import time
from datetime import UTC, datetime

import promotor as pm
from promotor import cart, context, customer, item

BLACK_FRIDAY = datetime(2026, 11, 27, tzinfo=UTC)
CYBER_MONDAY = datetime(2026, 12, 1, tzinfo=UTC)

coffee = item.category == "coffee"

campaigns = [
    pm.Campaign(
        id="arabica-lovers",
        name="15% off for coffee lovers (VIP or big baskets)",
        rules=(customer.segments.contains("vip") | (cart.subtotal >= 100))
        & (cart.items.filter(coffee).sum(item.quantity) >= 2),
        effect=pm.percent_off(15, cap=50),
    ),
    pm.Campaign(
        id="bf-code",
        name="BLCKFRDY: 10 off orders of 50+",
        code="BLCKFRDY",
        rules="cart.subtotal >= 50",
        effect=pm.amount_off(10),
        starts_at=BLACK_FRIDAY,
        ends_at=CYBER_MONDAY,
    ),
    pm.Campaign(
        id="spend-more",
        name="Spend 100 get 5%, 200 get 8%, 400 get 12%",
        tiers=[
            pm.Tier(rules=cart.subtotal >= 100, effect=pm.percent_off(5)),
            pm.Tier(rules=cart.subtotal >= 200, effect=pm.percent_off(8)),
            pm.Tier(rules=cart.subtotal >= 400, effect=pm.percent_off(12)),
        ],
        priority=-1,
    ),
    pm.Campaign(
        id="welcome",
        name="First order: 15% of the basket, at most 20",
        rules=customer.orders_count == 0,
        effect=pm.amount_off(pm.least(cart.subtotal * 0.15, 20)),
    ),
    pm.Campaign(
        id="free-ship",
        name="Free shipping from 60, or always in the app",
        rules=(cart.subtotal >= 60) | (context.channel == "app"),
        effect=pm.free_shipping(),
    ),
    pm.Campaign(
        id="night-owls",
        name="Weekend nights in Warsaw: 5% off",
        rules="cart.subtotal >= 30",
        effect=pm.percent_off(5),
        schedule=pm.Schedule(weekdays=[6, 7], hours=(22, 24), timezone="Europe/Warsaw"),
    ),
]

carts = [
    (
        "VIP with a coffee habit, using the Black-Friday code",
        {
            "items": [
                {"sku": "ARABICA-1KG", "price": "24.90", "quantity": 2, "category": "coffee"},
                {"sku": "MUG-BLUE", "price": "9.99", "quantity": 1, "category": "mugs"},
            ],
            "shipping": "4.99",
        },
        {"id": "c-1001", "segments": ["vip"], "orders_count": 12},
        ["  blckfrdy "],
        datetime(2026, 11, 27, 10, 30, tzinfo=UTC),
        None,
    ),
    (
        "First-time shopper in the app, small basket",
        {
            "items": [{"sku": "TEA-GREEN", "price": "7.50", "quantity": 3, "category": "tea"}],
            "shipping": "3.99",
        },
        {"id": "c-2002", "orders_count": 0},
        [],
        datetime(2026, 11, 27, 15, tzinfo=UTC),
        {"channel": "app"},
    ),
    (
        "Big basket on Saturday night in Warsaw, with a wrong code",
        {
            "items": [
                {
                    "sku": "ESPRESSO-MACHINE",
                    "price": "349.00",
                    "quantity": 1,
                    "category": "machines",
                },
                {"sku": "ARABICA-250G", "price": "8.90", "quantity": 4, "category": "coffee"},
            ],
            "shipping": "0",
        },
        {"id": "c-3003", "segments": ["gold"], "orders_count": 3},
        ["CYBER50"],
        datetime(2026, 11, 28, 22, 15, tzinfo=UTC),
        None,
    ),
    (
        "A week too early for the code",
        {
            "items": [
                {"sku": "BEANS-DECAF", "price": "19.99", "quantity": 3, "category": "coffee"}
            ],
            "shipping": "4.99",
        },
        {"id": "c-4004", "orders_count": 1},
        ["BLCKFRDY"],
        datetime(2026, 11, 20, 9, tzinfo=UTC),
        None,
    ),
]


def main() -> None:
    started = time.perf_counter()
    engine = pm.Engine(campaigns, currency="USD")
    compiled = time.perf_counter() - started
    print(f"Compiled {len(campaigns)} campaigns in {compiled * 1000:.2f} ms\n")
    for title, cart_data, customer_data, codes, now, ctx in carts:
        result = engine.evaluate(
            cart_data, customer=customer_data, codes=codes, now=now, context=ctx
        )
        print("=" * 78)
        print(f"{title}  ({now:%a %Y-%m-%d %H:%M} UTC)")
        print("-" * 78)
        print(result.explain())
        print()

    clone = pickle.loads(pickle.dumps(engine))
    result = clone.evaluate(carts[0][1], customer=carts[0][2], codes=carts[0][3], now=carts[0][4])
    print(f"A pickled copy of the engine prices the first cart at {result.total} USD too.")

    n = 20_000
    cart_data, customer_data, codes, now, ctx = carts[0][1:]
    started = time.perf_counter()
    for _ in range(n):
        engine.evaluate(cart_data, customer=customer_data, codes=codes, now=now, context=ctx)
    per_call = (time.perf_counter() - started) / n
    print(
        f"evaluate() from plain dicts: {per_call * 1e6:.1f} µs per cart ({n:,} calls, one thread)"
    )


if __name__ == "__main__":
    main()
