"""The :class:`Expr` node builder, its roots (``cart``, ``item``, ``method``, ``customer``,
``context``), ``lit`` and ``parse``; functions over expressions are in
:mod:`promotor.expr.functions`."""

from __future__ import annotations

import datetime as _dt
import json
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from typing import Any, ClassVar, NoReturn

from pydantic import GetCoreSchemaHandler, TypeAdapter, ValidationError
from pydantic_core import PydanticCustomError, core_schema

from promotor import _native, ir
from promotor._text import decimal_text, did_you_mean, duration_text, rfc3339
from promotor.errors import RuleError, detail
from promotor.expr.fields import (
    _ITEMS,
    _LIST,
    _MAP,
    _METHODS,
    _ROOT,
    _VALUE,
    _WRONG_FORMS,
    FIELDS,
    ITEM_VAR,
    MAX_DEPTH,
    METHOD_VAR,
)
from promotor.ir_errors import rule_error

__all__ = ["Expr", "cart", "context", "customer", "item", "lit", "method", "parse"]

#: What a Python value may be where an expression is expected.
IntoExpr = Any


_NODE_ADAPTER: TypeAdapter[ir.ExprNode] = TypeAdapter(ir.ExprNode)


class Expr:
    """An immutable expression: a thin wrapper around an IR node (:attr:`node`).

    Build expressions from the roots :data:`cart`, :data:`item`, :data:`customer` and
    :data:`context` with Python operators; combine conditions with ``&``, ``|`` and ``~``
    (``and``, ``or`` and ``not`` cannot be overloaded).

    >>> (cart.subtotal * 0.15).to_ir()["right"]
    {'type': 'num', 'value': '0.15'}
    >>> bool(cart.subtotal > 1)
    Traceback (most recent call last):
    ...
    TypeError: an Expr has no truth value: combine conditions with & | ~ instead of and/or/not, \
and write a < x & (x < b) instead of a < x < b
    """

    __slots__ = ("_depth", "_kind", "_node", "_root", "_text")
    __hash__: ClassVar[None] = None  # type: ignore[assignment]
    #: Errors inside an ``Expr`` field are located by walking this model.
    __promotor_model__: ClassVar[Any] = ir.ExprNode

    _node: ir.ExprNode
    _kind: str
    _root: str | None
    #: Nodes on the longest path from the root down.
    _depth: int
    #: The rule text it was parsed from (``None`` when built in Python): an engine locates
    #: errors inside it by line and column. (No public attribute: any name is a metadata key.)
    _text: str | None

    def __init__(
        self,
        node: ir.ExprNode,
        *,
        kind: str = _VALUE,
        root: str | None = None,
        depth: int | None = None,
        text: str | None = None,
    ):
        object.__setattr__(self, "_node", node)
        object.__setattr__(self, "_kind", kind)
        object.__setattr__(self, "_root", root)
        object.__setattr__(self, "_depth", _depth_of(node) if depth is None else depth)
        object.__setattr__(self, "_text", text)

    def __setattr__(self, name: str, value: object) -> NoReturn:
        raise AttributeError("Expr is immutable")

    def __reduce__(self) -> tuple[Any, ...]:
        return (_restore, (self.to_json(), self._kind, self._root))

    @property
    def node(self) -> ir.ExprNode:
        """The IR node this expression stands for."""
        return self._node

    # -- conversion ---------------------------------------------------------------------------

    @classmethod
    def from_ir(cls, value: ir.ExprNode | dict[str, Any] | str) -> Expr:
        """An expression from its IR: a node, a dict, or JSON text.

        >>> Expr.from_ir({"type": "field", "path": ["cart", "subtotal"]}).equals(cart.subtotal)
        True
        """
        try:
            if isinstance(value, str):
                return cls(_NODE_ADAPTER.validate_json(value))
            return cls(_NODE_ADAPTER.validate_python(value))
        except ValidationError as exc:
            raise rule_error(exc, ir.ExprNode) from None

    def to_ir(self) -> dict[str, Any]:
        """The IR of this expression as a JSON-ready dict."""
        return ir.dump(self._node)

    def to_json(self) -> str:
        """The IR of this expression as compact JSON text."""
        return json.dumps(self.to_ir(), separators=(",", ":"))

    def to_text(self) -> str:
        """The rule text of this expression (needs the native module)."""
        text: str = _native.print_expr(self.to_json())
        return text

    def equals(self, other: Expr) -> bool:
        """Whether two expressions have the same IR.

        >>> (cart.subtotal >= 100).equals(cart.subtotal >= 100)
        True
        >>> (cart.subtotal >= 100).equals(cart.subtotal >= 100.5)
        False
        """
        return isinstance(other, Expr) and self._node == other._node

    def __str__(self) -> str:
        return self.to_text()

    def __repr__(self) -> str:
        try:
            return f"<Expr {self.to_text()}>"
        except Exception:
            return f"<Expr {self.to_json()}>"

    def __bool__(self) -> NoReturn:
        raise TypeError(
            "an Expr has no truth value: combine conditions with & | ~ instead of "
            "and/or/not, and write a < x & (x < b) instead of a < x < b"
        )

    def __iter__(self) -> NoReturn:
        raise TypeError("an Expr is not iterable; use list operations such as .filter()")

    def __contains__(self, value: object) -> NoReturn:
        raise TypeError("use expr.contains(value) or value.is_in(expr), not `in`")

    # -- fields -------------------------------------------------------------------------------

    def __getattr__(self, name: str) -> Expr:
        if name.startswith("_"):
            raise AttributeError(name)
        kind = object.__getattribute__(self, "_kind")
        root = object.__getattribute__(self, "_root")
        node = object.__getattribute__(self, "_node")
        if kind == _ROOT and root is not None:
            fields = FIELDS[root]
            if name not in fields:
                raise AttributeError(
                    f"{root} has no field '{name}'{did_you_mean(name, fields)}; "
                    f"its fields are: {', '.join(fields)}"
                )
            assert isinstance(node, ir.Field_)
            return Expr(ir.Field_(path=(*node.path, name)), kind=fields[name])
        if kind == _MAP:
            assert isinstance(node, ir.Field_)
            return Expr(ir.Field_(path=(*node.path, name)), kind=_MAP)
        wrong = _WRONG_FORMS.get(name)
        if wrong is not None:
            raise AttributeError(f"'{name}' is not a method of an expression; {wrong}")
        raise AttributeError(
            f"'{name}' is not a field here: only cart, item, customer, context and metadata "
            "have fields"
        )

    def __getitem__(self, key: str) -> Expr:
        """``x["key"]``: a metadata key (on a root, the key of its ``metadata``).

        >>> item["origin"].node.path
        ('item', 'metadata', 'origin')
        """
        if not isinstance(key, str):
            raise TypeError(f"metadata keys are strings, not {type(key).__name__}")
        node = self._node
        if self._kind == _ROOT and isinstance(node, ir.Field_):
            return Expr(ir.Field_(path=(*node.path, "metadata", key)), kind=_MAP)
        if self._kind == _MAP and isinstance(node, ir.Field_):
            return Expr(ir.Field_(path=(*node.path, key)), kind=_MAP)
        raise TypeError('only cart, item, customer, context and metadata take ["key"]')

    # -- operators ----------------------------------------------------------------------------

    def _binary(self, op: ir.BinaryOp, other: IntoExpr, *, reflected: bool = False) -> Expr:
        right_expr = lit(other)
        left, right = self._node, right_expr._node
        if reflected:
            left, right = right, left
        depth = 1 + max(self._depth, right_expr._depth)
        return Expr(ir.Binary(op=op, left=left, right=right), depth=depth)

    def __eq__(self, other: IntoExpr) -> Expr:  # type: ignore[override]
        return self._binary("eq", other)

    def __ne__(self, other: IntoExpr) -> Expr:  # type: ignore[override]
        return self._binary("ne", other)

    def __lt__(self, other: IntoExpr) -> Expr:
        return self._binary("lt", other)

    def __le__(self, other: IntoExpr) -> Expr:
        return self._binary("le", other)

    def __gt__(self, other: IntoExpr) -> Expr:
        return self._binary("gt", other)

    def __ge__(self, other: IntoExpr) -> Expr:
        return self._binary("ge", other)

    def __and__(self, other: IntoExpr) -> Expr:
        return self._binary("and", other)

    def __rand__(self, other: IntoExpr) -> Expr:
        return self._binary("and", other, reflected=True)

    def __or__(self, other: IntoExpr) -> Expr:
        return self._binary("or", other)

    def __ror__(self, other: IntoExpr) -> Expr:
        return self._binary("or", other, reflected=True)

    def __invert__(self) -> Expr:
        return Expr(ir.Unary(op="not", arg=self._node), depth=self._depth + 1)

    def __neg__(self) -> Expr:
        return Expr(ir.Unary(op="neg", arg=self._node), depth=self._depth + 1)

    def __add__(self, other: IntoExpr) -> Expr:
        return self._binary("add", other)

    def __radd__(self, other: IntoExpr) -> Expr:
        return self._binary("add", other, reflected=True)

    def __sub__(self, other: IntoExpr) -> Expr:
        return self._binary("sub", other)

    def __rsub__(self, other: IntoExpr) -> Expr:
        return self._binary("sub", other, reflected=True)

    def __mul__(self, other: IntoExpr) -> Expr:
        return self._binary("mul", other)

    def __rmul__(self, other: IntoExpr) -> Expr:
        return self._binary("mul", other, reflected=True)

    def __truediv__(self, other: IntoExpr) -> Expr:
        return self._binary("div", other)

    def __rtruediv__(self, other: IntoExpr) -> Expr:
        return self._binary("div", other, reflected=True)

    def __mod__(self, other: IntoExpr) -> Expr:
        return self._binary("mod", other)

    def __rmod__(self, other: IntoExpr) -> Expr:
        return self._binary("mod", other, reflected=True)

    def __abs__(self) -> Expr:
        return self.abs()

    def __round__(self, places: int | None = None) -> Expr:
        return self.round(places)

    def __floor__(self) -> Expr:
        return self.floor()

    def __ceil__(self) -> Expr:
        return self.ceil()

    # -- functions ----------------------------------------------------------------------------

    def _call(self, func: str, *args: IntoExpr) -> Expr:
        exprs = [self, *(lit(arg) for arg in args)]
        depth = 1 + max(e._depth for e in exprs)
        return Expr(ir.Call(func=func, args=tuple(e._node for e in exprs)), depth=depth)

    def is_in(self, values: IntoExpr) -> Expr:
        """``self in values``: membership in a list (a Python list or a list expression).

        >>> customer["tier"].is_in(["gold", "vip"]).node.op
        'in'
        """
        if isinstance(values, set | frozenset):
            values = sorted(values)
        return self._binary("in", values)

    def contains(self, value: IntoExpr) -> Expr:
        """List membership, or substring for strings: ``call contains [self, value]``.

        A list argument on a list (``customer.segments.contains(["vip", "gold"])``) is an
        overlap: write :meth:`any_of`.
        """
        if isinstance(value, list | tuple | set | frozenset) and self._kind == _LIST:
            raise TypeError(
                ".contains([...]) tests one element; to test whether two lists share an "
                "element, write .any_of([...]), e.g. customer.segments.any_of(['vip', 'gold'])"
            )
        return self._call("contains", value)

    def any_of(self, values: IntoExpr) -> Expr:
        """True when this list and ``values`` share an element (list overlap):
        ``customer.segments.any_of(["vip", "gold"])`` is "the customer is vip or gold".

        >>> str(customer.segments.any_of(["vip", "gold"]))
        'customer.segments.any_of(["vip", "gold"])'
        """
        if isinstance(values, set | frozenset):
            values = sorted(values)
        return self._call("any_of", values)

    def startswith(self, prefix: IntoExpr) -> Expr:
        """``self.startsWith(prefix)``."""
        return self._call("startsWith", prefix)

    def endswith(self, suffix: IntoExpr) -> Expr:
        """``self.endsWith(suffix)``."""
        return self._call("endsWith", suffix)

    def matches(self, pattern: IntoExpr) -> Expr:
        """Whether the regular expression (Rust ``regex`` syntax) matches anywhere."""
        return self._call("matches", pattern)

    def lower(self) -> Expr:
        """Unicode lower case."""
        return self._call("lower")

    def upper(self) -> Expr:
        """Unicode upper case."""
        return self._call("upper")

    def is_null(self) -> Expr:
        """True when the value is missing: ``!has(self)``.

        >>> customer.email.is_null().node.op
        'not'
        """
        return ~self._call("has")

    def is_not_null(self) -> Expr:
        """True when the value is present: ``has(self)``."""
        return self._call("has")

    def size(self) -> Expr:
        """The number of elements of a list, or of code points of a string."""
        return self._call("size")

    def abs(self) -> Expr:
        """The absolute value; also ``abs(expr)``."""
        return self._call("abs")

    def round(self, places: int | None = None) -> Expr:
        """Rounded with the engine's rounding mode; also ``round(expr, places)``.

        >>> round(cart.subtotal * 0.15, 2).to_ir()["fn"]
        'round'
        """
        return self._call("round") if places is None else self._call("round", places)

    def floor(self, places: int | None = None) -> Expr:
        """Rounded down; also ``math.floor(expr)``."""
        return self._call("floor") if places is None else self._call("floor", places)

    def ceil(self, places: int | None = None) -> Expr:
        """Rounded up; also ``math.ceil(expr)``."""
        return self._call("ceil") if places is None else self._call("ceil", places)

    def _time(self, func: str, tz: str | None) -> Expr:
        return self._call(func) if tz is None else self._call(func, tz)

    def weekday(self, tz: str | None = None) -> Expr:
        """ISO weekday (1 = Monday .. 7 = Sunday) of a timestamp in IANA timezone ``tz``."""
        return self._time("weekday", tz)

    def hour(self, tz: str | None = None) -> Expr:
        """Hour 0..23 of a timestamp in ``tz``."""
        return self._time("hour", tz)

    def day(self, tz: str | None = None) -> Expr:
        """Day of the month of a timestamp in ``tz``."""
        return self._time("day", tz)

    def month(self, tz: str | None = None) -> Expr:
        """Month 1..12 of a timestamp in ``tz``."""
        return self._time("month", tz)

    def year(self, tz: str | None = None) -> Expr:
        """Year of a timestamp in ``tz``."""
        return self._time("year", tz)

    def date(self, tz: str | None = None) -> Expr:
        """The calendar date of a timestamp in ``tz`` (a date: 00:00 UTC of that day)."""
        return self._time("date", tz)

    def anniversary(self, year: IntoExpr) -> Expr:
        """The occurrence of this date's month and day in ``year`` (February 29 falls on
        February 28 in a common year): ``customer.birthday.anniversary(context.now.year())``."""
        return self._call("anniversary", year)

    def next_anniversary(self, now: IntoExpr, tz: str | None = None) -> Expr:
        """The first anniversary on or after the date of ``now`` in ``tz``."""
        return (
            self._call("next_anniversary", now)
            if tz is None
            else self._call("next_anniversary", now, tz)
        )

    def last_anniversary(self, now: IntoExpr, tz: str | None = None) -> Expr:
        """The last anniversary on or before the date of ``now`` in ``tz``: "valid for 7 days
        from the birthday" is ``customer.birthday.last_anniversary(context.now)
        .days_until(context.now.date()) < 7``."""
        return (
            self._call("last_anniversary", now)
            if tz is None
            else self._call("last_anniversary", now, tz)
        )

    def days_until(self, other: IntoExpr) -> Expr:
        """Whole days from this timestamp to ``other`` (``days_between(self, other)``)."""
        return self._call("days_between", other)

    # -- lists --------------------------------------------------------------------------------

    def _require_items(self, what: str) -> None:
        if self._kind not in (_ITEMS, _METHODS):
            raise TypeError(
                f".{what}(...) with an argument works on cart.items (it binds `item`) and "
                "cart.shipping_methods (it binds `method`); for other "
                "lists write rule text, e.g. pm.parse('customer.segments.exists(s, "
                's.startsWith("v"))\')'
            )

    def _macro(self, op: ir.MacroOp, body: IntoExpr | None, kind: str = _VALUE) -> Expr:
        if body is None:
            return Expr(ir.Macro(op=op, list=self._node), kind=kind, depth=self._depth + 1)
        self._require_items(op)
        b = lit(body)
        var = METHOD_VAR if self._kind == _METHODS else ITEM_VAR
        node = ir.Macro(op=op, list=self._node, var=var, body=b._node)
        return Expr(node, kind=kind, depth=1 + max(self._depth, b._depth))

    def filter(self, pred: IntoExpr) -> Expr:
        """The lines of ``cart.items`` for which ``pred`` (about ``item``) holds (or the
        methods of ``cart.shipping_methods``, ``pred`` about ``method``)."""
        self._require_items("filter")
        return self._macro("filter", pred, kind=self._kind)

    def map(self, expr: IntoExpr) -> Expr:
        """The list of ``expr`` (about ``item``) for each line of ``cart.items``."""
        self._require_items("map")
        return self._macro("map", expr, kind=_LIST)

    def any(self, pred: IntoExpr) -> Expr:
        """True when ``pred`` holds for some line (``exists``)."""
        self._require_items("any")
        return self._macro("exists", pred)

    def all(self, pred: IntoExpr) -> Expr:
        """True when ``pred`` holds for every line (true for no lines)."""
        self._require_items("all")
        return self._macro("all", pred)

    def exactly_one(self, pred: IntoExpr) -> Expr:
        """True when ``pred`` holds for exactly one line (``exists_one``)."""
        self._require_items("exactly_one")
        return self._macro("exists_one", pred)

    def distinct(self, expr: IntoExpr | None = None) -> Expr:
        """The list without repeats (each element not equal to an earlier one, in order); on
        ``cart.items`` with ``expr``, the distinct values of ``expr`` over the lines. "10
        distinct SKUs" is ``cart.items.distinct(item.sku).count() >= 10``.

        >>> str(cart.items.distinct(item.sku).count() >= 10)
        'cart.items.map(item, item.sku).distinct().count() >= 10'
        """
        if expr is None:
            listed = self
        else:
            self._require_items("distinct")
            listed = self._macro("map", expr, kind=_LIST)
        out = listed._call("distinct")
        return Expr(out._node, kind=_LIST, depth=out._depth)

    def count(self, pred: IntoExpr | None = None) -> Expr:
        """The number of elements, or of lines for which ``pred`` holds."""
        return self._macro("count", pred)

    def sum(self, expr: IntoExpr | None = None) -> Expr:
        """The sum of the elements, or of ``expr`` over the lines (``null`` skipped)."""
        return self._macro("sum", expr)

    def min(self, expr: IntoExpr | None = None) -> Expr:
        """The least element, or least ``expr`` over the lines; ``null`` for none."""
        return self._macro("min", expr)

    def max(self, expr: IntoExpr | None = None) -> Expr:
        """The greatest element, or greatest ``expr`` over the lines; ``null`` for none."""
        return self._macro("max", expr)

    # -- pydantic -----------------------------------------------------------------------------

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        node_schema = handler.generate_schema(ir.ExprNode)
        return core_schema.no_info_wrap_validator_function(
            _coerce_field,
            node_schema,
            serialization=core_schema.plain_serializer_function_ser_schema(
                _node_of, return_schema=node_schema
            ),
        )


