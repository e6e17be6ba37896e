"""The pure-Python reference evaluator: a direct transcription of docs/semantics.md.

It evaluates the same IR (``EngineDef`` JSON parsed into dicts) on the same canonical input as
the Rust core and returns the same canonical outcome (docs/architecture.md), so property tests
can compare the two exactly. It favours being obviously right over being fast.

Rule text printing, regular expressions and the currency table are not evaluation semantics:
they are borrowed from the native module (lazily, so this module imports without it), or
passed in by tests.

Where docs/semantics.md leaves room, this evaluator reads it as follows (the Rust evaluator
must agree):

- Only num, str, timestamp, duration and bool are comparable: lists, maps and items are never
  ``==`` (so ``[1] == [1]`` is false). ``x in y`` is false when ``y`` is not a list, and is
  ``==`` per element, so ``null in [null]`` is true. ``!`` always gives a bool.
- ``contains(list, x)`` is ``x in list`` (a bool even for ``x`` null); the string tests on a
  null or non-string receiver/argument give null. ``size`` counts a map's entries.
- ``sum`` adds exactly and checks 10^14 on the final sum only. ``min``/``max`` (macro and
  function) need all non-null values of one *ordered* type (num, str, timestamp, duration);
  bools or mixed types give null. ``round(n, places)`` takes places 0..12 like floor/ceil;
  anything else is null. ``duration + timestamp`` is a timestamp, like ``timestamp + duration``.
- Macro variables shadow the roots (a variable named ``cart`` hides the cart).
- No customer reads like an empty one: fields null, ``segments`` empty, ``metadata`` ``{}``.
- An effect number that evaluates to a non-number counts as null (``no_effect``). A negative
  cap, like a negative amount, leaves a discount of 0 (``no_effect``).
- Effects: a ``gift`` whose price is null is ``no_effect`` like any effect number; otherwise it
  applies even with ``quantity`` 0 or an empty cart. A count like ``2.0`` is whole. With
  ``max_applications`` 0, ``buy_x_get_y`` gives 0 (``no_effect``). ``cheapest=n`` keeps units
  in ascending current unit price, ``most_expensive=n`` in descending, both ties to the lower
  line index. ``cheapest`` with ``most_expensive`` and ``"each"`` on ``SHIPPING`` (compile
  errors) raise ``ValueError``.
- A campaign is automatic when it has neither ``code`` nor any ``codes`` (``codes: []`` with no
  ``code`` is automatic). Its matched code is its own spelling of the first given code
  (in the order given) that matches one of its codes. Codes are trimmed of Unicode ``White_Space``
  (Rust's ``str::trim``), then lower-cased. Unknown codes are reported with their first
  spelling as given, untrimmed.
- Schedules test the local weekday and the local hour independently (Saturday 01:00 is not in
  a Friday 22-02 window); hours ``(h, h)`` are empty.
- A tier whose effect gives nothing is ``no_effect`` (no fallback to a lower tier), detail
  ``None``. ``rules_not_met`` from the campaign's own rules has detail ``None``.
- With ``currency_mismatch`` the outcome's money uses the cart's currency and exponent.
- ``lines[].unit_price`` is the price as given, not quantized (it may have more places than
  the currency); every other money value is quantized to the currency's exponent.

>>> from datetime import UTC
>>> outcome = evaluate(
...     {"version": 1, "currency": "USD", "campaigns": [{"id": "ten", "effect": {
...         "type": "percent_off", "percent": {"type": "num", "value": "10"}}}]},
...     {"cart": {"currency": None, "shipping": Decimal("0"), "metadata": {}, "items": [
...         {"sku": "A", "product": None, "category": None, "tags": [], "metadata": {},
...          "price": Decimal("12.50"), "quantity": 2}]},
...      "customer": None, "codes": [],
...      "context": {"now": datetime(2026, 1, 1, tzinfo=UTC), "channel": None,
...                  "country": None, "metadata": {}}},
...     currency_exponent=lambda code: 2)
>>> outcome["discount"], outcome["total"], outcome["applied"][0]["allocations"]
(Decimal('2.50'), Decimal('22.50'), {0: Decimal('2.50')})
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any

from promotor._reference import numbers, stacking, timefmt
from promotor._reference.explain import explain_failure
from promotor._reference.expr import Facts, Item, Node, RuleEvaluator, kind
from promotor._reference.state import Meter

__all__ = [
    "decide",
    "evaluate",
    "normalize_code",
    "pool_lookups",
    "state_keys",
    "wallet",
    "wallet_keys",
]

Printer = Callable[[Node], str]
RegexSearch = Callable[[str, str], "bool | None"]
CurrencyExponent = Callable[[str], "int | None"]

# -- defaults of the native helpers ---------------------------------------------------------


def _native_printer(node: Node) -> str:
    """Rule text of a node, from the one printer there is (Rust)."""
    from promotor import _native

    return str(_native.print_expr(json.dumps(node)))


def _native_regex_search(pattern: str, text: str) -> bool | None:
    """The Rust ``regex`` crate's search, so both evaluators share one regex dialect."""
    from promotor import _native

    found = _native.regex_search(pattern, text)
    return None if found is None else bool(found)


