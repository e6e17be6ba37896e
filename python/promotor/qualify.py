"""Qualifications: what applies to a cart now, and which campaigns it is close to.

A campaign is *near* when its rules fail only on thresholds that a bigger cart would meet:
``cart.subtotal >= 100``, ``cart.quantity >= 3``, or an aggregate over (some of) the items such
as ``cart.items.filter(item, item.category == "coffee").sum(item, item.quantity) >= 2``. Each
hint is checked, not guessed: the engine re-prices the cart with the missing amount added (as a
hypothetical line) and the campaign must then pass that condition.

An existence condition (``cart.items.exists(i, i.category == "coffee")``) gets the hint "add a
coffee item", checked the same way. A tiered campaign that applies at one tier gets an
*upsell* for each higher tier a bigger cart would reach ("add 50.00 for 15%"), found by
pricing the cart against that tier alone. Near misses are listed by closeness: fewest
conditions to meet first, then the least money to add, then the fewest units (ties keep the
engine's order).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, Decimal
from typing import Any, Protocol

from . import _native
from .result import Rejected, Result

__all__ = ["Hint", "NearMiss", "Qualifications", "Upsell"]

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
class Upsell:
    """A higher tier of a campaign that applies now: what to add (``hints``) to reach tier
    ``tier``, and ``message`` such as ``"add 50.00 for 15%"``."""

    campaign_id: str
    tier: int
    hints: list[Hint]
    message: str


@dataclass(frozen=True, slots=True)
class Qualifications:
    """``eligible``: ``(campaign_id, amount)`` of what applies now, best first. ``near``: the
    campaigns a bigger cart would get, with hints. ``unreachable``: campaigns whose rules fail
    on something a bigger cart does not change (with the reason). ``result``: the priced cart."""

    eligible: list[tuple[str, Decimal]]
    near: list[NearMiss]
    unreachable: list[NearMiss] = field(default_factory=list)
    result: Result | None = None
    #: Higher tiers of the tiered campaigns that apply, nearest first.
    upsells: list[Upsell] = field(default_factory=list)


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


_ITEM_ATTRS = ("category", "sku", "product")


def _item_wanted(pred: dict[str, Any] | None) -> dict[str, Any] | None:
    """The line an item predicate asks for: ``item.category == "x"`` (or ``sku``,
    ``product``, either side) -> ``{"category": "x"}``; ``"t" in item.tags`` or
    ``item.tags.contains("t")`` -> ``{"tags": ["t"]}``; ``a && b`` -> both."""
    if not pred:
        return None
    kind, op = pred.get("type"), pred.get("op")
    if kind == "binary" and op == "and":
        left, right = _item_wanted(pred["left"]), _item_wanted(pred["right"])
        if left is None or right is None:
            return None
        tags = left.get("tags", []) + right.get("tags", [])
        return {**left, **right, **({"tags": tags} if tags else {})}
    if kind == "binary" and op == "eq":
        sides = [pred["left"], pred["right"]]
        for a, b in (sides, sides[::-1]):
            path = a.get("path", []) if a.get("type") == "field" else []
            if len(path) == 2 and path[1] in _ITEM_ATTRS and b.get("type") == "str":
                return {path[1]: str(b["value"])}
        return None
    if kind == "binary" and op == "in":
        tag, tags = pred["left"], pred["right"]
    elif kind == "call" and pred.get("fn") == "contains" and len(pred.get("args", [])) == 2:
        tags, tag = pred["args"]
    else:
        return None
    path = tags.get("path", []) if tags.get("type") == "field" else []
    if len(path) == 2 and path[1] == "tags" and tag.get("type") == "str":
        return {"tags": [str(tag["value"])]}
    return None


def _describe_wanted(wanted: dict[str, Any]) -> str:
    """``{"category": "coffee"}`` -> ``"a coffee item"``."""
    if "sku" in wanted:
        return f"item {wanted['sku']}"
    words = [*wanted.get("tags", []), wanted.get("category") or "", wanted.get("product") or ""]
    label = " ".join(w for w in words if w)
    article = "an" if label[:1].lower() in "aeiou" else "a"
    return f"{article} {label} item"


def _exists_hint(node: dict[str, Any], condition: str) -> tuple[Hint, list[dict[str, Any]]] | None:
    """``cart.items.exists(i, pred)`` that fails: add one line that satisfies ``pred``."""
    if node.get("type") != "macro" or node.get("op") != "exists":
        return None
    if node["list"].get("type") != "field" or node["list"].get("path") != ["cart", "items"]:
        return None
    wanted = _item_wanted(node.get("body"))
    if wanted is None:
        return None
    line = {"sku": _HINT_SKU, "price": Decimal(0), "quantity": 1, **wanted}
    return Hint(condition, Decimal(1), f"add {_describe_wanted(wanted)}"), [line]


def _hint(rejected: Rejected, exponent: int) -> tuple[Hint, list[dict[str, Any]]] | str:
    """A hint and the hypothetical lines that realise it, or why there is none."""
    condition = rejected.condition or ""
    try:
        node = json.loads(_native.parse_expr(condition))
    except Exception:  # pragma: no cover - conditions are printed by the engine
        return f"no hint: cannot read `{condition}`"
    found = _exists_hint(node, condition)
    if found is not None:
        return found
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
    """What qualifications need of an engine: pricing a cart, and an engine of one campaign
    of its own definition (``Engine`` is one)."""

    def evaluate(self, cart: Any, customer: Any = ..., codes: Any = ..., now: Any = ...,
                 context: Any = ...) -> Result: ...  # fmt: skip

    def to_ir(self) -> dict[str, Any]: ...

    def _probe(self, campaign: dict[str, Any]) -> Pricer: ...


def _chase(
    engine: Pricer, call: dict[str, Any], rejected: Rejected, exponent: int
) -> list[Hint] | str:
    """The hints that make ``engine`` pass the campaign's rules, each checked by re-pricing
    the cart with the lines of the hints so far; or why there are none."""
    hints: list[Hint] = []
    extra: list[dict[str, Any]] = []
    current = rejected
    for _ in range(_MAX_STEPS):
        found = _hint(current, exponent)
        if isinstance(found, str):
            return found
        hint, lines = found
        hints.append(hint)
        extra.extend(lines)
        again = engine.evaluate(**_with_lines(call, extra))
        after = [r for r in again.rejected if r.campaign_id == rejected.campaign_id]
        if not after or after[0].reason != "rules_not_met":
            return hints
        if after[0].condition == current.condition:
            return f"no hint: adding to the cart does not meet `{current.condition}`"
        current = after[0]
    return "no hint: too many conditions to meet"


def _closeness(hints: list[Hint]) -> tuple[int, Decimal, Decimal]:
    """Fewest conditions, then least money to add, then fewest units."""
    money = sum((h.missing for h in hints if "subtotal" in h.field), Decimal(0))
    units = sum((h.missing for h in hints if "subtotal" not in h.field), Decimal(0))
    return len(hints), money, units


def _reward(effect: dict[str, Any]) -> str:
    """A tier's effect, short: ``15%``, ``10.00 off``, ``free shipping``, or its builder
    call."""
    from .describe import describe_effect

    number = effect.get("percent") if effect.get("type") == "percent_off" else None
    on = effect.get("on", {"type": "order"})
    if number and number.get("type") == "num" and on == {"type": "order"}:
        return f"{number['value']}%"
    if effect.get("type") == "shipping_off" and effect.get("percent") is True:
        amount = effect.get("amount") or {}
        if amount.get("type") == "num" and Decimal(amount["value"]) == 100:
            return "free shipping"
    number = effect.get("amount") if effect.get("type") == "amount_off" else None
    if number and number.get("type") == "num" and on == {"type": "order"}:
        return f"{number['value']} off"
    return describe_effect(effect)


def _upsells(engine: Pricer, call: dict[str, Any], result: Result, exponent: int) -> list[Upsell]:
    """For each tiered campaign that applies, each higher tier a bigger cart reaches."""
    campaigns = {c["id"]: c for c in engine.to_ir()["campaigns"]}
    out: list[tuple[tuple[int, Decimal, Decimal], Upsell]] = []
    for applied in result.applied:
        c = campaigns.get(applied.campaign_id)
        if c is None or applied.tier is None:
            continue
        tiers = c.get("tiers") or []
        for t in range(applied.tier + 1, len(tiers)):
            probe_ir = {**c, "tiers": [tiers[t]]}
            for key in ("code", "codes", "limits", "unique_codes"):
                probe_ir.pop(key, None)  # the probe asks about rules only
            probe = engine._probe(probe_ir)
            rejected = [r for r in probe.evaluate(**call).rejected if r.reason == "rules_not_met"]
            if not rejected:
                continue
            hints = _chase(probe, call, rejected[0], exponent)
            if isinstance(hints, str):
                continue
            body = tiers[t].get("effects") or [tiers[t].get("effect")]
            reward = " + ".join(_reward(e) for e in body if e)
            what = " and ".join(h.message.removesuffix(" to the cart") for h in hints)
            upsell = Upsell(applied.campaign_id, t, hints, f"{what} for {reward}")
            out.append((_closeness(hints), upsell))
    out.sort(key=lambda pair: pair[0])
    return [u for _, u in out]


def qualifications(engine: Pricer, **call: Any) -> Qualifications:
    """See :meth:`promotor.Engine.qualifications`."""
    result = engine.evaluate(**call)
    exponent = -result.subtotal.as_tuple().exponent  # type: ignore[operator]
    eligible = sorted(
        ((a.campaign_id, a.amount) for a in result.applied), key=lambda pair: -pair[1]
    )
    near: list[tuple[tuple[int, Decimal, Decimal], NearMiss]] = []
    unreachable: list[NearMiss] = []
    for rejected in result.rejected:
        if rejected.reason != "rules_not_met" or rejected.campaign_id is None:
            continue
        hints = _chase(engine, call, rejected, exponent)
        if isinstance(hints, str):
            unreachable.append(NearMiss(rejected.campaign_id, [], hints))
        else:
            near.append((_closeness(hints), NearMiss(rejected.campaign_id, hints)))
    near.sort(key=lambda pair: pair[0])  # stable: ties keep the engine's order
    upsells = _upsells(engine, call, result, exponent)
    return Qualifications(eligible, [n for _, n in near], unreachable, result, upsells)


def _with_lines(call: dict[str, Any], lines: list[dict[str, Any]]) -> dict[str, Any]:
    cart = call["cart"]
    if not isinstance(cart, dict):
        cart = cart.model_dump()
    items = list(cart.get("items") or []) + lines
    return {**call, "cart": {**cart, "items": items}}
