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
from zoneinfo import ZoneInfo

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
    """One cart with its customer, as plain dicts (what a web backend hands to evaluate), and
    the codes given and the time of the order."""

    cart: dict[str, Any]
    customer: dict[str, Any]
    codes: tuple[str, ...] = ()
    now: datetime = NOW


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

W100_SHAPES = (
    "segment_items_percent",  # segment and subtotal >= X -> percent_off(p, items(cat), cap=40)
    "code_amount",  # code CODE<i>, subtotal >= X -> amount_off(a)
    "tiers",  # subtotal >= X / 2X / 4X -> 5% / 8% / 12% off, one winner per group
    "buy2get1",  # some cat item -> buy 2 cat units, get the cheapest cat unit free
    "fixed_price",  # some other-category item -> one unit of each cat line at 4.99
    "free_shipping",  # subtotal >= X or segment -> free shipping, group "shipping"
    "rule_text",  # segment or vip and >= 2 cat units -> amount_off(min(10% of subtotal, 25))
    "first_order",  # orders_count == 0, Fri-Sun 8-22 Warsaw -> 1 off each cat unit
    "cheapest",  # >= 3 cat lines -> 20% off the cheapest cat unit, a priority of its own
    "gift",  # code GIFT<i> or G<i>, a machine and subtotal >= X -> gift, some exclusive
)


@dataclass(frozen=True)
class W100Campaign:
    """One W100 campaign as plain data: its shape (campaign ``i`` has shape
    ``W100_SHAPES[i % 10]``) and the numbers :func:`w100_campaigns` builds it from. Fields a
    shape does not use hold what the seeded draw gave."""

    id: str
    shape: str
    category: str  # the category its items target or count ("cat")
    other: str  # fixed_price: the category whose presence it needs
    segment: str
    threshold: Decimal  # X
    value: Decimal  # percent (segment_items_percent) or amount (code_amount); else 0
    starts_at: datetime | None  # inclusive; None: no window
    ends_at: datetime | None  # exclusive
    priority: int = 0
    exclusive: bool = False
    codes: tuple[str, ...] = ()  # none: automatic
    group: str | None = None
    gift: str | None = None  # the gift's SKU


W100_SCHEDULE_WEEKDAYS = (5, 6, 7)  # ISO weekdays of the first_order schedule: Fri-Sun
W100_SCHEDULE_HOURS = (8, 22)  # local hours [8, 22)
W100_TIMEZONE = "Europe/Warsaw"
W100_FIXED_PRICE = Decimal("4.99")
W100_GIFT_PRICE = Decimal("9.90")


def w100_specs(seed: int = SEED) -> list[W100Campaign]:
    """The 100 W100 campaigns as plain data, drawn from ``seed``."""
    rng = random.Random(seed + 2)
    out: list[W100Campaign] = []
    for i in range(100):
        cat = rng.choice(CATEGORIES)
        other = rng.choice(CATEGORIES)
        seg = rng.choice(SEGMENTS)
        x = Decimal(rng.randrange(20, 301, 10))
        starts: datetime | None = None
        ends: datetime | None = None
        if i % 3 == 0:  # drawn for every shape, used by those that have a window
            starts = NOW - timedelta(days=rng.randint(0, 20))
            ends = NOW + timedelta(days=rng.randint(1, 20))
        shape = W100_SHAPES[i % 10]
        if shape in ("free_shipping", "first_order", "gift"):
            starts = ends = None
        value = Decimal(0)
        if shape == "segment_items_percent":
            value = Decimal(rng.choice((5, 10, 15)))
        elif shape == "code_amount":
            value = Decimal(rng.choice((5, 10, 20)))
        out.append(
            W100Campaign(
                id=f"w100-{i:03d}",
                shape=shape,
                category=cat,
                other=other,
                segment=seg,
                threshold=x,
                value=value,
                starts_at=starts,
                ends_at=ends,
                priority=rng.randint(-2, 2) if shape == "cheapest" else 0,
                exclusive=shape == "gift" and i % 20 == 9,
                codes=(f"CODE{i}",)
                if shape == "code_amount"
                else (f"GIFT{i}", f"G{i}")
                if shape == "gift"
                else (),
                group=f"tiers-{i % 4}"
                if shape == "tiers"
                else "shipping"
                if shape == "free_shipping"
                else None,
                gift=f"GIFT-{i}" if shape == "gift" else None,
            )
        )
    return out