def _native_currency_exponent(code: str) -> int | None:
    """ISO 4217 minor-unit exponent from the native currency table."""
    from promotor import _native

    exponent = _native.currency_exponent(code)
    return None if exponent is None else int(exponent)


# -- the engine definition, with serde's defaults filled in --------------------------------


@dataclass(frozen=True)
class Schedule:
    weekdays: list[int]  # empty: every day
    hours: tuple[int, int] | None
    timezone: str


@dataclass(frozen=True)
class Tier:
    rules: Node | None
    effect: Node


@dataclass(frozen=True)
class Campaign:
    """A campaign of the IR; the fields mirror ``ir.rs`` with their serde defaults."""

    position: int
    id: str
    rules: Node | None
    effect: Node | None
    tiers: list[Tier] | None
    codes: list[str]  # `code` first, then `codes`; empty (and not unique_codes): automatic
    unique_codes: bool  # accepts the codes of its pool (the pool rows a store found)
    starts_at: datetime | None
    ends_at: datetime | None
    schedule: Schedule | None
    priority: int
    active: bool
    raw: Mapping[str, Any] = field(repr=False)


@dataclass(frozen=True)
class Engine:
    currency: str
    rounding: str
    stacking: Mapping[str, Any]
    campaigns: list[Campaign]


def _instant(text: str | None) -> datetime | None:
    if text is None:
        return None
    parsed = timefmt.parse_timestamp(text)
    if parsed is None:
        raise ValueError(f"invalid timestamp in the engine definition: {text!r}")
    return parsed


def _effect_with_defaults(effect: Node) -> Node:
    defaults: dict[str, dict[str, Any]] = {
        "percent_off": {"on": {"type": "order"}, "cap": None},
        "amount_off": {"on": {"type": "order"}, "allocation": "across"},
        "fixed_price": {"on": {"type": "order"}},
        "shipping_off": {"percent": False},
        "buy_x_get_y": {"buy": None, "get": None, "max_applications": None},
        "gift": {"quantity": 1},
    }
    return {**defaults.get(effect["type"], {}), **effect}


def _campaign(position: int, raw: Mapping[str, Any]) -> Campaign:
    codes = ([raw["code"]] if raw.get("code") is not None else []) + list(raw.get("codes") or [])
    schedule = None
    if raw.get("schedule") is not None:
        s = raw["schedule"]
        hours = s.get("hours")
        schedule = Schedule(
            weekdays=list(s.get("weekdays") or []),
            hours=None if hours is None else (int(hours[0]), int(hours[1])),
            timezone=s.get("timezone", "UTC"),
        )
    tiers = None
    if raw.get("tiers") is not None:
        tiers = [Tier(t.get("rules"), _effect_with_defaults(t["effect"])) for t in raw["tiers"]]
    effect = raw.get("effect")
    return Campaign(
        position=position,
        id=raw["id"],
        rules=raw.get("rules"),
        effect=None if effect is None else _effect_with_defaults(effect),
        tiers=tiers,
        codes=codes,
        unique_codes=bool(raw.get("unique_codes")),
        starts_at=_instant(raw.get("starts_at")),
        ends_at=_instant(raw.get("ends_at")),
        schedule=schedule,
        priority=int(raw.get("priority", 0)),
        active=bool(raw.get("active", True)),
        raw=raw,
    )


def _engine(engine_ir: Mapping[str, Any]) -> Engine:
    stacking = {"mode": "sequential", "base": "discounted", "max_applied": None,
                "max_discount": None, **(engine_ir.get("stacking") or {})}  # fmt: skip
    return Engine(
        currency=engine_ir.get("currency", "USD"),
        rounding=engine_ir.get("rounding", "half_even"),
        stacking=stacking,
        campaigns=[_campaign(i, raw) for i, raw in enumerate(engine_ir["campaigns"])],
    )


def _check_supported(engine: Engine) -> None:
    """Raise ``NotImplementedError`` for what the compiler does not accept yet either."""
    problems = []
    for campaign in engine.campaigns:
        effects = [campaign.effect] if campaign.effect else [t.effect for t in campaign.tiers or []]
        for effect in effects:
            if effect["type"] not in _EFFECTS:
                problems.append(f"campaign {campaign.id!r}: effect {effect['type']}")
    if problems:
        raise NotImplementedError(
            "the reference evaluator does not support yet: " + "; ".join(problems)
        )


# -- codes ----------------------------------------------------------------------------------


def normalize_code(code: str) -> str:
    """A code's comparison key: the core's one normalisation (:func:`promotor.codes.normalize`),
    borrowed like the printer, since it is how codes are read, not evaluation semantics."""
    from promotor import _native

    return _native.normalize_code(code)


# -- money state and effects ----------------------------------------------------------------


