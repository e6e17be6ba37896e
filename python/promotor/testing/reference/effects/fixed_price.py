"""``fixed_price(p, on=T)`` (the core's ``eval/effects/fixed_price.rs``)."""

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

NUMBERS = ("price",)


def apply(effect: Node, values: Numbers, amounts: Amounts, matches: Matches) -> Discount:
    price = amounts.amount(values["price"])
    on = effect["on"]
    if on["type"] == "shipping":
        return Discount({}, max(0, amounts.shipping_left - price))
    chosen = targets(on, amounts, matches)
    if on["type"] == "order":
        discount = max(0, sum(t.amount for t in chosen) - price)
        return Discount(allocate(discount, weights(chosen)), 0)
    return Discount(each_line({t.index: max(0, t.amount - price * t.units) for t in chosen}), 0)
