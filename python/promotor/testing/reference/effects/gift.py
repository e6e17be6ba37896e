"""``gift(sku, quantity=1, price=0, per=None, of=None)`` (the core's ``eval/effects/gift.rs``)."""

from __future__ import annotations

from promotor.testing.reference.effects.base import Amounts, Discount, Matches, Numbers
from promotor.testing.reference.expr import Node

NUMBERS = ("price",)

U32_MAX = 2**32 - 1


def apply(effect: Node, values: Numbers, amounts: Amounts, matches: Matches) -> Discount:
    """``quantity`` gifts, or with ``per``: ``quantity`` for each complete ``per`` units of the
    lines whose original item satisfies ``of`` (every line without it), at most ``2**32 - 1``.
    No gift at all is ``no_effect``."""
    price = amounts.decimal(amounts.amount(values["price"]))
    quantity = int(effect["quantity"])
    per = effect.get("per")
    if per is not None:
        units = sum(q for i, q in enumerate(amounts.quantities) if matches(effect.get("of"), i))
        quantity = min(quantity * (units // int(per)), U32_MAX)
    gifts = [{"sku": effect["sku"], "quantity": quantity, "price": price}] if quantity else []
    return Discount({}, 0, gifts)
