"""evaluate_batch reads every field evaluate reads, through the same validator, as strictly:
unknown columns are refused, quantities are read as they are, and bad rows get the errors a
dict with the same values gets."""

from __future__ import annotations

import json
import random
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

pa = pytest.importorskip("pyarrow")
pl = pytest.importorskip("polars")
pd = pytest.importorskip("pandas")

import promotor as pm  # noqa: E402
from promotor.errors import InputError  # noqa: E402

from .test_batch import BASE, ENGINE, check, generate, orders_table  # noqa: E402


def test_float_and_decimal_quantities_are_whole_numbers() -> None:
    """pandas turns an integer column with one missing value into float64: 20.0 is 20 units,
    and a decimal128 250.00 is 250, not 2."""
    engine = pm.Engine([], currency="USD")
    table = pa.table(
        {
            "order_id": [1, 2, 3],
            "items": pa.array(
                [
                    [{"price": 1.0, "quantity": 20.0}],
                    [{"price": 1.0, "quantity": 3.0}],
                    [{"price": 1.0, "quantity": None}],
                ],
                pa.list_(pa.struct([("price", pa.float64()), ("quantity", pa.float64())])),
            ),
        }
    )
    with pytest.raises(InputError) as info:
        engine.evaluate_batch(table)
    assert [(e["type"], e["loc"]) for e in info.value.errors()] == [
        ("type_mismatch", ("orders", 2, "items", 0, "quantity"))
    ]
    out = engine.evaluate_batch(table.slice(0, 2))
    assert out.column("subtotal").to_pylist() == [Decimal("20.00"), Decimal("3.00")]
    decimals = pa.table(
        {
            "order_id": [1],
            "items": pa.array(
                [[{"price": Decimal("1.00"), "quantity": Decimal("250.00")}]],
                pa.list_(
                    pa.struct([("price", pa.decimal128(9, 2)), ("quantity", pa.decimal128(9, 2))])
                ),
            ),
        }
    )
    assert engine.evaluate_batch(decimals).column("subtotal").to_pylist() == [Decimal("250.00")]
    frame = pd.DataFrame({"order_id": [1, 1, 2], "price": [2.5, 1.0, 4.0], "quantity": [2, 3, 1]})
    frame.loc[2, "quantity"] = None  # float64 now, with NaN: read as null, an error
    with pytest.raises(InputError) as info:
        engine.evaluate_batch(pd.DataFrame({"order_id": [1, 2]}), lines=frame)
    assert info.value.errors()[0]["loc"] == ("lines", 2, "quantity")
    out = engine.evaluate_batch(pd.DataFrame({"order_id": [1]}), lines=frame.iloc[:2])
    assert out["subtotal"].tolist() == [Decimal("8.00")]


def test_unknown_columns_and_fields_are_refused_with_a_hint() -> None:
    engine = pm.Engine([], currency="USD")
    cases = [
        (
            pa.table({"order_id": [1], "segmnets": [["vip"]]}),
            None,
            ("orders", "segmnets"),
            "segments",
        ),
        (
            pa.table({"order_id": [1], "items": [[{"price": 1.0, "quantty": 2}]]}),
            None,
            ("orders", "items", "quantty"),
            "quantity",
        ),
        (
            pa.table({"order_id": [1], "items": [[{"price": 1.0, "qty": 2}]]}),
            None,
            ("orders", "items", "qty"),
            None,
        ),
        (
            pa.table({"order_id": [1]}),
            pa.table({"order_id": [1], "price": [1.0], "categroy": ["x"]}),
            ("lines", "categroy"),
            "category",
        ),
    ]
    for orders, lines, loc, suggestion in cases:
        with pytest.raises(InputError) as info:
            engine.evaluate_batch(orders, lines=lines)
        error = info.value.errors()[0]
        assert (error["type"], error["loc"]) == ("unknown_field", loc)
        assert error["ctx"].get("suggestion") == suggestion
        out = engine.evaluate_batch(orders, lines=lines, extra_columns="ignore")
        assert out.num_rows == 1
    with pytest.raises(ValueError, match="extra_columns"):
        engine.evaluate_batch(pa.table({"order_id": [1]}), extra_columns="keep")


EVERY_FIELD = [
    ("email", 'customer.email == "a@example.com"'),
    ("spent", "customer.total_spent >= 100"),
    ("old", 'customer.created_at < timestamp("2021-01-01T00:00:00Z")'),
    ("born", 'customer.birthday < timestamp("2000-01-01T00:00:00Z")'),
    ("tier", 'customer.metadata.tier == "gold"'),
    ("tag", 'cart.items.exists(i, "sale" in i.tags)'),
    ("bean", 'cart.items.exists(i, i.metadata.kind == "bean")'),
    ("app", 'context.channel == "app"'),
    ("pl", 'context.country == "PL"'),
    ("store", "context.metadata.store == 7"),
    ("ads", 'cart.metadata.source == "ads"'),
]


