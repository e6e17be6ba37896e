"""evaluate_batch: every order priced exactly as evaluate() prices it, cent for cent."""

from __future__ import annotations

import multiprocessing
import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

pa = pytest.importorskip("pyarrow")
pl = pytest.importorskip("polars")
pd = pytest.importorskip("pandas")

import promotor as pm  # noqa: E402
from promotor import cart, customer, item  # noqa: E402
from promotor.errors import InputError  # noqa: E402

SEGMENTS = ["vip", "gold", "new", "staff", "b2b"]
CATEGORIES = ["coffee", "tea", "mugs", "snacks"]
BASE = datetime(2026, 11, 20, tzinfo=UTC)


def make_engine() -> pm.Engine:
    coffee = item.category == "coffee"
    return pm.Engine(
        [
            pm.Campaign(
                id="arabica",
                rules=(customer.segments.contains("vip") | (cart.subtotal >= 100))
                & (cart.items.filter(coffee).sum(item.quantity) >= 2),
                effect=pm.percent_off(15, on=pm.items(coffee), cap=50),
            ),
            pm.Campaign(
                id="bf10", code="BLCKFRDY", rules="cart.subtotal >= 50", effect=pm.amount_off(10)
            ),
            pm.Campaign(
                id="tiers",
                tiers=[
                    pm.Tier(rules=cart.subtotal >= 100, effect=pm.percent_off(10)),
                    pm.Tier(rules=cart.subtotal >= 200, effect=pm.percent_off(15)),
                ],
            ),
            pm.Campaign(id="ship", rules=cart.subtotal >= 60, effect=pm.free_shipping()),
            pm.Campaign(
                id="loyal",
                rules=customer.orders_count >= 5,
                effect=pm.amount_off(pm.least(cart.subtotal * 0.05, 7)),
                starts_at=BASE + timedelta(days=3),
            ),
            pm.Campaign(
                id="tea3", effect=pm.buy_x_get_y(item.category == "tea", 2, get_quantity=1)
            ),
        ],
        currency="USD",
    )


ENGINE = make_engine()