@dataclass
class Money:
    """Everything in integer minor units: the original amounts and what is left of them."""

    exponent: int
    rounding: str  # a `decimal` rounding constant
    line_subtotals: list[int]
    shipping: int
    current: list[int]  # line amounts left by the campaigns applied so far (A_i)
    shipping_left: int  # what is left of the shipping (S)
    quantities: list[int]  # units of each line (q_i)

    def minor(self, amount: Decimal) -> int:
        """Decimal money to minor units with the engine's rounding mode."""
        return numbers.to_minor(amount, self.exponent, self.rounding)

    def amount(self, amount: Decimal) -> int:
        """An effect's money amount in minor units; a negative one counts as 0."""
        return max(self.minor(amount), 0)

    def round_units(self, units: Decimal) -> int:
        """A fractional number of minor units rounded to a whole one (engine's mode)."""
        return numbers.to_minor(units, 0, self.rounding)

    def money(self, units: int) -> Decimal:
        return numbers.from_minor(units, self.exponent)

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


def allocate(total: int, amounts: list[tuple[int, int]]) -> dict[int, int]:
    """Split ``total`` over ``(line index, weight)`` pairs by largest remainder.

    Each line gets ``floor(total * w / W)``; the units left over go one each to the largest
    remainders ``(total * w) mod W``, ties to the lower index. With ``total <= W`` no line
    gets more than its weight.
    """
    whole = sum(amount for _, amount in amounts)
    assert 0 <= total <= whole
    if total == 0:
        return {}
    shares = {index: total * amount // whole for index, amount in amounts}
    left = total - sum(shares.values())
    by_remainder = sorted(amounts, key=lambda pair: (-(total * pair[1] % whole), pair[0]))
    for index, _ in by_remainder[:left]:
        shares[index] += 1
    return {index: share for index, share in shares.items() if share}


def _each_line(shares: dict[int, int]) -> dict[int, int]:
    """Discounts given line by line (no proportional split), zero shares dropped."""
    return {index: share for index, share in shares.items() if share}


def _percent(value: Decimal) -> Decimal:
    """A percentage clamped to ``[0, 100]``."""
    return min(max(value, Decimal(0)), Decimal(100))


def _percent_of(units: int, percent: Decimal, money: Money) -> int:
    """``round(units * percent / 100)`` in whole minor units, exactly then rounded once."""
    exact = numbers.EXACT.divide(numbers.EXACT.multiply(Decimal(units), percent), Decimal(100))
    return money.round_units(exact)


def _count(value: Decimal, least: int) -> int | None:
    """A count of an effect: a whole number ``>= least``, else ``None`` (``no_effect``)."""
    if value != value.to_integral_value() or value < least:
        return None
    return int(value)


Matches = Callable[[Node | None, int], bool]
"""Whether line ``i``'s original item satisfies an item predicate (``None``: every item)."""


@dataclass(frozen=True)
class Targeted:
    """One targeted line: ``t_i`` of its units, worth ``T_i`` minor units."""

    index: int
    units: int
    amount: int


def _targets(on: Node, money: Money, matches: Matches) -> list[Targeted]:
    """The lines an ``ORDER`` or ``items(...)`` target takes, in line order (docs "Targets")."""
    if on["type"] == "order":
        return [Targeted(i, q, money.current[i]) for i, q in enumerate(money.quantities)]
    assert on["type"] == "items", on
    cheapest, most_expensive = on.get("cheapest"), on.get("most_expensive")
    if cheapest is not None and most_expensive is not None:
        raise ValueError("items(): cheapest and most_expensive together")
    cap = on.get("max_quantity")
    units = {
        i: q if cap is None else min(q, cap)
        for i, q in enumerate(money.quantities)
        if matches(on.get("pred"), i)
    }
    keep = cheapest if cheapest is not None else most_expensive
    if keep is not None:
        sign = 1 if cheapest is not None else -1
        order = sorted(units, key=lambda i: (sign * money.unit_price(i), i))
        for i in order:
            units[i] = min(units[i], keep)
            keep -= units[i]
    return [Targeted(i, t, money.part(i, t)) for i, t in sorted(units.items()) if t > 0]


def _weights(targets: list[Targeted]) -> list[tuple[int, int]]:
    return [(t.index, t.amount) for t in targets]


Numbers = dict[str, Decimal]


def _percent_off(effect: Node, values: Numbers, money: Money, matches: Matches) -> Discount:
    percent = _percent(values["percent"])
    cap = money.amount(values["cap"]) if "cap" in values else None

    def discount_of(whole: int) -> int:
        discount = _percent_of(whole, percent, money)
        if cap is not None:
            discount = min(discount, cap)
        return min(discount, whole)

    if effect["on"]["type"] == "shipping":
        return Discount({}, discount_of(money.shipping_left))
    targets = _targets(effect["on"], money, matches)
    discount = discount_of(sum(t.amount for t in targets))
    return Discount(allocate(discount, _weights(targets)), 0)


def _amount_off(effect: Node, values: Numbers, money: Money, matches: Matches) -> Discount:
    amount = money.amount(values["amount"])
    if effect["on"]["type"] == "shipping":
        if effect["allocation"] == "each":
            raise ValueError('amount_off(allocation="each") on SHIPPING')
        return Discount({}, min(amount, money.shipping_left))
    targets = _targets(effect["on"], money, matches)
    if effect["allocation"] == "each":
        return Discount(_each_line({t.index: min(amount * t.units, t.amount) for t in targets}), 0)
    assert effect["allocation"] == "across", effect["allocation"]
    discount = min(amount, sum(t.amount for t in targets))
    return Discount(allocate(discount, _weights(targets)), 0)


def _fixed_price(effect: Node, values: Numbers, money: Money, matches: Matches) -> Discount:
    price = money.amount(values["price"])
    on = effect["on"]
    if on["type"] == "shipping":
        return Discount({}, max(0, money.shipping_left - price))
    targets = _targets(on, money, matches)
    if on["type"] == "order":
        discount = max(0, sum(t.amount for t in targets) - price)
        return Discount(allocate(discount, _weights(targets)), 0)
    return Discount(_each_line({t.index: max(0, t.amount - price * t.units) for t in targets}), 0)


def _shipping_off(effect: Node, values: Numbers, money: Money, matches: Matches) -> Discount:
    if effect["percent"]:
        discount = _percent_of(money.shipping_left, _percent(values["amount"]), money)
    else:
        discount = money.amount(values["amount"])
    return Discount({}, min(discount, money.shipping_left))


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


def _buy_x_get_y(effect: Node, values: Numbers, money: Money, matches: Matches) -> Discount | None:
    buy_quantity = _count(values["buy_quantity"], 1)
    get_quantity = _count(values["get_quantity"], 1)
    limit = values.get("max_applications")
    applications = None if limit is None else _count(limit, 0)
    if buy_quantity is None or get_quantity is None or (limit is not None and applications is None):
        return None
    buy_pred = effect["buy"]
    get_pred = buy_pred if effect["get"] is None else effect["get"]
    runs = [
        _Units(i, q, matches(buy_pred, i), matches(get_pred, i))
        for i, q in enumerate(money.quantities)
    ]
    runs = [r for r in runs if r.buy or r.get]
    runs.sort(key=lambda r: (-money.unit_price(r.index), r.index))
    got = [0] * len(money.quantities)  # g_i
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
    weights = [(i, money.part(i, g)) for i, g in enumerate(got) if g > 0]  # G_i
    discount = _percent_of(sum(w for _, w in weights), _percent(values["percent"]), money)
    return Discount(allocate(discount, weights), 0)


def _gift(effect: Node, values: Numbers, money: Money, matches: Matches) -> Discount:
    price = money.money(money.amount(values["price"]))
    return Discount({}, 0, [{"sku": effect["sku"], "quantity": effect["quantity"], "price": price}])


Effect = Callable[[Node, Numbers, Money, Matches], "Discount | None"]

_EFFECTS: dict[str, Effect] = {
    "percent_off": _percent_off,
    "amount_off": _amount_off,
    "fixed_price": _fixed_price,
    "shipping_off": _shipping_off,
    "buy_x_get_y": _buy_x_get_y,
    "gift": _gift,
}

_EFFECT_NUMBERS = {
    "percent_off": ("percent", "cap"),
    "amount_off": ("amount",),
    "fixed_price": ("price",),
    "shipping_off": ("amount",),
    "buy_x_get_y": ("buy_quantity", "get_quantity", "percent", "max_applications"),
    "gift": ("price",),
}


def _effect_numbers(effect: Node, evaluator: RuleEvaluator) -> Numbers | None:
    """The effect's numbers, evaluated against the original cart (absent optional ones are
    left out); ``None`` when any expression gives ``null`` or a non-number (``no_effect``)."""
    values: Numbers = {}
    for key in _EFFECT_NUMBERS[effect["type"]]:
        if effect.get(key) is None:
            continue
        value = evaluator.eval(effect[key], {})
        if kind(value) != "num":
            return None
        assert isinstance(value, Decimal)
        values[key] = value
    return values


# -- campaigns ------------------------------------------------------------------------------


def _inactive_detail(campaign: Campaign, now: datetime) -> str | None:
    """Why a candidate is not active, checked in the spec's order; ``None`` when active."""
    if not campaign.active:
        return "inactive"
    if campaign.starts_at is not None and now < campaign.starts_at:
        return "not_started"
    if campaign.ends_at is not None and now >= campaign.ends_at:
        return "ended"
    schedule = campaign.schedule
    if schedule is not None:
        local = timefmt.local_time(now, schedule.timezone)
        if local is None:
            raise ValueError(f"unknown timezone {schedule.timezone!r}")
        if schedule.weekdays and local.isoweekday() not in schedule.weekdays:
            return "outside_schedule"
        if schedule.hours is not None:
            start, end = schedule.hours
            hour = local.hour
            within = start <= hour < end if start <= end else (hour >= start or hour < end)
            if not within:
                return "outside_schedule"
    return None


def _rejected(
    campaign: Campaign | None, code: str | None, reason: str, **extra: Any
) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "campaign_id": None if campaign is None else campaign.id,
        "code": code,
        "reason": reason,
        "condition": None,
        "actual": None,
        "expected": None,
        "detail": None,
        "by": None,
    }
    entry.update(extra)
    return entry


