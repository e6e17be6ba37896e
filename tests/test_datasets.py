"""promotor.datasets: sample histories that evaluate_batch prices as they are, the same for the
same seed, with the shape a shop's year has (seasons, a Black-Friday peak, segments, codes)."""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

pa = pytest.importorskip("pyarrow")
pytest.importorskip("numpy")

import promotor as pm  # noqa: E402
from promotor import datasets  # noqa: E402

N = 10_000


@pytest.fixture(scope="module")
def sample() -> datasets.Sample:
    return datasets.orders(N, seed=11, lines=True, customers=True)


@pytest.fixture(scope="module")
def nested() -> Any:
    return datasets.orders(N, seed=11)


@pytest.fixture(scope="module")
def engine() -> pm.Engine:
    return pm.Engine(datasets.black_friday_campaigns(2025))


def money(precision: int = 12) -> Any:
    return pa.decimal128(precision, 2)


def test_schema_is_the_batch_layout(nested: Any) -> None:
    item = pa.struct(
        [
            ("sku", pa.string()),
            ("product", pa.string()),
            ("category", pa.string()),
            ("tags", pa.list_(pa.string())),
            ("price", money()),
            ("quantity", pa.int64()),
        ]
    )
    utc = pa.timestamp("us", tz="UTC")
    assert nested.schema == pa.schema(
        [
            ("order_id", pa.int64()),
            ("created_at", utc),
            ("customer_id", pa.string()),
            ("email", pa.string()),
            ("segments", pa.list_(pa.string())),
            ("orders_count", pa.int64()),
            ("total_spent", money(14)),
            ("customer_created_at", utc),
            ("birthday", utc),
            ("channel", pa.string()),
            ("country", pa.string()),
            ("codes", pa.list_(pa.string())),
            ("shipping", money()),
            ("items", pa.list_(item)),
        ]
    )
    assert nested.num_rows == N
    assert nested["order_id"].to_pylist() == list(range(1, N + 1))


def test_same_seed_same_tables_other_seed_other_tables(nested: Any) -> None:
    assert datasets.orders(N, seed=11).equals(nested)
    again = datasets.orders(500, seed=3, lines=True, customers=True)
    for a, b in zip(again, datasets.orders(500, seed=3, lines=True, customers=True), strict=True):
        assert a.equals(b)
    assert not datasets.orders(500, seed=4).equals(datasets.orders(500, seed=3))


def test_lines_table_is_the_nested_items_keyed_by_order_id(
    sample: datasets.Sample, nested: Any
) -> None:
    assert sample.orders.equals(nested.drop_columns(["items"]))
    assert sample.lines.column_names == ["order_id", "sku", "product", "category", "tags",
                                         "price", "quantity"]  # fmt: skip
    flat = nested["items"].combine_chunks().flatten()
    assert sample.lines.drop_columns(["order_id"]).equals(
        pa.Table.from_arrays(flat.flatten(), names=sample.lines.column_names[1:])
    )
    counts = Counter(sample.lines["order_id"].to_pylist())
    assert [counts[i] for i in range(1, N + 1)] == [len(x) for x in nested["items"].to_pylist()]


def test_evaluate_batch_prices_both_layouts_alike(
    engine: pm.Engine, sample: datasets.Sample, nested: Any
) -> None:
    from_items = engine.evaluate_batch(nested)
    assert engine.evaluate_batch(sample.orders, sample.lines).equals(from_items)
    assert from_items.num_rows == N
    # every campaign of the sample catalogue applies to some order of a year
    applied = Counter(c for row in from_items["applied"].to_pylist() for c in row)
    assert set(applied) == {c.id for c in engine.campaigns}


