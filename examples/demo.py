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
tea = item.category == "tea"
mugs = item.category == "mugs"

campaigns = [
    pm.Campaign(
        id="arabica-lovers",
        name="15% off coffee for VIPs or big baskets, at most 50",
        rules=(customer.segments.contains("vip") | (cart.subtotal >= 100))
        & (cart.items.filter(coffee).sum(item.quantity) >= 2),
        effect=pm.percent_off(15, on=pm.items(coffee), cap=50),
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
        id="tea-3for2",
        name="Teas: buy 2, get the cheapest third free",
        rules=cart.items.any(tea),
        effect=pm.buy_x_get_y(tea, 2, get_quantity=1, percent=100),
    ),
    pm.Campaign(
        id="mug-4.99",
        name="One mug per order for 4.99",
        rules=cart.items.any(coffee),
        effect=pm.fixed_price("4.99", on=pm.items(mugs, max_quantity=1)),
    ),
    pm.Campaign(
        id="beans-1-off",
        name="1 off every bag of beans",
        rules=cart.items.any(item.category == "beans"),
        effect=pm.amount_off(1, on=pm.items(item.category == "beans"), allocation="each"),
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
        id="ship-2-off",
        name="2 off shipping for newsletter readers",
        rules=customer.segments.contains("newsletter"),
        effect=pm.shipping_off(2),
    ),
    pm.Campaign(
        id="grinder-gift",
        name="A hand grinder with espresso machines",
        rules=cart.items.any(item.category == "machines"),
        effect=pm.gift("GRINDER-MINI", price="19.90"),
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
                {"sku": "MUG-BLUE", "price": "9.99", "quantity": 2, "category": "mugs"},
                {"sku": "BEANS-DECAF", "price": "12.50", "quantity": 3, "category": "beans"},
            ],
            "shipping": "4.99",
        },
        {"id": "c-1001", "segments": ["vip", "newsletter"], "orders_count": 12},
        ["  blckfrdy "],
        datetime(2026, 11, 27, 10, 30, tzinfo=UTC),
        None,
    ),
    (
        "First-time shopper in the app, small basket",
        {
            "items": [
                {"sku": "TEA-GREEN", "price": "7.50", "quantity": 2, "category": "tea"},
                {"sku": "TEA-EARL", "price": "5.90", "quantity": 1, "category": "tea"},
            ],
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
    simulation()


def simulation(n: int = 1_000_000, page: str = "target/simulation.html") -> None:
    """Last year's history replayed with state: the Black-Friday catalogue with a budget on
    the weekend deal and the BLCKFRDY code once per customer, against a variant with twice
    the budget and 25% off."""
    from pathlib import Path

    print()
    print("=" * 78)
    print(f"Simulation: {n:,} generated orders, two variants (pm.simulate)")
    print("-" * 78)
    started = time.perf_counter()
    orders = pm.datasets.orders(n, seed=11)
    generated = time.perf_counter() - started

    def catalogue(budget: str, percent: int) -> pm.Engine:
        out = []
        for c in pm.datasets.black_friday_campaigns():
            if c.id == "bf-weekend":
                c = c.model_copy(
                    update={"effect": pm.percent_off(percent, cap=150),
                            "limits": (pm.budget(budget),)}
                )  # fmt: skip
            if c.id == "bf-code":
                c = c.model_copy(update={"limits": (pm.limit(1, per="customer"),)})
            out.append(c)
        return pm.Engine(out)

    started = time.perf_counter()
    report = pm.simulate(
        catalogue("25000.00", 20), orders, variants={"bigger-bf": catalogue("50000.00", 25)},
        progress=False,
    )  # fmt: skip
    took = time.perf_counter() - started
    rows = report.compare().to_pylist()
    print(
        f"{'variant':<10} {'campaign':<14} {'redemptions':>11} {'discount':>13} {'budget used':>12}"
    )
    for r in rows:
        cid = r["campaign_id"] or "(total)"
        used = "" if r["budget_used"] is None else f"{r['budget_used']:,}"
        print(
            f"{r['variant']:<10} {cid:<14} {r['redemptions']:>11,} {r['discount']:>13,} {used:>12}"
        )
    f = report.forecast("bf-weekend")
    print(f"bf-weekend's budget ran out at {f.exhausted_at:%Y-%m-%d %H:%M} UTC (baseline).")
    Path(page).parent.mkdir(parents=True, exist_ok=True)
    report.to_html(page)
    print(
        f"Generated in {generated:.1f} s; simulated 2 x {n:,} orders in {took:.1f} s "
        f"({2 * n / took:,.0f} orders/s, one thread); report written to {page}"
    )


if __name__ == "__main__":
    main()
