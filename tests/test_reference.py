"""Hand-computed cases for the reference evaluator, one group per section of docs/semantics.md.

They run without the native module: the printer, the regex search and the currency table are
small fakes passed to ``evaluate``.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "python"))

from promotor.reference import allocate, normalize_code

D = Decimal
Node = dict[str, Any]
NOW = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)  # a Friday

# -- IR builders ----------------------------------------------------------------------------


def num(value: str | int) -> Node:
    return {"type": "num", "value": str(value)}


def text(value: str) -> Node:
    return {"type": "str", "value": value}


def boolean(value: bool) -> Node:
    return {"type": "bool", "value": value}


NULL: Node = {"type": "null"}


def lst(*items: Node) -> Node:
    return {"type": "list", "items": list(items)}


def fld(path: str) -> Node:
    return {"type": "field", "path": path.split(".")}


def bin_(op: str, left: Node, right: Node) -> Node:
    return {"type": "binary", "op": op, "left": left, "right": right}


def not_(arg: Node) -> Node:
    return {"type": "unary", "op": "not", "arg": arg}


def neg(arg: Node) -> Node:
    return {"type": "unary", "op": "neg", "arg": arg}


def call(fn: str, *args: Node) -> Node:
    return {"type": "call", "fn": fn, "args": list(args)}


def macro(op: str, list_: Node, var: str | None = None, body: Node | None = None) -> Node:
    node: Node = {"type": "macro", "op": op, "list": list_}
    if var is not None:
        node["var"] = var
        node["body"] = body
    return node


def cond(if_: Node, then: Node, else_: Node) -> Node:
    return {"type": "cond", "if": if_, "then": then, "else": else_}


def ts(value: str) -> Node:
    return call("timestamp", text(value))


def dur(value: str) -> Node:
    return call("duration", text(value))


def percent_off(p: Node | str, cap: Node | str | None = None) -> Node:
    effect: Node = {"type": "percent_off", "percent": _n(p)}
    if cap is not None:
        effect["cap"] = _n(cap)
    return effect


def amount_off(a: Node | str) -> Node:
    return {"type": "amount_off", "amount": _n(a)}


def shipping_off(a: Node | str, percent: bool = False) -> Node:
    return {"type": "shipping_off", "amount": _n(a), "percent": percent}


def _n(value: Node | str) -> Node:
    return num(value) if isinstance(value, str) else value


def campaign(id: str = "c", **fields: Any) -> Node:
    fields.setdefault("effect", amount_off("1") if "tiers" not in fields else None)
    if fields["effect"] is None:
        del fields["effect"]
    return {"id": id, **fields}


def engine(*campaigns: Node, **settings: Any) -> Node:
    return {"version": 1, **settings, "campaigns": list(campaigns)}


# -- canonical input builders ---------------------------------------------------------------


def line(price: str, quantity: int = 1, sku: str | None = None, **fields: Any) -> dict[str, Any]:
    return {
        "sku": sku,
        "product": fields.get("product"),
        "category": fields.get("category"),
        "tags": fields.get("tags", []),
        "price": D(price),
        "quantity": quantity,
        "metadata": fields.get("metadata", {}),
    }


def cart(
    *lines: dict[str, Any],
    shipping: str = "0",
    currency: str | None = None,
    metadata: dict[str, Any] | None = None,
    customer: dict[str, Any] | None = None,
    codes: list[str] | None = None,
    now: datetime = NOW,
    context_metadata: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "cart": {
            "currency": currency,
            "shipping": D(shipping),
            "items": list(lines),
            "metadata": metadata or {},
        },
        "customer": customer,
        "context": {
            "now": now,
            "channel": "web",
            "country": None,
            "metadata": context_metadata or {},
        },
        "codes": codes or [],
    }


def customer(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": None,
        "email": None,
        "segments": [],
        "orders_count": None,
        "total_spent": None,
        "created_at": None,
        "birthday": None,
        "metadata": {},
    }
    return {**base, **fields}


# -- fakes of the native helpers ------------------------------------------------------------

_SYMBOLS = {
    "and": "&&",
    "or": "||",
    "eq": "==",
    "ne": "!=",
    "lt": "<",
    "le": "<=",
    "gt": ">",
    "ge": ">=",
    "in": "in",
    "add": "+",
    "sub": "-",
    "mul": "*",
    "div": "/",
    "mod": "%",
}


def fake_print(node: Node) -> str:
    """A small printer, enough to recognise the reported leaf."""
    kind = node["type"]
    if kind == "binary":
        return f"{fake_print(node['left'])} {_SYMBOLS[node['op']]} {fake_print(node['right'])}"
    if kind == "field":
        return ".".join(node["path"])
    if kind == "num":
        return str(node["value"])
    if kind == "str":
        return json.dumps(node["value"])
    if kind == "bool":
        return "true" if node["value"] else "false"
    if kind == "null":
        return "null"
    if kind == "list":
        return "[" + ", ".join(fake_print(i) for i in node["items"]) + "]"
    if kind == "unary":
        return ("!" if node["op"] == "not" else "-") + fake_print(node["arg"])
    if kind == "call":
        return f"{node['fn']}({', '.join(fake_print(a) for a in node['args'])})"
    if kind == "macro":
        inner = "" if "var" not in node else f"{node['var']}, {fake_print(node['body'])}"
        return f"{fake_print(node['list'])}.{node['op']}({inner})"
    if kind == "cond":
        return f"{fake_print(node['if'])} ? {fake_print(node['then'])} : {fake_print(node['else'])}"
    raise AssertionError(kind)


def fake_regex(pattern: str, subject: str) -> bool | None:
    try:
        return re.search(pattern, subject) is not None
    except re.error:
        return None


EXPONENTS = {"USD": 2, "EUR": 2, "JPY": 0, "KWD": 3}

Run = Callable[..., dict[str, Any]]


def value_of(run: Run, expr: Node, inp: dict[str, Any] | None = None, **settings: Any) -> Any:
    """The value of ``expr``, observed through the public API.

    The rule ``false ? null : expr`` is a leaf that is not a comparison, so when it is not
    true the rejection reports its value as ``actual``; when it is true the campaign applies.
    """
    rule = cond(boolean(False), NULL, expr)
    out = run(engine(campaign(rules=rule), **settings), inp or cart(line("10.00")))
    if out["applied"]:
        return True
    (rejected,) = out["rejected"]
    assert rejected["reason"] == "rules_not_met"
    assert rejected["expected"] is True
    return rejected["actual"]


def same(actual: Any, expected: Any) -> bool:
    """Equal, and of the same type (``Decimal("1") == 1`` and ``False == 0`` would pass)."""
    return type(actual) is type(expected) and actual == expected


# -- numbers --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        (bin_("add", num("0.1"), num("0.2")), D("0.3")),
        (bin_("sub", num("1"), num("1.000000000001")), D("-0.000000000001")),
        (bin_("mul", num("1.5"), num("2.25")), D("3.375")),
        # exact product 5E-13 has 13 places: half-even at 12 places, a tie -> even (0)
        (bin_("mul", num("0.000001"), num("0.0000005")), D("0")),
        # 1.5E-12 -> tie -> 0.000000000002 (even)
        (bin_("mul", num("0.000001"), num("0.0000015")), D("0.000000000002")),
        # 2.5E-12 -> tie -> 0.000000000002 (even)
        (bin_("mul", num("0.000001"), num("0.0000025")), D("0.000000000002")),
        (bin_("div", num("1"), num("3")), D("0.333333333333")),
        (bin_("div", num("2"), num("3")), D("0.666666666667")),
        (bin_("div", num("10"), num("4")), D("2.5")),
        # 1/8E-12 is exact but has 15 places: 0.000000000000125 -> 0.000000000000 (round down)
        (bin_("div", num("0.000000000001"), num("8")), D("0")),
        (bin_("div", num("0.000000000005"), num("2")), D("0.000000000002")),  # tie -> even
        (bin_("mod", num("-7"), num("3")), D("-1")),
        (bin_("mod", num("7"), num("-3")), D("1")),
        (bin_("mod", num("5.5"), num("2")), D("1.5")),
        (neg(num("2.5")), D("-2.5")),
    ],
)
def test_arithmetic(run: Run, expr: Node, expected: Decimal) -> None:
    assert same(value_of(run, expr), expected)


@pytest.mark.parametrize(
    "expr",
    [
        bin_("add", num("99999999999999"), num("1")),
        bin_("sub", num("-99999999999999"), num("1")),
        bin_("mul", num("10000000"), num("10000000")),
        bin_("div", num("1"), num("0.00000000000001")),
        bin_("div", num("1"), num("0")),
        bin_("mod", num("1"), num("0")),
        bin_("add", NULL, num("1")),
        bin_("add", text("a"), num("1")),
        bin_("mul", fld("cart.metadata.word"), num("2")),
    ],
)
def test_arithmetic_null(run: Run, expr: Node) -> None:
    inp = cart(line("10.00"), metadata={"word": "x"})
    assert value_of(run, expr, inp) is None


def test_just_below_the_limit_is_a_number(run: Run) -> None:
    assert same(
        value_of(run, bin_("add", num("99999999999998.5"), num("1.499999999999"))),
        D("99999999999999.999999999999"),
    )


# -- null and comparisons -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        (bin_("eq", num("1.0"), num("1")), True),
        (bin_("eq", NULL, NULL), True),
        (bin_("eq", fld("customer.id"), NULL), True),
        (bin_("eq", fld("customer.metadata.missing"), NULL), True),
        (bin_("eq", fld("customer.id"), text("x")), False),
        (bin_("ne", fld("customer.id"), text("x")), False),  # null: `!=` is false too
        (bin_("lt", fld("customer.orders_count"), num("1")), False),
        (bin_("ge", fld("customer.orders_count"), num("1")), False),
        (bin_("eq", text("1"), num("1")), False),
        (bin_("ne", text("1"), num("1")), False),  # incomparable: `!=` is false
        (bin_("eq", boolean(True), boolean(True)), True),
        (bin_("ne", boolean(True), boolean(False)), True),
        (bin_("lt", boolean(False), boolean(True)), False),  # bools have no order
        (bin_("lt", text("B"), text("a")), True),  # by code point
        (bin_("lt", text("z"), text("é")), True),
        (bin_("eq", lst(num("1")), lst(num("1"))), False),  # lists are not comparable
        (not_(fld("customer.metadata.flag")), True),
        (not_(num("1")), True),  # a non-bool counts as false
        (bin_("and", NULL, boolean(True)), False),
        (bin_("or", NULL, boolean(True)), True),
        (bin_("in", NULL, lst(num("1"), NULL)), True),
        (bin_("in", num("2"), lst(num("1"), num("2.00"))), True),
        (bin_("in", num("2"), fld("cart.metadata.missing")), None),
        (bin_("in", text("a"), text("abc")), None),  # `in` is list membership only
        (cond(fld("customer.id"), num("1"), num("2")), D("2")),
        (cond(boolean(True), num("1"), num("2")), D("1")),
    ],
)
def test_null_and_comparisons(run: Run, expr: Node, expected: Any) -> None:
    assert same(value_of(run, expr), expected)


# -- strings --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        (call("contains", text("Coffee beans"), text("beans")), True),
        (call("contains", text("Coffee beans"), text("Beans")), False),
        (call("startsWith", text("Coffee"), text("Cof")), True),
        (call("endsWith", text("Coffee"), text("FEE")), False),
        (call("contains", NULL, text("a")), None),
        (call("matches", text("order-123"), text("[0-9]+$")), True),
        (call("matches", text("order"), text("[0-9]")), False),
        (call("matches", text("order"), fld("cart.metadata.pattern")), None),  # invalid
        (call("lower", text("ŻÓŁW")), "żółw"),
        (call("upper", text("straße")), "STRASSE"),
        (call("size", text("zażółć")), D("6")),
        (call("size", lst(num("1"), NULL)), D("2")),
        (call("size", NULL), None),
        (bin_("add", text("ab"), text("cd")), "abcd"),
        (call("contains", lst(text("a"), text("b")), text("b")), True),
    ],
)
def test_strings(run: Run, expr: Node, expected: Any) -> None:
    inp = cart(line("10.00"), metadata={"pattern": "(unclosed"})
    assert same(value_of(run, expr, inp), expected)


# -- time -----------------------------------------------------------------------------------


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("literal", "expected"),
    [
        ("2026-11-27T00:00:00Z", utc(2026, 11, 27)),
        ("2026-11-27t00:00:00z", utc(2026, 11, 27)),
        ("2026-11-27 01:00:00+01:00", utc(2026, 11, 27)),
        ("2026-11-26T19:30:00-04:30", utc(2026, 11, 27)),
        ("2026-11-27T00:00:00.5Z", utc(2026, 11, 27, 0, 0, 0, 500000)),
        ("2026-11-27T00:00:00.123456789Z", utc(2026, 11, 27, 0, 0, 0, 123456)),  # dropped
        ("2024-02-29T00:00:00Z", utc(2024, 2, 29)),
        ("2026-11-27T00:00:00+23:59", utc(2026, 11, 26, 0, 1)),
        ("0001-01-01T00:00:00Z", utc(1, 1, 1)),
        ("2026-11-27T00:00:00", None),  # no offset
        ("2026-11-27", None),
        ("2026-11-27T00:00:60Z", None),  # second 60
        ("2026-02-29T00:00:00Z", None),
        ("2026-13-01T00:00:00Z", None),
        ("2026-11-27T24:00:00Z", None),
        ("2026-11-27T00:00:00+24:00", None),
        ("2026-11-27T00:00:00+01:60", None),
        ("2026-11-27T00:00:00.Z", None),
        ("2026-11-27T00:00:00.1234567890Z", None),  # 10 fraction digits
        ("2026-11-27T00:00:00+0100", None),
        ("2026-11-27T00:00:00 Z", None),
        ("0000-01-01T00:00:00Z", None),
        ("0001-01-01T00:00:00+01:00", None),  # year 0 in UTC
        ("+2026-11-27T00:00:00Z", None),
        ("٢٠٢٦-11-27T00:00:00Z", None),  # non-ASCII digits
    ],
)
def test_timestamp_grammar(run: Run, literal: str, expected: datetime | None) -> None:
    assert value_of(run, ts(literal)) == expected


@pytest.mark.parametrize(
    ("literal", "expected"),
    [
        ("1h30m", timedelta(hours=1, minutes=30)),
        ("90s", timedelta(seconds=90)),
        ("7d", timedelta(days=7)),
        ("1ms", timedelta(milliseconds=1)),
        ("1m1ms", timedelta(minutes=1, milliseconds=1)),
        ("-1.5h", timedelta(minutes=-90)),
        ("1.0000009s", timedelta(seconds=1)),  # truncated to whole microseconds
        ("-1.0000019s", -timedelta(seconds=1, microseconds=1)),  # towards zero
        ("2us", timedelta(microseconds=2)),
        ("1s1s", timedelta(seconds=2)),
        ("100000000000000000us", timedelta(microseconds=10**17)),
        ("100000000000000001us", None),
        ("", None),
        ("-", None),
        ("1", None),
        ("h", None),
        ("1h-1m", None),
        ("1.h", None),
        (".5h", None),
        ("1 h", None),
        ("1w", None),
        ("1H", None),
        ("+1h", None),
    ],
)
def test_duration_grammar(run: Run, literal: str, expected: timedelta | None) -> None:
    assert value_of(run, dur(literal)) == expected


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        (bin_("add", ts("2026-11-27T00:00:00Z"), dur("36h")), utc(2026, 11, 28, 12)),
        (bin_("sub", ts("2026-11-27T00:00:00Z"), dur("1d")), utc(2026, 11, 26)),
        (bin_("sub", ts("2026-11-28T00:00:00Z"), ts("2026-11-27T00:00:00Z")), timedelta(1)),
        (bin_("add", dur("1h"), dur("30m")), timedelta(minutes=90)),
        (bin_("sub", dur("1h"), dur("2h")), timedelta(hours=-1)),
        (neg(dur("1h")), timedelta(hours=-1)),
        (bin_("add", ts("9999-12-31T23:59:59Z"), dur("1s")), None),
        (bin_("sub", ts("0001-01-01T00:00:00Z"), dur("1us")), None),
        (bin_("sub", ts("9999-01-01T00:00:00Z"), ts("0001-01-01T00:00:00Z")), None),  # > 1e17us
        (bin_("add", dur("100000000000000000us"), dur("1us")), None),
        (bin_("lt", dur("59m"), dur("1h")), True),
        (bin_("eq", ts("2026-11-27T01:00:00+01:00"), ts("2026-11-27T00:00:00Z")), True),
        (bin_("lt", ts("2026-11-27T00:00:00Z"), dur("1h")), False),  # incomparable
        (bin_("ge", fld("context.now"), ts("2026-11-27T10:00:00Z")), True),
        (call("timestamp", fld("cart.metadata.when")), None),
    ],
)
def test_time_arithmetic(run: Run, expr: Node, expected: Any) -> None:
    inp = cart(line("10.00"), metadata={"when": "not a time"})
    assert value_of(run, expr, inp) == expected


@pytest.mark.parametrize(
    ("fn", "instant", "zone", "expected"),
    [
        ("weekday", "2026-11-27T23:30:00Z", None, 5),  # Friday in UTC
        ("weekday", "2026-11-27T23:30:00Z", "Europe/Warsaw", 6),  # Saturday 00:30 CET
        ("hour", "2026-11-27T23:30:00Z", "Europe/Warsaw", 0),
        ("day", "2026-11-27T23:30:00Z", "Europe/Warsaw", 28),
        ("month", "2026-11-30T23:30:00Z", "Europe/Warsaw", 12),
        ("year", "2026-12-31T23:30:00Z", "Europe/Warsaw", 2027),
        ("hour", "2026-11-27T03:00:00Z", "America/New_York", 22),  # UTC-5
        ("hour", "2026-03-29T00:30:00Z", "Europe/Warsaw", 1),  # CET, before the switch
        ("hour", "2026-03-29T01:30:00Z", "Europe/Warsaw", 3),  # CEST, after it
        ("weekday", "2026-11-29T12:00:00Z", "UTC", 7),  # Sunday
    ],
)
def test_timezones(run: Run, fn: str, instant: str, zone: str | None, expected: int) -> None:
    args = [ts(instant)] + ([] if zone is None else [text(zone)])
    assert same(value_of(run, call(fn, *args)), D(expected))


def test_unknown_timezone_at_run_time_is_null(run: Run) -> None:
    inp = cart(line("10.00"), metadata={"tz": "Mars/Olympus"})
    assert value_of(run, call("hour", fld("context.now"), fld("cart.metadata.tz")), inp) is None


# -- lists and macros -----------------------------------------------------------------------

ITEMS = fld("cart.items")
I_CAT = fld("i.category")


def _shop() -> dict[str, Any]:
    return cart(
        line("4.00", 2, "A", category="coffee", tags=["hot"]),
        line("3.00", 1, "B", category="tea"),
        line("10.00", 3, "C", category="coffee", metadata={"weight": D("0.5")}),
        metadata={"nums": [D("3"), None, D("1.5")], "words": ["b", "a"], "mixed": [D(1), "a"]},
    )


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        (macro("all", lst(), "x", boolean(False)), True),
        (macro("all", ITEMS, "i", bin_("ge", fld("i.price"), num("3"))), True),
        (macro("exists", ITEMS, "i", bin_("eq", I_CAT, text("tea"))), True),
        (macro("exists", lst(), "x", boolean(True)), False),
        (macro("exists_one", ITEMS, "i", bin_("eq", I_CAT, text("coffee"))), False),
        (macro("exists_one", ITEMS, "i", bin_("eq", I_CAT, text("tea"))), True),
        (
            macro("filter", ITEMS, "i", bin_("eq", I_CAT, text("coffee"))),
            [{"index": 0, "sku": "A"}, {"index": 2, "sku": "C"}],
        ),
        (macro("map", ITEMS, "i", fld("i.subtotal")), [D("8.00"), D("3.00"), D("30.00")]),
        (macro("count", ITEMS), D(3)),
        (macro("count", ITEMS, "i", bin_("eq", I_CAT, text("coffee"))), D(2)),
        (macro("sum", ITEMS, "i", fld("i.quantity")), D(6)),
        (
            macro(
                "sum",
                macro("filter", ITEMS, "i", bin_("eq", I_CAT, text("coffee"))),
                "i",
                fld("i.quantity"),
            ),
            D(5),
        ),
        (macro("sum", fld("cart.metadata.nums")), D("4.5")),  # null skipped
        (macro("sum", lst()), D(0)),
        (macro("sum", fld("cart.metadata.mixed")), None),  # wrong type
        (macro("sum", ITEMS, "i", fld("i.metadata.weight")), D("0.5")),
        (macro("min", fld("cart.metadata.nums")), D("1.5")),
        (macro("max", ITEMS, "i", fld("i.price")), D("10.00")),
        (macro("min", fld("cart.metadata.words")), "a"),
        (macro("min", lst(NULL)), None),
        (macro("max", lst()), None),
        (macro("max", fld("cart.metadata.mixed")), None),
        (macro("count", fld("cart.metadata.missing")), None),  # macro on null
        (macro("exists", fld("cart.metadata"), "x", boolean(True)), None),  # on a map
        (macro("exists", fld("cart.metadata.words"), "w", bin_("eq", fld("w"), text("a"))), True),
        (
            macro(
                "exists",
                ITEMS,
                "i",
                macro("exists", fld("i.tags"), "t", bin_("eq", fld("t"), text("hot"))),
            ),
            True,
        ),
        (  # an inner variable shadows an outer one of the same name
            macro(
                "all", ITEMS, "x", macro("all", lst(num("1")), "x", bin_("eq", fld("x"), num(1)))
            ),
            True,
        ),
        (bin_("in", text("tea"), macro("map", ITEMS, "i", I_CAT)), True),
        (call("size", ITEMS), D(3)),
        (call("min", num("3"), NULL, num("2")), D("2")),
        (call("max", num("3"), num("2"), num("3.5")), D("3.5")),
        (call("min", num("3"), text("a")), None),
        (call("max", NULL, NULL), None),
        (call("max", text("a"), text("b")), "b"),
    ],
)
def test_lists_and_macros(run: Run, expr: Node, expected: Any) -> None:
    assert value_of(run, expr, _shop()) == expected


# -- other functions ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expr", "rounding", "expected"),
    [
        (call("abs", num("-2.5")), "half_even", D("2.5")),
        (call("round", num("2.5")), "half_even", D("2")),
        (call("round", num("3.5")), "half_even", D("4")),
        (call("round", num("2.5")), "half_up", D("3")),
        (call("round", num("-2.5")), "half_up", D("-3")),
        (call("round", num("2.9")), "down", D("2")),
        (call("round", num("-2.9")), "down", D("-2")),
        (call("round", num("1.005"), num("2")), "half_even", D("1.00")),
        (call("round", num("1.015"), num("2")), "half_even", D("1.02")),
        (call("round", num("1.005"), num("2")), "half_up", D("1.01")),
        (call("round", num("1.5"), num("13")), "half_even", None),
        (call("round", num("1.5"), num("1.5")), "half_even", None),
        (call("floor", num("-1.25")), "half_even", D("-2")),
        (call("floor", num("1.259"), num("2")), "half_even", D("1.25")),
        (call("ceil", num("1.001")), "half_even", D("2")),
        (call("ceil", num("-1.259"), num("2")), "half_even", D("-1.25")),
        (call("ceil", num("99999999999999.5")), "half_even", None),  # 10^14
        (call("has", fld("customer.id")), "half_even", False),
        (call("has", fld("customer.segments")), "half_even", True),  # lists are never null
        (call("abs", text("x")), "half_even", None),
    ],
)
def test_functions(run: Run, expr: Node, rounding: str, expected: Any) -> None:
    assert same(value_of(run, expr, rounding=rounding), expected)


# -- fields ---------------------------------------------------------------------------------


def test_fields_of_a_cart(run: Run) -> None:
    inp = cart(
        line("0.125", 1, "A"),  # 0.125 -> 0.12 half-even
        line("0.135", 3, "B", product="p", tags=["x"]),  # 0.405 -> 0.40
        shipping="4.995",  # -> 5.00 (half-even: 4.99|5 -> 5.00)
        customer=customer(id="c1", segments=["vip"], orders_count=D(3)),
        context_metadata={"campaign": {"source": "mail"}},
    )
    cases = [
        (fld("cart.subtotal"), D("0.52")),
        (fld("cart.quantity"), D(4)),
        (fld("cart.shipping"), D("5.00")),
        (fld("cart.currency"), "USD"),
        (macro("map", ITEMS, "i", fld("i.price")), [D("0.125"), D("0.135")]),
        (macro("map", ITEMS, "i", fld("i.subtotal")), [D("0.12"), D("0.40")]),
        (macro("map", ITEMS, "i", fld("i.product")), [None, "p"]),
        (macro("map", ITEMS, "i", fld("i.tags")), [[], ["x"]]),
        (fld("customer.id"), "c1"),
        (fld("customer.segments"), ["vip"]),
        (fld("customer.orders_count"), D(3)),
        (fld("customer.email"), None),
        (fld("context.now"), NOW),
        (fld("context.channel"), "web"),
        (fld("context.country"), None),
        (fld("context.metadata.campaign.source"), "mail"),
        (fld("context.metadata.campaign.source.deeper"), None),
        (fld("context.metadata.campaign"), {"source": "mail"}),
    ]
    for expr, expected in cases:
        assert value_of(run, expr, inp) == expected, fake_print(expr)


def test_half_up_rounds_line_subtotals_up(run: Run) -> None:
    inp = cart(line("0.125"), shipping="4.995")
    assert value_of(run, fld("cart.subtotal"), inp, rounding="half_up") == D("0.13")
    assert value_of(run, fld("cart.shipping"), inp, rounding="down") == D("4.99")


def test_no_customer_reads_as_empty(run: Run) -> None:
    assert value_of(run, fld("customer.segments")) == []
    assert value_of(run, fld("customer.created_at")) is None
    assert value_of(run, fld("customer.metadata")) is None
    assert value_of(run, fld("cart.items")) == [{"index": 0, "sku": None}]


# -- campaigns: codes, currency, activity ---------------------------------------------------


def test_codes(run: Run) -> None:
    eng = engine(
        campaign("auto"),
        campaign("bf", code="BlackFriday"),
        campaign("multi", codes=["WELCOME", "Hello"]),
        campaign("silent", code="NOTGIVEN"),
    )
    out = run(
        eng,
        cart(
            line("100.00"),
            codes=["  blackfriday\t", "hello", "BLACKFRIDAY", "", "  ", "Nope ", "nope", "x"],
        ),
    )
    assert [(a["campaign_id"], a["code"]) for a in out["applied"]] == [
        ("auto", None),
        ("bf", "BlackFriday"),
        ("multi", "Hello"),
    ]
    assert [(r["campaign_id"], r["code"], r["reason"]) for r in out["rejected"]] == [
        (None, "Nope ", "unknown_code"),
        (None, "x", "unknown_code"),
    ]
    assert out["rejected"][0] == {
        "campaign_id": None,
        "code": "Nope ",
        "reason": "unknown_code",
        "condition": None,
        "actual": None,
        "expected": None,
        "detail": None,
        "by": None,
    }


def test_code_normalization() -> None:
    assert normalize_code("\u3000Sale\u00a0") == "sale"
    assert normalize_code("\x1fSale") == "\x1fsale"  # not Unicode White_Space
    assert normalize_code("ŻÓŁW") == "żółw"


def test_code_of_a_rejected_campaign_is_its_own_spelling(run: Run) -> None:
    eng = engine(campaign("bf", code="BF", rules=boolean(False)))
    out = run(eng, cart(line("1.00"), codes=["bf"]))
    assert [(r["code"], r["reason"]) for r in out["rejected"]] == [("BF", "rules_not_met")]


def test_currency_mismatch(run: Run) -> None:
    eng = engine(campaign("a", active=False), campaign("b", code="B"), currency="USD")
    out = run(eng, cart(line("100"), codes=["b", "zzz"], currency="JPY"))
    assert out["applied"] == []
    assert [(r["campaign_id"], r["reason"]) for r in out["rejected"]] == [
        ("a", "currency_mismatch"),
        ("b", "currency_mismatch"),
        (None, "unknown_code"),
    ]
    assert out["currency"] == "JPY"
    assert same(out["total"], D("100"))


@pytest.mark.parametrize(
    ("fields", "now", "detail"),
    [
        ({"active": False, "starts_at": "2027-01-01T00:00:00Z"}, NOW, "inactive"),
        ({"starts_at": "2026-11-27T10:00:00.000001Z"}, NOW, "not_started"),
        ({"starts_at": "2026-11-27T11:00:00+01:00"}, NOW, None),  # inclusive
        ({"ends_at": "2026-11-27T10:00:00Z"}, NOW, "ended"),  # exclusive
        ({"ends_at": "2026-11-27T10:00:00.000001Z"}, NOW, None),
        (
            {"starts_at": "2027-01-01T00:00:00Z", "ends_at": "2026-01-01T00:00:00Z"},
            NOW,
            "not_started",
        ),
        ({"ends_at": "2026-01-01T00:00:00Z", "schedule": {"weekdays": [1]}}, NOW, "ended"),
        ({"schedule": {"weekdays": [1, 2]}}, NOW, "outside_schedule"),
        ({"schedule": {"weekdays": [5]}}, NOW, None),
        ({"schedule": {"weekdays": []}}, NOW, None),  # empty: every day
        ({"schedule": {"hours": [9, 17]}}, NOW, None),
        ({"schedule": {"hours": [9, 10]}}, NOW, "outside_schedule"),  # half-open
        ({"schedule": {"hours": [10, 11]}}, NOW, None),
        ({"schedule": {"hours": [0, 24]}}, NOW, None),
        ({"schedule": {"hours": [22, 6]}}, utc(2026, 11, 27, 23, 30), None),  # wraps
        ({"schedule": {"hours": [22, 6]}}, utc(2026, 11, 27, 5, 59), None),
        ({"schedule": {"hours": [22, 6]}}, utc(2026, 11, 27, 6), "outside_schedule"),
        ({"schedule": {"hours": [5, 5]}}, utc(2026, 11, 27, 5), "outside_schedule"),
        # 10:00 UTC is 11:00 in Warsaw; Friday 23:30 UTC is Saturday there
        ({"schedule": {"hours": [11, 12], "timezone": "Europe/Warsaw"}}, NOW, None),
        ({"schedule": {"hours": [10, 11], "timezone": "Europe/Warsaw"}}, NOW, "outside_schedule"),
        (
            {"schedule": {"weekdays": [6], "timezone": "Europe/Warsaw"}},
            utc(2026, 11, 27, 23, 30),
            None,
        ),
        ({"schedule": {"weekdays": [5]}}, utc(2026, 11, 27, 23, 30), None),
        # hours that wrap are the night that starts on a listed day: Friday 22:00 to Saturday
        # 02:00 (2026-11-27 is a Friday)
        ({"schedule": {"weekdays": [5], "hours": [22, 2]}}, utc(2026, 11, 27, 23), None),
        ({"schedule": {"weekdays": [5], "hours": [22, 2]}}, utc(2026, 11, 28, 1), None),
        (
            {"schedule": {"weekdays": [5], "hours": [22, 2]}},
            utc(2026, 11, 27, 1),
            "outside_schedule",
        ),
        (
            {"schedule": {"weekdays": [7], "hours": [22, 2]}},
            utc(2026, 11, 30, 1),
            None,
        ),
    ],
)
def test_not_active(run: Run, fields: dict[str, Any], now: datetime, detail: str | None) -> None:
    out = run(engine(campaign(**fields)), cart(line("10.00"), now=now))
    if detail is None:
        assert len(out["applied"]) == 1
    else:
        assert [(r["reason"], r["detail"]) for r in out["rejected"]] == [("not_active", detail)]


def test_check_order_not_active_before_rules(run: Run) -> None:
    out = run(engine(campaign(active=False, rules=boolean(False))), cart(line("1.00")))
    assert out["rejected"][0]["reason"] == "not_active"


# -- explaining a failure -------------------------------------------------------------------


def _failure(run: Run, rule: Node, inp: dict[str, Any] | None = None) -> tuple[Any, ...]:
    out = run(engine(campaign(rules=rule)), inp or _shop())
    (rejected,) = out["rejected"]
    assert rejected["reason"] == "rules_not_met"
    return rejected["condition"], rejected["actual"], rejected["expected"], rejected["detail"]


SUBTOTAL_GE_100 = bin_("ge", fld("cart.subtotal"), num("100"))
VIP = call("contains", fld("customer.segments"), text("vip"))


def test_failure_of_a_comparison(run: Run) -> None:
    assert _failure(run, SUBTOTAL_GE_100) == ("cart.subtotal >= 100", D("41.00"), D(100), None)


def test_failure_walks_and_to_its_first_false_operand(run: Run) -> None:
    rule = bin_("and", bin_("gt", fld("cart.subtotal"), num("1")), bin_("and", VIP, NULL))
    assert _failure(run, rule) == ('contains(customer.segments, "vip")', [], "vip", None)


def test_failure_walks_or_to_its_first_operand(run: Run) -> None:
    rule = bin_("or", bin_("and", boolean(True), SUBTOTAL_GE_100), VIP)
    assert _failure(run, rule)[0] == "cart.subtotal >= 100"


def test_failure_of_in_reports_both_operands(run: Run) -> None:
    rule = bin_("in", fld("customer.id"), lst(text("a"), text("b")))
    assert _failure(run, rule) == ('customer.id in ["a", "b"]', None, ["a", "b"], None)


def test_failure_of_a_string_test_reports_receiver_and_argument(run: Run) -> None:
    rule = call("startsWith", fld("context.channel"), text("app"))
    assert _failure(run, rule)[1:3] == ("web", "app")


def test_failure_of_any_other_leaf_reports_its_value_and_true(run: Run) -> None:
    rule = not_(macro("exists", ITEMS, "i", bin_("eq", I_CAT, text("tea"))))
    assert _failure(run, rule)[1:3] == (False, True)
    rule = bin_("and", boolean(True), macro("filter", ITEMS, "i", bin_("eq", I_CAT, text("tea"))))
    assert _failure(run, rule)[1:3] == ([{"index": 1, "sku": "B"}], True)
    assert _failure(run, fld("cart.metadata.words"))[1] == ["b", "a"]
    assert _failure(run, fld("customer.metadata"))[1] is None


def test_failure_reports_times_as_python_values(run: Run) -> None:
    rule = bin_("lt", bin_("sub", fld("context.now"), ts("2026-11-26T10:00:00Z")), dur("1h"))
    assert _failure(run, rule)[1:3] == (timedelta(days=1), timedelta(hours=1))


# -- tiers ----------------------------------------------------------------------------------


def _tiers(*thresholds: str) -> list[Node]:
    return [
        {"rules": bin_("ge", fld("cart.subtotal"), num(t)), "effect": amount_off(str(i + 1))}
        for i, t in enumerate(thresholds)
    ]


def test_the_last_holding_tier_applies(run: Run) -> None:
    out = run(engine(campaign(tiers=_tiers("10", "40", "100"))), _shop())  # subtotal 41.00
    (applied,) = out["applied"]
    assert (applied["tier"], applied["amount"]) == (1, D("2.00"))


def test_tiers_are_not_sorted(run: Run) -> None:
    out = run(engine(campaign(tiers=_tiers("40", "10"))), _shop())
    assert out["applied"][0]["tier"] == 1


def test_a_tier_without_rules_always_holds(run: Run) -> None:
    tiers = [{"effect": amount_off("1")}, *_tiers("100")]
    assert run(engine(campaign(tiers=tiers)), _shop())["applied"][0]["tier"] == 0


def test_no_tier_holds(run: Run) -> None:
    out = run(engine(campaign(tiers=_tiers("50", "100"))), _shop())
    (rejected,) = out["rejected"]
    assert (rejected["reason"], rejected["condition"], rejected["detail"]) == (
        "rules_not_met",
        "cart.subtotal >= 50",
        "tier 0",
    )
    assert (rejected["actual"], rejected["expected"]) == (D("41.00"), D(50))


def test_campaign_rules_are_checked_before_tiers(run: Run) -> None:
    out = run(engine(campaign(rules=VIP, tiers=_tiers("50"))), _shop())
    assert out["rejected"][0]["condition"] == 'contains(customer.segments, "vip")'
    assert out["rejected"][0]["detail"] is None


# -- effects --------------------------------------------------------------------------------


def _discount(run: Run, effect: Node, *lines: dict[str, Any], **settings: Any) -> Any:
    """The campaign's whole discount, or the rejection reason."""
    out = run(engine(campaign(effect=effect), **settings), cart(*lines, shipping="5.00"))
    if out["applied"]:
        return out["applied"][0]["amount"]
    return out["rejected"][0]["reason"]