class _Run:
    """One evaluation: the facts, the money state, and the outcome being built."""

    def __init__(
        self,
        engine: Engine,
        canonical_input: Mapping[str, Any],
        printer: Printer,
        regex_search: RegexSearch,
        currency_exponent: CurrencyExponent,
    ) -> None:
        cart = canonical_input["cart"]
        self.engine = engine
        self.printer = printer
        self.currency = cart.get("currency") or engine.currency
        exponent = currency_exponent(self.currency)
        if exponent is None:
            raise ValueError(f"unknown currency {self.currency!r}")
        rounding = numbers.ROUNDING_MODES[engine.rounding]
        lines = cart["items"]
        subtotals = [
            numbers.to_minor(
                numbers.EXACT.multiply(line["price"], Decimal(line["quantity"])),
                exponent,
                rounding,
            )
            for line in lines
        ]
        shipping = numbers.to_minor(cart.get("shipping") or Decimal(0), exponent, rounding)
        quantities = [int(line["quantity"]) for line in lines]
        self.money = Money(
            exponent, rounding, subtotals, shipping, list(subtotals), shipping, quantities
        )
        money = self.money.money
        facts = Facts(
            items=[Item(i, line, money(subtotals[i])) for i, line in enumerate(lines)],
            subtotal=money(sum(subtotals)),
            quantity=Decimal(sum(int(line["quantity"]) for line in lines)),
            shipping=money(shipping),
            currency=self.currency,
            cart_metadata=cart.get("metadata") or {},
            customer=canonical_input.get("customer"),
            context=canonical_input["context"],
        )
        self.now: datetime = canonical_input["context"]["now"]
        self.lines = lines
        self.rules = RuleEvaluator(facts, engine.rounding, regex_search)
        self.applied: list[dict[str, Any]] = []
        self.rejected: list[dict[str, Any]] = []
        self.meter: Meter | None = None  # usage limits and budgets, when any campaign has them

    def check(
        self, position: int, campaign: Campaign, code: str | None
    ) -> stacking.Eligible | dict[str, Any]:
        """Checks 1-3 of one candidate in the spec's order: its rejection, or the candidate
        with its effect ready for stacking."""
        if self.currency != self.engine.currency:
            return _rejected(campaign, code, "currency_mismatch")
        detail = _inactive_detail(campaign, self.now)
        if detail is not None:
            return _rejected(campaign, code, "not_active", detail=detail)
        if not self.rules.holds(campaign.rules, {}):
            assert campaign.rules is not None
            return self._rules_not_met(campaign, code, campaign.rules, None)
        tier_index: int | None = None
        effect = campaign.effect
        if campaign.tiers is not None:
            holding = [i for i, t in enumerate(campaign.tiers) if self.rules.holds(t.rules, {})]
            if not holding:
                first = campaign.tiers[0].rules
                assert first is not None
                return self._rules_not_met(campaign, code, first, "tier 0")
            tier_index = holding[-1]
            effect = campaign.tiers[tier_index].effect
        block = None if self.meter is None else self.meter.prefilter(campaign)
        if block is not None:
            return _rejected(
                campaign,
                code,
                block.reason,
                detail=block.detail,
                actual=block.actual,
                expected=block.expected,
            )
        assert effect is not None
        compute, values = _EFFECTS[effect["type"]], _effect_numbers(effect, self.rules)

        def run(money: Money) -> Discount | None:
            if values is None:
                return None
            return compute(effect, values, money, self._matches)

        return stacking.Eligible(position, campaign, code, tier_index, run)

    def record(self, outcome: stacking.Outcome) -> None:
        """Apply or reject an eligible candidate as stacking decided."""
        e = outcome.eligible
        if outcome.discount is not None:
            self._apply(e.campaign, e.code, e.tier, outcome.discount, outcome.limited_by)
        elif outcome.block is not None:
            b = outcome.block
            self.rejected.append(
                _rejected(
                    e.campaign, e.code, b.reason, detail=b.detail, actual=b.actual,
                    expected=b.expected,
                )
            )  # fmt: skip
        else:
            assert outcome.reason is not None
            self.rejected.append(_rejected(e.campaign, e.code, outcome.reason, by=outcome.by))

    def _matches(self, pred: Node | None, index: int) -> bool:
        """Whether line ``index``'s original item satisfies ``pred`` (``None``: every item)."""
        return self.rules.holds(pred, {"item": self.rules.facts.items[index]})

    def _rules_not_met(
        self, campaign: Campaign, code: str | None, rule: Node, detail: str | None
    ) -> dict[str, Any]:
        failure = explain_failure(self.rules, rule, {}, self.printer)
        return _rejected(
            campaign,
            code,
            "rules_not_met",
            condition=failure.condition,
            actual=failure.actual,
            expected=failure.expected,
            detail=detail,
        )

    def _apply(
        self,
        campaign: Campaign,
        code: str | None,
        tier: int | None,
        discount: Discount,
        limited_by: str | None = None,
    ) -> None:
        """Take the discount stacking decided off the current amounts."""
        money = self.money
        for index, share in discount.allocations.items():
            assert 0 < share <= money.current[index]
            money.current[index] -= share
        assert discount.shipping <= money.shipping_left
        money.shipping_left -= discount.shipping
        self.applied.append(
            {
                "campaign_id": campaign.id,
                "code": code,
                "tier": tier,
                "amount": money.money(discount.total),
                "shipping_amount": money.money(discount.shipping),
                "allocations": {i: money.money(s) for i, s in sorted(discount.allocations.items())},
                "gifts": discount.gifts,
                # Only when set, like the native outcome, so outcomes without limits keep
                # their shape.
                **({"limited_by": limited_by} if limited_by is not None else {}),
            }
        )

    def outcome(self) -> dict[str, Any]:
        """The canonical outcome of what has been applied and rejected."""
        money = self.money
        line_discounts = [
            original - left
            for original, left in zip(money.line_subtotals, money.current, strict=True)
        ]
        shipping_discount = money.shipping - money.shipping_left
        subtotal = sum(money.line_subtotals)
        discount = sum(line_discounts) + shipping_discount
        total = max(subtotal + money.shipping - discount, 0)
        return {
            "currency": self.currency,
            "subtotal": money.money(subtotal),
            "shipping": money.money(money.shipping),
            "discount": money.money(discount),
            "shipping_discount": money.money(shipping_discount),
            "total": money.money(total),
            "lines": [
                {
                    "index": i,
                    "sku": line.get("sku"),
                    "quantity": int(line["quantity"]),
                    "unit_price": line["price"],
                    "subtotal": money.money(money.line_subtotals[i]),
                    "discount": money.money(line_discounts[i]),
                    "total": money.money(money.current[i]),
                }
                for i, line in enumerate(self.lines)
            ],
            "applied": self.applied,
            "rejected": self.rejected,
        }


