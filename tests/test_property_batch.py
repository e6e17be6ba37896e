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
from hypothesis import event, given, note
from hypothesis import strategies as st

import promotor as pm
from promotor.errors import InputError

from .strategies import (
    CATEGORIES,
    CHANNELS,
    SEGMENTS,
    T0,
    TAGS,
    TEXT,
    binary,
    bodies,
    call,
    currencies,
    engine_of,
    engines,
    field,
    macro,
    num_lit,
    prices,
    stacking_engines,
)
from .twin import engine_or_skip

pa = pytest.importorskip("pyarrow")
pl = pytest.importorskip("polars")
pd = pytest.importorskip("pandas")

EXPONENTS = {"USD": 2, "JPY": 0, "KWD": 3}
UNITS = ["s", "ms", "us", "ns"]


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


# --- columnar pruning (issue 16): engines whose conditions the batch decides over columns ---

CMP_OPS = ["ge", "gt", "le", "lt", "eq", "ne"]


def _cmp(draw: st.DrawFn, left: Any, right: Any) -> Any:
    """`left op right`, or the same comparison written the other way round."""
    op = draw(st.sampled_from(CMP_OPS))
    if draw(st.booleans()):
        flipped = {"ge": "le", "gt": "lt", "le": "ge", "lt": "gt", "eq": "eq", "ne": "ne"}[op]
        return binary(flipped, right, left)
    return binary(op, left, right)


@st.composite
def item_tests(draw: st.DrawFn, depth: int) -> Any:
    """An item predicate over the fields columns decide (sku, product, category, quantity,
    price), sometimes with one they do not (tags)."""
    if depth > 0 and draw(st.integers(0, 2)) == 0:
        op = draw(st.sampled_from(["and", "or"]))
        return binary(op, draw(item_tests(depth - 1)), draw(item_tests(depth - 1)))
    kind = draw(st.sampled_from(["category", "sku", "product", "in", "quantity", "price", "tags"]))
    if kind in ("category", "sku", "product"):
        values = {"category": CATEGORIES, "sku": ["S1", "S2", "GIFT"], "product": ["p1", "p2"]}
        text = draw(st.sampled_from(values[kind]))
        return _cmp(draw, field("item", kind), {"type": "str", "value": text})
    if kind == "in":
        chosen = draw(st.lists(st.sampled_from(CATEGORIES), min_size=1, max_size=3, unique=True))
        return binary(
            "in",
            field("item", "category"),
            {"type": "list", "items": [{"type": "str", "value": c} for c in chosen]},
        )
    if kind == "quantity":
        return _cmp(draw, field("item", "quantity"), num_lit(draw(st.integers(0, 6))))
    if kind == "price":
        return _cmp(draw, field("item", "price"), num_lit(_decimal_near(draw)))
    return call(
        "contains", field("item", "tags"), {"type": "str", "value": draw(st.sampled_from(TAGS))}
    )


def _decimal_near(draw: st.DrawFn) -> str:
    return str(Decimal(draw(st.integers(0, 6000))).scaleb(-2))


@st.composite
def column_leaves(draw: st.DrawFn) -> Any:
    """One leaf of each kind columns decide, or one they do not."""
    kind = draw(
        st.sampled_from(["segment", "in", "subtotal", "quantity", "items", "now", "other", "not"])
    )
    if kind == "segment":
        seg = draw(st.sampled_from(SEGMENTS))
        return call("contains", field("customer", "segments"), {"type": "str", "value": seg})
    if kind == "in":
        seg = draw(st.sampled_from(SEGMENTS))
        return binary("in", {"type": "str", "value": seg}, field("customer", "segments"))
    if kind == "subtotal":
        return _cmp(draw, field("cart", "subtotal"), num_lit(_decimal_near(draw)))
    if kind == "quantity":
        return _cmp(draw, field("cart", "quantity"), num_lit(draw(st.integers(0, 12))))
    if kind == "items":
        return macro("exists", field("cart", "items"), "item", draw(item_tests(2)))
    if kind == "now":
        seconds = draw(st.integers(0, 20 * 24 * 3600))
        stamp = (T0 + timedelta(seconds=seconds)).isoformat().replace("+00:00", "Z")
        return _cmp(
            draw, field("context", "now"), call("timestamp", {"type": "str", "value": stamp})
        )
    if kind == "other":
        return binary("gt", field("customer", "orders_count"), num_lit(draw(st.integers(0, 20))))
    leaf = call("contains", field("customer", "segments"), {"type": "str", "value": "vip"})
    return {"type": "unary", "op": "not", "arg": leaf}


@st.composite
def column_rules(draw: st.DrawFn, depth: int = 2) -> Any:
    if depth > 0 and draw(st.integers(0, 2)) > 0:
        op = draw(st.sampled_from(["and", "and", "or"]))
        return binary(op, draw(column_rules(depth - 1)), draw(column_rules(depth - 1)))
    return draw(column_leaves())


