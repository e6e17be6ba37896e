"""The hand-written pure-Python baseline for W100 (issue 16 item 6, DESIGN section 7).

What a competent backend developer would write for exactly the 100 W100 campaigns
(:func:`benches.workloads.w100_specs`), without an engine, following docs/semantics.md:

- money read with ``Decimal`` and kept in integer cents (line subtotals rounded half-even),
  percentages rounded half-even to the cent, ``Decimal`` amounts out;
- candidates: automatic campaigns and those whose code was given (trimmed, any case), in order
  of priority (higher first), then list order; active inside their window (``starts_at <= now <
  ends_at``) and, for the first-order campaigns, Friday to Sunday 8:00-22:00 in Warsaw;
- an exclusive campaign that qualifies (the gift ones: a gift always counts) applies alone;
- otherwise sequential stacking: each campaign's rules read the original cart, its effect what
  the campaigns before it left, one winner per group, and a campaign that takes nothing is
  skipped (and does not hold its group);
- each line's units are tracked in groups of one unit price, so that buy-x-get-y, "cheapest
  unit" and "one unit at 4.99" see what each unit costs now, and a buy-x-get-y never reuses a
  unit an earlier one took.

It returns the totals and ``[(campaign_id, amount)]`` as ``price_w20`` does
(tests/test_bench_baseline_w100.py checks them against ``engine.evaluate``), and nothing else:
no explanations, no per-line results, no gifts list, no input validation.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

from benches.workloads import (
    W100_FIXED_PRICE,
    W100_SCHEDULE_HOURS,
    W100_SCHEDULE_WEEKDAYS,
    W100_TIMEZONE,
    W100Campaign,
)

ZERO = Decimal(0)
WHOLE = Decimal(1)
CAP_CENTS = 4000  # segment_items_percent: at most 40.00
FIXED_CENTS = int(W100_FIXED_PRICE * 100)
TIERS = ((4, 12), (2, 8), (1, 5))  # subtotal >= k * X -> percent, the highest first
RULE_TEXT_CAP = 2500  # rule_text: at most 25.00
SCHEDULE_DAYS = frozenset(W100_SCHEDULE_WEEKDAYS)
SCHEDULE_FROM, SCHEDULE_TO = W100_SCHEDULE_HOURS
WARSAW = ZoneInfo(W100_TIMEZONE)

# A line's units in groups of one unit price: [amount in cents, units, used by a buy-x-get-y],
# most expensive first (unused before used at one price).
Group = tuple[int, int, bool]


def _cents(amount: Decimal) -> int:
    return int((amount * 100).quantize(WHOLE, ROUND_HALF_EVEN))


def _round_div(n: int, d: int) -> int:
    """``n / d`` rounded half-even to a whole number (``n >= 0``, ``d > 0``)."""
    q, r = divmod(n, d)
    if 2 * r > d or (2 * r == d and q % 2):
        q += 1
    return q


def _split(total: int, weights: Sequence[int]) -> list[int]:
    """``total`` split in proportion to ``weights`` by largest remainder, ties to the first."""
    whole = sum(weights)
    if total == 0 or whole == 0:
        return [0] * len(weights)
    shares = [total * w // whole for w in weights]
    left = total - sum(shares)
    if left:
        by_remainder = sorted(range(len(weights)), key=lambda k: (-(total * weights[k] % whole), k))
        for k in by_remainder[:left]:
            shares[k] += 1
    return shares


def _sorted(groups: list[Group]) -> list[Group]:
    """Most expensive first, unused before used at one price, alike groups merged."""
    if len(groups) == 1:
        return groups
    out: list[Group] = []
    for a, c, used in sorted(groups, key=lambda g: (-Fraction(g[0], g[1]), g[2])):
        if out and out[-1][2] == used and out[-1][0] * c == a * out[-1][1]:
            a0, c0, _ = out.pop()
            a, c = a0 + a, c0 + c
        out.append((a, c, used))
    return out


def _spread(groups: list[Group], share: int) -> list[Group]:
    """A line's share taken off all its units, in proportion to what each group is worth."""
    if len(groups) == 1:
        a, c, used = groups[0]
        return [(a - share, c, used)]
    shares = _split(share, [a for a, _, _ in groups])
    return _sorted([(a - s, c, used) for (a, c, used), s in zip(groups, shares, strict=True)])