#: Pool rows a store found, by normalised code: ``(campaign id, code, customer id or None)``.
Pools = Mapping[str, tuple[str, str, "str | None"]]


def _candidates(
    engine: Engine,
    given: dict[str, str],
    pools: Pools | None = None,
    customer_id: str | None = None,
) -> tuple[list[tuple[Campaign, str | None]], list[str], list[dict[str, Any]]]:
    """Candidates in evaluation order with their matched code (the campaign's own spelling,
    or a pool code's display form), the given codes (as given) that match nothing, and the
    rejections of pool codes assigned to someone else (``not_assigned_to_customer``).

    ``given`` maps each normalized code to its first spelling as given. A campaign's own codes
    win over its pool's; among pool codes the first given wins. A pool row of a campaign this
    engine does not define with ``unique_codes`` matches nothing.
    """
    matched: set[str] = set()
    own_hits: dict[int, str] = {}
    for campaign in engine.campaigns:
        own = {normalize_code(c): c for c in reversed(campaign.codes)}
        hits = [norm for norm in given if norm in own]
        matched.update(hits)
        if hits:
            own_hits[campaign.position] = own[hits[0]]
    pooled = {c.id: c for c in engine.campaigns if c.unique_codes}
    pool_hits: dict[int, str] = {}
    pool_rejected: list[dict[str, Any]] = []
    for norm, spelling in given.items():
        if norm in matched or not pooled or pools is None or norm not in pools:
            continue
        campaign_id, code, owner = pools[norm]
        holder = pooled.get(campaign_id)
        if holder is None:
            continue
        matched.add(norm)
        if owner is not None and owner != customer_id:
            pool_rejected.append(_rejected(holder, spelling, "not_assigned_to_customer"))
        elif holder.position not in own_hits:
            pool_hits.setdefault(holder.position, code)
    candidates: list[tuple[Campaign, str | None]] = []
    for campaign in sorted(engine.campaigns, key=lambda c: (-c.priority, c.position)):
        if not campaign.codes and not campaign.unique_codes:
            candidates.append((campaign, None))
        elif campaign.position in own_hits:
            candidates.append((campaign, own_hits[campaign.position]))
        elif campaign.position in pool_hits:
            candidates.append((campaign, pool_hits[campaign.position]))
    unknown = [spelling for norm, spelling in given.items() if norm not in matched]
    return candidates, unknown, pool_rejected


