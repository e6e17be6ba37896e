"""Taxes (the core's ``eval/taxes.rs``, docs/semantics.md "Taxes"): each line's and shipping
method's amounts converted to the other basis with its own rate, rounded once per amount."""

from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from promotor.testing.reference import num

__all__ = ["taxes"]

#: One line or method as given: (index, rate or None, subtotal, total) in minor units.
Given = tuple[int, "Decimal | None", int, int]


def _round(value: Fraction, rounding: str) -> int:
    """``value`` (>= 0) to a whole number, exactly, with the engine's rounding mode."""
    whole, rest = divmod(value.numerator, value.denominator)
    if rounding == ROUND_DOWN or rest == 0:
        return whole
    twice = 2 * rest
    if twice > value.denominator:
        return whole + 1
    if twice < value.denominator:
        return whole
    return whole + 1 if rounding == ROUND_HALF_UP or whole % 2 == 1 else whole


def _convert(amount: int, rate: Decimal, include: bool, rounding: str) -> int:
    whole = Fraction(100) + Fraction(rate)
    ratio = Fraction(100) / whole if include else whole / 100
    return _round(amount * ratio, rounding)


def taxes(
    lines: list[Given], methods: list[Given], include: bool, rounding: str, exponent: int
) -> dict[str, Any] | None:
    """The canonical ``taxes`` dict, or ``None`` when no line or method has a rate."""
    if all(g[1] is None for g in [*lines, *methods]):
        return None

    def dec(units: int) -> Decimal:
        return num.from_minor(units, exponent)

    out: dict[str, Any] = {"prices_include_tax": include, "lines": [], "shipping_methods": []}
    sums = {"sn": 0, "sg": 0, "hn": 0, "hg": 0, "tn": 0, "tg": 0}
    complete = True
    for kind, given in (("lines", lines), ("shipping_methods", methods)):
        for index, rate, subtotal, total in given:
            if rate is None:
                complete = False
                continue
            sub_other = _convert(subtotal, rate, include, rounding)
            total_other = _convert(total, rate, include, rounding)
            sn, tn, sg, tg = (
                (sub_other, total_other, subtotal, total)
                if include
                else (subtotal, total, sub_other, total_other)
            )
            key = "s" if kind == "lines" else "h"
            sums[key + "n"] += sn
            sums[key + "g"] += sg
            sums["tn"] += tn
            sums["tg"] += tg
            out[kind].append(
                {
                    "index": index,
                    "rate": rate,
                    "subtotal_net": dec(sn),
                    "subtotal_gross": dec(sg),
                    "discount_net": dec(sn - tn),
                    "discount_gross": dec(sg - tg),
                    "total_net": dec(tn),
                    "total_gross": dec(tg),
                    "tax": dec(tg - tn),
                }
            )
    names = (
        "subtotal_net", "subtotal_gross", "shipping_net", "shipping_gross", "discount_net",
        "discount_gross", "total_net", "total_gross", "tax",
    )  # fmt: skip
    if complete:
        s = sums
        values = (
            s["sn"], s["sg"], s["hn"], s["hg"], s["sn"] + s["hn"] - s["tn"],
            s["sg"] + s["hg"] - s["tg"], s["tn"], s["tg"], s["tg"] - s["tn"],
        )  # fmt: skip
        out.update({k: dec(v) for k, v in zip(names, values, strict=True)})
    else:
        out.update(dict.fromkeys(names))
    return out
