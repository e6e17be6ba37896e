"""evaluate_batch prices every order as Engine.evaluate prices it, cent for cent, on generated
engines and orders; for pyarrow, polars and pandas tables, nested items or a separate lines
table, and money as decimal128, int64 minor units or float64. A failure is a bug in one side.
"""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import assume, event, given, note
from hypothesis import strategies as st

import promotor as pm
from promotor.errors import InputError, RuleError

from .strategies import (
    CATEGORIES,
    CHANNELS,
    SEGMENTS,
    T0,
    TAGS,
    TEXT,
    engines,
    prices,
    stacking_engines,
)

pa = pytest.importorskip("pyarrow")
pl = pytest.importorskip("polars")
pd = pytest.importorskip("pandas")

EXPONENTS = {"USD": 2, "JPY": 0, "KWD": 3}
UNITS = ["s", "ms", "us", "ns"]


def engine_or_skip(engine_ir: dict[str, Any]) -> pm.Engine:
    try:
        return pm.Engine.from_json(json.dumps(engine_ir))
    except RuleError as err:
        note(str(err))
        assume(False)
        raise


@st.composite
def items(draw: st.DrawFn, exponent: int) -> dict[str, Any]:
    """One line with the fields a batch can carry; the price at most `exponent` places when it
    must be given in minor units."""
    return {
        "sku": draw(st.one_of(st.none(), st.sampled_from(["S1", "S2", "GIFT"]))),
        "product": draw(st.one_of(st.none(), st.sampled_from(["p1", "p2"]))),
        "category": draw(st.one_of(st.none(), st.sampled_from(CATEGORIES))),
        "tags": draw(st.lists(st.sampled_from(TAGS), max_size=2, unique=True)),
        "price": draw(prices),
        "quantity": draw(st.integers(1, 5)),
    }


@st.composite
def orders(draw: st.DrawFn, n_campaigns: int, exponent: int) -> dict[str, Any]:
    codes = [f"code{i}" for i in range(n_campaigns)] + [f" ALT{i} " for i in range(n_campaigns)]
    return {
        "customer_id": draw(st.one_of(st.none(), TEXT)),
        "segments": draw(st.lists(st.sampled_from(SEGMENTS), max_size=3, unique=True)),
        "orders_count": draw(st.one_of(st.none(), st.integers(0, 20))),
        "codes": draw(st.lists(st.sampled_from([*codes, "nope", "", "CODE0"]), max_size=3)),
        # Whole seconds, so that every unit holds them exactly.
        "created_at": T0 + timedelta(seconds=draw(st.integers(0, 20 * 24 * 3600))),
        "shipping": draw(st.one_of(st.just(Decimal(0)), prices)),
        "currency": draw(st.sampled_from([None, None, None, "USD", "usd ", "EUR"])),
        "channel": draw(st.one_of(st.none(), st.sampled_from(CHANNELS))),
        "country": draw(st.sampled_from([None, "PL", "US"])),
        "items": draw(st.lists(items(exponent), max_size=5)),
    }


def single(engine: pm.Engine, order: dict[str, Any], customer: bool) -> pm.Result:
    """The same order through Engine.evaluate, as plain dicts."""
    return engine.evaluate(
        {
            "items": [{k: v for k, v in i.items() if v is not None} for i in order["items"]],
            "shipping": order["shipping"],
            "currency": order["currency"],
        },
        customer={
            "id": order["customer_id"],
            "segments": order["segments"],
            "orders_count": order["orders_count"],
        }
        if customer
        else None,
        codes=order["codes"],
        now=order["created_at"],
        context={"channel": order["channel"], "country": order["country"]},
    )


def money_of(value: Decimal | float, money: str, exponent: int) -> Any:
    """A money value as the batch column holds it."""
    if money == "minor":
        assert isinstance(value, Decimal)
        return int(value.scaleb(exponent))
    if money == "float":
        return float(value)
    return value