def _customer_id(canonical_input: Mapping[str, Any]) -> str | None:
    return (canonical_input.get("customer") or {}).get("id")


def pool_lookups(engine_ir: Mapping[str, Any], canonical_input: Mapping[str, Any]) -> list[str]:
    """The normalised given codes a store looks up in its pools: those no campaign defines,
    when some campaign has ``unique_codes`` (what ``Program::pool_lookups`` returns)."""
    engine = _engine(engine_ir)
    if not any(c.unique_codes for c in engine.campaigns):
        return []
    defined = {normalize_code(c) for campaign in engine.campaigns for c in campaign.codes}
    return [norm for norm in _given_codes(canonical_input) if norm not in defined]


def evaluate(
    engine_ir: Mapping[str, Any],
    canonical_input: Mapping[str, Any],
    *,
    snapshot: Mapping[str, int] | None = None,
    printer: Printer | None = None,
    regex_search: RegexSearch | None = None,
    currency_exponent: CurrencyExponent | None = None,
) -> dict[str, Any]:
    """Evaluate an engine definition (IR JSON as dicts) on a canonical input.

    Returns the canonical outcome dict of docs/architecture.md. ``snapshot`` holds the
    counters of usage limits and budgets (absent keys and ``None``: 0). ``printer``,
    ``regex_search`` and ``currency_exponent`` default to the native module's, imported on
    first use. Raises ``NotImplementedError`` for constructs not implemented yet (the
    compiler rejects them too).
    """
    return decide(
        engine_ir,
        canonical_input,
        snapshot or {},
        printer=printer,
        regex_search=regex_search,
        currency_exponent=currency_exponent,
    )[0]


