"""Functions over expressions: conditionals (``when``), ``least`` and ``greatest``, and the
date and time constructors (``timestamp``, ``date``, ``days_between``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from promotor import ir
from promotor.expr.core import Expr, IntoExpr, lit

__all__ = ["When", "date", "days_between", "greatest", "least", "timestamp", "when"]


class When:
    """``pm.when(c).then(a)``: finish with ``.otherwise(b)``, or chain ``.when(c2).then(b)``."""

    __slots__ = ("_branches", "_pending")

    def __init__(self, branches: tuple[tuple[ir.ExprNode, ir.ExprNode], ...], pending: Any):
        self._branches = branches
        self._pending = pending

    def then(self, value: IntoExpr) -> When:
        if self._pending is None:
            raise TypeError("call .when(condition) before .then(value)")
        return When((*self._branches, (self._pending, lit(value).node)), None)

    def when(self, condition: IntoExpr) -> When:
        if self._pending is not None:
            raise TypeError("call .then(value) after .when(condition)")
        return When(self._branches, lit(condition).node)

    def otherwise(self, value: IntoExpr) -> Expr:
        if self._pending is not None or not self._branches:
            raise TypeError("call .then(value) before .otherwise(value)")
        node: ir.ExprNode = lit(value).node
        for cond, then in reversed(self._branches):
            node = ir.Cond(cond=cond, then=then, otherwise=node)
        return Expr(node)


def when(condition: IntoExpr) -> When:
    """A conditional: ``when(c).then(a).otherwise(b)`` is ``c ? a : b``.

    >>> from promotor.expr import cart, context, customer
    >>> e = when(customer.orders_count == 0).then(10).otherwise(5)
    >>> e.to_ir()["type"], e.to_ir()["then"]
    ('cond', {'type': 'num', 'value': '10'})
    """
    return When((), lit(condition).node)


def _variadic(func: str, values: Iterable[IntoExpr]) -> Expr:
    nodes = tuple(lit(v).node for v in values)
    if len(nodes) < 2:
        raise TypeError(f"{func}() needs at least two values")
    return Expr(ir.Call(func=func, args=nodes))


def least(*values: IntoExpr) -> Expr:
    """The least of two or more values (``min(a, b, ...)``); ``null`` ones are skipped.

    >>> from promotor.expr import cart, context, customer
    >>> least(cart.subtotal * 0.15, 50).to_ir()["fn"]
    'min'
    """
    return _variadic("min", values)


def timestamp(value: IntoExpr) -> Expr:
    """A timestamp from text (RFC 3339) or from a value that may be one, such as metadata:
    ``timestamp(customer["last_order_at"])``; a ``datetime`` literal is its instant.

    >>> from promotor.expr import cart, context, customer
    >>> str(timestamp(customer["last_order_at"]))
    'timestamp(customer.metadata.last_order_at)'
    """
    return Expr(ir.Call(func="timestamp", args=(lit(value).node,)))


def date(value: IntoExpr, tz: str | None = None) -> Expr:
    """A date: ``date("2026-11-27")``, or the date of a timestamp in ``tz``.

    >>> from promotor.expr import cart, context, customer
    >>> str(date(context.now, "Europe/Warsaw"))
    'date(context.now, "Europe/Warsaw")'
    """
    args = (lit(value).node,) if tz is None else (lit(value).node, lit(tz).node)
    return Expr(ir.Call(func="date", args=args))


def days_between(a: IntoExpr, b: IntoExpr) -> Expr:
    """Whole days from ``a`` to ``b`` (``b - a``, truncated towards zero)."""
    return Expr(ir.Call(func="days_between", args=(lit(a).node, lit(b).node)))


def greatest(*values: IntoExpr) -> Expr:
    """The greatest of two or more values (``max(a, b, ...)``)."""
    return _variadic("max", values)
