"""Evaluation of rule expressions (docs/semantics.md, "Values and types" to "Fields").

Values are plain Python objects: ``None`` (null), ``bool``, ``Decimal`` (num), ``str``,
``datetime`` (timestamp, aware UTC), ``timedelta`` (duration), ``list``, ``dict`` (metadata
map) and :class:`Item` (a cart line). No expression ever raises while it runs: every failure
is ``null``, exactly as the spec says.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from promotor.testing.reference import dates, num, time

__all__ = ["Facts", "Item", "Node", "RuleEvaluator", "Value", "report", "truthy"]

Node = dict[str, Any]
"""One IR expression node, as parsed JSON (``{"type": ..., ...}``)."""

Value = Any
"""A rule value; see the module docstring for the Python types it can have."""

RegexSearch = Callable[[str, str], "bool | None"]


@dataclass(frozen=True)
class Item:
    """One cart line as rules see it: the canonical line plus its index and rounded subtotal."""

    index: int
    line: Mapping[str, Any]
    subtotal: Decimal


@dataclass(frozen=True)
class Facts:
    """The original cart, customer and context, as every rule and effect amount sees them."""

    items: list[Item]
    subtotal: Decimal
    quantity: Decimal
    shipping: Decimal
    currency: str
    cart_metadata: Mapping[str, Any]
    customer: Mapping[str, Any] | None
    context: Mapping[str, Any]
    shipping_methods: list[dict[str, Any]] = field(default_factory=list)


_SCHEMA: dict[str, frozenset[str]] = {}


def fields_of(root: str) -> frozenset[str]:
    """The field names of a root, from the core's one table of fields (``_native.schema()``,
    read on first use): a name outside it reads as ``null``, as the compiler would refuse it."""
    if not _SCHEMA:
        from promotor import _native

        table: dict[str, set[str]] = {}
        for owner, name, _type, _meaning in _native.schema():
            table.setdefault(owner, set()).add(name)
        _SCHEMA.update({owner: frozenset(names) for owner, names in table.items()})
    return _SCHEMA.get(root, frozenset())


def truthy(value: Value) -> bool:
    """Boolean position: only ``true`` is true; ``null`` and non-bool values count as false."""
    return value is True


def kind(value: Value) -> str:
    """The runtime type name of a value."""
    if value is None:
        return "null"
    for python_type, name in _KINDS:
        if isinstance(value, python_type):
            return name
    raise TypeError(f"not a rule value: {value!r}")


_KINDS: tuple[tuple[type, str], ...] = (
    (bool, "bool"),
    (Decimal, "num"),
    (str, "str"),
    (datetime, "timestamp"),
    (timedelta, "duration"),
    (list, "list"),
    (dict, "map"),
    (Item, "item"),
)

_EQUATABLE = {"num", "str", "timestamp", "duration", "bool"}
_ORDERED = {"num", "str", "timestamp", "duration"}


def equals(a: Value, b: Value) -> bool:
    """``a == b``: both null, or both non-null, comparable and equal."""
    if a is None and b is None:
        return True
    ka, kb = kind(a), kind(b)
    return ka == kb and ka in _EQUATABLE and bool(a == b)


def compare(op: str, a: Value, b: Value) -> bool:
    """The comparison operators; anything null or incomparable is false (``!=`` included)."""
    if op == "eq":
        return equals(a, b)
    ka, kb = kind(a), kind(b)
    if op == "ne":
        return ka == kb and ka in _EQUATABLE and bool(a != b)
    if ka != kb or ka not in _ORDERED:
        return False
    if op == "lt":
        return bool(a < b)
    if op == "le":
        return bool(a <= b)
    if op == "gt":
        return bool(a > b)
    if op == "ge":
        return bool(a >= b)
    raise ValueError(f"not a comparison: {op}")


def member(needle: Value, haystack: Value) -> bool | None:
    """``needle in haystack``: some element ``== needle``; null when not a list."""
    if not isinstance(haystack, list):
        return None
    return any(equals(element, needle) for element in haystack)


def report(value: Value) -> Any:
    """A value as ``Rejected.actual``/``expected`` report it: items as ``{"index", "sku"}``."""
    if isinstance(value, Item):
        return {"index": value.index, "sku": value.line.get("sku")}
    if isinstance(value, list):
        return [report(element) for element in value]
    return value


def _extreme(values: list[Value], want_max: bool) -> Value:
    """Least / greatest of ``values``, nulls skipped; ``None`` when none are left or when the
    rest are not all of one ordered type."""
    present = [v for v in values if v is not None]
    if not present:
        return None
    kinds = {kind(v) for v in present}
    if len(kinds) != 1 or next(iter(kinds)) not in _ORDERED:
        return None
    best = present[0]
    for value in present[1:]:
        if (value > best) if want_max else (value < best):
            best = value
    return best


def _sum(values: list[Value]) -> Value:
    """Sum of numbers, nulls skipped, 0 for none; a non-null non-number gives ``None``.

    The additions are exact; only the final sum is checked against 10^14.
    """
    total = Decimal(0)
    for value in values:
        if value is None:
            continue
        if kind(value) != "num":
            return None
        total = num.EXACT.add(total, value)
    return num.bounded(total)


def _lookup(value: Value, keys: list[str]) -> Value:
    """Follow metadata keys into nested maps; anything missing or not a map is ``None``."""
    for key in keys:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def _places(value: Value) -> int | None:
    """A ``places`` argument: an integral number 0..12, else ``None``."""
    if kind(value) != "num" or value != value.to_integral_value():
        return None
    places = int(value)
    return places if 0 <= places <= num.PLACES else None


_TIME_PARTS: dict[str, Callable[[datetime], int]] = {
    "weekday": lambda t: t.isoweekday(),
    "hour": lambda t: t.hour,
    "day": lambda t: t.day,
    "month": lambda t: t.month,
    "year": lambda t: t.year,
}

_DATE_FUNCTIONS = {"date", "anniversary", "next_anniversary", "last_anniversary", "days_between"}

_STRING_TESTS: dict[str, Callable[[str, str], bool]] = {
    "contains": lambda s, t: t in s,
    "startsWith": lambda s, t: s.startswith(t),
    "endsWith": lambda s, t: s.endswith(t),
}


class RuleEvaluator:
    """Evaluates expression nodes against one cart's :class:`Facts`.

    ``env`` maps macro variables to their current element; it is passed down explicitly so
    nested macros shadow outer variables of the same name.
    """

    def __init__(self, facts: Facts, rounding: str, regex_search: RegexSearch) -> None:
        self.facts = facts
        self.rounding = num.ROUNDING_MODES[rounding]
        self.regex_search = regex_search

    # -- entry points -----------------------------------------------------------------------

    def eval(self, node: Node, env: Mapping[str, Value]) -> Value:
        """The value of ``node``."""
        method: Callable[[Node, Mapping[str, Value]], Value] = getattr(self, "_" + node["type"])
        return method(node, env)

    def holds(self, node: Node | None, env: Mapping[str, Value]) -> bool:
        """A rule in boolean position; a missing rule always holds."""
        return node is None or truthy(self.eval(node, env))

    # -- literals ---------------------------------------------------------------------------

    def _null(self, node: Node, env: Mapping[str, Value]) -> Value:
        return None

    def _bool(self, node: Node, env: Mapping[str, Value]) -> Value:
        return bool(node["value"])

    def _num(self, node: Node, env: Mapping[str, Value]) -> Value:
        return Decimal(node["value"])

    def _str(self, node: Node, env: Mapping[str, Value]) -> Value:
        return str(node["value"])

    def _list(self, node: Node, env: Mapping[str, Value]) -> Value:
        return [self.eval(element, env) for element in node["items"]]

    # -- fields -----------------------------------------------------------------------------

    def _field(self, node: Node, env: Mapping[str, Value]) -> Value:
        path: list[str] = list(node["path"])
        head, rest = path[0], path[1:]
        if head in env:  # macro variables shadow the roots
            return self._select(env[head], rest)
        if head == "cart":
            return self._cart_field(rest)
        if head == "customer":
            return self._customer_field(rest)
        if head == "context":
            return self._context_field(rest)
        return None

    def _select(self, value: Value, rest: list[str]) -> Value:
        """A path below a variable: item fields for an item, map keys for a map."""
        if not rest:
            return value
        if isinstance(value, Item):
            return self._item_field(value, rest)
        return _lookup(value, rest)

    def _cart_field(self, rest: list[str]) -> Value:
        facts = self.facts
        name, keys = rest[0], rest[1:]
        if name not in fields_of("cart"):
            return None
        if name == "metadata":
            return _lookup(dict(facts.cart_metadata), keys)
        if keys:
            return None
        simple: dict[str, Value] = {
            "subtotal": facts.subtotal,
            "quantity": facts.quantity,
            "shipping": facts.shipping,
            "items": list(facts.items),
            "currency": facts.currency,
            "shipping_methods": list(facts.shipping_methods),
        }
        return simple.get(name)

    def _item_field(self, item: Item, rest: list[str]) -> Value:
        name, keys = rest[0], rest[1:]
        if name not in fields_of("item"):
            return None
        line = item.line
        if name == "metadata":
            return _lookup(dict(line.get("metadata") or {}), keys)
        if keys:
            return None
        if name == "subtotal":
            return item.subtotal
        if name == "quantity":
            return Decimal(line["quantity"])
        if name == "tags":
            return list(line.get("tags") or [])
        return line.get(name)

    def _customer_field(self, rest: list[str]) -> Value:
        # No customer reads like a customer who gave nothing: fields null (metadata too),
        # lists empty.
        customer = self.facts.customer or {}
        name, keys = rest[0], rest[1:]
        if name == "metadata":
            if self.facts.customer is None:
                return None
            return _lookup(dict(customer.get("metadata") or {}), keys)
        if keys:
            return None
        if name == "segments":
            return list(customer.get("segments") or [])
        if name in fields_of("customer"):
            return customer.get(name)
        return None

    def _context_field(self, rest: list[str]) -> Value:
        context = self.facts.context
        name, keys = rest[0], rest[1:]
        if name == "metadata":
            return _lookup(dict(context.get("metadata") or {}), keys)
        if keys:
            return None
        if name in fields_of("context"):
            return context.get(name)
        return None

    # -- operators --------------------------------------------------------------------------

    def _unary(self, node: Node, env: Mapping[str, Value]) -> Value:
        arg = self.eval(node["arg"], env)
        if node["op"] == "not":
            return not truthy(arg)  # boolean position: `!null` is true
        if kind(arg) == "num":
            return num.neg(arg)
        if kind(arg) == "duration":
            return time.bounded_duration(-arg)
        return None

    def _binary(self, node: Node, env: Mapping[str, Value]) -> Value:
        op = node["op"]
        if op == "and":
            return truthy(self.eval(node["left"], env)) and truthy(self.eval(node["right"], env))
        if op == "or":
            return truthy(self.eval(node["left"], env)) or truthy(self.eval(node["right"], env))
        left = self.eval(node["left"], env)
        right = self.eval(node["right"], env)
        if op in ("eq", "ne", "lt", "le", "gt", "ge"):
            return compare(op, left, right)
        if op == "in":
            return member(left, right)
        return arithmetic(op, left, right)

    def _cond(self, node: Node, env: Mapping[str, Value]) -> Value:
        branch = node["then"] if truthy(self.eval(node["if"], env)) else node["else"]
        return self.eval(branch, env)

    # -- functions --------------------------------------------------------------------------

    def _call(self, node: Node, env: Mapping[str, Value]) -> Value:
        name: str = node["fn"]
        args = [self.eval(arg, env) for arg in node["args"]]
        kinds = [kind(arg) for arg in args]
        if name in _STRING_TESTS:
            if name == "contains" and kinds[0] == "list":
                return member(args[1], args[0])  # list.contains(x) is `x in list`
            if kinds == ["str", "str"]:
                return _STRING_TESTS[name](args[0], args[1])
            return None
        if name == "matches":
            if kinds == ["str", "str"]:
                return self.regex_search(args[1], args[0])
            return None
        if name in ("lower", "upper"):
            if kinds == ["str"]:
                return args[0].lower() if name == "lower" else args[0].upper()
            return None
        if name == "size":
            if kinds[0] in ("str", "list", "map"):
                return Decimal(len(args[0]))
            return None
        if name == "has":
            return args[0] is not None
        if name == "any_of":
            if kinds != ["list", "list"]:
                return None
            return any(equals(x, y) for x in args[0] for y in args[1])
        if name == "distinct":
            if kinds[0] != "list":
                return None
            kept: list[Value] = []
            for x in args[0]:
                if not any(equals(k, x) for k in kept):
                    kept.append(x)
            return kept
        if name == "abs":
            return args[0].copy_abs() if kinds == ["num"] else None
        if name in ("round", "floor", "ceil"):
            return self._rounding_call(name, args)
        if name in ("min", "max"):
            values = args[0] if len(args) == 1 and kinds[0] == "list" else args
            return _extreme(values, want_max=name == "max")
        if name == "timestamp":
            if kinds == ["timestamp"]:
                return args[0]
            return time.parse_timestamp(args[0]) if kinds == ["str"] else None
        if name in _DATE_FUNCTIONS:
            return self._date_call(name, args, kinds)
        if name == "duration":
            return time.parse_duration(args[0]) if kinds == ["str"] else None
        if name in _TIME_PARTS:
            zone_name = args[1] if len(args) > 1 else "UTC"
            if kinds[0] != "timestamp" or kind(zone_name) != "str":
                return None
            local = time.local_time(args[0], zone_name)
            return None if local is None else Decimal(_TIME_PARTS[name](local))
        raise ValueError(f"unknown function {name!r}")

    def _date_call(self, name: str, args: list[Value], kinds: list[str]) -> Value:
        """``date``, ``anniversary``, ``next_anniversary``, ``last_anniversary``,
        ``days_between`` (``dates.py``)."""
        if name == "date":
            if kinds == ["str"]:
                return dates.parse_date(args[0])
            zone_name = args[1] if len(args) > 1 else "UTC"
            if kinds[0] != "timestamp" or kind(zone_name) != "str":
                return None
            return dates.date(args[0], zone_name)
        if name == "anniversary":
            if kinds != ["timestamp", "num"] or args[1] != args[1].to_integral_value():
                return None
            return dates.anniversary(args[0], int(args[1]))
        if name == "days_between":
            if kinds != ["timestamp", "timestamp"]:
                return None
            return Decimal(dates.days_between(args[0], args[1]))
        zone_name = args[2] if len(args) > 2 else "UTC"
        if kinds[:2] != ["timestamp", "timestamp"] or kind(zone_name) != "str":
            return None
        if time.zone(zone_name) is None:
            return None
        if name == "next_anniversary":
            return dates.next_anniversary(args[0], args[1], zone_name)
        return dates.last_anniversary(args[0], args[1], zone_name)

    def _rounding_call(self, name: str, args: list[Value]) -> Value:
        """``round`` (engine's mode), ``floor`` and ``ceil``, to 0..12 places."""
        if kind(args[0]) != "num":
            return None
        places = _places(args[1]) if len(args) > 1 else 0
        if places is None:
            return None
        mode = {"round": self.rounding, "floor": "ROUND_FLOOR", "ceil": "ROUND_CEILING"}[name]
        return num.quantize_places(args[0], places, mode)

    # -- macros -----------------------------------------------------------------------------

    def _macro(self, node: Node, env: Mapping[str, Value]) -> Value:
        op: str = node["op"]
        elements = self.eval(node["list"], env)
        if not isinstance(elements, list):
            return None  # a macro on null or on a non-list metadata value
        var: str | None = node.get("var")
        body: Node | None = node.get("body")

        def each(element: Value) -> Value:
            assert var is not None
            assert body is not None
            return self.eval(body, {**env, var: element})

        if op == "all":
            return all(truthy(each(e)) for e in elements)
        if op == "exists":
            return any(truthy(each(e)) for e in elements)
        if op == "exists_one":
            return sum(1 for e in elements if truthy(each(e))) == 1
        if op == "filter":
            return [e for e in elements if truthy(each(e))]
        if op == "map":
            return [each(e) for e in elements]
        if op == "count":
            if body is None:
                return Decimal(len(elements))
            return Decimal(sum(1 for e in elements if truthy(each(e))))
        values = elements if body is None else [each(e) for e in elements]
        if op == "sum":
            return _sum(values)
        if op in ("min", "max"):
            return _extreme(values, want_max=op == "max")
        raise ValueError(f"unknown macro {op!r}")


def arithmetic(op: str, left: Value, right: Value) -> Value:
    """``+ - * / %`` on the type pairs the spec defines; every other pair is ``None``."""
    kinds = (kind(left), kind(right))
    if kinds == ("num", "num"):
        functions = {
            "add": num.add,
            "sub": num.sub,
            "mul": num.mul,
            "div": num.div,
            "mod": num.mod,
        }
        return functions[op](left, right)
    if op == "add":
        if kinds == ("str", "str"):
            return left + right
        if kinds == ("duration", "duration"):
            return time.bounded_duration(left + right)
        if kinds == ("timestamp", "duration"):
            return _shift(left, right)
        if kinds == ("duration", "timestamp"):
            return _shift(right, left)
    if op == "sub":
        if kinds == ("duration", "duration"):
            return time.bounded_duration(left - right)
        if kinds == ("timestamp", "duration"):
            return _shift(left, -right)
        if kinds == ("timestamp", "timestamp"):
            return time.bounded_duration(left - right)
    return None


def _shift(instant: datetime, span: timedelta) -> datetime | None:
    """``instant + span``; ``None`` outside years 0001..9999."""
    try:
        return instant + span
    except OverflowError:
        return None
