"""``fixed_price(p, on=T)`` (the core's ``eval/effects/fixed_price.rs``)."""

from __future__ import annotations

from promotor.testing.reference.effects.base import Amounts, Discount, Matches, Numbers
from promotor.testing.reference.effects.target import across, each, targets
from promotor.testing.reference.expr import Node

NUMBERS = ("price",)


def apply(effect: Node, values: Numbers, amounts: Amounts, matches: Matches) -> Discount:
    price = amounts.amount(values["price"])
    on = effect["on"]
    if on["type"] == "shipping":
        return Discount({}, max(0, amounts.shipping_left - price))
    chosen = targets(on, amounts, matches)
    if on["type"] == "order":
        return across(chosen, max(0, chosen.total - price))
    return each(chosen, lambda t: t.worth - price * t.count)
