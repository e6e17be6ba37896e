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
from typing import Any

from promotor._reference import numbers, stacking, timefmt
from promotor._reference.explain import explain_failure
from promotor._reference.expr import Facts, Item, Node, RuleEvaluator, kind

__all__ = ["evaluate", "normalize_code"]

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
    codes: list[str]  # `code` first, then `codes`; empty: automatic
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
            elif effect["type"] in ("percent_off", "amount_off") and effect["on"] != {
                "type": "order"
            }:
                problems.append(f"campaign {campaign.id!r}: target {effect['on']['type']}")
            elif effect.get("allocation", "across") != "across":
                problems.append(f"campaign {campaign.id!r}: allocation {effect['allocation']!r}")
    if problems:
        raise NotImplementedError(
            "the reference evaluator does not support yet: " + "; ".join(problems)
        )


# -- codes ----------------------------------------------------------------------------------

_WHITE_SPACE = (
    "\u0009\u000a\u000b\u000c\u000d\u0020\u0085\u00a0\u1680"
    "\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000"
)
"""Unicode ``White_Space`` (what Rust's ``str::trim`` removes); ``str.strip()`` would also
remove U+001C..U+001F."""


def normalize_code(code: str) -> str:
    """A code as codes are matched: trimmed of white space, then lower-cased."""
    return code.strip(_WHITE_SPACE).lower()


# -- money state and effects ----------------------------------------------------------------


@dataclass
class Money:
    """Everything in integer minor units: the original amounts and what is left of them."""

    exponent: int
    rounding: str  # a `decimal` rounding constant
    line_subtotals: list[int]
    shipping: int
    current: list[int]  # line amounts left by the campaigns applied so far
    shipping_left: int

    def minor(self, amount: Decimal) -> int:
        """Decimal money to minor units with the engine's rounding mode."""
        return numbers.to_minor(amount, self.exponent, self.rounding)

    def round_units(self, units: Decimal) -> int:
        """A fractional number of minor units rounded to a whole one (engine's mode)."""
        return numbers.to_minor(units, 0, self.rounding)

    def money(self, units: int) -> Decimal:
        return numbers.from_minor(units, self.exponent)


@dataclass(frozen=True)
class Discount:
    """What one effect takes off: shares of lines and of shipping, in minor units."""

    allocations: dict[int, int]  # non-zero shares only
    shipping: int

    @property
    def total(self) -> int:
        return sum(self.allocations.values()) + self.shipping


