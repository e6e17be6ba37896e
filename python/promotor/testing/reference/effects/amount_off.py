"""``amount_off(a, on=T, allocation="across" | "each")`` (the core's
``eval/effects/amount_off.rs``)."""

from __future__ import annotations

from promotor.testing.reference.effects.base import Amounts, Discount, Matches, Numbers
from promotor.testing.reference.effects.target import across, each, targets
from promotor.testing.reference.expr import Node

NUMBERS = ("amount",)


def apply(effect: Node, values: Numbers, amounts: Amounts, matches: Matches) -> Discount:
    amount = amounts.amount(values["amount"])
    if effect["on"]["type"] == "shipping":
        if effect["allocation"] == "each":
            raise ValueError('amount_off(allocation="each") on SHIPPING')
        return Discount({}, min(amount, amounts.shipping_left))
    chosen = targets(effect["on"], amounts, matches)
    if effect["allocation"] == "each":
        return each(chosen, lambda t: amount * t.count)
    assert effect["allocation"] == "across", effect["allocation"]
    return across(chosen, min(amount, chosen.total))
