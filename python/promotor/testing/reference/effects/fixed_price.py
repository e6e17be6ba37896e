"""``fixed_price(p, on=T)`` (the core's ``eval/effects/fixed_price.rs``)."""

from __future__ import annotations

from promotor.testing.reference.effects import shipping
from promotor.testing.reference.effects.base import Amounts, Discount, Matches, Numbers
from promotor.testing.reference.effects.target import across, each, targets
from promotor.testing.reference.expr import Node

NUMBERS = ("price",)


def apply(effect: Node, values: Numbers, amounts: Amounts, matches: Matches) -> Discount:
    price = amounts.amount(values["price"])
    on = effect["on"]
    if on["type"] == "shipping":
        return shipping.apply(on, amounts, matches, lambda s: max(0, s - price))
    chosen = targets(on, amounts, matches)
    if on["type"] == "order":
        return across(chosen, max(0, chosen.total - price))
    return each(chosen, lambda t: t.worth - price * t.count)
