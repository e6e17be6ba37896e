"""Targets (the core's ``eval/effects/target.rs``): which units of which lines an effect works
on, and what they are worth now."""

from __future__ import annotations

from dataclasses import dataclass

from promotor.testing.reference.effects.base import Amounts, Matches
from promotor.testing.reference.expr import Node

__all__ = ["Targeted", "targets", "weights"]


@dataclass(frozen=True)
class Targeted:
    """One targeted line: ``t_i`` of its units, worth ``T_i`` minor units."""

    index: int
    units: int
    amount: int


def targets(on: Node, amounts: Amounts, matches: Matches) -> list[Targeted]:
    """The lines an ``ORDER`` or ``items(...)`` target takes, in line order (docs "Targets")."""
    if on["type"] == "order":
        return [Targeted(i, q, amounts.current[i]) for i, q in enumerate(amounts.quantities)]
    assert on["type"] == "items", on
    cheapest, most_expensive = on.get("cheapest"), on.get("most_expensive")
    if cheapest is not None and most_expensive is not None:
        raise ValueError("items(): cheapest and most_expensive together")
    cap = on.get("max_quantity")
    units = {
        i: q if cap is None else min(q, cap)
        for i, q in enumerate(amounts.quantities)
        if matches(on.get("pred"), i)
    }
    keep = cheapest if cheapest is not None else most_expensive
    if keep is not None:
        sign = 1 if cheapest is not None else -1
        order = sorted(units, key=lambda i: (sign * amounts.unit_price(i), i))
        for i in order:
            units[i] = min(units[i], keep)
            keep -= units[i]
    return [Targeted(i, t, amounts.part(i, t)) for i, t in sorted(units.items()) if t > 0]


def weights(targets: list[Targeted]) -> list[tuple[int, int]]:
    return [(t.index, t.amount) for t in targets]
