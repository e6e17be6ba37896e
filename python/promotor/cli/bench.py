"""``promotor bench FILE``: how fast this machine prices carts with these definitions, one at a
time (``evaluate``) and as a table (``evaluate_batch``)."""

from __future__ import annotations

import random
import time
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.progress import Progress
from rich.table import Table

from promotor.errors import InputError

from ._common import JsonOpt, dumps, err, fail, load_engine, located, out, parse_now, read_json
from ._orders import pyarrow
from .evaluate import CALL_KEYS, call_of

if TYPE_CHECKING:
    from promotor.engine import Engine

CATEGORIES = ["coffee", "tea", "mugs", "books", "toys", "shoes", "bags", "snacks"]
SEGMENTS = ["vip", "gold", "new", "student", "staff"]


def _strings(node: Any) -> Iterator[str]:
    """Every string literal of the definitions, so generated carts meet their rules."""
    if isinstance(node, Mapping):
        if node.get("type") == "str" and isinstance(node.get("value"), str):
            yield node["value"]
        for value in node.values():
            yield from _strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value)


def generate(engine: Engine, count: int, seed: int) -> list[dict[str, Any]]:
    """``count`` seeded calls of 1-19 lines, with the definitions' categories, segments and
    codes mixed in."""
    rng = random.Random(seed)
    engine_ir = engine.to_ir()
    words = sorted(set(_strings(engine_ir["campaigns"])))
    categories = CATEGORIES + words
    segments = SEGMENTS + words
    codes = sorted(
        {c["code"] for c in engine_ir["campaigns"] if c.get("code")}
        | {code for c in engine_ir["campaigns"] for code in c.get("codes") or ()}
    )
    now = datetime.now(UTC)
    calls = []
    for i in range(count):
        items = [
            {
                "sku": f"SKU-{rng.randrange(500)}",
                "price": str(Decimal(rng.randrange(100, 10_000)).scaleb(-2)),
                "quantity": rng.randint(1, 4),
                "category": rng.choice(categories),
            }
            for _ in range(rng.randint(1, 19))
        ]
        calls.append(
            {
                "cart": {"items": items, "shipping": "4.99"},
                "customer": {
                    "id": f"c{i % 1000}",
                    "segments": rng.sample(segments, rng.randint(0, 2)),
                },
                "codes": [rng.choice(codes)] if codes and rng.random() < 0.3 else [],
                "now": now,
            }
        )
    return calls


def _given(path: Path) -> list[dict[str, Any]]:
    data = read_json(str(path))
    if not isinstance(data, list) or not data:
        fail(f"{path}: expected a non-empty JSON list of carts (or call documents)")
    calls = []
    for i, entry in enumerate(data):
        call = call_of(entry, f"{path}: {i}", extra=("expected", "description"))
        call = {k: v for k, v in call.items() if k in CALL_KEYS}
        call["now"] = parse_now(call.get("now"), f"{path}: {i}: now") or datetime.now(UTC)
        calls.append(call)
    return calls


def orders_table(calls: list[dict[str, Any]]) -> Any:
    """The calls as an ``evaluate_batch`` orders table (items' sku, price, quantity, category,
    product and tags; the customer's id and segments; codes; now as ``created_at``), money as
    exact decimals, as a real order table has it."""
    pa = pyarrow()
    money = pa.decimal128(24, 12)
    item_type = pa.struct(
        [
            ("sku", pa.string()),
            ("price", money),
            ("quantity", pa.int64()),
            ("category", pa.string()),
            ("product", pa.string()),
            ("tags", pa.list_(pa.string())),
        ]
    )
    items = [
        [
            {
                "sku": it.get("sku"),
                "price": Decimal(str(it.get("price"))),
                "quantity": it.get("quantity"),
                "category": it.get("category"),
                "product": it.get("product"),
                "tags": list(it.get("tags") or []),
            }
            for it in call["cart"].get("items", [])
        ]
        for call in calls
    ]
    try:
        return pa.table(
            {
                "order_id": [str(i) for i in range(len(calls))],
                "customer_id": [(c.get("customer") or {}).get("id") for c in calls],
                "segments": pa.array(
                    [list((c.get("customer") or {}).get("segments") or []) for c in calls],
                    pa.list_(pa.string()),
                ),
                "codes": pa.array(
                    [list(c.get("codes") or []) for c in calls], pa.list_(pa.string())
                ),
                "created_at": pa.array([c["now"] for c in calls], pa.timestamp("us", tz="UTC")),
                "shipping": pa.array(
                    [Decimal(str(c["cart"].get("shipping", "0"))) for c in calls], money
                ),
                "items": pa.array(items, pa.list_(item_type)),
            }
        )
    except (pa.ArrowException, ArithmeticError, ValueError) as error:
        fail(f"carts: cannot build an orders table for evaluate_batch: {error}")


