"""``percent_off(p, on=T, cap=None)`` (the core's ``eval/effects/percent_off.rs``)."""

from __future__ import annotations

from promotor.testing.reference.effects.base import (
    Amounts,
    Discount,
    Matches,
    Numbers,
    percent,
    percent_of,
)
from promotor.testing.reference.effects.target import across, targets
from promotor.testing.reference.expr import Node

NUMBERS = ("percent", "cap")


def apply(effect: Node, values: Numbers, amounts: Amounts, matches: Matches) -> Discount:
    pct = percent(values["percent"])
    cap = amounts.amount(values["cap"]) if "cap" in values else None

    def discount_of(whole: int) -> int:
        discount = percent_of(whole, pct, amounts)
        if cap is not None:
            discount = min(discount, cap)
        return min(discount, whole)

    if effect["on"]["type"] == "shipping":
        return Discount({}, discount_of(amounts.shipping_left))
    chosen = targets(effect["on"], amounts, matches)
    return across(chosen, discount_of(chosen.total))
