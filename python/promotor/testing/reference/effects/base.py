"""What every effect works with (the core's ``eval/effects/mod.rs``): the amounts left by
the campaigns applied so far, the discount an effect takes, and the arithmetic they share."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal
from fractions import Fraction
from typing import Any, Protocol

from promotor.testing.reference import num
from promotor.testing.reference.alloc import allocate
from promotor.testing.reference.expr import Node

__all__ = [
    "Amounts",
    "Discount",
    "Group",
    "Matches",
    "Numbers",
    "Take",
    "count",
    "each_line",
    "percent",
    "percent_of",
    "settle",
]


@dataclass(frozen=True)
class Group:
    """``count`` units of one line, each worth ``amount / count`` now (exactly); ``used``: a
    buy-x-get-y application took them."""

    amount: int
    count: int
    used: bool = False

    @property
    def price(self) -> Fraction:
        return Fraction(self.amount, self.count)


@dataclass(frozen=True)
class Take:
    """``count`` units of group ``group`` of line ``line`` (as the amounts an effect saw list
    them), worth ``floor(amount * count / group count)``: the ``share`` put on them, whether
    they become ``used``, and the ``weight`` by which a line share that differs from the sum
    of its takes' shares (a budget reduced it) is re-split."""

    line: int
    group: int
    count: int
    worth: int
    share: int
    weight: int
    used: bool = False


def _normalize(groups: list[Group]) -> list[Group]:
    """Most expensive first (unused before used at one price), equal groups merged."""
    out: list[Group] = []
    for g in sorted(groups, key=lambda g: (-g.price, g.used)):
        if out and out[-1].used == g.used and out[-1].price == g.price:
            last = out.pop()
            g = Group(last.amount + g.amount, last.count + g.count, g.used)
        out.append(g)
    return out


def _land(groups: list[Group], share: int, takes: list[Take]) -> list[Group]:
    """The groups of one line after ``share`` lands on ``takes`` (see :meth:`Amounts.take`)."""
    if not takes:
        takes = [Take(0, k, g.count, g.amount, 0, g.amount) for k, g in enumerate(groups)]
    if sum(t.share for t in takes) != share:
        shares = allocate(share, [(k, t.weight) for k, t in enumerate(takes)])
        takes = [replace(t, share=shares.get(k, 0)) for k, t in enumerate(takes)]
    out: list[Group] = []
    for k, g in enumerate(groups):
        amount, count = g.amount, g.count
        for t in takes:
            used = g.used or t.used
            if t.group != k or (t.share == 0 and used == g.used):
                continue
            out.append(Group(t.worth - t.share, t.count, used))
            amount -= t.worth
            count -= t.count
        if count > 0:
            out.append(Group(amount, count, g.used))
    return _normalize(out)


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
    # per line its groups, most expensive first; none (or empty): one group of all its units
    units: list[list[Group]] = field(default_factory=list)
    methods: list[int] = field(default_factory=list)  # each shipping method's amount
    methods_left: list[int] = field(default_factory=list)  # what is left of each

    def groups(self, index: int) -> list[Group]:
        """The groups of line ``index``, most expensive first."""
        if index < len(self.units) and self.units[index]:
            return list(self.units[index])
        return [Group(self.current[index], self.quantities[index])]

    def copy(self) -> Amounts:
        return replace(
            self,
            current=list(self.current),
            units=list(self.units),
            methods_left=list(self.methods_left),
        )

    def take(self, discount: Discount) -> None:
        """Take ``discount`` off: each line's share lands on the units it was computed on
        (``discount.takes``), or, without takes, on all the line's units in proportion to
        their amounts. A discount of several effects takes its parts in order."""
        if discount.parts:
            for part in settle(discount):
                self.take(part)
            return
        for index in range(len(self.current)):
            share = discount.allocations.get(index, 0)
            takes = [t for t in discount.takes if t.line == index]
            if share == 0 and not any(t.used for t in takes):
                continue
            assert 0 <= share <= self.current[index]
            landed = _land(self.groups(index), share, takes)
            while len(self.units) < len(self.current):
                self.units.append([])
            self.current[index] -= share
            assert sum(g.amount for g in landed) == self.current[index]
            self.units[index] = [] if len(landed) == 1 and not landed[0].used else landed
        assert 0 <= discount.shipping <= self.shipping_left
        self.take_shipping(discount)

    def take_shipping(self, discount: Discount) -> None:
        """Take ``discount``'s shipping share off, method by method."""
        if discount.shipping:
            from promotor.testing.reference.effects.shipping import method_shares

            for j, share in method_shares(discount, self.methods_left).items():
                assert 0 <= share <= self.methods_left[j]
                self.methods_left[j] -= share
        self.shipping_left -= discount.shipping

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
    takes: tuple[Take, ...] = ()  # which units the line shares land on
    methods: dict[int, int] = field(default_factory=dict)  # shipping per method, non-zero
    # several effects: what each took, in order, each on the amounts the ones before left
    # (allocations, shipping, methods and gifts are their sums); empty for one effect
    parts: tuple[Discount, ...] = ()

    @property
    def total(self) -> int:
        return sum(self.allocations.values()) + self.shipping

    def forget_units(self) -> Discount:
        """The same shares landing on all of a line's units (computed on another state)."""
        return replace(self, takes=(), parts=tuple(p.forget_units() for p in self.parts))