@pytest.mark.parametrize(
    ("effect", "expected"),
    [
        (percent_off("15"), D("4.50")),  # of 30.00
        (percent_off("15", cap="4"), D("4.00")),
        (percent_off("15", cap="4.004"), D("4.00")),  # the cap is rounded too
        (percent_off("15", cap="0"), "no_effect"),
        (percent_off("15", cap="-1"), "no_effect"),
        (percent_off("150"), D("30.00")),  # clamped to 100
        (percent_off("-5"), "no_effect"),  # clamped to 0
        (percent_off("0.01"), "no_effect"),  # 0.003 rounds to 0
        (percent_off(fld("customer.orders_count")), "no_effect"),  # null
        (percent_off("10", cap=fld("customer.orders_count")), "no_effect"),  # null cap
        (percent_off(text("10")), "no_effect"),  # not a number
        (amount_off("12.345"), D("12.34")),  # half-even
        (amount_off("50"), D("30.00")),  # at most the order
        (amount_off("-5"), "no_effect"),
        (amount_off("0.004"), "no_effect"),
        (amount_off(bin_("mul", fld("cart.subtotal"), num("0.1"))), D("3.00")),
        (shipping_off("2"), D("2.00")),
        (shipping_off("9"), D("5.00")),
        (shipping_off("50", percent=True), D("2.50")),
        (shipping_off("100", percent=True), D("5.00")),
        (shipping_off("200", percent=True), D("5.00")),
        (shipping_off("-1"), "no_effect"),
    ],
)
def test_effects(run: Run, effect: Node, expected: Any) -> None:
    assert _discount(run, effect, line("10.00", 3)) == expected


