"""Qualifications: what applies to a cart now, and which campaigns it is close to.

A campaign is *near* when its rules fail only on thresholds that a bigger cart would meet:
``cart.subtotal >= 100``, ``cart.quantity >= 3``, or an aggregate over (some of) the items such
as ``cart.items.filter(item, item.category == "coffee").sum(item, item.quantity) >= 2``. Each
hint is checked, not guessed: the engine re-prices the cart with the missing amount added (as a
hypothetical line) and the campaign must then pass that condition.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, Decimal
from typing import Any, Protocol

from . import _native
from .result import Rejected, Result

__all__ = ["Hint", "NearMiss", "Qualifications"]

_MAX_STEPS = 4
_HINT_SKU = "__promotor_hint__"


@dataclass(frozen=True, slots=True)
class Hint:
    """What is missing: ``field`` is the rule text of the aggregate, ``missing`` how much."""

    field: str
    missing: Decimal
    message: str


@dataclass(frozen=True, slots=True)
class NearMiss:
    """A campaign the cart would get with the additions in ``hints``; ``hints`` is empty and
    ``message`` says why when no hint can be derived from the failing condition."""

    campaign_id: str
    hints: list[Hint]
    message: str = ""


@dataclass(frozen=True, slots=True)
class Qualifications:
    """``eligible``: ``(campaign_id, amount)`` of what applies now, best first. ``near``: the
    campaigns a bigger cart would get, with hints. ``unreachable``: campaigns whose rules fail
    on something a bigger cart does not change (with the reason). ``result``: the priced cart."""

    eligible: list[tuple[str, Decimal]]
    near: list[NearMiss]
    unreachable: list[NearMiss] = field(default_factory=list)
    result: Result | None = None


def _category_of(pred: dict[str, Any] | None) -> str | None:
    """``item.category == "x"`` (either side) -> ``"x"``."""
    if not pred or pred.get("type") != "binary" or pred.get("op") != "eq":
        return None
    sides = [pred["left"], pred["right"]]
    for a, b in (sides, sides[::-1]):
        is_category = a.get("type") == "field" and a.get("path", [None, None])[1:] == ["category"]
        if is_category and b.get("type") == "str":
            return str(b["value"])
    return None


def _growable(left: dict[str, Any]) -> tuple[str, str | None, bool] | None:
    """What a growing cart increases: ``(kind, category, money)`` or None.

    kind is ``subtotal``, ``quantity`` (units) or ``lines``."""
    if left.get("type") == "field":
        path = left.get("path")
        if path == ["cart", "subtotal"]:
            return ("subtotal", None, True)
        if path == ["cart", "quantity"]:
            return ("quantity", None, False)
        return None
    if left.get("type") == "call" and left.get("fn") == "size":
        inner = left["args"][0] if left.get("args") else {}
        return _list_kind(inner, "count", None)
    if left.get("type") != "macro":
        return None
    return _list_kind(left["list"], left["op"], left)


def _list_kind(
    lst: dict[str, Any], op: str, agg: dict[str, Any] | None
) -> tuple[str, str | None, bool] | None:
    category: str | None = None
    if lst.get("type") == "macro" and lst.get("op") == "filter":
        category = _category_of(lst.get("body"))
        if category is None:
            return None
        lst = lst["list"]
    if lst.get("type") != "field" or lst.get("path") != ["cart", "items"]:
        return None
    if op == "count":
        body = agg.get("body") if agg else None
        if body is not None:
            category = _category_of(body)
            if category is None:
                return None
        return ("lines", category, False)
    if op == "sum" and agg is not None and agg.get("body", {}).get("type") == "field":
        attr = agg["body"]["path"][1:]
        if attr == ["quantity"]:
            return ("quantity", category, False)
        if attr == ["subtotal"]:
            return ("subtotal", category, True)
    return None


def _hint(rejected: Rejected, exponent: int) -> tuple[Hint, list[dict[str, Any]]] | str:
    """A hint and the hypothetical lines that realise it, or why there is none."""
    condition = rejected.condition or ""
    try:
        node = json.loads(_native.parse_expr(condition))
    except Exception:  # pragma: no cover - conditions are printed by the engine
        return f"no hint: cannot read `{condition}`"
    if node.get("type") != "binary" or node.get("op") not in ("ge", "gt", "eq"):
        return f"no hint: `{condition}` is not a threshold a bigger cart can meet"
    kind = _growable(node["left"])
    actual, expected = rejected.actual, rejected.expected
    if (
        kind is None
        or not isinstance(expected, Decimal | int)
        or not isinstance(actual, Decimal | int | type(None))
    ):
        return f"no hint: `{condition}` is not a threshold a bigger cart can meet"
    what, category, money = kind
    have = Decimal(actual or 0)
    missing = Decimal(expected) - have
    if missing <= 0 and node["op"] != "gt":
        return f"no hint: `{condition}` does not grow with the cart"
    unit = Decimal(1).scaleb(-exponent) if money else Decimal(1)
    if node["op"] == "gt":
        missing += unit
    missing = (
        missing.quantize(unit, rounding=ROUND_CEILING)
        if money
        else missing.to_integral(rounding=ROUND_CEILING)
    )
    of = f" of category {category}" if category else ""
    line: dict[str, Any] = {"sku": _HINT_SKU, "category": category}
    if money:
        lines = [{**line, "price": missing, "quantity": 1}]
        message = f"add {missing} more{of} to the cart" if of else f"add {missing} to the cart"
    elif what == "lines":
        lines = [{**line, "price": Decimal(0), "quantity": 1}] * int(missing)
        noun = "product" if missing == 1 else "different products"
        message = f"add {missing} more {noun}{of}"
    else:
        lines = [{**line, "price": Decimal(0), "quantity": int(missing)}]
        noun = "item" if missing == 1 else "items"
        message = f"add {missing} more {noun}{of}"
    aggregate = _native.print_expr(json.dumps(node["left"]))
    return Hint(aggregate, missing, message), lines


class Pricer(Protocol):
    """What qualifications need of an engine: pricing a cart (``Engine`` is one)."""

    def evaluate(self, cart: Any, customer: Any = ..., codes: Any = ..., now: Any = ...,
                 context: Any = ...) -> Result: ...  # fmt: skip


def qualifications(engine: Pricer, **call: Any) -> Qualifications:
    """See :meth:`promotor.Engine.qualifications`."""
    result = engine.evaluate(**call)
    exponent = -result.subtotal.as_tuple().exponent  # type: ignore[operator]
    eligible = sorted(
        ((a.campaign_id, a.amount) for a in result.applied), key=lambda pair: -pair[1]
    )
    near: list[NearMiss] = []
    unreachable: list[NearMiss] = []
    for rejected in result.rejected:
        if rejected.reason != "rules_not_met" or rejected.campaign_id is None:
            continue
        hints: list[Hint] = []
        extra: list[dict[str, Any]] = []
        current = rejected
        reason = ""
        for _ in range(_MAX_STEPS):
            found = _hint(current, exponent)
            if isinstance(found, str):
                reason = found
                break
            hint, lines = found
            hints.append(hint)
            extra.extend(lines)
            trial = _with_lines(call, extra)
            again = engine.evaluate(**trial)
            after = [r for r in again.rejected if r.campaign_id == rejected.campaign_id]
            if not after or after[0].reason != "rules_not_met":
                break
            if after[0].condition == current.condition:
                reason = f"no hint: adding to the cart does not meet `{current.condition}`"
                break
            current = after[0]
        else:
            reason = "no hint: too many conditions to meet"
        if reason:
            unreachable.append(NearMiss(rejected.campaign_id, [], reason))
        else:
            near.append(NearMiss(rejected.campaign_id, hints))
    return Qualifications(eligible, near, unreachable, result)


def _with_lines(call: dict[str, Any], lines: list[dict[str, Any]]) -> dict[str, Any]:
    cart = call["cart"]
    if not isinstance(cart, dict):
        cart = cart.model_dump()
    items = list(cart.get("items") or []) + lines
    return {**call, "cart": {**cart, "items": items}}