def generate(seed: int, n: int, money: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Rows for the orders table (with nested items) and the matching single-evaluation calls."""
    rng = random.Random(seed)
    rows, calls = [], []
    for i in range(n):
        items, single_items = [], []
        for _ in range(rng.randint(0, 8)):
            cents = rng.randint(0, 9999)
            quantity = rng.randint(1, 4)
            sku = f"S{rng.randint(1, 50)}"
            category = rng.choice([*CATEGORIES, None])
            tags = rng.sample(["a", "b", "c"], rng.randint(0, 2))
            if money == "decimal":
                price: Any = Decimal(cents).scaleb(-2) + Decimal(rng.randint(0, 9)).scaleb(-3)
                single = price
            elif money == "float":
                price = cents / 100 + rng.choice([0, 0.0049999, 0.005, 1e-7])
                single = price
            else:
                price = cents
                single = Decimal(cents).scaleb(-2)
            key = "price_minor" if money == "minor" else "price"
            items.append(
                {"sku": sku, key: price, "quantity": quantity, "category": category, "tags": tags}
            )
            single_items.append(
                {
                    "sku": sku,
                    "price": single,
                    "quantity": quantity,
                    "category": category,
                    "tags": tags,
                }
            )
        ship_cents = rng.choice([0, 499, 999])
        if money == "decimal":
            shipping: Any = Decimal(ship_cents).scaleb(-2)
        elif money == "float":
            shipping = ship_cents / 100
        else:
            shipping = ship_cents
        segments = rng.sample(SEGMENTS, rng.randint(0, 2))
        codes = rng.choice([[], ["blckfrdy"], [" BLCKFRDY "], ["nope"]])
        created = BASE + timedelta(days=rng.randint(0, 6), seconds=rng.randint(0, 86399))
        orders_count = rng.randint(0, 9)
        row = {
            "order_id": 1000 + i,
            "customer_id": f"c{rng.randint(1, 30)}",
            "segments": segments,
            "orders_count": orders_count,
            "codes": codes,
            "created_at": created,
            "shipping_minor" if money == "minor" else "shipping": shipping,
            "currency": rng.choice(["USD", "usd", None]),
            "channel": rng.choice(["web", "app"]),
            "country": rng.choice(["PL", "US"]),
            "items": items,
        }
        rows.append(row)
        calls.append(
            {
                "cart": {
                    "items": single_items,
                    "shipping": Decimal(ship_cents).scaleb(-2) if money == "minor" else shipping,
                    "currency": row["currency"],
                },
                "customer": {
                    "id": row["customer_id"],
                    "segments": segments,
                    "orders_count": orders_count,
                },
                "codes": codes,
                "now": created,
                "context": {"channel": row["channel"], "country": row["country"]},
            }
        )
    return rows, calls


def item_type(money: str) -> Any:
    price = {
        "decimal": ("price", pa.decimal128(12, 3)),
        "float": ("price", pa.float64()),
        "minor": ("price_minor", pa.int64()),
    }[money]
    return pa.struct(
        [
            ("sku", pa.string()),
            price,
            ("quantity", pa.int64()),
            ("category", pa.string()),
            ("tags", pa.list_(pa.string())),
        ]
    )


def orders_table(rows: list[dict[str, Any]], money: str) -> Any:
    ship = {
        "decimal": ("shipping", pa.decimal128(10, 2)),
        "float": ("shipping", pa.float64()),
        "minor": ("shipping_minor", pa.int64()),
    }[money]
    schema = pa.schema(
        [
            ("order_id", pa.int64()),
            ("customer_id", pa.string()),
            ("segments", pa.list_(pa.string())),
            ("orders_count", pa.int64()),
            ("codes", pa.list_(pa.string())),
            ("created_at", pa.timestamp("us", tz="UTC")),
            ship,
            ("currency", pa.string()),
            ("channel", pa.string()),
            ("country", pa.string()),
            ("items", pa.list_(item_type(money))),
        ]
    )
    return pa.Table.from_pylist(rows, schema=schema)


def check(summary: Any, calls: list[dict[str, Any]], detail: Any = None) -> None:
    if not isinstance(summary, pa.Table):
        summary = (
            pa.Table.from_pandas(summary)
            if isinstance(summary, pd.DataFrame)
            else (summary.to_arrow())
        )
    got = summary.to_pylist()
    assert len(got) == len(calls)
    expected_detail = []
    for row, call in zip(got, calls, strict=True):
        single = ENGINE.evaluate(**call)
        for field in ("subtotal", "discount", "shipping_discount", "total"):
            assert Decimal(row[field]) == getattr(single, field), (row, field, single)
        assert row["applied"] == [a.campaign_id for a in single.applied]
        expected_detail += [(row["order_id"], a.campaign_id, a.amount) for a in single.applied]
    if detail is not None:
        got_detail = [(r["order_id"], r["campaign_id"], r["amount"]) for r in detail.to_pylist()]
        assert got_detail == expected_detail


@pytest.mark.parametrize("money", ["decimal", "float", "minor"])
@pytest.mark.parametrize("seed", [1, 2])
def test_batch_equals_single_pyarrow(money: str, seed: int) -> None:
    rows, calls = generate(seed, 300, money)
    table = orders_table(rows, money)
    summary, detail = ENGINE.evaluate_batch(table, detail=True)
    assert isinstance(summary, pa.Table)
    assert summary.schema.field("total").type == pa.decimal128(18, 2)
    check(summary, calls, detail)


def test_batch_polars_and_pandas_return_their_type() -> None:
    rows, calls = generate(3, 200, "float")
    table = orders_table(rows, "float")
    out = ENGINE.evaluate_batch(pl.from_arrow(table))
    assert isinstance(out, pl.DataFrame)
    check(out, calls)
    # pandas: items as python objects, shipping float
    frame = table.to_pandas()
    out = ENGINE.evaluate_batch(frame)
    assert isinstance(out, pd.DataFrame)
    assert out["order_id"].tolist() == [r["order_id"] for r in rows]
    check(out, calls)


def test_batch_separate_lines_table_all_frontends() -> None:
    rows, calls = generate(4, 250, "decimal")
    lines = [{"order_id": r["order_id"], **line} for r in rows for line in r["items"]]
    # Shuffle lines between orders, keeping each order's own line order.
    rng = random.Random(0)
    lines.sort(key=lambda line: rng.random() if line["order_id"] % 2 else 0.5)
    lines.sort(key=lambda line: line["order_id"] % 7)
    orders = orders_table(
        [{k: v for k, v in r.items() if k != "items"} | {"items": None} for r in rows], "decimal"
    ).drop_columns(["items"])
    lines_table = pa.Table.from_pylist(
        lines,
        schema=pa.schema([("order_id", pa.int64()), *list(item_type("decimal"))]),
    )
    check(ENGINE.evaluate_batch(orders, lines=lines_table), calls)
    check(ENGINE.evaluate_batch(pl.from_arrow(orders), lines=pl.from_arrow(lines_table)), calls)


def test_lines_in_batches_dictionary_keys_and_repeats() -> None:
    """The lines index: several record batches, lines of an order spread over them,
    dictionary-encoded string keys on both sides, orders without lines, repeated order ids."""
    rows, calls = generate(9, 120, "decimal")
    # Each order's lines spread over the table (its j-th line among all j-th lines), in order.
    numbered = [
        (j, n % 3, {"order_id": f"o{r['order_id']}", **line})
        for n, r in enumerate(rows)
        for j, line in enumerate(r["items"])
    ]
    lines = [line for _, _, line in sorted(numbered, key=lambda t: (t[0], t[1]))]
    schema = pa.schema([("order_id", pa.string()), *list(item_type("decimal"))])
    expected_lines = {
        f"o{r['order_id']}": [(i["sku"], i["price"]) for i in r["items"]] for r in rows
    }
    assert all(
        [(line["sku"], line["price"]) for line in lines if line["order_id"] == key] == want
        for key, want in expected_lines.items()
    )
    batches = [
        pa.RecordBatch.from_pylist(lines[k : k + 97], schema=schema)
        for k in range(0, len(lines), 97)
    ]
    lines_table = pa.Table.from_batches(batches)
    lines_table = lines_table.set_column(
        0, "order_id", lines_table.column("order_id").dictionary_encode()
    )
    assert lines_table.column("order_id").num_chunks > 1
    orders = orders_table(rows, "decimal").drop_columns(["items"])
    orders = orders.set_column(
        0, "order_id", pa.array([f"o{r['order_id']}" for r in rows]).dictionary_encode()
    )
    check(ENGINE.evaluate_batch(orders, lines=lines_table), calls)
    # Twice the same orders, plus one order without lines: items by key, not by position.
    twice = pa.concat_tables([orders, orders])
    out = ENGINE.evaluate_batch(twice, lines=lines_table)
    assert (
        out.column("total").to_pylist()[: len(rows)] == out.column("total").to_pylist()[len(rows) :]
    )
    # An order without lines is an empty cart.
    lonely = orders.slice(0, 1).set_column(0, "order_id", pa.array(["nobody"]).dictionary_encode())
    out = ENGINE.evaluate_batch(pa.concat_tables([orders, lonely]), lines=lines_table)
    assert out.column("subtotal").to_pylist()[-1] == 0


def test_string_order_ids_and_capsule_producer() -> None:
    rows, _ = generate(5, 50, "minor")
    table = orders_table(rows, "minor")
    table = table.set_column(0, "order_id", pa.array([f"o{r['order_id']}" for r in rows]))

    class Producer:
        def __arrow_c_stream__(self, requested_schema: Any = None) -> Any:
            return table.__arrow_c_stream__(requested_schema)

    out = ENGINE.evaluate_batch(Producer(), money="minor")
    assert out.schema.field("order_id").type == pa.string()
    assert out.column("total_minor").type == pa.int64()
    assert out.column("order_id").to_pylist() == [f"o{r['order_id']}" for r in rows]
    decimal_out = ENGINE.evaluate_batch(table)
    assert [Decimal(m).scaleb(-2) for m in out.column("total_minor").to_pylist()] == (
        decimal_out.column("total").to_pylist()
    )
    floats = ENGINE.evaluate_batch(table, money="float").column("total").to_pylist()
    assert floats == [float(d) for d in decimal_out.column("total").to_pylist()]


def test_unaligned_buffers_from_ipc() -> None:
    """pyarrow reads an Arrow IPC file with 8-byte aligned buffers; decimal128 values need 16 in
    Rust. The import copies such buffers instead of panicking."""
    rows, calls = generate(8, 60, "decimal")
    table = orders_table(rows, "decimal")
    sink = pa.BufferOutputStream()
    with pa.ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table)
    back = pa.ipc.open_file(sink.getvalue()).read_all()
    lines = pa.table({"order_id": [1008], "price": pa.array([Decimal("1.5")], pa.decimal128(9, 2))})
    sink = pa.BufferOutputStream()
    with pa.ipc.new_file(sink, lines.schema) as writer:
        writer.write_table(lines)
    lines_back = pa.ipc.open_file(sink.getvalue()).read_all()
    check(ENGINE.evaluate_batch(back), calls)
    out = ENGINE.evaluate_batch(back.drop_columns(["items"]), lines=lines_back)
    assert out.column("subtotal").to_pylist()[8] == Decimal("1.50")


def _shift_strings(table: Any) -> Any:
    """``table`` with each top-level string column's offsets moved to an odd address, as a
    buffer of pyarrow data unpickled from a Dask or Ray frame can start at any byte."""
    columns = []
    for column in table.columns:
        chunk = column.combine_chunks()
        if chunk.type == pa.string():
            validity, offsets, data = chunk.buffers()
            odd = pa.py_buffer(b"\0" + offsets.to_pybytes()).slice(1)
            assert odd.address % 4
            chunk = pa.Array.from_buffers(
                pa.string(), len(chunk), [validity, odd, data], offset=chunk.offset
            )
        columns.append(chunk)
    return pa.table(columns, names=table.column_names)


def test_misaligned_string_offsets_are_copied_not_read_in_place() -> None:
    """A string column whose offsets start off their alignment is read right (the table is
    copied once before it goes to the native reader); read in place it aborted the process
    of a debug build, which is how Dask workers died under `make test`."""
    rows, _ = generate(6, 40, "decimal")
    table = orders_table(rows, "decimal")
    table = table.set_column(0, "order_id", pa.array([f"o{r['order_id']}" for r in rows]))
    table = table.sort_by("created_at")  # a stream to simulate must come in order
    shifted = _shift_strings(table)
    assert shifted.equals(table)
    assert ENGINE.evaluate_batch(shifted).equals(ENGINE.evaluate_batch(table))
    reader = pa.RecordBatchReader.from_batches(shifted.schema, shifted.to_batches())
    streamed = pm.simulate(ENGINE, reader, progress=False)
    assert streamed.orders.equals(pm.simulate(ENGINE, table, progress=False).orders)


def test_misaligned_offsets_from_another_producer_are_refused_with_the_column() -> None:
    """Past the Python wrapper (any Arrow C stream producer), the native reader refuses such a
    buffer with an error naming the column instead of reading it in place."""
    rows, _ = generate(3, 41, "decimal")
    table = orders_table(rows, "decimal")
    table = table.set_column(0, "order_id", pa.array([f"o{r['order_id']}" for r in rows]))
    shifted = _shift_strings(table)
    with pytest.raises(InputError, match=r"column 'order_id'.*not aligned") as caught:
        ENGINE._program.evaluate_batch(
            shifted.__arrow_c_stream__(), None, False, 1, "decimal", 0, "forbid"
        )
    assert caught.value.errors()[0]["loc"] == ("orders",)


def test_pandas_columns_of_nothing() -> None:
    """pandas gives columns of Nones the Arrow type null, and columns of empty lists list<null>:
    they read as nulls and empty lists."""
    frame = pd.DataFrame(
        {
            "order_id": [1, 2],
            "customer_id": [None, None],
            "segments": [[], []],
            "codes": [[], None],
            "created_at": [None, None],
            "currency": [None, None],
            "shipping": [None, None],
            "items": [[], []],
        }
    )
    table = pa.Table.from_pandas(frame, preserve_index=False)
    assert table.schema.field("customer_id").type == pa.null()
    assert table.schema.field("items").type == pa.list_(pa.null())
    out = ENGINE.evaluate_batch(frame, money="minor")
    assert out["total_minor"].tolist() == [0, 0]
    lines = pd.DataFrame(
        {"order_id": [1, 1], "price": [2.5, 1.0], "category": [None, None], "tags": [[], []]}
    )
    out = ENGINE.evaluate_batch(frame.drop(columns=["items"]), lines=lines, money="minor")
    assert out["subtotal_minor"].tolist() == [350, 0]
    with pytest.raises(InputError) as info:
        ENGINE.evaluate_batch(pd.DataFrame({"order_id": [1], "items": [[None]]}))
    assert info.value.errors()[0]["loc"] == ("orders", 0, "items", 0)


def test_order_currency_with_more_places_than_the_output() -> None:
    """A JPY engine writes money with 0 places: a USD order cannot be written exactly in
    decimal128(18, 0) or in yen, so it is refused rather than rounded; floats are fine."""
    yen = pm.Engine([pm.Campaign(id="all", effect=pm.percent_off(10))], currency="JPY")
    table = pa.table(
        {
            "order_id": [1, 2],
            "currency": ["JPY", "usd"],
            "items": [[{"price": 1000.0}], [{"price": 10.05}]],
        }
    )
    for money in ("decimal", "minor"):
        with pytest.raises(InputError) as info:
            yen.evaluate_batch(table, money=money)
        assert info.value.errors()[0]["loc"] == ("orders", 1, "currency")
        assert "2 decimal places" in info.value.errors()[0]["msg"]
    out = yen.evaluate_batch(table, money="float")
    single = yen.evaluate({"items": [{"price": 10.05}], "currency": "USD"})
    assert out.column("subtotal").to_pylist() == [1000.0, float(single.subtotal)]


def test_empty_table() -> None:
    table = orders_table([], "decimal")
    summary, detail = ENGINE.evaluate_batch(table, detail=True)
    assert summary.num_rows == 0
    assert detail.num_rows == 0
    assert summary.column_names == [
        "order_id",
        "subtotal",
        "discount",
        "shipping_discount",
        "total",
        "applied",
    ]


@pytest.mark.parametrize(
    ("items", "loc", "msg"),
    [
        ([{"price": float("nan"), "quantity": 1}], ("orders", 1, "items", 0, "price"), "finite"),
        ([{"price": float("inf"), "quantity": 1}], ("orders", 1, "items", 0, "price"), "finite"),
        ([{"price": -1.0, "quantity": 1}], ("orders", 1, "items", 0, "price"), "at least 0"),
        ([{"price": 1.0, "quantity": 0}], ("orders", 1, "items", 0, "quantity"), "at least 1"),
        (
            [{"price": 1.0, "quantity": 2}, {"price": None, "quantity": 1}],
            ("orders", 1, "items", 1, "price"),
            "required",
        ),
    ],
)
def test_bad_input_errors_with_loc(
    items: list[dict[str, Any]], loc: tuple[Any, ...], msg: str
) -> None:
    table = pa.table({"order_id": [1, 2], "items": [[{"price": 1.0, "quantity": 1}], items]})
    with pytest.raises(InputError) as info:
        ENGINE.evaluate_batch(table)
    error = info.value.errors()[0]
    assert error["loc"] == loc
    assert msg in error["msg"]


def test_bad_columns() -> None:
    with pytest.raises(InputError) as info:
        ENGINE.evaluate_batch(pa.table({"id": [1]}))
    assert info.value.errors()[0]["loc"] == ("orders", "order_id")
    with pytest.raises(InputError) as info:
        ENGINE.evaluate_batch(pa.table({"order_id": [1], "currency": ["XYZ"]}))
    assert info.value.errors()[0]["loc"] == ("orders", 0, "currency")
    with pytest.raises(InputError) as info:
        ENGINE.evaluate_batch(pa.table({"order_id": [1], "shipping": ["4.99"]}))
    assert info.value.errors()[0]["loc"] == ("orders", "shipping")
    with pytest.raises(ValueError, match="money"):
        ENGINE.evaluate_batch(pa.table({"order_id": [1]}), money="cents")


def test_threads_identical() -> None:
    """Several threads cut a chunk into slices (at least 1,024 rows each) and write each
    slice's output on its own: the same rows, in the same order, as one thread."""
    rows, _ = generate(6, 6000, "float")
    table = orders_table(rows, "float")
    one = ENGINE.evaluate_batch(table, threads=1, detail=True)
    for threads in (2, 3):
        many = ENGINE.evaluate_batch(table, threads=threads, detail=True)
        assert one[0].equals(many[0])
        assert one[1].equals(many[1])
    assert len({tuple(r) for r in one[0]["applied"].to_pylist()}) > 3  # not a trivial case


def test_bad_rows_in_several_slices_are_reported_in_row_order() -> None:
    n = 5000
    bad = {17, 2600, 4999}
    table = pa.table(
        {
            "order_id": list(range(n)),
            "items": [[{"price": -1.0 if i in bad else 1.0, "quantity": 1}] for i in range(n)],
        }
    )
    for threads in (1, 2):
        with pytest.raises(InputError) as info:
            ENGINE.evaluate_batch(table, threads=threads)
        assert [e["loc"][1] for e in info.value.errors()] == sorted(bad)


def _child(queue: Any) -> None:
    rows, _ = generate(7, 500, "decimal")
    out = make_engine().evaluate_batch(orders_table(rows, "decimal"), threads=2)
    queue.put(out.column("total").to_pylist())


def test_fork_safety() -> None:
    rows, _ = generate(7, 500, "decimal")
    parent = ENGINE.evaluate_batch(orders_table(rows, "decimal"), threads=2)
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    proc = ctx.Process(target=_child, args=(queue,))
    proc.start()
    try:
        child = queue.get(timeout=60)
    finally:
        proc.join(timeout=10)
        if proc.is_alive():
            proc.kill()
    assert child == parent.column("total").to_pylist()
