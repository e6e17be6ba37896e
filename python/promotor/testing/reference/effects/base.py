"""What every effect works with (the core's ``eval/effects/mod.rs``): the amounts left by
the campaigns applied so far, the discount an effect takes, and the arithmetic they share."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

from promotor.testing.reference import num
from promotor.testing.reference.expr import Node

__all__ = [
    "Amounts",
    "Discount",
    "Matches",
    "Numbers",
    "count",
    "each_line",
    "percent",
    "percent_of",
]


@dataclass
class Amounts:
    """Everything in integer minor units: the original amounts and what is left of them."""

    exponent: int
    rounding: str  # a `decimal` rounding constant
    line_subtotals: list[int]
    shipping: int
    current: list[int]  # line amounts left by the campaigns applied so far (A_i)
    shipping_left: int  # what is left of the shipping (S)
    quantities: list[int]  # units of each line (q_i)

    def minor(self, amount: Decimal) -> int:
        """Decimal amounts to minor units with the engine's rounding mode."""
        return num.to_minor(amount, self.exponent, self.rounding)

    def amount(self, amount: Decimal) -> int:
        """An effect's amounts amount in minor units; a negative one counts as 0."""
        return max(self.minor(amount), 0)

    def round_units(self, units: Decimal) -> int:
        """A fractional number of minor units rounded to a whole one (engine's mode)."""
        return num.to_minor(units, 0, self.rounding)

    def decimal(self, units: int) -> Decimal:
        return num.from_minor(units, self.exponent)

    def unit_price(self, index: int) -> Fraction:
        """The current unit price ``A_i / q_i`` of line ``index``, exactly."""
        return Fraction(self.current[index], self.quantities[index])

    def part(self, index: int, units: int) -> int:
        """The current amount of ``units`` units of a line: ``floor(A_i * units / q_i)``."""
        return self.current[index] * units // self.quantities[index]


@dataclass(frozen=True)
class Discount:
    """What one effect takes off: shares of lines and of shipping, in minor units, and the
    gifts it adds."""

    allocations: dict[int, int]  # non-zero shares only
    shipping: int
    gifts: list[dict[str, Any]] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.allocations.values()) + self.shipping


def each_line(shares: dict[int, int]) -> dict[int, int]:
    """Discounts given line by line (no proportional split), zero shares dropped."""
    return {index: share for index, share in shares.items() if share}


def percent(value: Decimal) -> Decimal:
    """A percentage clamped to ``[0, 100]``."""
    return min(max(value, Decimal(0)), Decimal(100))


def percent_of(units: int, percent: Decimal, amounts: Amounts) -> int:
    """``round(units * percent / 100)`` in whole minor units, exactly then rounded once."""
    exact = num.EXACT.divide(num.EXACT.multiply(Decimal(units), percent), Decimal(100))
    return amounts.round_units(exact)


def count(value: Decimal, least: int) -> int | None:
    """A count of an effect: a whole number ``>= least``, else ``None`` (``no_effect``)."""
    if value != value.to_integral_value() or value < least:
        return None
    return int(value)


Matches = Callable[[Node | None, int], bool]
"""Whether line ``i``'s original item satisfies an item predicate (``None``: every item)."""

Numbers = dict[str, Decimal]
