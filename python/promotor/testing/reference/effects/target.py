"""Targets (the core's ``eval/effects/target.rs``): which units of which lines an effect works
on, and what they are worth now, per group of alike units."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from promotor.testing.reference.alloc import allocate
from promotor.testing.reference.effects.base import Amounts, Discount, Group, Matches, Take
from promotor.testing.reference.expr import Node

__all__ = ["Targeted", "across", "each", "targets"]


@dataclass(frozen=True)
class Targeted:
    """What a target takes: ``takes`` (no share yet, weighing what they are worth), and per
    targeted line its units ``t_i`` and amount ``T_i``."""

    takes: list[Take]

    @property
    def total(self) -> int:
        return sum(t.worth for t in self.takes)

    def amounts(self) -> dict[int, int]:
        out: dict[int, int] = {}
        for t in self.takes:
            out[t.line] = out.get(t.line, 0) + t.worth
        return out


@dataclass
class _Cand:
    line: int
    group: int
    g: Group
    taken: int


def _keep(cands: list[_Cand], desc: bool, left: int) -> None:
    """Keep at most ``left`` units, by unit price (descending with ``desc``), ties to the lower
    line index, then the group listed first."""
    order = sorted(
        (c for c in cands if c.taken > 0),
        key=lambda c: ((-c.g.price if desc else c.g.price), c.line, c.group),
    )
    for c in order:
        c.taken = min(c.taken, left)
        left -= c.taken


def targets(on: Node, amounts: Amounts, matches: Matches) -> Targeted:
    """The units an ``ORDER`` or ``items(...)`` target takes (docs "Targets")."""
    cands: list[_Cand] = []
    if on["type"] == "order":
        for i in range(len(amounts.quantities)):
            cands += [_Cand(i, k, g, g.count) for k, g in enumerate(amounts.groups(i))]
    else:
        assert on["type"] == "items", on
        cheapest, most_expensive = on.get("cheapest"), on.get("most_expensive")
        if cheapest is not None and most_expensive is not None:
            raise ValueError("items(): cheapest and most_expensive together")
        cap = on.get("max_quantity")
        for i, q in enumerate(amounts.quantities):
            if not matches(on.get("pred"), i):
                continue
            left = q if cap is None else min(q, cap)  # the line's most expensive units
            for k, g in enumerate(amounts.groups(i)):
                taken = min(g.count, left)
                left -= taken
                cands.append(_Cand(i, k, g, taken))
        if cheapest is not None:
            _keep(cands, False, cheapest)
        if most_expensive is not None:
            _keep(cands, True, most_expensive)
        size = on.get("groups_of")
        if size is not None:
            assert size >= 1
            units = sum(c.taken for c in cands)
            _keep(cands, True, units - units % size)
    takes = []
    for c in cands:
        if c.taken > 0:
            worth = c.g.amount * c.taken // c.g.count
            takes.append(Take(c.line, c.group, c.taken, worth, 0, worth))
    return Targeted(takes)


def across(chosen: Targeted, discount: int) -> Discount:
    """``discount`` split over the targeted lines in proportion to ``T_i`` (within a line, over
    its takes in proportion to what they are worth when it lands)."""
    return Discount(
        allocate(discount, sorted(chosen.amounts().items())), 0, takes=tuple(chosen.takes)
    )


def each(chosen: Targeted, share: Callable[[Take], int]) -> Discount:
    """A discount given take by take: ``share(take)``, at most what the take is worth."""
    takes = []
    lines: dict[int, int] = {}
    for t in chosen.takes:
        s = min(max(share(t), 0), t.worth)
        takes.append(replace(t, share=s, weight=s))
        lines[t.line] = lines.get(t.line, 0) + s
    return Discount({i: s for i, s in lines.items() if s}, 0, takes=tuple(takes))
