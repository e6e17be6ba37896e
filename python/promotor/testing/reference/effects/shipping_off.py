"""``shipping_off(a, percent=False)`` (the core's ``eval/effects/shipping_off.rs``)."""

from __future__ import annotations

from promotor.testing.reference.effects import shipping
from promotor.testing.reference.effects.base import (
    Amounts,
    Discount,
    Matches,
    Numbers,
    percent,
    percent_of,
)
from promotor.testing.reference.expr import Node

NUMBERS = ("amount",)


def apply(effect: Node, values: Numbers, amounts: Amounts, matches: Matches) -> Discount:
    if effect["percent"]:
        pct = percent(values["amount"])
        return shipping.apply(
            effect.get("on"), amounts, matches, lambda s: percent_of(s, pct, amounts)
        )
    off = amounts.amount(values["amount"])
    return shipping.apply(effect.get("on"), amounts, matches, lambda s: min(off, s))