def w100_campaigns(specs: list[W100Campaign] | None = None) -> list[pm.Campaign]:
    """The W100 campaigns (default: :func:`w100_specs`), every one valid and reachable by some
    cart."""
    out: list[pm.Campaign] = []
    for s in specs if specs is not None else w100_specs():
        in_cat = item.category == s.category
        x = s.threshold
        window: dict[str, Any] = {}
        if s.starts_at is not None:
            window["starts_at"] = s.starts_at
        if s.ends_at is not None:
            window["ends_at"] = s.ends_at
        if s.shape == "segment_items_percent":
            c = pm.Campaign(
                id=s.id,
                rules=customer.segments.contains(s.segment) & (cart.subtotal >= x),
                effect=pm.percent_off(int(s.value), on=pm.items(in_cat), cap=40),
                **window,
            )
        elif s.shape == "code_amount":
            c = pm.Campaign(
                id=s.id,
                code=s.codes[0],
                rules=f"cart.subtotal >= {x}",
                effect=pm.amount_off(int(s.value)),
                **window,
            )
        elif s.shape == "tiers":
            c = pm.Campaign(
                id=s.id,
                tiers=[
                    pm.Tier(rules=cart.subtotal >= x, effect=pm.percent_off(5)),
                    pm.Tier(rules=cart.subtotal >= 2 * x, effect=pm.percent_off(8)),
                    pm.Tier(rules=cart.subtotal >= 4 * x, effect=pm.percent_off(12)),
                ],
                group=s.group,
                **window,
            )
        elif s.shape == "buy2get1":
            c = pm.Campaign(
                id=s.id,
                rules=cart.items.any(in_cat),
                effect=pm.buy_x_get_y(in_cat, 2, get_quantity=1, percent=100),
                **window,
            )
        elif s.shape == "fixed_price":
            c = pm.Campaign(
                id=s.id,
                rules=cart.items.any(item.category == s.other),
                effect=pm.fixed_price(str(W100_FIXED_PRICE), on=pm.items(in_cat, max_quantity=1)),
                **window,
            )
        elif s.shape == "free_shipping":
            c = pm.Campaign(
                id=s.id,
                rules=(cart.subtotal >= x) | customer.segments.contains(s.segment),
                effect=pm.free_shipping(),
                group=s.group,
            )
        elif s.shape == "rule_text":
            c = pm.Campaign(
                id=s.id,
                rules=f'customer.segments.exists(s, s in ["{s.segment}", "vip"]) && '
                f'cart.items.filter(i, i.category == "{s.category}").sum(i, i.quantity) >= 2',
                effect=pm.amount_off(pm.least(cart.subtotal * 0.1, 25)),
                **window,
            )
        elif s.shape == "first_order":
            c = pm.Campaign(
                id=s.id,
                rules=customer.orders_count == 0,
                effect=pm.amount_off(1, on=pm.items(in_cat), allocation="each"),
                schedule=pm.Schedule(
                    weekdays=list(W100_SCHEDULE_WEEKDAYS),
                    hours=W100_SCHEDULE_HOURS,
                    timezone=W100_TIMEZONE,
                ),
            )
        elif s.shape == "cheapest":
            c = pm.Campaign(
                id=s.id,
                rules=cart.items.count(in_cat) >= 3,
                effect=pm.percent_off(20, on=pm.items(in_cat, cheapest=1)),
                priority=s.priority,
                **window,
            )
        else:
            assert s.shape == "gift", s.shape
            c = pm.Campaign(
                id=s.id,
                codes=list(s.codes),
                rules=cart.items.any(item.category == "machines") & (cart.subtotal >= x),
                effect=pm.gift(str(s.gift), price=str(W100_GIFT_PRICE)),
                exclusive=s.exclusive,
            )
        out.append(c)
    return out


def w100_engine() -> pm.Engine:
    return pm.Engine(w100_campaigns(), currency="USD")


def w100_orders(n: int = N_CARTS, seed: int = SEED) -> list[Order]:
    """The carts of :func:`orders` for W100: half of them with one or two codes of its code
    campaigns (spelled in any case, with spaces, sometimes beside an unknown code), a third of
    the customers on their first order, and times around the campaigns' windows and the
    Warsaw schedule's edges (``now`` for 40%, any minute from 40 days before it to 25 days
    after for 40%, a second on either side of 8:00 or 22:00 Warsaw time, Thursday to Monday,
    for 20%)."""
    rng = random.Random(seed + 3)
    pool = [code for s in w100_specs(seed) for code in s.codes]
    warsaw = ZoneInfo(W100_TIMEZONE)
    friday = datetime(2026, 11, 27, tzinfo=warsaw)  # NOW's day
    out = []
    for o in orders(n, seed):
        codes: list[str] = []
        if rng.random() < 0.5:
            for code in rng.sample(pool, rng.choice((1, 1, 2))):
                spelled = rng.choice((code, code.lower(), f" {code.lower()} "))
                codes.append(spelled)
            if rng.random() < 0.1:
                codes.append("NO-SUCH-CODE")
        customer = o.customer
        if rng.random() < 1 / 3:
            customer = {**customer, "orders_count": 0}
        r = rng.random()
        if r < 0.4:
            now = NOW
        elif r < 0.8:
            now = NOW + timedelta(minutes=rng.randrange(-40 * 24 * 60, 25 * 24 * 60))
        else:
            day = friday + timedelta(days=rng.randint(-1, 3))
            edge = day.replace(hour=rng.choice(W100_SCHEDULE_HOURS))
            now = (edge + timedelta(seconds=rng.choice((-1, 0)))).astimezone(UTC)
        out.append(Order(o.cart, customer, tuple(codes), now))
    return out


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
    columns = {
        "order_id": pa.array([f"o{i}" for i in range(len(batch))]),
        "customer_id": pa.array([o.customer["id"] for o in batch]),
        "segments": pa.array([o.customer["segments"] for o in batch], pa.list_(pa.string())),
        "orders_count": pa.array([o.customer["orders_count"] for o in batch], pa.int64()),
        "created_at": pa.array([o.now for o in batch], pa.timestamp("us", tz="UTC")),
        "shipping": pa.array([Decimal(o.cart["shipping"]) for o in batch], money),
        "items": pa.array(
            [
                [{**line, "price": Decimal(line["price"])} for line in o.cart["items"]]
                for o in batch
            ],
            pa.list_(item_type),
        ),
    }
    if any(o.codes for o in batch):
        columns["codes"] = pa.array([list(o.codes) for o in batch], pa.list_(pa.string()))
    return pa.table(columns)
