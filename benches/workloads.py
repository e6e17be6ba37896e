"""Seeded benchmark workloads (docs/performance.md, DESIGN section 7).

W20: 20 campaigns shaped like "segment in [vip, gold] and subtotal >= X and some coffee item
with quantity >= 2, inside the campaign's window -> min(subtotal x 15%, 50)", X and the window
varying per campaign; 10,000 seeded carts of 1-19 items (mean 10) over 12 categories, with
customers in 5 segments, and a `now` inside most (17 of 20) windows. The discount alternates
between its two spellings, both "min(subtotal x 15%, 50)":

- even campaigns: ``amount_off(least(cart.subtotal * 0.15, 50))`` (a formula on the original
  subtotal, at most what is left of the order),
- odd campaigns: ``percent_off(15, cap=50)`` (15% of what is left of the order, at most 50),

so sequential stacking on the discounted base matters for both.

W100: 100 campaigns of varied shapes (item targets, tiers, codes, buy-x-get-y, fixed prices,
shipping, schedules, groups, rule text), the size of the largest real promotion catalogues.

Every workload comes as promotor campaigns and as plain data (:class:`W20Campaign` for the
hand-written baseline; the engine's IR JSON for the criterion benches).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import promotor as pm
from promotor import cart, customer, item

SEED = 20261127
NOW = datetime(2026, 11, 27, 10, 30, tzinfo=UTC)
SEGMENTS = ("vip", "gold", "silver", "newsletter", "new")
CATEGORIES = (
    "coffee",
    "tea",
    "mugs",
    "beans",
    "machines",
    "filters",
    "grinders",
    "syrups",
    "snacks",
    "kettles",
    "books",
    "gifts",
)
N_CARTS = 10_000


@dataclass(frozen=True)
class W20Campaign:
    """One W20 campaign as plain data."""

    id: str
    threshold: Decimal  # X in "subtotal >= X"
    starts_at: datetime  # inclusive
    ends_at: datetime  # exclusive
    formula: bool  # True: amount_off(least(subtotal * 0.15, 50)); False: percent_off(15, cap=50)


@dataclass(frozen=True)
class Order:
    """One cart with its customer, as plain dicts (what a web backend hands to evaluate)."""

    cart: dict[str, Any]
    customer: dict[str, Any]


def w20_specs(seed: int = SEED) -> list[W20Campaign]:
    rng = random.Random(seed)
    specs = []
    for i in range(20):
        threshold = Decimal(rng.randrange(20, 201, 5))
        if i % 7 == 3:  # 3 of 20 windows do not contain NOW: ended or not started yet
            if i % 2:
                starts = NOW - timedelta(days=rng.randint(20, 40))
                ends = NOW - timedelta(days=rng.randint(1, 10))
            else:
                starts = NOW + timedelta(days=rng.randint(1, 10))
                ends = starts + timedelta(days=rng.randint(1, 10))
        else:
            starts = NOW - timedelta(days=rng.randint(0, 30), hours=rng.randint(0, 10))
            ends = NOW + timedelta(days=rng.randint(1, 30))
        specs.append(W20Campaign(f"w20-{i:02d}", threshold, starts, ends, formula=i % 2 == 0))
    return specs


def w20_campaigns(specs: list[W20Campaign] | None = None) -> list[pm.Campaign]:
    coffee2 = (item.category == "coffee") & (item.quantity >= 2)
    segment = customer.segments.contains("vip") | customer.segments.contains("gold")
    out = []
    for s in specs if specs is not None else w20_specs():
        effect = (
            pm.amount_off(pm.least(cart.subtotal * 0.15, 50))
            if s.formula
            else pm.percent_off(15, cap=50)
        )
        out.append(
            pm.Campaign(
                id=s.id,
                rules=segment & (cart.subtotal >= s.threshold) & cart.items.any(coffee2),
                effect=effect,
                starts_at=s.starts_at,
                ends_at=s.ends_at,
            )
        )
    return out


def w20_engine() -> pm.Engine:
    return pm.Engine(w20_campaigns(), currency="USD")


def orders(n: int = N_CARTS, seed: int = SEED) -> list[Order]:
    """``n`` seeded carts of 1-19 items (mean 10), each with a customer."""
    rng = random.Random(seed + 1)
    n_customers = max(1, n // 4)
    customers = []
    for c in range(n_customers):
        k = rng.choices((0, 1, 2, 3), weights=(2, 4, 3, 1))[0]
        segs = sorted(rng.sample(SEGMENTS, k))
        customers.append({"id": f"c{c}", "segments": segs, "orders_count": rng.randint(0, 40)})
    out = []
    for o in range(n):
        items = []
        for line in range(rng.randint(1, 19)):
            category = rng.choice(CATEGORIES)
            price = Decimal(rng.randint(99, 4999)) / 100
            items.append(
                {
                    "sku": f"{category[:3].upper()}-{o}-{line}",
                    "price": str(price),
                    "quantity": rng.choices((1, 2, 3, 4), weights=(5, 3, 1, 1))[0],
                    "category": category,
                }
            )
        shipping = rng.choice(("4.99", "0", "7.50"))
        out.append(Order({"items": items, "shipping": shipping}, rng.choice(customers)))
    return out


# -- W100 -----------------------------------------------------------------------------------


def w100_campaigns(seed: int = SEED) -> list[pm.Campaign]:
    """100 campaigns of varied shapes, every one valid and reachable by some cart."""
    rng = random.Random(seed + 2)
    out: list[pm.Campaign] = []
    for i in range(100):
        cat = rng.choice(CATEGORIES)
        other = rng.choice(CATEGORIES)
        seg = rng.choice(SEGMENTS)
        x = rng.randrange(20, 301, 10)
        in_cat = item.category == cat
        window: dict[str, Any] = {}
        if i % 3 == 0:
            window = {
                "starts_at": NOW - timedelta(days=rng.randint(0, 20)),
                "ends_at": NOW + timedelta(days=rng.randint(1, 20)),
            }
        shape = i % 10
        cid = f"w100-{i:03d}"
        if shape == 0:
            c = pm.Campaign(
                id=cid,
                rules=customer.segments.contains(seg) & (cart.subtotal >= x),
                effect=pm.percent_off(rng.choice((5, 10, 15)), on=pm.items(in_cat), cap=40),
                **window,
            )
        elif shape == 1:
            c = pm.Campaign(
                id=cid,
                code=f"CODE{i}",
                rules=f"cart.subtotal >= {x}",
                effect=pm.amount_off(rng.choice((5, 10, 20))),
                **window,
            )
        elif shape == 2:
            c = pm.Campaign(
                id=cid,
                tiers=[
                    pm.Tier(rules=cart.subtotal >= x, effect=pm.percent_off(5)),
                    pm.Tier(rules=cart.subtotal >= 2 * x, effect=pm.percent_off(8)),
                    pm.Tier(rules=cart.subtotal >= 4 * x, effect=pm.percent_off(12)),
                ],
                group=f"tiers-{i % 4}",
                **window,
            )
        elif shape == 3:
            c = pm.Campaign(
                id=cid,
                rules=cart.items.any(in_cat),
                effect=pm.buy_x_get_y(in_cat, 2, get_quantity=1, percent=100),
                **window,
            )
        elif shape == 4:
            c = pm.Campaign(
                id=cid,
                rules=cart.items.any(item.category == other),
                effect=pm.fixed_price("4.99", on=pm.items(in_cat, max_quantity=1)),
                **window,
            )
        elif shape == 5:
            c = pm.Campaign(
                id=cid,
                rules=(cart.subtotal >= x) | customer.segments.contains(seg),
                effect=pm.free_shipping(),
                group="shipping",
            )
        elif shape == 6:
            c = pm.Campaign(
                id=cid,
                rules=f'customer.segments.exists(s, s in ["{seg}", "vip"]) && '
                f'cart.items.filter(i, i.category == "{cat}").sum(i, i.quantity) >= 2',
                effect=pm.amount_off(pm.least(cart.subtotal * 0.1, 25)),
                **window,
            )
        elif shape == 7:
            c = pm.Campaign(
                id=cid,
                rules=customer.orders_count == 0,
                effect=pm.amount_off(1, on=pm.items(in_cat), allocation="each"),
                schedule=pm.Schedule(weekdays=[5, 6, 7], hours=(8, 22), timezone="Europe/Warsaw"),
            )
        elif shape == 8:
            c = pm.Campaign(
                id=cid,
                rules=cart.items.count(in_cat) >= 3,
                effect=pm.percent_off(20, on=pm.items(in_cat, cheapest=1)),
                priority=rng.randint(-2, 2),
                **window,
            )
        else:
            c = pm.Campaign(
                id=cid,
                codes=[f"GIFT{i}", f"G{i}"],
                rules=cart.items.any(item.category == "machines") & (cart.subtotal >= x),
                effect=pm.gift(f"GIFT-{i}", price="9.90"),
                exclusive=i % 20 == 9,
            )
        out.append(c)
    return out


def w100_engine() -> pm.Engine:
    return pm.Engine(w100_campaigns(), currency="USD")


def main() -> None:
    """Write the IR and a sample input for the criterion benches (rust/promotor-core/benches)."""
    import json
    from pathlib import Path

    out = Path(__file__).resolve().parent.parent / "rust/promotor-core/benches/data"
    out.mkdir(parents=True, exist_ok=True)
    (out / "w100.json").write_text(w100_engine().to_json(indent=1) + "\n")
    (out / "w20.json").write_text(w20_engine().to_json(indent=1) + "\n")
    order = next(o for o in orders(50) if len(o.cart["items"]) >= 10)
    sample = {
        "cart": order.cart,
        "customer": {
            **order.customer,
            "segments": ["vip", *order.customer["segments"]],
            "orders_count": str(order.customer["orders_count"]),
        },
        "context": {"now": NOW.isoformat().replace("+00:00", "Z")},
    }
    sample["cart"]["items"][0].update(category="coffee", quantity=3)
    (out / "w20_cart.json").write_text(json.dumps(sample, indent=1) + "\n")
    # The first 500 carts of the pytest-benchmark workload, as they come: most do not qualify.
    mix = [
        {
            "cart": o.cart,
            "customer": {**o.customer, "orders_count": str(o.customer["orders_count"])},
            "context": {"now": NOW.isoformat().replace("+00:00", "Z")},
        }
        for o in orders(500)
    ]
    (out / "w20_carts.json").write_text(json.dumps(mix, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main()


def arrow_orders(batch: list[Order]) -> Any:
    """The orders as one Arrow table shaped like DESIGN section 6 (needs pyarrow)."""
    import pyarrow as pa

    money = pa.decimal128(12, 2)
    item_type = pa.struct(
        [
            ("sku", pa.string()),
            ("price", money),
            ("quantity", pa.int64()),
            ("category", pa.string()),
        ]
    )
    return pa.table(
        {
            "order_id": pa.array([f"o{i}" for i in range(len(batch))]),
            "customer_id": pa.array([o.customer["id"] for o in batch]),
            "segments": pa.array([o.customer["segments"] for o in batch], pa.list_(pa.string())),
            "orders_count": pa.array([o.customer["orders_count"] for o in batch], pa.int64()),
            "created_at": pa.array([NOW] * len(batch), pa.timestamp("us", tz="UTC")),
            "shipping": pa.array([Decimal(o.cart["shipping"]) for o in batch], money),
            "items": pa.array(
                [
                    [{**line, "price": Decimal(line["price"])} for line in o.cart["items"]]
                    for o in batch
                ],
                pa.list_(item_type),
            ),
        }
    )
