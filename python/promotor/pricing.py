"""Product page prices: what one unit of an item would cost if it were added to the cart
(docs/semantics.md, "Product page prices").

The unit is priced by pricing the cart with it: the item is added as a line of its own, one
unit, after the cart's lines, and the engine evaluates that cart as it would at checkout (the
automatic campaigns and the given codes, stacking, tiers, limits). The unit's price is that
line's total, and the campaigns that make it are those with a share of that line. So:

- an order-level discount (``percent_off(10)``, ``amount_off(20)``) counts with the unit's
  allocated share of it, as the cart with the unit allocates it;
- a ``buy_x_get_y`` counts when the added unit is one of its buy- or get-units that carries a
  share: "buy one get one free" with one unit already in the cart makes the next unit free,
  and on an empty cart it costs full price;
- a threshold that the unit makes the cart cross ("10% off from 100.00") counts, with the
  unit's share of it;
- shipping discounts and gifts are not part of a unit's price; the gifts the cart gets only
  once the unit is added are listed in :attr:`ItemPrice.gifts`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

from .result import Gift, Result

__all__ = ["ItemPrice", "PriceCampaign"]


@dataclass(frozen=True, slots=True)
class PriceCampaign:
    """A campaign that lowers the unit's price: its id, the code that applied it, and what it
    takes off the unit."""

    campaign_id: str
    code: str | None
    amount: Decimal


@dataclass(frozen=True, slots=True)
class ItemPrice:
    """What one unit of an item costs if added to the cart: ``unit_price`` as given,
    ``price`` after the campaigns (``unit_price - discount``, rounded to the minor unit),
    ``campaigns`` that make it (in the order they applied), ``gifts`` that adding the unit
    earns the cart, and ``result``, the cart priced with the unit (its last line)."""

    sku: str | None
    unit_price: Decimal
    price: Decimal
    discount: Decimal
    campaigns: list[PriceCampaign]
    gifts: list[Gift] = field(default_factory=list)
    result: Result | None = field(default=None, repr=False, compare=False)


class Pricer(Protocol):
    """What pricing needs of an engine: evaluating a cart (``Engine`` is one)."""

    def evaluate(self, cart: Any, customer: Any = ..., codes: Any = ..., now: Any = ...,
                 context: Any = ...) -> Result: ...  # fmt: skip


def _as_dict(value: Any) -> dict[str, Any]:
    if isinstance(value, Mapping):
        return dict(value)
    dump = getattr(value, "model_dump", None)
    if dump is not None:
        return dict(dump())
    raise TypeError(f"expected a dict or a model, got {type(value).__name__}")


def item_price(
    engine: Pricer,
    item: Any,
    cart: Any = None,
    customer: Any = None,
    codes: Sequence[str] | str | None = (),
    now: Any = None,
    context: Any = None,
) -> ItemPrice:
    """See :meth:`promotor.Engine.price`."""
    unit = {**_as_dict(item), "quantity": 1}
    base = {"items": []} if cart is None else _as_dict(cart)
    lines = [*(base.get("items") or ()), unit]
    call = {"customer": customer, "codes": codes, "now": now, "context": context}
    with_unit = engine.evaluate({**base, "items": lines}, **call)
    index = len(lines) - 1
    line = with_unit.lines[index]
    campaigns = [
        PriceCampaign(a.campaign_id, a.code, a.allocations[index])
        for a in with_unit.applied
        if a.allocations.get(index)
    ]
    gifts = [g for a in with_unit.applied for g in a.gifts]
    if gifts:
        before = engine.evaluate(base, **call)
        gifts = _new_gifts(gifts, [g for a in before.applied for g in a.gifts])
    return ItemPrice(
        sku=line.sku,
        unit_price=line.subtotal,
        price=line.total,
        discount=line.discount,
        campaigns=campaigns,
        gifts=gifts,
        result=with_unit,
    )


def _new_gifts(after: list[Gift], before: list[Gift]) -> list[Gift]:
    """The gifts of ``after`` beyond those of ``before``, by sku (quantities subtracted)."""
    had: dict[str, int] = {}
    for g in before:
        had[g.sku] = had.get(g.sku, 0) + g.quantity
    out = []
    for g in after:
        extra = g.quantity - had.get(g.sku, 0)
        had[g.sku] = max(had.get(g.sku, 0) - g.quantity, 0)
        if extra > 0:
            out.append(Gift(g.sku, extra, g.price))
    return out