def test_rows_mean_what_single_evaluation_reads(engine: pm.Engine, nested: Any) -> None:
    """A slice of the table through evaluate(): the same money, exactly, so every column is
    read as a shop would mean it."""
    rows = nested.slice(0, 300).to_pylist() + nested.slice(N // 2 + 7000, 300).to_pylist()
    batch = engine.evaluate_batch(pa.Table.from_pylist(rows, schema=nested.schema)).to_pylist()
    for row, priced in zip(rows, batch, strict=True):
        result = engine.evaluate(
            {"items": row["items"], "shipping": row["shipping"]},
            customer={
                "id": row["customer_id"],
                "email": row["email"],
                "segments": row["segments"],
                "orders_count": row["orders_count"],
                "total_spent": row["total_spent"],
                "created_at": row["customer_created_at"],
                "birthday": row["birthday"],
            },
            codes=row["codes"],
            now=row["created_at"],
            context={"channel": row["channel"], "country": row["country"]},
        )
        assert (result.subtotal, result.discount, result.total) == (
            priced["subtotal"],
            priced["discount"],
            priced["total"],
        )
        assert [a.campaign_id for a in result.applied] == priced["applied"]


def test_money_is_exact_cents(nested: Any) -> None:
    for name in ("shipping", "total_spent"):
        assert pa.types.is_decimal(nested.schema.field(name).type)
        assert nested.schema.field(name).type.scale == 2
    prices = [i["price"] for items in nested.slice(0, 2000)["items"].to_pylist() for i in items]
    assert all(type(p) is Decimal and p == p.quantize(Decimal("0.01")) for p in prices)
    # shop prices: .49 and .99 endings, nothing below 0.99
    assert {str(p)[-2:] for p in prices} == {"49", "99"}
    assert min(prices) >= Decimal("0.99")


def test_a_year_with_seasons_and_a_black_friday_peak(nested: Any) -> None:
    created = nested["created_at"].to_pylist()
    assert created == sorted(created)
    assert datetime(2025, 1, 1, tzinfo=UTC) <= created[0] <= created[-1]
    assert created[-1] < datetime(2026, 1, 1, tzinfo=UTC)
    per_day = Counter(c.date() for c in created)
    typical = statistics.median(per_day.values())
    assert datasets.black_friday(2025) == date(2025, 11, 28)
    assert per_day[date(2025, 11, 28)] > 4 * typical  # Black Friday
    assert per_day[date(2025, 12, 1)] > 3 * typical  # Cyber Monday
    assert max(per_day, key=per_day.__getitem__) == date(2025, 11, 28)
    assert per_day[date(2025, 12, 25)] < typical
    hours = Counter(c.hour for c in created)
    assert hours[20] > 4 * hours[3]  # evenings, not nights


def test_customers_segments_codes_and_baskets(nested: Any) -> None:
    segments = Counter(s for row in nested["segments"].to_pylist() for s in row)
    assert set(segments) == set(datasets.SEGMENTS)
    assert segments["vip"] < segments["gold"] < segments["silver"]
    codes = Counter(c.strip().upper() for row in nested["codes"].to_pylist() for c in row)
    assert set(datasets.CODES) <= set(codes)
    assert 0.03 < sum(codes.values()) / N < 0.2
    emails = nested["email"].to_pylist()
    assert all(e.count("@") == 1 for e in emails)
    sizes = [len(items) for items in nested["items"].to_pylist()]
    assert min(sizes) == 1
    assert 2 <= statistics.mean(sizes) <= 4
    assert max(sizes) >= 8
    assert set(nested["channel"].to_pylist()) == {"web", "app", "store"}


def test_each_order_carries_the_customer_as_of_that_order(sample: datasets.Sample) -> None:
    """orders_count and total_spent grow order by order from the customers table's values,
    and the customer's profile columns are the table's."""
    customers = {row["customer_id"]: row for row in sample.customers.to_pylist()}
    subtotal: dict[int, Decimal] = defaultdict(Decimal)
    for line in sample.lines.select(["order_id", "price", "quantity"]).to_pylist():
        subtotal[line["order_id"]] += line["price"] * line["quantity"]
    seen: dict[str, tuple[int, Decimal]] = {}
    for order in sample.orders.to_pylist():
        c = customers[order["customer_id"]]
        for name in ("email", "segments", "customer_created_at", "birthday"):
            assert order[name] == c[name]
        assert c["customer_created_at"] <= order["created_at"]
        count, spent = seen.get(order["customer_id"], (c["orders_count"], c["total_spent"]))
        assert (order["orders_count"], order["total_spent"]) == (count, spent)
        seen[order["customer_id"]] = (count + 1, spent + subtotal[order["order_id"]])
        if "new" in order["segments"]:
            assert c["orders_count"] == 0
    assert len(seen) > N // 8


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="n must be"):
        datasets.orders(-1)
    with pytest.raises(ValueError, match="after start"):
        datasets.orders(10, start=date(2025, 1, 1), end=date(2025, 1, 1))
    with pytest.raises(ValueError, match="n_customers"):
        datasets.orders(10, n_customers=0)
    assert datasets.orders(0).num_rows == 0