def test_every_field_evaluate_reads_comes_in_a_column() -> None:
    engine = pm.Engine(
        [pm.Campaign(id=name, rules=rule, effect=pm.amount_off(1)) for name, rule in EVERY_FIELD]
    )
    rng = random.Random(3)
    rows, calls = [], []
    for i in range(40):
        pick = rng.random

        def maybe(value: Any, pick: Any = pick) -> Any:
            return value if pick() < 0.5 else None

        email = maybe("a@example.com")
        spent = maybe(Decimal(rng.randint(50, 150)))
        created = maybe(datetime(rng.choice([2020, 2022]), 1, 1, tzinfo=UTC))
        birthday = maybe(date(rng.choice([1990, 2001]), 5, 1))
        tier = rng.choice(["gold", "silver"])
        items = [
            {
                "sku": f"S{j}",
                "price": Decimal("10.00"),
                "quantity": 1,
                "tags": rng.sample(["sale", "new"], rng.randint(0, 2)),
                "metadata": {"kind": rng.choice(["bean", "cup"])},
            }
            for j in range(rng.randint(1, 3))
        ]
        channel, country = maybe("app"), maybe("PL")
        store, source = rng.choice([7, 8]), rng.choice(["ads", "mail"])
        rows.append(
            {
                "order_id": i,
                "email": email,
                "total_spent": spent,
                "customer_created_at": created,
                "birthday": birthday,
                "customer_metadata": json.dumps({"tier": tier}),
                "created_at": BASE,
                "channel": channel,
                "country": country,
                "context_metadata": {"store": store},
                "metadata": json.dumps({"source": source}),
                "items": [{**it, "metadata": json.dumps(it["metadata"])} for it in items],
            }
        )
        calls.append(
            {
                "cart": {"items": items, "metadata": {"source": source}},
                "customer": {
                    "email": email,
                    "total_spent": spent,
                    "created_at": created,
                    "birthday": birthday,
                    "metadata": {"tier": tier},
                },
                "codes": [],
                "now": BASE,
                "context": {"channel": channel, "country": country, "metadata": {"store": store}},
            }
        )
    table = pa.Table.from_pylist(
        rows,
        schema=pa.schema(
            [
                ("order_id", pa.int64()),
                ("email", pa.string()),
                ("total_spent", pa.decimal128(10, 2)),
                ("customer_created_at", pa.timestamp("us", tz="UTC")),
                ("birthday", pa.date32()),
                ("customer_metadata", pa.string()),
                ("created_at", pa.timestamp("us", tz="UTC")),
                ("channel", pa.string()),
                ("country", pa.string()),
                ("context_metadata", pa.struct([("store", pa.int64())])),
                ("metadata", pa.string()),
                (
                    "items",
                    pa.list_(
                        pa.struct(
                            [
                                ("sku", pa.string()),
                                ("price", pa.decimal128(10, 2)),
                                ("quantity", pa.int64()),
                                ("tags", pa.list_(pa.string())),
                                ("metadata", pa.string()),
                            ]
                        )
                    ),
                ),
            ]
        ),
    )
    out = engine.evaluate_batch(table)
    applied = out.column("applied").to_pylist()
    seen: set[str] = set()
    for row, call in zip(applied, calls, strict=True):
        single = engine.evaluate(**call)
        assert row == [a.campaign_id for a in single.applied]
        seen.update(row)
    assert seen == {name for name, _ in EVERY_FIELD}


def test_batch_is_as_strict_as_single() -> None:
    naive = pa.table(
        {
            "order_id": [1, 2],
            "created_at": pa.array([None, datetime(2026, 11, 25)]),
            "items": [[{"price": 100.0, "quantity": 1}], []],
        }
    )
    with pytest.raises(InputError) as info:
        ENGINE.evaluate_batch(naive)
    assert [(e["type"], e["loc"]) for e in info.value.errors()] == [
        ("naive_datetime", ("orders", 1, "created_at"))
    ]
    with pytest.raises(InputError) as single:
        ENGINE.evaluate({"items": []}, now=datetime(2026, 11, 25))
    assert single.value.errors()[0]["type"] == "naive_datetime"
    assert single.value.errors()[0]["msg"] == info.value.errors()[0]["msg"]
    # A line no order has is an error, not a line silently dropped.
    orders = pa.table({"order_id": [1, 2]})
    lines = pa.table({"order_id": [1, 3, 2, 3], "price": [1.0, 2.0, 3.0, 4.0]})
    with pytest.raises(InputError) as info:
        ENGINE.evaluate_batch(orders, lines=lines)
    assert [(e["type"], e["loc"]) for e in info.value.errors()] == [
        ("invalid", ("lines", 1, "order_id"))
    ]
    # A null quantity is as wrong as quantity=None in a dict.
    nulls = pa.table({"order_id": [1], "items": [[{"price": 1.0, "quantity": None}]]})
    with pytest.raises(InputError) as info:
        ENGINE.evaluate_batch(nulls)
    with pytest.raises(InputError) as single:
        ENGINE.evaluate({"items": [{"price": 1.0, "quantity": None}]})
    assert info.value.errors()[0]["type"] == single.value.errors()[0]["type"] == "type_mismatch"


def test_a_subtotal_rules_cannot_read_is_refused() -> None:
    big = [{"price": Decimal("60000000000000"), "quantity": 1}] * 2
    with pytest.raises(InputError) as info:
        ENGINE.evaluate({"items": big})
    assert [(e["type"], e["loc"]) for e in info.value.errors()] == [
        ("subtotal_too_large", ("cart", "items"))
    ]
    table = pa.table({"order_id": [1, 2], "items": [[{"price": Decimal(1), "quantity": 1}], big]})
    with pytest.raises(InputError) as info:
        ENGINE.evaluate_batch(table)
    assert [(e["type"], e["loc"]) for e in info.value.errors()] == [
        ("subtotal_too_large", ("orders", 1, "items"))
    ]


def test_a_polars_lazy_frame_in_and_out() -> None:
    rows, calls = generate(10, 50, "float")
    lazy = pl.from_arrow(orders_table(rows, "float")).lazy()
    out = ENGINE.evaluate_batch(lazy)
    assert isinstance(out, pl.LazyFrame)
    check(out.collect(), calls)
