"""``amount_off(a, on=T, allocation="across" | "each")`` (the core's
``eval/effects/amount_off.rs``)."""

from __future__ import annotations

from promotor.testing.reference.alloc import allocate
from promotor.testing.reference.effects.base import (
    Amounts,
    Discount,
    Matches,
    Numbers,
    each_line,
)
from promotor.testing.reference.effects.target import targets, weights
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
        return Discount(each_line({t.index: min(amount * t.units, t.amount) for t in chosen}), 0)
    assert effect["allocation"] == "across", effect["allocation"]
    discount = min(amount, sum(t.amount for t in chosen))
    return Discount(allocate(discount, weights(chosen)), 0)