def allocate(total: int, amounts: list[tuple[int, int]]) -> dict[int, int]:
    """Split ``total`` over ``(line index, current amount)`` pairs by largest remainder.

    Each line gets ``floor(total * a / A)``; the units left over go one each to the largest
    remainders ``(total * a) mod A``, ties to the lower index. With ``total <= A`` no line
    gets more than its amount.
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


def _percent(value: Decimal) -> Decimal:
    """A percentage clamped to ``[0, 100]``."""
    return min(max(value, Decimal(0)), Decimal(100))


def _percent_of(units: int, percent: Decimal, money: Money) -> int:
    """``round(units * percent / 100)`` in whole minor units, exactly then rounded once."""
    exact = numbers.EXACT.divide(numbers.EXACT.multiply(Decimal(units), percent), Decimal(100))
    return money.round_units(exact)


def _order_lines(money: Money) -> list[tuple[int, int]]:
    """The order target: every line with its current amount."""
    return list(enumerate(money.current))


Numbers = dict[str, "Decimal | None"]


def _percent_off(effect: Node, values: Numbers, money: Money) -> Discount | None:
    percent, cap = values["percent"], values.get("cap")
    if percent is None or (effect["cap"] is not None and cap is None):
        return None
    lines = _order_lines(money)
    whole = sum(amount for _, amount in lines)
    discount = _percent_of(whole, _percent(percent), money)
    if cap is not None:
        discount = min(discount, money.minor(cap))
    discount = max(min(discount, whole), 0)
    return Discount(allocate(discount, lines), 0)


def _amount_off(effect: Node, values: Numbers, money: Money) -> Discount | None:
    amount = values["amount"]
    if amount is None:
        return None
    lines = _order_lines(money)
    whole = sum(current for _, current in lines)
    discount = min(max(money.minor(amount), 0), whole)
    return Discount(allocate(discount, lines), 0)


def _shipping_off(effect: Node, values: Numbers, money: Money) -> Discount | None:
    amount = values["amount"]
    if amount is None:
        return None
    if effect["percent"]:
        discount = _percent_of(money.shipping_left, _percent(amount), money)
    else:
        discount = max(money.minor(amount), 0)
    return Discount({}, min(discount, money.shipping_left))


_EFFECTS: dict[str, Callable[[Node, Numbers, Money], Discount | None]] = {
    "percent_off": _percent_off,
    "amount_off": _amount_off,
    "shipping_off": _shipping_off,
}

_EFFECT_NUMBERS = {
    "percent_off": ("percent", "cap"),
    "amount_off": ("amount",),
    "shipping_off": ("amount",),
}


def _effect_numbers(effect: Node, evaluator: RuleEvaluator) -> Numbers:
    """The effect's numbers, evaluated against the original cart; ``None`` where an
    expression gave ``null`` or a non-number (which makes the effect ``no_effect``)."""
    values: Numbers = {}
    for key in _EFFECT_NUMBERS[effect["type"]]:
        if effect.get(key) is None:
            continue
        value = evaluator.eval(effect[key], {})
        values[key] = value if kind(value) == "num" else None
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
        self.money = Money(exponent, rounding, subtotals, shipping, list(subtotals), shipping)
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
        assert effect is not None
        compute, values = _EFFECTS[effect["type"]], _effect_numbers(effect, self.rules)
        return stacking.Eligible(
            position, campaign, code, tier_index, lambda money: compute(effect, values, money)
        )

    def record(self, outcome: stacking.Outcome) -> None:
        """Apply or reject an eligible candidate as stacking decided."""
        e = outcome.eligible
        if outcome.discount is not None:
            self._apply(e.campaign, e.code, e.tier, outcome.discount)
        else:
            assert outcome.reason is not None
            self.rejected.append(_rejected(e.campaign, e.code, outcome.reason, by=outcome.by))

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
        self, campaign: Campaign, code: str | None, tier: int | None, discount: Discount
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
                "gifts": [],
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


def _candidates(
    engine: Engine, given: dict[str, str]
) -> tuple[list[tuple[Campaign, str | None]], list[str]]:
    """Candidates in evaluation order with their matched code (the campaign's own spelling),
    and the given codes (as given) that match no campaign.

    ``given`` maps each normalized code to its first spelling as given.
    """
    matched: set[str] = set()
    candidates: list[tuple[Campaign, str | None]] = []
    ordered = sorted(engine.campaigns, key=lambda c: (-c.priority, c.position))
    for campaign in ordered:
        if not campaign.codes:
            candidates.append((campaign, None))
            continue
        own = {normalize_code(c): c for c in reversed(campaign.codes)}
        hits = [norm for norm in given if norm in own]
        matched.update(hits)
        if hits:
            candidates.append((campaign, own[hits[0]]))
    unknown = [spelling for norm, spelling in given.items() if norm not in matched]
    return candidates, unknown


def evaluate(
    engine_ir: Mapping[str, Any],
    canonical_input: Mapping[str, Any],
    *,
    printer: Printer | None = None,
    regex_search: RegexSearch | None = None,
    currency_exponent: CurrencyExponent | None = None,
) -> dict[str, Any]:
    """Evaluate an engine definition (IR JSON as dicts) on a canonical input.

    Returns the canonical outcome dict of docs/architecture.md. ``printer``, ``regex_search``
    and ``currency_exponent`` default to the native module's, imported on first use.
    Raises ``NotImplementedError`` for constructs not implemented yet (the compiler rejects
    them too).
    """
    engine = _engine(engine_ir)
    _check_supported(engine)
    run = _Run(
        engine,
        canonical_input,
        printer or _native_printer,
        regex_search or _native_regex_search,
        currency_exponent or _native_currency_exponent,
    )
    given: dict[str, str] = {}
    for code in canonical_input.get("codes") or []:
        norm = normalize_code(code)
        if norm and norm not in given:
            given[norm] = code
    candidates, unknown = _candidates(engine, given)
    checked = [run.check(i, campaign, code) for i, (campaign, code) in enumerate(candidates)]
    eligible = [c for c in checked if isinstance(c, stacking.Eligible)]
    decided = stacking.stack(eligible, engine.stacking, run.money)
    outcomes = {o.eligible.position: o for o in decided}
    for entry in checked:
        if isinstance(entry, stacking.Eligible):
            run.record(outcomes[entry.position])
        else:
            run.rejected.append(entry)
    for code in unknown:
        run.rejected.append(_rejected(None, code, "unknown_code"))
    return run.outcome()
