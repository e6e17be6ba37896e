"""Exact decimal arithmetic of rule values and money (docs/semantics.md, "Numbers", "Money").

Every operation goes through an explicit high-precision context that *traps* inexact results,
so nothing is ever rounded silently: the only roundings are the ones the spec names (products
and quotients to 12 places, money to the minor unit, ``round``/``floor``/``ceil``), and those
are done with ``quantize`` and an explicit rounding mode.
"""

from __future__ import annotations

import decimal
from decimal import Decimal
from fractions import Fraction

__all__ = [
    "LIMIT",
    "PLACES",
    "ROUNDING_MODES",
    "add",
    "bounded",
    "div",
    "from_minor",
    "mod",
    "mul",
    "neg",
    "quantize_places",
    "sub",
    "to_minor",
]

PLACES = 12
"""Products and quotients are rounded half-even to this many decimal places."""

LIMIT = Decimal(10) ** 14
"""A numeric result of this magnitude or more is ``null``."""

_SIGNALS = [
    decimal.InvalidOperation,
    decimal.DivisionByZero,
    decimal.Overflow,
    decimal.Underflow,
    decimal.Inexact,
    decimal.Rounded,
]

EXACT = decimal.Context(prec=200, rounding=decimal.ROUND_HALF_EVEN, traps=_SIGNALS)
"""Arithmetic that must be exact: any rounding raises instead of happening."""

_QUANTIZE = decimal.Context(prec=200, traps=[decimal.InvalidOperation])
"""Context of the deliberate roundings (``quantize`` with an explicit mode)."""

ROUNDING_MODES: dict[str, str] = {
    "half_even": decimal.ROUND_HALF_EVEN,
    "half_up": decimal.ROUND_HALF_UP,  # ties away from zero
    "down": decimal.ROUND_DOWN,  # towards zero
}

_TWELVE_PLACES = Decimal(1).scaleb(-PLACES)


def bounded(value: Decimal) -> Decimal | None:
    """The value, or ``None`` when its magnitude is 10^14 or more."""
    return value if value.copy_abs() < LIMIT else None


def _at_most_twelve_places(value: Decimal) -> Decimal:
    """Round an *exact* value half-even to 12 places, only if it has more."""
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)
    if exponent >= -PLACES:
        return value
    return value.quantize(_TWELVE_PLACES, rounding=decimal.ROUND_HALF_EVEN, context=_QUANTIZE)


def add(a: Decimal, b: Decimal) -> Decimal | None:
    """``a + b``, exact."""
    return bounded(EXACT.add(a, b))


def sub(a: Decimal, b: Decimal) -> Decimal | None:
    """``a - b``, exact."""
    return bounded(EXACT.subtract(a, b))


def neg(a: Decimal) -> Decimal | None:
    """``-a``, exact (``copy_negate`` never rounds)."""
    return bounded(a.copy_negate())


def mul(a: Decimal, b: Decimal) -> Decimal | None:
    """``a * b``: the exact product, rounded half-even to 12 places if it has more."""
    return bounded(_at_most_twelve_places(EXACT.multiply(a, b)))


def div(a: Decimal, b: Decimal) -> Decimal | None:
    """``a / b``: the exact quotient rounded half-even to 12 places; ``None`` for ``b == 0``.

    A terminating quotient is computed exactly by ``decimal`` (it fits in 200 digits for any
    operands in range). A non-terminating one is rounded with ``Fraction`` arithmetic, whose
    ``round(q, 12)`` is an exact half-even rounding: no double rounding anywhere.
    """
    if b == 0:
        return None
    try:
        quotient = EXACT.divide(a, b)
    except (decimal.Inexact, decimal.Rounded):
        exact = round(Fraction(a) / Fraction(b), PLACES)
        scaled = exact * 10**PLACES
        assert scaled.denominator == 1
        return bounded(Decimal(scaled.numerator).scaleb(-PLACES, context=EXACT))
    return bounded(_at_most_twelve_places(quotient))


def mod(a: Decimal, b: Decimal) -> Decimal | None:
    """``a % b``: the exact remainder with the sign of the dividend; ``None`` for ``b == 0``."""
    if b == 0:
        return None
    return bounded(EXACT.remainder(a, b))


def quantize_places(value: Decimal, places: int, rounding: str) -> Decimal | None:
    """``value`` rounded to ``places`` decimal places with a ``decimal`` rounding constant."""
    result = value.quantize(Decimal(1).scaleb(-places), rounding=rounding, context=_QUANTIZE)
    return bounded(result)


def to_minor(amount: Decimal, exponent: int, rounding: str) -> int:
    """An amount of money as an integer of minor units, rounded with ``rounding``."""
    scaled = amount.scaleb(exponent, context=EXACT)
    return int(scaled.quantize(Decimal(1), rounding=rounding, context=_QUANTIZE))


def from_minor(units: int, exponent: int) -> Decimal:
    """Minor units back to a ``Decimal`` quantized to the currency's exponent (``4.99``, ``5``)."""
    return Decimal(units).scaleb(-exponent, context=EXACT)