def _meter(
    engine: Engine,
    candidates: list[tuple[Campaign, str | None]],
    canonical_input: Mapping[str, Any],
    snapshot: Mapping[str, int] | None,
    currency_exponent: CurrencyExponent,
) -> Meter | None:
    if not any(c.raw.get("limits") for c in engine.campaigns):
        return None
    exponent = currency_exponent(engine.currency)
    if exponent is None:
        raise ValueError(f"unknown currency {engine.currency!r}")
    return Meter(engine.campaigns, candidates, canonical_input, snapshot, exponent, normalize_code)


def _given_codes(canonical_input: Mapping[str, Any]) -> dict[str, str]:
    given: dict[str, str] = {}
    for code in canonical_input.get("codes") or []:
        norm = normalize_code(code)
        if norm and norm not in given:
            given[norm] = code
    return given


def state_keys(
    engine_ir: Mapping[str, Any],
    canonical_input: Mapping[str, Any],
    *,
    pools: Pools | None = None,
    currency_exponent: CurrencyExponent | None = None,
) -> list[str]:
    """The counters a decision on this input reads (section 8 of DESIGN.md), once the pool
    rows of :func:`pool_lookups` are known."""
    engine = _engine(engine_ir)
    candidates, _, _ = _candidates(
        engine, _given_codes(canonical_input), pools, _customer_id(canonical_input)
    )
    meter = _meter(
        engine, candidates, canonical_input, None,
        currency_exponent or _native_currency_exponent,
    )  # fmt: skip
    return [] if meter is None else list(meter.keys)