@pytest.mark.parametrize(
    ("subtotal", "rounding", "expected"),
    [
        ("1.50", "half_even", D("0.52")),  # 35% = 0.525
        ("1.50", "half_up", D("0.53")),
        ("1.50", "down", D("0.52")),
        ("1.70", "half_even", D("0.60")),  # 35% = 0.595
        ("1.70", "half_up", D("0.60")),
        ("1.70", "down", D("0.59")),
        ("1.10", "half_even", D("0.38")),  # 35% = 0.385
    ],
)
def test_rounding_modes(run: Run, subtotal: str, rounding: str, expected: Decimal) -> None:
    assert _discount(run, percent_off("35"), line(subtotal), rounding=rounding) == expected


def test_free_shipping_once(run: Run) -> None:
    free = shipping_off("100", percent=True)
    eng = engine(campaign("a", effect=free), campaign("b", effect=free))
    out = run(eng, cart(line("10.00"), shipping="4.99"))
    (applied,) = out["applied"]
    assert applied == {
        "campaign_id": "a",
        "code": None,
        "tier": None,
        "amount": D("4.99"),
        "shipping_amount": D("4.99"),
        "allocations": {},
        "gifts": [],
    }
    assert [(r["campaign_id"], r["reason"]) for r in out["rejected"]] == [("b", "no_effect")]
    assert (out["shipping_discount"], out["discount"], out["total"]) == (
        D("4.99"),
        D("4.99"),
        D("10.00"),
    )


