"""``buy_x_get_y(buy, buy_quantity, get, get_quantity, percent, max_applications, amount,
fixed_price, get_from)`` (the core's ``eval/effects/buy_x_get_y.rs``). Units an application
takes (buy and get) are marked used, so no later buy-x-get-y takes them again."""

from __future__ import annotations

from dataclasses import dataclass

from promotor.testing.reference.alloc import allocate
from promotor.testing.reference.effects.base import (
    Amounts,
    Discount,
    Group,
    Matches,
    Numbers,
    Take,
    count,
    percent,
    percent_of,
)
from promotor.testing.reference.expr import Node

NUMBERS = ("buy_quantity", "get_quantity", "percent", "max_applications", "amount", "fixed_price")


@dataclass
class _Units:
    """One group of unused units of a line in the buy-x-get-y list: how many are not taken."""

    index: int
    group: int
    g: Group
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
    if "amount" in values and "fixed_price" in values:
        raise ValueError("buy_x_get_y(): amount and fixed_price together")
    buy_pred = effect["buy"]
    get_pred = buy_pred if effect["get"] is None else effect["get"]
    runs = []
    for i in range(len(amounts.quantities)):
        buy, get = matches(buy_pred, i), matches(get_pred, i)
        if buy or get:
            runs += [
                _Units(i, k, g, g.count, buy, get)
                for k, g in enumerate(amounts.groups(i))
                if not g.used
            ]
    runs.sort(key=lambda r: (-r.g.price, r.index, r.group))
    if effect.get("get_from") == "most_expensive":
        runs.reverse()
    got = [0] * len(runs)
    bought = [0] * len(runs)
    done = 0
    while applications is None or done < applications:
        taken = _take(runs, buy_quantity, buy=True)
        if taken is None:
            break
        for position, units in taken.items():
            runs[position].left -= units
        given = _take(runs, get_quantity, buy=False)
        if given is None:
            break
        for position, units in given.items():
            runs[position].left -= units
        # The same application repeats while its single buy run and single get run still
        # hold enough: do those repeats at once instead of unit by unit.
        repeats = 0
        if len(taken) == 1 and len(given) == 1:
            (b,), (g,) = taken, given
            if b == g:
                repeats = runs[b].left // (buy_quantity + get_quantity)
            else:
                repeats = min(runs[b].left // buy_quantity, runs[g].left // get_quantity)
            if applications is not None:
                repeats = min(repeats, applications - done - 1)
            runs[b].left -= repeats * buy_quantity
            runs[g].left -= repeats * get_quantity
        for position, units in taken.items():
            bought[position] += units * (1 + repeats)
        for position, units in given.items():
            got[position] += units * (1 + repeats)
        done += 1 + repeats
    takes: list[Take] = []
    lines: dict[int, int] = {}
    worths: dict[int, int] = {}  # G_i: the get-units at what they cost before this campaign
    amount = amounts.amount(values["amount"]) if "amount" in values else None
    price = amounts.amount(values["fixed_price"]) if "fixed_price" in values else None
    for position, run in enumerate(runs):
        # get-units first, buy-units from what they leave: the parts add up to the group
        left, units = run.g.amount, run.g.count
        g = got[position]
        if g > 0:
            worth = run.g.amount * g // run.g.count
            left, units = left - worth, units - g
            if amount is not None:
                share = min(amount * g, worth)
            elif price is not None:
                share = max(0, worth - price * g)
            else:
                share = 0
            weight = worth if amount is None and price is None else share
            takes.append(Take(run.index, run.group, g, worth, share, weight, used=True))
            worths[run.index] = worths.get(run.index, 0) + worth
            lines[run.index] = lines.get(run.index, 0) + share
        if bought[position] > 0:
            worth = left * bought[position] // units
            takes.append(Take(run.index, run.group, bought[position], worth, 0, 0, used=True))
    if amount is None and price is None:
        whole = sum(worths.values())
        discount = min(percent_of(whole, percent(values["percent"]), amounts), whole)
        lines = allocate(discount, sorted(worths.items()))
    return Discount({i: s for i, s in lines.items() if s}, 0, takes=tuple(takes))
