"""``shipping_off(a, percent=False)`` (the core's ``eval/effects/shipping_off.rs``)."""

from __future__ import annotations

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
        discount = percent_of(amounts.shipping_left, percent(values["amount"]), amounts)
    else:
        discount = amounts.amount(values["amount"])
    return Discount({}, min(discount, amounts.shipping_left))
