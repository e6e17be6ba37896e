"""``promotor eval`` and ``promotor explain``: price one cart against a definition file."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from promotor._text import did_you_mean
from promotor.errors import InputError

from ._common import (
    FAILED,
    JsonOpt,
    dumps,
    fail,
    jsonable,
    load_engine,
    out,
    parse_now,
    read_json,
    result_json,
)
from ._common import located as located_error

if TYPE_CHECKING:
    from promotor.engine import Engine
    from promotor.result import Result

#: The keys of a call document: a cart with what else ``evaluate`` takes.
CALL_KEYS = ("cart", "customer", "codes", "now", "context")

FileArg = Annotated[
    Path, typer.Argument(help="Definition file (.yaml, .yml or .json).", show_default=False)
]
CartArg = Annotated[
    str,
    typer.Argument(
        help="Cart JSON file, or - for standard input. A document with a 'cart' key may also "
        "give customer, codes, now and context (a golden cart is one).",
        show_default=False,
    ),
]
CustomerOpt = Annotated[
    Path | None, typer.Option("--customer", help="Customer JSON file.", show_default=False)
]
ContextOpt = Annotated[
    Path | None, typer.Option("--context", help="Context JSON file.", show_default=False)
]
CodeOpt = Annotated[
    list[str] | None, typer.Option("--code", help="A code the shopper entered (repeatable).")
]
NowOpt = Annotated[
    str | None,
    typer.Option(
        "--now",
        help="Time of the evaluation, ISO 8601 with an offset (default: now).",
        show_default=False,
    ),
]


def call_of(data: Any, name: str, *, extra: tuple[str, ...] = ()) -> dict[str, Any]:
    """``{"cart", "customer", "codes", "now", "context"}`` from a cart or a call document;
    exit 2 naming an unknown key."""
    if not isinstance(data, Mapping):
        fail(f"{name}: expected a JSON object (a cart, or a document with a 'cart' key)")
    if "cart" not in data:
        return {"cart": data}
    allowed = (*CALL_KEYS, *extra)
    for key in data:
        if key not in allowed:
            fail(f"{name}: {key}: unknown key{did_you_mean(str(key), list(allowed))}")
    return dict(data)


def evaluate_call(engine: Engine, call: Mapping[str, Any], name: str) -> Result:
    """Evaluate one call; exit 2 with the located problem for bad input."""
    codes = call.get("codes") or ()
    if isinstance(codes, str) or not isinstance(codes, list | tuple):
        fail(f"{name}: codes: expected a list of codes")
    try:
        return engine.evaluate(
            call["cart"],
            customer=call.get("customer"),
            codes=list(codes),
            now=parse_now(call.get("now"), f"{name}: now"),
            context=call.get("context"),
        )
    except InputError as error:
        fail(located_error(name, error))


def _call(
    cart: str,
    customer: Path | None,
    context: Path | None,
    codes: list[str] | None,
    now: str | None,
) -> tuple[dict[str, Any], str]:
    name = "<stdin>" if cart == "-" else cart
    call = call_of(read_json(cart), name, extra=("description", "expected"))
    if customer is not None:
        call["customer"] = read_json(str(customer))
    if context is not None:
        call["context"] = read_json(str(context))
    if codes:
        call["codes"] = list(codes)
    if now is not None:
        call["now"] = parse_now(now)
    return call, name


def eval_command(
    file: FileArg,
    cart: CartArg,
    customer: CustomerOpt = None,
    code: CodeOpt = None,
    now: NowOpt = None,
    context: ContextOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Price a cart: totals, lines and the campaigns that applied."""
    engine = load_engine(file)
    call, name = _call(cart, customer, context, code, now)
    result = evaluate_call(engine, call, name)
    if as_json:
        print(result_json(result))
        return
    print_result(result)


def explain_command(
    file: FileArg,
    cart: CartArg,
    customer: CustomerOpt = None,
    code: CodeOpt = None,
    now: NowOpt = None,
    context: ContextOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Price a cart and say why each campaign applied or not."""
    engine = load_engine(file)
    call, name = _call(cart, customer, context, code, now)
    result = evaluate_call(engine, call, name)
    if as_json:
        data = jsonable(result.to_dict())
        data["explanation"] = result.explain()
        print(dumps(data))
        return
    out.print(result.explain(), markup=False)


def print_result(result: Result) -> None:
    """Rich tables of the lines and the applied campaigns, then the totals."""
    cur = result.currency
    lines = Table(title="Lines", title_justify="left")
    for column in ("#", "sku", "qty", "unit", "subtotal", "discount", "total"):
        lines.add_column(column, justify="left" if column == "sku" else "right")
    for line in result.lines:
        lines.add_row(
            str(line.index),
            line.sku or "",
            str(line.quantity),
            str(line.unit_price),
            str(line.subtotal),
            str(line.discount),
            str(line.total),
        )
    out.print(lines)
    if result.applied:
        applied = Table(title="Applied", title_justify="left")
        for column in ("campaign", "code", "tier", "amount", "shipping"):
            applied.add_column(
                column, justify="right" if column in ("amount", "shipping") else "left"
            )
        for a in result.applied:
            applied.add_row(
                a.campaign_id,
                a.code or "",
                "" if a.tier is None else str(a.tier),
                str(a.amount),
                str(a.shipping_amount),
            )
        out.print(applied)
    else:
        out.print("No campaign applied.")
    out.print(
        f"Subtotal {result.subtotal} {cur}, shipping {result.shipping} {cur}, "
        f"discount {result.discount} {cur}, total [bold]{result.total}[/bold] {cur}"
    )
    if result.rejected:
        out.print(f"{len(result.rejected)} not applied; `promotor explain` says why.", markup=False)


def register(app: typer.Typer) -> None:
    """Adds `eval` and `explain` to the `promotor` command."""
    app.command("eval")(eval_command)
    app.command("explain")(explain_command)


__all__ = ["FAILED", "call_of", "evaluate_call", "register"]