def tables(
    rows: list[dict[str, Any]], money: str, exponent: int, customer: bool, unit: str, lines: bool
) -> tuple[Any, Any]:
    """(orders, lines or None) as pyarrow tables."""
    price = "price_minor" if money == "minor" else "price"
    money_type = {
        "decimal": pa.decimal128(20, 6),
        "minor": pa.int64(),
        "float": pa.float64(),
    }[money]
    item_fields = [
        ("sku", pa.string()),
        ("product", pa.string()),
        ("category", pa.string()),
        ("tags", pa.list_(pa.string())),
        (price, money_type),
        ("quantity", pa.int64()),
    ]

    def line(i: dict[str, Any]) -> dict[str, Any]:
        return {**i, price: money_of(i["price"], money, exponent)}

    fields: list[tuple[str, Any]] = [("order_id", pa.int64())]
    if customer:
        fields += [
            ("customer_id", pa.string()),
            ("segments", pa.list_(pa.string())),
            ("orders_count", pa.int64()),
        ]
    ship = "shipping_minor" if money == "minor" else "shipping"
    fields += [
        ("codes", pa.list_(pa.string())),
        ("created_at", pa.timestamp(unit, tz="UTC")),
        (ship, money_type),
        ("currency", pa.string()),
        ("channel", pa.string()),
        ("country", pa.string()),
    ]
    if not lines:
        fields.append(("items", pa.list_(pa.struct(item_fields))))
    schema = pa.schema(fields)
    data = [
        {
            **r,
            "order_id": n,
            ship: money_of(r["shipping"], money, exponent),
            "items": [line(i) for i in r["items"]],
        }
        for n, r in enumerate(rows)
    ]
    orders = pa.Table.from_pylist([{f: d[f] for f in schema.names} for d in data], schema=schema)
    if not lines:
        return orders, None
    line_rows = [{"order_id": n, **line(i)} for n, r in enumerate(rows) for i in r["items"]]
    return orders, pa.Table.from_pylist(
        line_rows, schema=pa.schema([("order_id", pa.int64()), *item_fields])
    )


def frontend(table: Any, kind: str) -> Any:
    if table is None or kind == "pyarrow":
        return table
    if kind == "polars":
        return pl.from_arrow(table)
    return table.to_pandas()


@given(
    # stacking_engines: campaigns that mostly qualify, so that discounts are priced too.
    st.one_of(engines(max_campaigns=3), stacking_engines(max_campaigns=4)),
    st.data(),
    st.sampled_from(["pyarrow", "polars", "pandas"]),
    st.sampled_from(["decimal", "minor", "float"]),
    st.booleans(),
    st.booleans(),
    st.sampled_from(UNITS),
    st.sampled_from(["decimal", "minor", "float"]),
)
def test_property_batch_equals_single(
    engine_ir: dict[str, Any],
    data: st.DataObject,
    kind: str,
    money: str,
    lines: bool,
    customer: bool,
    unit: str,
    money_out: str,
) -> None:
    engine = engine_or_skip(engine_ir)
    exponent = EXPONENTS[engine_ir["currency"]]
    n_campaigns = len(engine_ir["campaigns"])
    rows = data.draw(st.lists(orders(n_campaigns, exponent), min_size=1, max_size=6))
    if money == "minor":
        # Minor units hold only prices with at most `exponent` places.
        for r in rows:
            r["shipping"] = r["shipping"].quantize(Decimal(1).scaleb(-exponent))
            for i in r["items"]:
                i["price"] = i["price"].quantize(Decimal(1).scaleb(-exponent))
    if money == "float":
        # Both sides get the same doubles.
        for r in rows:
            r["shipping"] = float(r["shipping"])
            for i in r["items"]:
                i["price"] = float(i["price"])
    note(json.dumps(engine_ir, indent=1))
    note(f"rows={rows!r}")
    orders_table, lines_table = tables(rows, money, exponent, customer, unit, lines)
    call = {
        "orders": frontend(orders_table, kind),
        "lines": frontend(lines_table, kind),
        "detail": True,
        "money": money_out,
    }
    wider = [
        n
        for n, r in enumerate(rows)
        if r["currency"] and EXPONENTS.get(r["currency"].strip().upper(), 2) > exponent
    ]
    if wider and money_out != "float":
        # Amounts with more places than the output's money columns: refused, not rounded.
        with pytest.raises(InputError) as info:
            engine.evaluate_batch(**call)
        assert info.value.errors()[0]["loc"] == ("orders", wider[0], "currency")
        return
    out = engine.evaluate_batch(**call)
    event(f"{kind}, {'lines' if lines else 'items'}")
    summary, detail = (t if isinstance(t, pa.Table) else _arrow(t) for t in out)
    suffix = "_minor" if money_out == "minor" else ""
    got = summary.to_pylist()
    assert [g["order_id"] for g in got] == list(range(len(rows)))
    expected_detail = []
    for n, (row, r) in enumerate(zip(got, rows, strict=True)):
        want = single(engine, r, customer)
        for name in ("subtotal", "discount", "shipping_discount", "total"):
            assert row[name + suffix] == money_of(getattr(want, name), money_out, exponent), (
                name,
                n,
                want,
            )
        assert row["applied"] == [a.campaign_id for a in want.applied], (n, want)
        event(f"orders with {min(len(want.applied), 2)} applied")
        expected_detail += [
            (n, a.campaign_id, money_of(a.amount, money_out, exponent)) for a in want.applied
        ]
    assert [
        (d["order_id"], d["campaign_id"], d["amount" + suffix]) for d in detail.to_pylist()
    ] == expected_detail


def _arrow(frame: Any) -> Any:
    if isinstance(frame, pd.DataFrame):
        return pa.Table.from_pandas(frame, preserve_index=False)
    return frame.to_arrow()