def settle(discount: Discount) -> list[Discount]:
    """The parts of a several-effect discount re-split to add up to its shares, line by line
    and shipping method by method (a budget, ``max_discount`` or ``base="original"`` reduced
    it): each reduced share splits over the parts in proportion to their shares by largest
    remainder, ties to the earlier part; a part's shipping is the sum of its method shares.
    When a line share is reduced, the parts after the first land on all of a line's units."""
    from promotor.testing.reference.effects.shipping import method_shares

    parts = list(discount.parts)
    lines = {i for p in parts for i in p.allocations} | set(discount.allocations)
    reduced = False
    for i in sorted(lines):
        want = discount.allocations.get(i, 0)
        if sum(p.allocations.get(i, 0) for p in parts) == want:
            continue
        reduced = True
        shares = allocate(want, [(k, p.allocations.get(i, 0)) for k, p in enumerate(parts)])
        parts = [
            replace(p, allocations={**p.allocations, i: shares.get(k, 0)})
            for k, p in enumerate(parts)
        ]
    if reduced:
        # the parts after the first were computed on units as the unreduced parts before them
        # left them, now worth more: their shares land on all of a line's units
        parts = [parts[0], *(p.forget_units() for p in parts[1:])]
    parts = [replace(p, allocations={i: v for i, v in p.allocations.items() if v}) for p in parts]
    n = 1 + max((j for d in (discount, *parts) for j in d.methods), default=-1)
    if n == 0:
        return parts
    own = [method_shares(p, [0] * n) for p in parts]
    total = [sum(m.get(j, 0) for m in own) for j in range(n)]
    wanted = method_shares(discount, total)
    for j in range(n):
        want = wanted.get(j, 0)
        if sum(m.get(j, 0) for m in own) == want:
            continue
        shares = allocate(want, [(k, m.get(j, 0)) for k, m in enumerate(own)])
        own = [{**m, j: shares.get(k, 0)} for k, m in enumerate(own)]
    own = [{j: v for j, v in m.items() if v} for m in own]
    return [
        replace(p, shipping=sum(m.values()), methods=m) for p, m in zip(parts, own, strict=True)
    ]


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


class Matches(Protocol):
    """Whether line ``i``'s original item satisfies an item predicate (``None``: every item);
    with ``var="method"``, whether shipping method ``i`` satisfies a method predicate."""

    def __call__(self, pred: Node | None, index: int, var: str = "item") -> bool: ...


Numbers = dict[str, Decimal]