# -- allocation -----------------------------------------------------------------------------


def _allocations(run: Run, effect: Node, *lines: dict[str, Any]) -> dict[int, Decimal]:
    out = run(engine(campaign(effect=effect)), cart(*lines))
    allocations: dict[int, Decimal] = out["applied"][0]["allocations"]
    return allocations


def test_ten_over_three_equal_lines(run: Run) -> None:
    lines = [line("5.00"), line("5.00"), line("5.00")]
    assert _allocations(run, amount_off("10"), *lines) == {
        0: D("3.34"),
        1: D("3.33"),
        2: D("3.33"),
    }


def test_a_penny_goes_to_the_lowest_index_on_ties(run: Run) -> None:
    assert _allocations(run, amount_off("0.01"), line("1.00"), line("1.00")) == {0: D("0.01")}
    assert _allocations(run, amount_off("0.02"), *[line("1.00")] * 3) == {
        0: D("0.01"),
        1: D("0.01"),
    }


def test_a_penny_goes_to_the_largest_remainder(run: Run) -> None:
    # shares 0.01 * 100/300 and 0.01 * 200/300: floors 0, remainders 100 and 200
    assert _allocations(run, amount_off("0.01"), line("1.00"), line("2.00")) == {1: D("0.01")}
    # D = 5 units over 1, 1, 3 units (A = 5): floors 1, 1, 3 exactly
    assert _allocations(run, amount_off("0.05"), line("0.01"), line("0.01"), line("0.03")) == {
        0: D("0.01"),
        1: D("0.01"),
        2: D("0.03"),
    }
    # D = 7 units over 3, 3, 4 (A = 10): 21/10, 21/10, 28/10 -> 2, 2, 2 + one to line 2
    assert _allocations(run, amount_off("0.07"), line("0.03"), line("0.03"), line("0.04")) == {
        0: D("0.02"),
        1: D("0.02"),
        2: D("0.03"),
    }