def decide(
    engine_ir: Mapping[str, Any],
    canonical_input: Mapping[str, Any],
    snapshot: Mapping[str, int],
    *,
    pools: Pools | None = None,
    printer: Printer | None = None,
    regex_search: RegexSearch | None = None,
    currency_exponent: CurrencyExponent | None = None,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The canonical outcome on a snapshot of counters (and the pool rows found for
    :func:`pool_lookups`), and the deltas (``{"key", "add", "max", "min"}``) that commit it;
    what ``Program::decide_with`` returns."""
    engine = _engine(engine_ir)
    _check_supported(engine)
    exponents = currency_exponent or _native_currency_exponent
    run = _Run(
        engine,
        canonical_input,
        printer or _native_printer,
        regex_search or _native_regex_search,
        exponents,
    )
    candidates, unknown, pool_rejected = _candidates(
        engine, _given_codes(canonical_input), pools, _customer_id(canonical_input)
    )
    run.meter = _meter(engine, candidates, canonical_input, snapshot, exponents)
    checked = [run.check(i, campaign, code) for i, (campaign, code) in enumerate(candidates)]
    eligible = [c for c in checked if isinstance(c, stacking.Eligible)]
    decided = stacking.stack(eligible, engine.stacking, run.money, run.meter)
    outcomes = {o.eligible.position: o for o in decided}
    for entry in checked:
        if isinstance(entry, stacking.Eligible):
            run.record(outcomes[entry.position])
        else:
            run.rejected.append(entry)
    run.rejected.extend(pool_rejected)
    for code in unknown:
        run.rejected.append(_rejected(None, code, "unknown_code"))
    deltas: list[dict[str, Any]] = []
    if run.meter is not None:
        deltas = run.meter.deltas(
            (o.eligible.campaign, o.discount.total) for o in decided if o.discount is not None
        )
    return run.outcome(), deltas


# -- wallets ---------------------------------------------------------------------------------


def _wallet_campaigns(
    engine: Engine, canonical_input: Mapping[str, Any], pools: Pools
) -> list[Campaign | None]:
    """The campaign of each input code that is a pool code of this customer's."""
    pooled = {c.id: c for c in engine.campaigns if c.unique_codes}
    customer_id = _customer_id(canonical_input)
    out: list[Campaign | None] = []
    for code in canonical_input.get("codes") or []:
        row = pools.get(normalize_code(code))
        if row is None or row[2] is None or row[2] != customer_id:
            out.append(None)
        else:
            out.append(pooled.get(row[0]))
    return out


def _code_meter(
    engine: Engine,
    campaign: Campaign,
    code: str,
    canonical_input: Mapping[str, Any],
    snapshot: Mapping[str, int] | None,
    exponent: int,
) -> Meter:
    return Meter(
        engine.campaigns, [(campaign, code)], canonical_input, snapshot, exponent, normalize_code
    )


def wallet_keys(
    engine_ir: Mapping[str, Any],
    canonical_input: Mapping[str, Any],
    pools: Pools,
    *,
    currency_exponent: CurrencyExponent | None = None,
) -> list[str]:
    """The counters :func:`wallet` reads: the limits of each code's campaign, for this
    customer, code and period (what ``Program::wallet_keys`` returns)."""
    engine = _engine(engine_ir)
    exponent = (currency_exponent or _native_currency_exponent)(engine.currency)
    assert exponent is not None
    out: list[str] = []
    for code, campaign in zip(
        canonical_input.get("codes") or [],
        _wallet_campaigns(engine, canonical_input, pools),
        strict=True,
    ):
        if campaign is None or not campaign.raw.get("limits"):
            continue
        for k in _code_meter(engine, campaign, code, canonical_input, None, exponent).keys:
            if k not in out:
                out.append(k)
    return out


def wallet(
    engine_ir: Mapping[str, Any],
    canonical_input: Mapping[str, Any],
    snapshot: Mapping[str, int],
    pools: Pools,
    priced: bool,
    *,
    printer: Printer | None = None,
    regex_search: RegexSearch | None = None,
    currency_exponent: CurrencyExponent | None = None,
) -> list[tuple[int, str, str, datetime | None, Decimal | None]]:
    """A wallet of the input's codes: ``(index, campaign id, status, expires_at, value)`` for
    each that is one of the customer's pool codes, as ``Program::wallet`` decides it.

    ``status``: ``used`` when a per-code count limit of the campaign is reached for the code;
    else ``expired`` when the campaign has ended or is switched off; else ``available``.
    ``value`` (only when ``priced``): the campaign's discount on the cart on its own with this
    code (checks 1-3, the limits as a redemption sees them, a partial budget shrinking it,
    ``max_discount``), 0 unless available.
    """
    engine = _engine(engine_ir)
    _check_supported(engine)
    exponents = currency_exponent or _native_currency_exponent
    engine_exponent = exponents(engine.currency)
    assert engine_exponent is not None
    run = _Run(
        engine,
        canonical_input,
        printer or _native_printer,
        regex_search or _native_regex_search,
        exponents,
    )
    now = canonical_input["context"]["now"]
    limited = any(c.raw.get("limits") for c in engine.campaigns)
    out = []
    codes = canonical_input.get("codes") or []
    for index, (code, campaign) in enumerate(
        zip(codes, _wallet_campaigns(engine, canonical_input, pools), strict=True)
    ):
        if campaign is None:
            continue
        meter = (
            _code_meter(engine, campaign, code, canonical_input, snapshot, engine_exponent)
            if limited
            else None
        )
        used = meter is not None and any(
            limit.per == "code" and limit.counted == "count" and k is not None
            and meter.base[k] + 1 > limit.max
            for limit, k in meter._pairs(campaign)
        )  # fmt: skip
        if used:
            status = "used"
        elif not campaign.active or (campaign.ends_at is not None and now >= campaign.ends_at):
            status = "expired"
        else:
            status = "available"
        value: Decimal | None = None
        if priced:
            amount = 0
            if status == "available":
                checked = run.check(0, campaign, code)
                if isinstance(checked, stacking.Eligible):
                    discount = checked.effect(stacking._original(run.money))
                    if discount is not None and meter is not None:
                        if meter.prefilter(campaign) is not None:
                            discount = None
                        else:
                            admitted = meter.admit(campaign, discount, {})
                            discount = None if not isinstance(admitted, tuple) else admitted[0]
                    if discount is not None:
                        amount = max(discount.total, 0)
                        cap = engine.stacking.get("max_discount")
                        if cap is not None:
                            amount = min(amount, _cap(Decimal(str(cap)), run.money))
            value = run.money.money(amount)
        out.append((index, campaign.id, status, campaign.ends_at, value))
    return out


def _cap(percent: Decimal, money: Money) -> int:
    """``M = round(subtotal × p / 100)``, ``p`` clamped to [0, 100] (as ``max_discount``)."""
    percent = min(max(percent, Decimal(0)), Decimal(100))
    subtotal = sum(money.line_subtotals)
    exact = numbers.EXACT.divide(numbers.EXACT.multiply(Decimal(subtotal), percent), Decimal(100))
    return max(money.round_units(exact), 0)
