"""Effects of the reference evaluator, one module per effect (the core's ``eval/effects/``):
each has ``NUMBERS``, the names of its number fields, and ``apply(effect, values, amounts,
matches)``, its discount on the current amounts. :data:`EFFECTS` is the one registration.
"""

from __future__ import annotations

from decimal import Decimal
from types import ModuleType

from promotor.testing.reference.effects import (
    amount_off,
    buy_x_get_y,
    fixed_price,
    gift,
    percent_off,
    shipping_off,
)
from promotor.testing.reference.effects.base import Amounts, Discount, Matches, Numbers
from promotor.testing.reference.expr import Node, RuleEvaluator, kind

__all__ = ["EFFECTS", "Amounts", "Discount", "Matches", "Numbers", "effect_numbers"]

#: The one registration of effects: IR type -> its module.
EFFECTS: dict[str, ModuleType] = {
    "percent_off": percent_off,
    "amount_off": amount_off,
    "fixed_price": fixed_price,
    "shipping_off": shipping_off,
    "buy_x_get_y": buy_x_get_y,
    "gift": gift,
}


def effect_numbers(effect: Node, evaluator: RuleEvaluator) -> Numbers | None:
    """The effect's numbers, evaluated against the original cart (absent optional ones are
    left out); ``None`` when any expression gives ``null`` or a non-number (``no_effect``)."""
    values: Numbers = {}
    for key in EFFECTS[effect["type"]].NUMBERS:
        if effect.get(key) is None:
            continue
        value = evaluator.eval(effect[key], {})
        if kind(value) != "num":
            return None
        assert isinstance(value, Decimal)
        values[key] = value
    return values