def _rate(seconds: float, count: int) -> dict[str, float]:
    return {
        "carts": count,
        "seconds": round(seconds, 6),
        "carts_per_second": round(count / seconds, 1) if seconds else 0.0,
        "microseconds_per_cart": round(seconds / count * 1e6, 3) if count else 0.0,
    }


def run(
    engine: Engine, calls: list[dict[str, Any]], seconds: float, threads: int | None
) -> dict[str, Any]:
    """Single and batch throughput, each measured for at least ``seconds``."""
    try:
        for call in calls[:1]:
            engine.evaluate(**call)
    except InputError as error:
        fail(located("carts", error))
    table = orders_table(calls)
    report: dict[str, Any] = {"campaigns": len(engine.campaigns), "carts": len(calls)}
    with Progress(console=err, transient=True, disable=not err.is_terminal) as progress:
        task = progress.add_task("evaluate (one cart at a time)", total=seconds)
        count, started = 0, time.perf_counter()
        while (elapsed := time.perf_counter() - started) < seconds or not count:
            for call in calls:
                engine.evaluate(**call)
            count += len(calls)
            progress.update(task, completed=min(elapsed, seconds))
        report["evaluate"] = _rate(time.perf_counter() - started, count)
        task = progress.add_task("evaluate_batch", total=seconds)
        count, started = 0, time.perf_counter()
        while (elapsed := time.perf_counter() - started) < seconds or not count:
            engine.evaluate_batch(table, threads=threads)
            count += len(calls)
            progress.update(task, completed=min(elapsed, seconds))
        report["evaluate_batch"] = {
            **_rate(time.perf_counter() - started, count),
            "threads": threads,
        }
    return report


def bench_command(
    file: Annotated[Path, typer.Argument(help="Definition file.", show_default=False)],
    carts: Annotated[
        Path | None,
        typer.Option(
            "--carts",
            help="JSON list of carts (or call documents) to use instead of generated ones.",
            show_default=False,
        ),
    ] = None,
    count: Annotated[int, typer.Option("--count", min=1, help="Generated carts.")] = 10_000,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the generated carts.")] = 0,
    seconds: Annotated[
        float, typer.Option("--seconds", min=0.0, help="Minimum time of each measurement.")
    ] = 2.0,
    threads: Annotated[
        int | None,
        typer.Option(
            "--threads", min=1, help="Batch threads (default: all cores).", show_default=False
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Measure evaluate and evaluate_batch throughput on generated or given carts."""
    engine = load_engine(file)
    calls = _given(carts) if carts is not None else generate(engine, count, seed)
    report = run(engine, calls, seconds, threads)
    if as_json:
        print(dumps(report))
        return
    table = Table(
        title=f"{file}: {report['campaigns']} campaigns, {report['carts']:,} carts",
        title_justify="left",
    )
    for column in ("mode", "carts", "seconds", "carts/s", "µs/cart"):
        table.add_column(column, justify="left" if column == "mode" else "right")
    for mode in ("evaluate", "evaluate_batch"):
        r = report[mode]
        table.add_row(
            mode,
            f"{r['carts']:,}",
            f"{r['seconds']:.3f}",
            f"{r['carts_per_second']:,.0f}",
            f"{r['microseconds_per_cart']:.2f}",
        )
    out.print(table)


def register(app: typer.Typer) -> None:
    """Adds `bench` to the `promotor` command."""
    app.command("bench")(bench_command)