def _node_of(expr: Expr) -> ir.ExprNode:
    return expr.node


def _restore(text: str, kind: str, root: str | None) -> Expr:
    return Expr(_NODE_ADAPTER.validate_json(text), kind=kind, root=root)


def _depth_of(node: ir.ExprNode) -> int:
    """Nodes on the longest path down from ``node`` (iterative: any depth)."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(node, 1)]
    while stack:
        current, depth = stack.pop()
        deepest = max(deepest, depth)
        for name in type(current).model_fields:
            child = getattr(current, name)
            if isinstance(child, tuple):
                stack.extend((c, depth + 1) for c in child if isinstance(c, ir.IRModel))
            elif isinstance(child, ir.IRModel):
                stack.append((child, depth + 1))
    return deepest


def _coerce_field(value: Any, handler: core_schema.ValidatorFunctionWrapHandler) -> Expr:
    """Validation of an ``Expr`` field: an ``Expr`` stays itself (with its rule text, for
    locating errors), rule text is parsed, an IR dict or node is validated and wrapped."""
    if isinstance(value, str):
        try:
            value = parse(value)
        except RuleError as exc:
            first = exc.errors()[0]
            ctx: dict[str, Any] = {key: first[key] for key in ("line", "column") if key in first}
            raise PydanticCustomError("syntax_error", str(first["msg"]), ctx) from None
    elif isinstance(value, bool):
        value = Expr(ir.Bool(value=value), depth=1)
    elif not isinstance(value, Expr | dict | ir.IRModel):
        found = detail(
            "type_mismatch",
            expected="an Expr, rule text or an IR dict",
            got=type(value).__name__,
        )
        raise PydanticCustomError("type_mismatch", found["msg"], found["ctx"])
    if not isinstance(value, Expr):
        node: ir.ExprNode = handler(value)
        value = Expr(node)
    if value._depth > MAX_DEPTH:
        found = detail("too_deep", max=MAX_DEPTH)
        raise PydanticCustomError("too_deep", found["msg"], found["ctx"])
    checked: Expr = value
    return checked


def _root(name: str) -> Expr:
    return Expr(ir.Field_(path=(name,)), kind=_ROOT, root=name, depth=1)


#: The cart: ``subtotal``, ``quantity``, ``shipping``, ``items``, ``currency``, ``metadata``.
cart = _root("cart")
#: A cart line, inside list operations on ``cart.items`` and item targets.
item = _root("item")
#: A shipping method (``id``, ``code``, ``name``, ``price``, ``metadata``), inside list
#: operations on ``cart.shipping_methods`` and ``pm.shipping(...)`` targets.
method = _root("method")
#: The customer: ``id``, ``email``, ``segments``, ``orders_count``, ``total_spent``,
#: ``created_at``, ``birthday``, ``metadata``.
customer = _root("customer")
#: The evaluation context: ``now``, ``channel``, ``country``, ``metadata``.
context = _root("context")


def lit(value: IntoExpr) -> Expr:
    """A Python value as an expression.

    ``bool``, ``int``, ``Decimal``, ``float`` (rounded half-even to 6 places), ``str``,
    ``None``, lists and tuples, aware ``datetime`` (a ``timestamp(...)`` call, in UTC),
    ``date`` (midnight UTC) and ``timedelta`` (a ``duration(...)`` call).

    >>> lit(19.99).to_ir(), lit(None).to_ir()
    ({'type': 'num', 'value': '19.99'}, {'type': 'null'})
    >>> lit(timedelta(hours=1)).to_ir()["args"]
    [{'type': 'str', 'value': '3600s'}]
    >>> lit(datetime(2026, 11, 27, tzinfo=UTC)).to_ir()["args"][0]["value"]
    '2026-11-27T00:00:00Z'
    """
    if isinstance(value, Expr):
        return value
    if value is None:
        return Expr(ir.Null(), depth=1)
    if isinstance(value, bool):
        return Expr(ir.Bool(value=value), depth=1)
    if isinstance(value, int | float | Decimal):
        try:
            return Expr(ir.Num(value=decimal_text(value)), depth=1)
        except ValueError as exc:
            kind = "not_finite" if "finite" in str(exc) else "too_large"
            raise RuleError([detail(kind, max="10^14")]) from None
    if isinstance(value, str):
        return Expr(ir.Str(value=value), depth=1)
    if isinstance(value, list | tuple):
        exprs = [lit(v) for v in value]
        depth = 1 + max((e._depth for e in exprs), default=0)
        return Expr(ir.List(items=tuple(e._node for e in exprs)), kind=_LIST, depth=depth)
    if isinstance(value, datetime):
        try:
            text = rfc3339(value)
        except ValueError:
            raise RuleError([detail("naive_datetime")]) from None
        return Expr(ir.Call(func="timestamp", args=(ir.Str(value=text),)), depth=2)
    if isinstance(value, _dt.date):
        return lit(datetime.combine(value, time(), tzinfo=UTC))
    if isinstance(value, timedelta):
        return Expr(ir.Call(func="duration", args=(ir.Str(value=duration_text(value)),)), depth=2)
    if isinstance(
        value,
        ir.Null
        | ir.Bool
        | ir.Num
        | ir.Str
        | ir.List
        | ir.Field_
        | ir.Unary
        | ir.Binary
        | ir.Cond
        | ir.Call
        | ir.Macro,
    ):
        return Expr(value)
    raise TypeError(f"cannot use a {type(value).__name__} in an expression")


def parse(text: str) -> Expr:
    """Rule text as an expression; raises :class:`RuleError` with the line and column.

    The text is parsed within the parser's own bounds (nesting up to ``MAX_DEPTH``); an
    engine checks its :class:`~promotor.RuleBounds` when it compiles, and locates errors in
    the text by line and column.

    >>> parse("cart.subtotal >= 100").equals(cart.subtotal >= 100)
    True
    """
    return Expr(_NODE_ADAPTER.validate_json(_native.parse_expr(text)), text=text)