def test_allocate_directly() -> None:
    assert allocate(1000, [(0, 500), (1, 500), (2, 500)]) == {0: 334, 1: 333, 2: 333}
    assert allocate(0, [(0, 5)]) == {}
    assert allocate(10, [(0, 0), (3, 1), (5, 9)]) == {3: 1, 5: 9}
    assert allocate(2, [(0, 1), (1, 1), (2, 1)]) == {0: 1, 1: 1}


def test_whole_order_off_with_a_zero_line(run: Run) -> None:
    assert _allocations(run, percent_off("100"), line("0"), line("0.01"), line("9.99")) == {
        1: D("0.01"),
        2: D("9.99"),
    }


# -- stacking and results -------------------------------------------------------------------


def test_sequential_stacking(run: Run) -> None:
    eng = engine(
        campaign("late", effect=percent_off("50"), priority=0),
        # rules and amounts see the original cart (subtotal 100.00), effects the discounted one
        campaign(
            "second",
            effect=amount_off(bin_("mul", fld("cart.subtotal"), num("0.2"))),
            rules=SUBTOTAL_GE_100,
            priority=5,
        ),
        campaign("first", effect=percent_off("10"), priority=5),
        campaign("top", effect=amount_off("0"), priority=9),
    )
    out = run(eng, cart(line("60.00"), line("40.00"), shipping="5.00"))
    assert [(a["campaign_id"], a["amount"], a["allocations"]) for a in out["applied"]] == [
        ("second", D("20.00"), {0: D("12.00"), 1: D("8.00")}),
        ("first", D("8.00"), {0: D("4.80"), 1: D("3.20")}),
        ("late", D("36.00"), {0: D("21.60"), 1: D("14.40")}),
    ]
    assert [(r["campaign_id"], r["reason"]) for r in out["rejected"]] == [("top", "no_effect")]
    assert out["lines"] == [
        {
            "index": 0,
            "sku": None,
            "quantity": 1,
            "unit_price": D("60.00"),
            "subtotal": D("60.00"),
            "discount": D("38.40"),
            "total": D("21.60"),
        },
        {
            "index": 1,
            "sku": None,
            "quantity": 1,
            "unit_price": D("40.00"),
            "subtotal": D("40.00"),
            "discount": D("25.60"),
            "total": D("14.40"),
        },
    ]
    assert {k: out[k] for k in ("subtotal", "shipping", "discount", "shipping_discount")} == {
        "subtotal": D("100.00"),
        "shipping": D("5.00"),
        "discount": D("64.00"),
        "shipping_discount": D("0.00"),
    }
    assert out["total"] == D("41.00")