def _one_unit(groups: list[Group], k: int, share: int) -> list[Group]:
    """``share`` taken off one unit of group ``k`` (worth ``a // c``)."""
    a, c, used = groups[k]
    worth = a // c
    out = groups[:k] + groups[k + 1 :] + [(worth - share, 1, used)]
    if c > 1:
        out.append((a - worth, c - 1, used))
    return _sorted(out)


class _Cart:
    """One cart as the campaigns applied so far left it."""

    def __init__(self, cart: dict[str, Any]) -> None:
        self.categories: list[Any] = []
        self.units: list[list[Group]] = []
        self.left: list[int] = []  # what is left of each line: the sum of its groups
        for line in cart["items"]:
            quantity = int(line["quantity"])
            amount = _cents(Decimal(line["price"]) * quantity)
            self.categories.append(line.get("category"))
            self.left.append(amount)
            self.units.append([(amount, quantity, False)])
        self.subtotal = sum(self.left)
        self.shipping = _cents(Decimal(cart.get("shipping") or 0))
        self.shipping_left = self.shipping

    def lines(self, category: str | None) -> list[int]:
        """The lines of ``category`` (``None``: all of them)."""
        if category is None:
            return list(range(len(self.units)))
        return [i for i, cat in enumerate(self.categories) if cat == category]

    def _set(self, i: int, groups: list[Group]) -> None:
        self.units[i] = groups
        self.left[i] = sum(a for a, _, _ in groups)

    # -- effects: each returns the cents it took off (0: it does not apply) ---------------

    def percent_off(self, category: str | None, percent: int, cap: int | None = None) -> int:
        lines = self.lines(category)
        amounts = [self.left[i] for i in lines]
        whole = sum(amounts)
        discount = min(_round_div(whole * percent, 100), whole)
        if cap is not None:
            discount = min(discount, cap)
        return self._across(lines, amounts, discount)

    def amount_off(self, cents: int) -> int:
        lines = self.lines(None)
        amounts = [self.left[i] for i in lines]
        return self._across(lines, amounts, min(cents, sum(amounts)))

    def _across(self, lines: list[int], amounts: list[int], discount: int) -> int:
        for i, share in zip(lines, _split(discount, amounts), strict=True):
            if share:
                self._set(i, _spread(self.units[i], share))
        return discount

    def amount_off_each(self, category: str, cents: int) -> int:
        """``cents`` off each unit of the category, at most what the unit is worth."""
        taken = 0
        for i in self.lines(category):
            groups = []
            for a, c, used in self.units[i]:
                share = min(cents * c, a)
                taken += share
                groups.append((a - share, c, used))
            self._set(i, _sorted(groups))
        return taken

    def fixed_price_one_unit(self, category: str, cents: int) -> int:
        """The most expensive unit of each line of the category at ``cents``, if cheaper."""
        taken = 0
        for i in self.lines(category):
            share = max(0, self.units[i][0][0] // self.units[i][0][1] - cents)
            if share:
                taken += share
                self._set(i, _one_unit(self.units[i], 0, share))
        return taken

    def percent_off_cheapest(self, category: str, percent: int) -> int:
        """``percent`` off the cheapest unit of the category (ties: the first line, group)."""
        best: tuple[Fraction, int, int] | None = None
        for i in self.lines(category):
            for k, (a, c, _) in enumerate(self.units[i]):
                if best is None or Fraction(a, c) < best[0]:
                    best = (Fraction(a, c), i, k)
        if best is None:
            return 0
        _, i, k = best
        worth = self.units[i][k][0] // self.units[i][k][1]
        discount = min(_round_div(worth * percent, 100), worth)
        if discount:
            self._set(i, _one_unit(self.units[i], k, discount))
        return discount

    def buy_2_get_1(self, category: str) -> int:
        """Buy two units of the category, get the cheapest one free, as often as the units not
        used by an earlier buy-x-get-y allow; the units it takes are used from then on."""
        runs = []  # (unit price, line, group) of the unused groups, most expensive first
        for i in self.lines(category):
            for k, (a, c, used) in enumerate(self.units[i]):
                if not used:
                    runs.append((-Fraction(a, c), i, k))
        runs.sort()
        units = sum(self.units[i][k][1] for _, i, k in runs)
        times = units // 3
        if times == 0:
            return 0
        bought: dict[tuple[int, int], int] = {}
        got: dict[tuple[int, int], int] = {}
        to_buy, to_get = 2 * times, times
        for _, i, k in runs:  # the dearest units are bought
            n = min(self.units[i][k][1], to_buy)
            if n:
                bought[i, k] = n
                to_buy -= n
        for _, i, k in reversed(runs):  # the cheapest units are free
            n = min(self.units[i][k][1], to_get)
            if n:
                got[i, k] = n
                to_get -= n
        free = 0
        for i in sorted({i for i, _ in bought} | {i for i, _ in got}):
            groups: list[Group] = []
            for k, (a, c, used) in enumerate(self.units[i]):
                g, b = got.get((i, k), 0), bought.get((i, k), 0)
                if g == b == 0:
                    groups.append((a, c, used))
                    continue
                # The free units first, at what they cost before; the bought units from what
                # the free ones leave of the group (docs/semantics.md, "Units").
                worth_g = a * g // c
                worth_b = (a - worth_g) * b // (c - g) if b else 0
                free += worth_g
                rest = a - worth_g - worth_b
                if c - g - b > 0:
                    groups.append((rest, c - g - b, used))
                if g:
                    groups.append((0, g, True))
                if b:
                    groups.append((worth_b, b, True))
            self._set(i, _sorted(groups))
        return free

    def free_shipping(self) -> int:
        taken, self.shipping_left = self.shipping_left, 0
        return taken


def _normalize(code: str) -> str:
    return code.strip().lower()


class W100Pricer:
    """Prices carts under the W100 campaigns (plain data, :class:`W100Campaign`)."""

    def __init__(self, campaigns: Iterable[W100Campaign]) -> None:
        # higher priority first, then list order (sorted is stable); thresholds in cents
        self.campaigns = [
            (c, int(c.threshold * 100), frozenset(_normalize(code) for code in c.codes))
            for c in sorted(campaigns, key=lambda c: -c.priority)
        ]

    @staticmethod
    def on_schedule(now: datetime) -> bool:
        """Whether ``now`` is inside the first-order campaigns' schedule (Warsaw time)."""
        local = now.astimezone(WARSAW)
        return local.isoweekday() in SCHEDULE_DAYS and SCHEDULE_FROM <= local.hour < SCHEDULE_TO

    @staticmethod
    def _active(c: W100Campaign, now: datetime, on_schedule: bool) -> bool:
        if c.starts_at is not None and now < c.starts_at:
            return False
        if c.ends_at is not None and now >= c.ends_at:
            return False
        return on_schedule or c.shape != "first_order"

    def price(
        self,
        cart: dict[str, Any],
        customer: dict[str, Any] | None,
        now: datetime,
        codes: Iterable[str] = (),
    ) -> dict[str, Any]:
        """Price one cart dict: totals and ``[(campaign_id, amount)]``."""
        state = _Cart(cart)
        subtotal = state.subtotal
        lines_of: dict[Any, int] = {}
        units_of: dict[Any, int] = {}
        for i, cat in enumerate(state.categories):
            lines_of[cat] = lines_of.get(cat, 0) + 1
            units_of[cat] = units_of.get(cat, 0) + state.units[i][0][1]
        segments = set((customer or {}).get("segments") or ())
        orders_count = (customer or {}).get("orders_count")
        given = {_normalize(code) for code in codes} - {""}
        on_schedule = self.on_schedule(now)

        def qualifies(c: W100Campaign, x: int) -> bool:
            shape = c.shape
            if shape == "segment_items_percent":
                return c.segment in segments and subtotal >= x
            if shape in ("code_amount", "tiers"):
                return subtotal >= x
            if shape == "buy2get1":
                return c.category in lines_of
            if shape == "fixed_price":
                return c.other in lines_of
            if shape == "free_shipping":
                return subtotal >= x or c.segment in segments
            if shape == "rule_text":
                return (c.segment in segments or "vip" in segments) and units_of.get(
                    c.category, 0
                ) >= 2
            if shape == "first_order":
                return orders_count is not None and orders_count == 0
            if shape == "cheapest":
                return lines_of.get(c.category, 0) >= 3
            return "machines" in lines_of and subtotal >= x  # gift

        eligible = [
            c
            for c, x, own in self.campaigns
            if (not own or not given.isdisjoint(own))
            and self._active(c, now, on_schedule)
            and qualifies(c, x)
        ]
        applied: list[tuple[str, Decimal]] = []
        winner = next((c for c in eligible if c.exclusive), None)  # a gift always counts
        if winner is not None:
            applied.append((winner.id, ZERO))
        else:
            groups_taken: set[str] = set()
            for c in eligible:
                if c.group is not None and c.group in groups_taken:
                    continue
                taken = self._take(c, state, subtotal)
                if taken == 0 and c.shape != "gift":
                    continue
                if c.group is not None:
                    groups_taken.add(c.group)
                applied.append((c.id, Decimal(taken).scaleb(-2)))
        shipping_discount = state.shipping - state.shipping_left
        discount = subtotal - sum(state.left)
        discount += shipping_discount
        return {
            "subtotal": Decimal(subtotal).scaleb(-2),
            "shipping": Decimal(state.shipping).scaleb(-2),
            "discount": Decimal(discount).scaleb(-2),
            "shipping_discount": Decimal(shipping_discount).scaleb(-2),
            "total": Decimal(max(subtotal + state.shipping - discount, 0)).scaleb(-2),
            "applied": applied,
        }

    @staticmethod
    def _take(c: W100Campaign, state: _Cart, subtotal: int) -> int:
        """What campaign ``c``'s effect takes off ``state`` (which it updates), in cents."""
        shape = c.shape
        if shape == "segment_items_percent":
            return state.percent_off(c.category, int(c.value), CAP_CENTS)
        if shape == "code_amount":
            return state.amount_off(_cents(c.value))
        if shape == "tiers":
            x = int(c.threshold * 100)
            percent = next(p for k, p in TIERS if subtotal >= k * x)
            return state.percent_off(None, percent)
        if shape == "buy2get1":
            return state.buy_2_get_1(c.category)
        if shape == "fixed_price":
            return state.fixed_price_one_unit(c.category, FIXED_CENTS)
        if shape == "free_shipping":
            return state.free_shipping()
        if shape == "rule_text":
            return state.amount_off(min(_round_div(subtotal, 10), RULE_TEXT_CAP))
        if shape == "first_order":
            return state.amount_off_each(c.category, 100)
        if shape == "cheapest":
            return state.percent_off_cheapest(c.category, 20)
        return 0  # gift: a free unit, no discount


def price_w100(
    cart: dict[str, Any],
    customer: dict[str, Any] | None,
    now: datetime,
    codes: Iterable[str],
    campaigns: Sequence[W100Campaign],
) -> dict[str, Any]:
    """One cart under ``campaigns`` (sorting them on every call: use :class:`W100Pricer` to
    price many carts)."""
    return W100Pricer(campaigns).price(cart, customer, now, codes)
