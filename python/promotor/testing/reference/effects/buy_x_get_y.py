"""``buy_x_get_y(buy, buy_quantity, get, get_quantity, percent, max_applications)`` (the
core's ``eval/effects/buy_x_get_y.rs``)."""

from __future__ import annotations

from dataclasses import dataclass

from promotor.testing.reference.alloc import allocate
from promotor.testing.reference.effects.base import (
    Amounts,
    Discount,
    Matches,
    Numbers,
    count,
    percent,
    percent_of,
)
from promotor.testing.reference.expr import Node

NUMBERS = ("buy_quantity", "get_quantity", "percent", "max_applications")


@dataclass
class _Units:
    """Units of one line in the buy-x-get-y list: how many are not taken yet."""

    index: int
    left: int
    buy: bool  # in the buy set
    get: bool  # in the get set


def _take(runs: list[_Units], wanted: int, buy: bool) -> dict[int, int] | None:
    """Which runs the next ``wanted`` untaken units of the buy set come from (scanning from the
    front), or of the get set (from the back); ``None`` if there are fewer. Takes nothing."""
    taken: dict[int, int] = {}
    for position in range(len(runs)) if buy else reversed(range(len(runs))):
        run = runs[position]
        if wanted == 0:
            break
        if (run.buy if buy else run.get) and run.left > 0:
            taken[position] = min(run.left, wanted)
            wanted -= taken[position]
    return taken if wanted == 0 else None


def apply(effect: Node, values: Numbers, amounts: Amounts, matches: Matches) -> Discount | None:
    buy_quantity = count(values["buy_quantity"], 1)
    get_quantity = count(values["get_quantity"], 1)
    limit = values.get("max_applications")
    applications = None if limit is None else count(limit, 0)
    if buy_quantity is None or get_quantity is None or (limit is not None and applications is None):
        return None
    buy_pred = effect["buy"]
    get_pred = buy_pred if effect["get"] is None else effect["get"]
    runs = [
        _Units(i, q, matches(buy_pred, i), matches(get_pred, i))
        for i, q in enumerate(amounts.quantities)
    ]
    runs = [r for r in runs if r.buy or r.get]
    runs.sort(key=lambda r: (-amounts.unit_price(r.index), r.index))
    got = [0] * len(amounts.quantities)  # g_i
    done = 0
    while applications is None or done < applications:
        bought = _take(runs, buy_quantity, buy=True)
        if bought is None:
            break
        for position, units in bought.items():
            runs[position].left -= units
        given = _take(runs, get_quantity, buy=False)
        if given is None:
            for position, units in bought.items():
                runs[position].left += units
            break
        for position, units in given.items():
            runs[position].left -= units
        # The same application repeats while its single buy run and single get run still
        # hold enough: do those repeats at once instead of unit by unit.
        repeats = 0
        if len(bought) == 1 and len(given) == 1:
            (b,), (g,) = bought, given
            if b == g:
                repeats = runs[b].left // (buy_quantity + get_quantity)
            else:
                repeats = min(runs[b].left // buy_quantity, runs[g].left // get_quantity)
            if applications is not None:
                repeats = min(repeats, applications - done - 1)
            runs[b].left -= repeats * buy_quantity
            runs[g].left -= repeats * get_quantity
        for position, units in given.items():
            got[runs[position].index] += units * (1 + repeats)
        done += 1 + repeats
    weights = [(i, amounts.part(i, g)) for i, g in enumerate(got) if g > 0]  # G_i
    discount = percent_of(sum(w for _, w in weights), percent(values["percent"]), amounts)
    return Discount(allocate(discount, weights), 0)