@st.composite
def columnar_engines(draw: st.DrawFn, max_campaigns: int = 5) -> Any:
    """Campaigns whose rules, windows and codes the batch decides over columns, stacked with
    priorities, exclusivity, groups and stop_after."""
    n = draw(st.integers(1, max_campaigns))
    campaigns = []
    for i in range(n):
        c: dict[str, Any] = {"id": f"c{i}", "priority": draw(st.integers(-1, 2))}
        if draw(st.integers(0, 5)) > 0:
            c["rules"] = draw(column_rules())
        c.update(bodies(draw, 1))
        if draw(st.integers(0, 3)) == 0:
            start = draw(st.integers(-5, 20))
            c["starts_at"] = (T0 + timedelta(days=start)).isoformat().replace("+00:00", "Z")
            c["ends_at"] = (
                (T0 + timedelta(days=start + draw(st.integers(1, 10))))
                .isoformat()
                .replace("+00:00", "Z")
            )
        if draw(st.integers(0, 7)) == 0:
            c["active"] = False
        if draw(st.integers(0, 4)) == 0:
            c["code"] = f"code{i}"
        if draw(st.integers(0, 3)) == 0:
            c["exclusive"] = True
        if draw(st.integers(0, 2)) == 0:
            c["group"] = draw(st.sampled_from(["g1", "g2"]))
        if draw(st.integers(0, 4)) == 0:
            c["stop_after"] = True
        campaigns.append(c)
    return engine_of(draw, campaigns, draw(currencies))


def dictionary_encoded(orders: Any) -> Any:
    """The orders with `segments` elements and the items' `category` dictionary-encoded, as
    pandas categoricals and polars enums come."""
    columns = {}
    for name in orders.column_names:
        col = orders.column(name).combine_chunks()
        if name == "segments":
            col = pa.ListArray.from_arrays(col.offsets, col.values.dictionary_encode())
        elif name == "items":
            st_arr = col.values
            children = [
                st_arr.field(f.name).dictionary_encode()
                if f.name == "category"
                else st_arr.field(f.name)
                for f in st_arr.type
            ]
            values = pa.StructArray.from_arrays(children, names=[f.name for f in st_arr.type])
            col = pa.ListArray.from_arrays(col.offsets, values)
        columns[name] = col
    return pa.table(columns)


@given(
    columnar_engines(),
    st.data(),
    st.sampled_from(["pyarrow", "pyarrow", "polars", "pandas"]),
    st.booleans(),
    st.booleans(),
    st.booleans(),
    st.sampled_from(["decimal", "minor", "float"]),
)
def test_property_batch_equals_single_where_columns_decide(
    engine_ir: dict[str, Any],
    data: st.DataObject,
    kind: str,
    lines: bool,
    customer: bool,
    dictionary: bool,
    money: str,
) -> None:
    """Campaigns whose conditions are decided over columns (segments, subtotal and quantity,
    item existence, `now` and windows, codes), so that orders are pruned by each kind of leaf:
    batch still prices every order as `evaluate` does."""
    engine = engine_or_skip(engine_ir)
    exponent = EXPONENTS[engine_ir["currency"]]
    rows = data.draw(
        st.lists(orders(len(engine_ir["campaigns"]), exponent), min_size=1, max_size=8)
    )
    for r in rows:
        # Only currencies that the output's places hold (wider ones are refused; see above).
        if r["currency"] and EXPONENTS.get(r["currency"].strip().upper(), 2) > exponent:
            r["currency"] = None
        if money == "minor":
            r["shipping"] = r["shipping"].quantize(Decimal(1).scaleb(-exponent))
            for i in r["items"]:
                i["price"] = i["price"].quantize(Decimal(1).scaleb(-exponent))
        if money == "float":
            r["shipping"] = float(r["shipping"])
            for i in r["items"]:
                i["price"] = float(i["price"])
    note(json.dumps(engine_ir, indent=1))
    note(f"rows={rows!r}")
    orders_table, lines_table = tables(rows, money, exponent, customer, "us", lines)
    if dictionary and kind == "pyarrow" and not lines:
        orders_table = dictionary_encoded(orders_table)
    summary, detail = (
        t if isinstance(t, pa.Table) else _arrow(t)
        for t in engine.evaluate_batch(
            frontend(orders_table, kind), lines=frontend(lines_table, kind), detail=True
        )
    )
    got = summary.to_pylist()
    expected_detail = []
    for n, (row, r) in enumerate(zip(got, rows, strict=True)):
        want = single(engine, r, customer)
        for name in ("subtotal", "discount", "shipping_discount", "total"):
            assert row[name] == getattr(want, name), (name, n, want)
        assert row["applied"] == [a.campaign_id for a in want.applied], (n, want)
        event(f"orders with {min(len(want.applied), 2)} applied")
        expected_detail += [(n, a.campaign_id, a.amount) for a in want.applied]
    assert [(d["order_id"], d["campaign_id"], d["amount"]) for d in detail.to_pylist()] == (
        expected_detail
    )
