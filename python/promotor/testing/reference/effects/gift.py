"""``gift(sku, quantity=1, price=0)`` (the core's ``eval/effects/gift.rs``)."""

from __future__ import annotations

from promotor.testing.reference.effects.base import Amounts, Discount, Matches, Numbers
from promotor.testing.reference.expr import Node

NUMBERS = ("price",)


def apply(effect: Node, values: Numbers, amounts: Amounts, matches: Matches) -> Discount:
    price = amounts.decimal(amounts.amount(values["price"]))
    return Discount({}, 0, [{"sku": effect["sku"], "quantity": effect["quantity"], "price": price}])