def test_a_fully_discounted_order(run: Run) -> None:
    eng = engine(
        campaign("all", effect=amount_off("1000")),
        campaign("more", effect=amount_off("1")),
        campaign("ship", effect=shipping_off("100", percent=True)),
    )
    out = run(eng, cart(line("3.00", 2, "A"), shipping="4.00"))
    assert [a["campaign_id"] for a in out["applied"]] == ["all", "ship"]
    assert out["rejected"][0]["campaign_id"] == "more"
    assert (out["discount"], out["total"]) == (D("10.00"), D("0.00"))


def test_money_is_quantized_to_the_currency(run: Run) -> None:
    out = run(
        engine(campaign(effect=percent_off("10")), currency="JPY"),
        cart(line("1234", 1), line("99.5", 1), shipping="500"),
    )
    # 99.5 -> 100 yen (half-even); 10% of 1334 = 133.4 -> 133
    assert [str(out[k]) for k in ("subtotal", "shipping", "discount", "total")] == [
        "1334",
        "500",
        "133",
        "1701",
    ]
    kwd = run(engine(campaign(effect=amount_off("1.25")), currency="KWD"), cart(line("3")))
    assert str(kwd["applied"][0]["amount"]) == "1.250"
    assert str(kwd["total"]) == "1.750"
    usd = run(engine(), cart(line("3")))
    assert [str(usd[k]) for k in ("subtotal", "discount", "total")] == ["3.00", "0.00", "3.00"]
    assert usd["lines"][0]["unit_price"] == D("3")
    assert (usd["applied"], usd["rejected"], usd["currency"]) == ([], [], "USD")


# -- out of scope ---------------------------------------------------------------------------
