"""Shipping methods (the core's ``eval/effects/shipping.rs``): which methods a shipping
target takes, a discount on each method alone or on their sum, and a shipping share kept per
method when stacking clips or re-splits it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from decimal import Decimal
from typing import Any

from promotor.testing.reference.alloc import allocate
from promotor.testing.reference.effects.base import Amounts, Discount, Matches
from promotor.testing.reference.expr import Node

__all__ = ["apply", "clip", "method_maps", "method_shares", "resplit"]


def method_maps(cart: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The cart's methods as rules read them: those given, or the ``shipping`` shorthand as
    one method without texts (none when it is 0)."""
    given = cart.get("shipping_methods") or []
    if given:
        return [
            {
                "id": m.get("id"),
                "code": m.get("code"),
                "name": m.get("name"),
                "price": m["price"],
                "metadata": dict(m.get("metadata") or {}),
            }
            for m in given
        ]
    shipping: Decimal = cart.get("shipping") or Decimal(0)
    if not shipping:
        return []
    return [{"id": None, "code": None, "name": None, "price": shipping, "metadata": {}}]


def _targeted(on: Node | None, amounts: Amounts, matches: Matches) -> tuple[list[int], bool]:
    left = [max(a, 0) for a in amounts.methods_left]
    if on is None:
        return left, False
    pred = on.get("pred")
    chosen = [a if matches(pred, j, "method") else 0 for j, a in enumerate(left)]
    return chosen, on.get("allocation") == "each"


def apply(on: Node | None, amounts: Amounts, matches: Matches, f: Callable[[int], int]) -> Discount:
    """``f(S)`` (clamped to ``[0, S]``) on each targeted method alone with ``each``, else on
    their sum, allocated in proportion to the methods' amounts."""
    chosen, each = _targeted(on, amounts, matches)
    if each:
        shares = {j: min(max(f(s), 0), s) for j, s in enumerate(chosen) if s > 0}
    else:
        total = sum(chosen)
        d = min(max(f(total), 0), total)
        shares = allocate(d, list(enumerate(chosen)))
    shares = {j: s for j, s in shares.items() if s}
    return Discount({}, sum(shares.values()), methods=shares)


def method_shares(discount: Discount, weights: list[int]) -> dict[int, int]:
    """Each method's share: as computed, or, if the shipping share changed since, re-split
    over the old method shares (over ``weights`` when there were none)."""
    if sum(discount.methods.values()) == discount.shipping:
        return dict(discount.methods)
    if discount.shipping <= 0 or not weights:
        return {}
    old = discount.methods or {j: max(w, 0) for j, w in enumerate(weights)}
    return allocate(discount.shipping, [(j, old.get(j, 0)) for j in range(len(weights))])


def clip(discount: Discount, state: Amounts) -> Discount:
    """Each method's share clipped to what is left of it (``base="original"``)."""
    shares = method_shares(discount, state.methods_left)
    clipped = {j: min(s, state.methods_left[j]) for j, s in shares.items()}
    clipped = {j: s for j, s in clipped.items() if s > 0}
    return replace(discount, shipping=sum(clipped.values()), methods=clipped)


def resplit(discount: Discount) -> Discount:
    """The method shares made to add up to the (changed) shipping share."""
    if not discount.methods:
        return discount
    n = max(discount.methods) + 1
    weights = [discount.methods.get(j, 0) for j in range(n)]
    return replace(discount, methods=method_shares(discount, weights))
