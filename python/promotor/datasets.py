"""Sample order histories and a matching catalogue of campaigns, for demos, docs, tests and
benchmarks.

:func:`orders` generates a year of a coffee shop's orders in the column layout
:meth:`Engine.evaluate_batch` reads (nested ``items`` or a separate ``lines`` table), vectorised
with numpy and pyarrow: a million orders take a couple of seconds. The same ``n`` and ``seed``
give the same tables, bit for bit, on one numpy version. :func:`black_friday_campaigns` are
campaigns written against that history (its categories, segments, codes and dates).

>>> import promotor as pm
>>> orders = pm.datasets.orders(1_000, seed=7)
>>> orders.num_rows, orders.schema.field("shipping").type
(1000, Decimal128Type(decimal128(12, 2)))
>>> engine = pm.Engine(pm.datasets.black_friday_campaigns())
>>> engine.evaluate_batch(orders).column_names
['order_id', 'subtotal', 'discount', 'shipping_discount', 'total', 'applied']

Needs numpy and pyarrow (``pip install 'promotor[arrow]'``); both are imported on first use.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal, NamedTuple, overload

if TYPE_CHECKING:
    from .campaign import Campaign

__all__ = [
    "CATEGORIES",
    "CODES",
    "SEGMENTS",
    "Sample",
    "black_friday",
    "black_friday_campaigns",
    "orders",
    "products",
]

_US_PER_DAY = 86_400_000_000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

SEGMENTS = ("vip", "gold", "silver", "newsletter", "new", "b2b", "staff")
"""The customer segments the generator assigns (a customer has zero or more)."""

# name: (median price in dollars, products, chance a line of it has quantity > 1, popularity)
_CATEGORIES: dict[str, tuple[float, int, float, float]] = {
    "coffee": (14.0, 80, 0.40, 3.0),
    "beans": (18.0, 60, 0.35, 2.0),
    "tea": (9.0, 50, 0.40, 1.5),
    "mugs": (12.0, 30, 0.25, 0.8),
    "machines": (250.0, 15, 0.02, 0.25),
    "grinders": (90.0, 12, 0.03, 0.3),
    "filters": (6.0, 15, 0.50, 1.0),
    "syrups": (8.0, 20, 0.45, 0.7),
    "snacks": (4.0, 40, 0.60, 1.2),
    "kettles": (45.0, 10, 0.03, 0.3),
    "books": (22.0, 20, 0.05, 0.3),
    "gifts": (30.0, 20, 0.10, 0.5),
}
CATEGORIES = tuple(_CATEGORIES)
"""The product categories of the sample catalogue."""

_TAGS = ("organic", "fair-trade", "decaf", "new", "clearance", "gift-idea", "bestseller")

CODES = ("BLCKFRDY", "WELCOME10", "SPRING15", "FREESHIP")
"""The codes that :func:`black_friday_campaigns` defines; orders also carry a few unknown codes
(typos, expired ones) and the usual case and whitespace variations."""

_FIRST = (
    "anna", "james", "maria", "john", "olivia", "liam", "emma", "noah", "ava", "lucas", "sophia",
    "mason", "mia", "ethan", "isabella", "logan", "amelia", "jacob", "harper", "elijah", "evelyn",
    "oliver", "abigail", "daniel", "emily", "henry", "ella", "jack", "zofia", "jan", "lena",
    "piotr", "hanna", "tomasz", "julia", "marek", "kasia", "felix", "clara",
)  # fmt: skip
_LAST = (
    "smith", "johnson", "williams", "brown", "jones", "garcia", "miller", "davis", "wilson",
    "anderson", "taylor", "thomas", "moore", "martin", "jackson", "white", "harris", "clark",
    "lewis", "walker", "young", "allen", "king", "wright", "scott", "nowak", "kowalski",
    "wisniewski", "muller", "schmidt", "weber", "dubois", "rossi", "silva", "kim",
)  # fmt: skip
_DOMAINS = (
    ("gmail.com", 0.38),
    ("yahoo.com", 0.12),
    ("outlook.com", 0.12),
    ("hotmail.com", 0.08),
    ("icloud.com", 0.10),
    ("proton.me", 0.05),
    ("example.com", 0.08),
    ("shop.example", 0.07),
)
# (method, price in cents, share)
_SHIPPING = ((499, 0.66), (299, 0.12), (1299, 0.12), (0, 0.10))


class Sample(NamedTuple):
    """What :func:`orders` returns when asked for more than the orders table."""

    orders: Any
    """One row per order (with nested ``items`` unless ``lines=True``)."""
    lines: Any
    """One row per line keyed by ``order_id`` (``lines=True``), else ``None``."""
    customers: Any
    """One row per customer, as at the start of the history (``customers=True``), else
    ``None``."""


def _numpy() -> Any:
    try:
        import numpy
    except ImportError:  # pragma: no cover - depends on the environment
        raise ImportError("promotor.datasets needs numpy: pip install 'promotor[arrow]'") from None
    return numpy


def _pyarrow() -> Any:
    try:
        import pyarrow  # type: ignore[import-untyped,unused-ignore]
    except ImportError:  # pragma: no cover - depends on the environment
        raise ImportError(
            "promotor.datasets needs pyarrow: pip install 'promotor[arrow]'"
        ) from None
    return pyarrow


def black_friday(year: int) -> date:
    """The day after the fourth Thursday of November.

    >>> black_friday(2025)
    datetime.date(2025, 11, 28)
    """
    first = date(year, 11, 1)
    thursday = first + timedelta(days=(3 - first.weekday()) % 7 + 21)
    return thursday + timedelta(days=1)


def _draw(rng: Any, weights: Any, size: int) -> Any:
    """``size`` indices drawn with the given relative weights, quantised to a table of at
    least 16 slots per index (about ten times faster than ``Generator.choice`` with ``p``:
    one random integer and one gather per draw)."""
    np = _numpy()
    weights = np.asarray(weights, dtype=np.float64)
    slots = max(1 << 16, 16 * len(weights))
    share = weights / weights.sum() * slots
    counts = np.floor(share).astype(np.int64)
    short = slots - int(counts.sum())
    if short:  # largest remainders first
        counts[np.argsort(counts - share, kind="stable")[:short]] += 1
    table = np.repeat(np.arange(len(weights)), counts)
    return table[rng.integers(0, slots, size)]


def _money(cents: Any, precision: int = 12) -> Any:
    """Exact decimal128(precision, 2) from integer cents, without a Python object per value."""
    np, pa = _numpy(), _pyarrow()
    cents = np.ascontiguousarray(cents, dtype="<i8")
    words = np.empty((len(cents), 2), dtype="<i8")
    words[:, 0] = cents
    words[:, 1] = cents >> 63  # the high word of a two's complement i128
    return pa.Array.from_buffers(
        pa.decimal128(precision, 2), len(cents), [None, pa.py_buffer(words)]
    )


def _timestamps(us: Any) -> Any:
    pa = _pyarrow()
    return pa.array(us, type=pa.int64()).cast(pa.timestamp("us", tz="UTC"))


def _us(day: date) -> int:
    delta = datetime(day.year, day.month, day.day, tzinfo=UTC) - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000


def _strings(values: Any, index: Any) -> Any:
    pa = _pyarrow()
    return pa.array(list(values), pa.string()).take(pa.array(index))


def _lists(offsets: Any, values: Any) -> Any:
    pa = _pyarrow()
    return pa.ListArray.from_arrays(pa.array(offsets, pa.int32()), values)


def _pick_lists(mask: Any, names: Any) -> Any:
    """A list<str> per row of a boolean matrix: the names of its true columns, in order."""
    np = _numpy()
    counts = mask.sum(axis=1)
    offsets = np.zeros(len(mask) + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    _, columns = np.nonzero(mask)
    return _lists(offsets, _strings(names, columns))


def products() -> Any:
    """The sample catalogue: one row per sku (``sku, product, category, tags, price``,
    ``popularity``), the same whatever the seed of :func:`orders`.

    >>> import promotor as pm
    >>> catalogue = pm.datasets.products()
    >>> catalogue.num_rows > 500, sorted(set(catalogue["category"].to_pylist()))[:3]
    (True, ['beans', 'books', 'coffee'])
    """
    return _catalogue()[0]


def _catalogue() -> tuple[Any, Any, Any]:
    """(table, price cents, popularity) of the fixed catalogue."""
    np, pa = _numpy(), _pyarrow()
    rng = np.random.default_rng(20251128)
    skus, product_ids, categories, cents, weights, repeat, tag_masks = [], [], [], [], [], [], []
    for category, (median, count, multi, popularity) in _CATEGORIES.items():
        prefix = category[:3].upper()
        base = median * rng.lognormal(0.0, 0.35, size=count)
        rank_weight = 1.0 / np.arange(1, count + 1) ** 0.9
        rng.shuffle(rank_weight)
        variants = rng.choice([1, 2, 3], size=count, p=[0.5, 0.3, 0.2])
        for k in range(count):
            tags = rng.random(len(_TAGS)) < [0.2, 0.15, 0.1, 0.08, 0.05, 0.1, 0.0]
            if category not in ("coffee", "tea", "beans"):
                tags[1] = tags[2] = False
            if rank_weight[k] > 0.3:
                tags[6] = True
            for v in range(variants[k]):
                dollars = base[k] * (1.0, 1.7, 3.0)[v]
                # prices end in .49 or .99, as shops price
                c = max(99, int(np.ceil(dollars * 2)) * 50 - 1)
                skus.append(f"{prefix}-{k + 1:03d}-{'SML'[v]}")
                product_ids.append(f"{prefix}-{k + 1:03d}")
                categories.append(category)
                cents.append(c)
                weights.append(popularity * rank_weight[k] * (0.6, 0.3, 0.1)[v] / count)
                repeat.append(multi)
                tag_masks.append(tags)
    cents_a = np.array(cents, dtype=np.int64)
    popularity_a = np.array(weights) / np.sum(weights)
    table = pa.table(
        {
            "sku": pa.array(skus, pa.string()),
            "product": pa.array(product_ids, pa.string()),
            "category": pa.array(categories, pa.string()),
            "tags": _pick_lists(np.array(tag_masks), _TAGS),
            "price": _money(cents_a),
            "popularity": pa.array(popularity_a, pa.float64()),
        }
    )
    return table, cents_a, np.array(repeat)


def _day_weights(start: date, days: int) -> Any:
    """Relative order volume of each day: seasons, weekdays, Christmas and the Black-Friday
    weekend."""
    np = _numpy()
    month = np.array([0.85, 0.8, 0.9, 0.95, 1.0, 0.95, 0.9, 0.9, 0.95, 1.0, 1.15, 1.4])
    weekday = np.array([1.05, 1.0, 1.0, 1.0, 0.95, 0.9, 1.1])
    weights = np.empty(days)
    peaks: dict[date, float] = {}
    for year in range(start.year, (start + timedelta(days=days)).year + 1):
        bf = black_friday(year)
        for offset, factor in ((-4, 1.5), (-3, 1.5), (-2, 1.6), (-1, 1.4), (0, 7.0), (1, 3.0)):
            peaks[bf + timedelta(days=offset)] = factor
        peaks[bf + timedelta(days=2)] = 2.5
        peaks[bf + timedelta(days=3)] = 4.0  # Cyber Monday
        for d, factor in ((24, 0.7), (25, 0.4), (26, 0.6)):
            peaks[date(year, 12, d)] = factor
    for i in range(days):
        day = start + timedelta(days=i)
        weights[i] = month[day.month - 1] * weekday[day.weekday()] * peaks.get(day, 1.0)
    return weights / weights.sum()


_HOURS = [
    0.3, 0.15, 0.1, 0.08, 0.08, 0.12, 0.3, 0.6, 0.9, 1.0, 1.1, 1.2,
    1.4, 1.3, 1.1, 1.0, 1.0, 1.1, 1.3, 1.6, 1.8, 1.7, 1.2, 0.6,
]  # fmt: skip


def _customers(np: Any, rng: Any, count: int, start_us: int) -> dict[str, Any]:
    """Customer attributes as numpy arrays (strings are built later, only for those used)."""
    tier = rng.random(count)
    mask = np.zeros((count, len(SEGMENTS)), dtype=bool)
    mask[:, 0] = tier < 0.03  # vip
    mask[:, 1] = (tier >= 0.03) & (tier < 0.12)  # gold
    mask[:, 2] = (tier >= 0.12) & (tier < 0.30)  # silver
    mask[:, 3] = rng.random(count) < 0.35  # newsletter
    new = rng.random(count) < 0.3
    mask[:, 4] = new
    mask[:, 5] = rng.random(count) < 0.02  # b2b
    mask[:, 6] = rng.random(count) < 0.005  # staff
    prior = np.where(new, 0, rng.geometric(0.2, size=count))
    prior = prior + np.where(mask[:, 0] & ~new, rng.geometric(0.05, size=count), 0)
    prior_spent = (prior * rng.lognormal(np.log(5500), 0.4, size=count)).astype(np.int64)
    activity = rng.lognormal(0.0, 1.0, size=count) * np.select(
        [mask[:, 0], mask[:, 1], mask[:, 2]], [3.0, 2.0, 1.4], 1.0
    )
    signup = start_us - rng.integers(30 * _US_PER_DAY, 6 * 365 * _US_PER_DAY, size=count)
    born = rng.integers(_us(date(1950, 1, 1)), _us(date(2007, 1, 1)), size=count)
    born -= born % _US_PER_DAY
    return {
        "segments": mask,
        "new": new,
        "prior": prior,
        "prior_spent": prior_spent,
        "activity": activity / activity.sum(),
        "signup": signup,
        "birthday": born,
        "has_birthday": rng.random(count) < 0.6,
        "country": _draw(rng, [0.7, 0.1, 0.08, 0.07, 0.05], count),
        "name": np.stack(
            [
                rng.integers(0, len(_FIRST), count),
                rng.integers(0, len(_LAST), count),
                np.zeros(count, dtype=np.int64),
                _draw(rng, [w for _, w in _DOMAINS], count),
                rng.integers(0, 100, count),
            ],
            axis=1,
        ),
    }


def _emails(np: Any, ids: Any, names: Any) -> Any:
    pc = _compute()
    pa = _pyarrow()
    style = names[:, 4]
    separator = np.where(style < 70, 0, np.where(style < 90, 1, 2))
    tag = np.where(style >= 97, 1, 0)
    domain = names[:, 3]
    first = _strings(_FIRST, names[:, 0])
    email = pc.binary_join_element_wise(
        first,
        _strings((".", "_", ""), separator),
        _strings(_LAST, names[:, 1]),
        pa.array(ids + 1).cast(pa.string()),
        _strings(("", "+shop"), tag),
        pa.scalar("@"),
        _strings([d for d, _ in _DOMAINS], domain),
        "",
    )
    # a few people type their address in capitals; stores and referral checks normalise it
    shout = pa.array(style == 99)
    return pc.if_else(shout, pc.utf8_upper(email), email)


def _compute() -> Any:
    _pyarrow()
    import pyarrow.compute  # type: ignore[import-untyped,unused-ignore]

    return pyarrow.compute


@overload
def orders(
    n: int,
    seed: int = 0,
    *,
    start: date = ...,
    end: date = ...,
    n_customers: int | None = ...,
    lines: Literal[False] = ...,
    customers: Literal[False] = ...,
) -> Any: ...
@overload
def orders(
    n: int,
    seed: int = 0,
    *,
    start: date = ...,
    end: date = ...,
    n_customers: int | None = ...,
    lines: bool = ...,
    customers: bool = ...,
) -> Sample | Any: ...
def orders(
    n: int,
    seed: int = 0,
    *,
    start: date = date(2025, 1, 1),
    end: date = date(2026, 1, 1),
    n_customers: int | None = None,
    lines: bool = False,
    customers: bool = False,
) -> Any:
    """``n`` orders of a coffee shop placed between ``start`` and ``end`` (exclusive), as a
    pyarrow Table that :meth:`Engine.evaluate_batch` prices as it is.

    One row per order, sorted by ``created_at`` (``order_id`` 1..n in that order):
    ``order_id`` (int64), ``created_at`` (timestamp[us, UTC]: seasons, weekdays, evenings,
    Christmas, and a Black Friday about seven times a normal day), the customer's
    ``customer_id``, ``email``, ``segments`` (``SEGMENTS``), ``orders_count`` and
    ``total_spent`` (before this order), ``customer_created_at`` and ``birthday`` (null for
    some), ``channel`` (web, app, store), ``country``, ``codes`` (list<str>, empty for most),
    ``shipping`` and ``items``: list<struct<sku, product, category, tags, price, quantity>>
    from :func:`products`, 1 to 40 lines (median 2) with prices lognormal around each
    category's median. Money is decimal128 with 2 places: exact cents.

    ``n_customers`` (default ``n // 4``): customers with a heavy-tailed activity, so a few
    order often; VIP and gold customers more often and with bigger baskets. ``lines=True``
    gives the lines as a separate table (``order_id`` and the item fields, in line order)
    instead of ``items``; ``customers=True`` adds the customers table: ``customer_id`` and the
    customer columns of ``evaluate_batch`` (``email``, ``segments``, ``orders_count``,
    ``total_spent``, ``customer_created_at``, ``birthday``) as they were at ``start``, so
    joined on ``customer_id`` they give each order's customer. With either flag the result
    is a :class:`Sample` ``(orders, lines, customers)``; without, the orders table.

    The same arguments give the same tables (per numpy version).
    """
    np, pa = _numpy(), _pyarrow()
    if type(n) is not int or n < 0:
        raise ValueError(f"n must be a non-negative int, got {n!r}")
    days = (end - start).days
    if days < 1:
        raise ValueError(f"end ({end}) must be after start ({start})")
    n_cust = max(1, n // 4) if n_customers is None else n_customers
    if type(n_cust) is not int or n_cust < 1:
        raise ValueError(f"n_customers must be a positive int, got {n_customers!r}")
    rng = np.random.default_rng([seed, 20251128])
    start_us = _us(start)
    catalogue, sku_cents, sku_repeat = _catalogue()

    # when: a day by the seasonal weights, an hour by the daily profile
    day = _draw(rng, _day_weights(start, days), n)
    created = (
        start_us
        + day.astype(np.int64) * _US_PER_DAY
        + _draw(rng, _HOURS, n).astype(np.int64) * 3_600_000_000
        + rng.integers(0, 3_600_000_000, size=n)
    )
    created.sort()
    bf_days = np.zeros(days, dtype=bool)
    for year in range(start.year, end.year + 1):
        bf = (black_friday(year) - start).days
        bf_days[max(0, bf) : max(0, min(days, bf + 4))] = True
    day = (created - start_us) // _US_PER_DAY
    in_bf = bf_days[day]

    # who
    cust = _customers(np, rng, n_cust, start_us)
    who = _draw(rng, cust["activity"], n)
    by_customer = np.argsort(who, kind="stable")  # time order within a customer
    sorted_who = who[by_customer]
    first_of_run = np.ones(n, dtype=bool)
    first_of_run[1:] = sorted_who[1:] != sorted_who[:-1]
    run_start = np.maximum.accumulate(np.where(first_of_run, np.arange(n), 0))
    rank = np.empty(n, dtype=np.int64)
    rank[by_customer] = np.arange(n) - run_start
    orders_count = cust["prior"][who] + rank
    # a new customer signs up shortly before their first order in the history
    first_order = np.full(n_cust, np.iinfo(np.int64).max)
    first_order[sorted_who[first_of_run]] = created[by_customer][first_of_run]
    signup_new = np.where(
        first_order < np.iinfo(np.int64).max,
        first_order - rng.integers(60_000_000, 3 * _US_PER_DAY, size=n_cust),
        start_us + rng.integers(0, days * _US_PER_DAY, size=n_cust),
    )
    signup = np.where(cust["new"], signup_new, cust["signup"])
    vip = cust["segments"][:, 0] | cust["segments"][:, 1]

    # what: basket sizes and lines
    mu = 0.55 + 0.35 * vip[who] + 0.25 * in_bf
    n_lines = np.clip(np.rint(rng.lognormal(mu, 0.6, size=n)), 1, 40).astype(np.int64)
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(n_lines, out=offsets[1:])
    total_lines = int(offsets[-1])
    sku = _draw(rng, catalogue["popularity"].to_numpy(), total_lines)
    extra = rng.random(total_lines) < sku_repeat[sku]
    quantity = 1 + np.where(extra, np.minimum(rng.geometric(0.55, size=total_lines), 11), 0)
    line_cents = sku_cents[sku] * quantity
    subtotal = np.add.reduceat(line_cents, offsets[:-1]) if n else np.zeros(0, np.int64)

    # spend before each order: the customer's prior spend plus their earlier orders here
    spent_sorted = subtotal[by_customer]
    running = np.cumsum(spent_sorted) - spent_sorted
    running -= running[run_start]
    total_spent = np.empty(n, dtype=np.int64)
    total_spent[by_customer] = running
    total_spent += cust["prior_spent"][who]

    # shipping and channel
    channel = _draw(rng, [0.58, 0.36, 0.06], n)
    method = _draw(rng, [s for _, s in _SHIPPING], n)
    shipping = np.where(channel == 2, 0, np.array([c for c, _ in _SHIPPING])[method])

    codes_offsets, codes_values = _codes(np, rng, created, start, end, in_bf, orders_count)

    customer_ids = _customer_ids(np, np.arange(n_cust))
    emails = _emails(np, np.arange(n_cust), cust["name"])
    segments = _pick_lists(cust["segments"], SEGMENTS)
    birthday = pa.array(cust["birthday"], pa.int64()).cast(pa.timestamp("us", tz="UTC"))
    birthday = _compute().if_else(pa.array(cust["has_birthday"]), birthday, None)
    countries = ("US", "CA", "GB", "DE", "PL")
    who_a = pa.array(who)

    sku_a = pa.array(sku)
    line_columns = {
        "sku": catalogue["sku"].combine_chunks().take(sku_a),
        "product": catalogue["product"].combine_chunks().take(sku_a),
        "category": catalogue["category"].combine_chunks().take(sku_a),
        "tags": catalogue["tags"].combine_chunks().take(sku_a),
        "price": _money(sku_cents[sku]),
        "quantity": pa.array(quantity, pa.int64()),
    }
    columns: dict[str, Any] = {
        "order_id": pa.array(np.arange(1, n + 1), pa.int64()),
        "created_at": _timestamps(created),
        "customer_id": customer_ids.take(who_a),
        "email": emails.take(who_a),
        "segments": segments.take(who_a),
        "orders_count": pa.array(orders_count, pa.int64()),
        "total_spent": _money(total_spent, 14),
        "customer_created_at": _timestamps(signup[who]),
        "birthday": birthday.take(who_a),
        "channel": _strings(("web", "app", "store"), channel),
        "country": _strings(countries, cust["country"][who]),
        "codes": _lists(codes_offsets, codes_values),
        "shipping": _money(shipping),
    }
    lines_table = None
    if lines:
        order_of_line = np.repeat(np.arange(1, n + 1), n_lines)
        lines_table = pa.table({"order_id": pa.array(order_of_line, pa.int64()), **line_columns})
    else:
        struct = pa.StructArray.from_arrays(list(line_columns.values()), names=list(line_columns))
        columns["items"] = pa.ListArray.from_arrays(pa.array(offsets, pa.int32()), struct)
    table = pa.table(columns)
    if not lines and not customers:
        return table
    customers_table = None
    if customers:
        customers_table = pa.table(
            {
                "customer_id": customer_ids,
                "email": emails,
                "segments": segments,
                "orders_count": pa.array(cust["prior"], pa.int64()),
                "total_spent": _money(cust["prior_spent"], 14),
                "customer_created_at": _timestamps(signup),
                "birthday": birthday,
            }
        )
    return Sample(table, lines_table, customers_table)


def _customer_ids(np: Any, index: Any) -> Any:
    pa, pc = _pyarrow(), _compute()
    digits = pa.array(index + 1).cast(pa.string())
    return pc.binary_join_element_wise("c", pc.utf8_lpad(digits, 7, "0"), "")


def _codes(
    np: Any, rng: Any, created: Any, start: date, end: date, in_bf: Any, orders_count: Any
) -> tuple[Any, Any]:
    """The codes of each order: a few per cent carry one, more around Black Friday, new
    customers often a welcome code; some are unknown, some typed in lower case or with
    spaces."""
    pa, pc = _pyarrow(), _compute()
    n = len(created)
    spring = np.zeros(n, dtype=bool)
    for year in range(start.year, end.year + 1):
        spring |= (created >= _us(date(year, 3, 20))) & (created < _us(date(year, 6, 1)))
    first = orders_count == 0
    # chance of each code (columns) for each order; the rest carry none
    names = ("BLCKFRDY", "WELCOME10", "SPRING15", "FREESHIP", "SAVE50", "BLAKFRIDAY")
    chance = np.stack(
        [
            np.where(in_bf, 0.25, 0.002),
            np.where(first, 0.4, 0.003),
            np.where(spring, 0.08, 0.001),
            np.full(n, 0.02),
            np.full(n, 0.004),
            np.where(in_bf, 0.004, 0.0),
        ],
        axis=1,
    )
    bounds = np.cumsum(chance, axis=1)
    u = rng.random(n) * np.maximum(1.0, bounds[:, -1])
    pick = (u[:, None] >= bounds).sum(axis=1)  # len(names): no code
    has = pick < len(names)
    second = has & (pick != 3) & (rng.random(n) < 0.01)  # FREESHIP as well
    counts = has.astype(np.int64) + second
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    values = np.empty(int(offsets[-1]), dtype=np.int64)
    values[offsets[:-1][has]] = pick[has]
    values[offsets[:-1][second] + 1] = 3
    text = _strings(names, values)
    style = rng.random(len(values))
    text = pc.if_else(pa.array(style < 0.1), pc.utf8_lower(text), text)
    padded = pc.binary_join_element_wise(" ", text, " ", "")
    text = pc.if_else(pa.array(style > 0.97), padded, text)
    return offsets, text


def black_friday_campaigns(year: int = 2025) -> list[Campaign]:
    """Campaigns written against the history of :func:`orders` for ``year``: a Black-Friday
    weekend, early access for VIPs, a Cyber-Monday coffee deal, the codes of ``CODES``, a
    spend-more tier ladder, free shipping, a tea 3-for-2 and a loyalty discount.

    >>> import promotor as pm
    >>> [c.id for c in pm.datasets.black_friday_campaigns()][:3]
    ['bf-weekend', 'bf-vip-early', 'cyber-coffee']
    """
    from . import Campaign, Tier, amount_off, buy_x_get_y, free_shipping, items, least
    from . import percent_off as pct
    from .expr import cart, customer, item

    bf = black_friday(year)

    def at(day: date) -> datetime:
        return datetime(day.year, day.month, day.day, tzinfo=UTC)

    weekend = (at(bf), at(bf + timedelta(days=4)))
    coffee = item.category.is_in(["coffee", "beans"])
    return [
        Campaign(
            id="bf-weekend",
            name="Black Friday: 20% off orders of 100 or more",
            rules=cart.subtotal >= 100,
            effect=pct(20, cap=150),
            starts_at=weekend[0],
            ends_at=weekend[1],
            group="bf",
        ),
        Campaign(
            id="bf-vip-early",
            name="Early access for VIP and gold customers",
            rules=customer.segments.contains("vip") | customer.segments.contains("gold"),
            effect=pct(15, cap=100),
            starts_at=at(bf - timedelta(days=4)),
            ends_at=weekend[1],
            group="bf",
        ),
        Campaign(
            id="cyber-coffee",
            name="Cyber Monday: 25% off coffee and beans",
            rules=cart.items.any(coffee),
            effect=pct(25, on=items(coffee)),
            starts_at=at(bf + timedelta(days=3)),
            ends_at=at(bf + timedelta(days=4)),
        ),
        Campaign(
            id="bf-code",
            name="BLCKFRDY: 15 off orders of 75 or more",
            code="BLCKFRDY",
            rules=cart.subtotal >= 75,
            effect=amount_off(15),
            starts_at=at(bf - timedelta(days=7)),
            ends_at=at(bf + timedelta(days=7)),
        ),
        Campaign(
            id="welcome",
            name="WELCOME10: 10% off a first order",
            code="WELCOME10",
            rules=customer.orders_count == 0,
            effect=pct(10, cap=25),
        ),
        Campaign(
            id="spring",
            name="SPRING15: 15% off, at most 30",
            code="SPRING15",
            effect=pct(15, cap=30),
            starts_at=at(date(year, 3, 20)),
            ends_at=at(date(year, 6, 1)),
        ),
        Campaign(
            id="spend-more",
            name="Spend more, save more",
            tiers=[
                Tier(rules=cart.subtotal >= 150, effect=pct(5)),
                Tier(rules=cart.subtotal >= 300, effect=pct(10)),
            ],
        ),
        Campaign(
            id="tea-3for2",
            name="Teas: buy 2, get 1 free",
            effect=buy_x_get_y(item.category == "tea", 2, get_quantity=1),
        ),
        Campaign(
            id="loyal",
            name="5% for customers with 10 or more orders, at most 10",
            rules=customer.orders_count >= 10,
            effect=amount_off(least(cart.subtotal * 0.05, 10)),
        ),
        Campaign(
            id="free-shipping",
            name="Free shipping from 60, or with FREESHIP",
            rules=cart.subtotal >= 60,
            effect=free_shipping(),
        ),
        Campaign(
            id="freeship-code",
            name="FREESHIP: free shipping",
            code="FREESHIP",
            effect=free_shipping(),
            group="shipping",
        ),
    ]
