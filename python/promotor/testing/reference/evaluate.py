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
- Effects: a ``gift`` whose price is null is ``no_effect`` like any effect number; otherwise
  it applies, even to an empty cart (a ``quantity`` of 0 does not compile), unless ``per``
  finds fewer than ``per`` qualifying units (then ``no_effect``). A count like
  ``2.0`` is whole. With
  ``max_applications`` 0, ``buy_x_get_y`` gives 0 (``no_effect``). ``cheapest=n`` keeps units
  in ascending current unit price, ``most_expensive=n`` in descending, both ties to the lower
  line index. ``cheapest`` with ``most_expensive`` and ``"each"`` on ``SHIPPING`` (compile
  errors) raise ``ValueError``.
- A campaign is automatic when it has neither ``code`` nor any ``codes`` nor ``unique_codes``
  (``codes: []`` with no ``code`` is automatic). Its matched code is its own spelling of the
  first given code (in the order given) that matches one of its codes. Codes are trimmed of
  Unicode ``White_Space`` (Rust's ``str::trim``), then lower-cased. Unknown codes are reported
  with their first spelling as given, untrimmed.
- Schedules read the local weekday and hour; hours that wrap (``(22, 2)``) are the night that
  starts on a listed day, so Saturday 01:00 is in a Friday 22-02 window; hours ``(h, h)`` do
  not compile.
- A tier whose effect gives nothing is ``no_effect`` (no fallback to a lower tier), detail
  ``None``. ``rules_not_met`` from the campaign's own rules has detail ``None``.
- With ``currency_mismatch`` the outcome's money uses the cart's currency and exponent.
- ``lines[].unit_price`` is the price as given, not quantized (it may have more places than
  the currency); every other money value is quantized to the currency's exponent.

>>> from datetime import UTC
>>> outcome = evaluate(
...     {"version": 2, "currency": "USD", "campaigns": [{"id": "ten", "effect": {
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
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from promotor.testing.reference import num, stacking
from promotor.testing.reference.active import inactive_detail
from promotor.testing.reference.codes import normalize_code
from promotor.testing.reference.effects import EFFECTS, Amounts, Discount, effect_numbers
from promotor.testing.reference.effects.base import settle
from promotor.testing.reference.effects.shipping import method_maps, method_shares
from promotor.testing.reference.explain import explain_failure
from promotor.testing.reference.expr import Facts, Item, Node, RuleEvaluator
from promotor.testing.reference.program import (
    CCampaign,
    CTier,
    Program,
    check_supported,
    read_program,
)
from promotor.testing.reference.state import Meter
from promotor.testing.reference.taxes import taxes

__all__ = ["Pools", "decide", "evaluate", "pool_lookups", "state_keys"]

Printer = Callable[[Node], str]
RegexSearch = Callable[[str, str], "bool | None"]
CurrencyExponent = Callable[[str], "int | None"]


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


def _rejected(
    campaign: CCampaign | None, code: str | None, reason: str, **extra: Any
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
    """One evaluation: the facts, the amounts state, and the outcome being built (with the
    native printer and regex search unless others are given)."""

    def __init__(
        self,
        engine: Program,
        canonical_input: Mapping[str, Any],
        printer: Printer | None,
        regex_search: RegexSearch | None,
        currency_exponent: CurrencyExponent,
    ) -> None:
        cart = canonical_input["cart"]
        self.engine = engine
        self.printer = printer or _native_printer
        self.currency = cart.get("currency") or engine.currency
        exponent = currency_exponent(self.currency)
        if exponent is None:
            raise ValueError(f"unknown currency {self.currency!r}")
        rounding = num.ROUNDING_MODES[engine.rounding]
        lines = cart["items"]
        subtotals = [
            num.to_minor(
                num.EXACT.multiply(line["price"], Decimal(line["quantity"])),
                exponent,
                rounding,
            )
            for line in lines
        ]
        self.cart = cart
        self.methods = method_maps(cart)
        self.listed = bool(cart.get("shipping_methods"))
        methods = [max(num.to_minor(m["price"], exponent, rounding), 0) for m in self.methods]
        shipping = sum(methods)
        quantities = [int(line["quantity"]) for line in lines]
        self.amounts = Amounts(
            exponent,
            rounding,
            subtotals,
            shipping,
            list(subtotals),
            shipping,
            quantities,
            methods=methods,
            methods_left=list(methods),
        )
        decimal = self.amounts.decimal
        facts = Facts(
            items=[Item(i, line, decimal(subtotals[i])) for i, line in enumerate(lines)],
            subtotal=decimal(sum(subtotals)),
            quantity=Decimal(sum(int(line["quantity"]) for line in lines)),
            shipping=decimal(shipping),
            currency=self.currency,
            cart_metadata=cart.get("metadata") or {},
            shipping_methods=self.methods,
            customer=canonical_input.get("customer"),
            context=canonical_input["context"],
        )
        self.now: datetime = canonical_input["context"]["now"]
        self.lines = lines
        self._regex_search = regex_search or _native_regex_search
        self.rules = RuleEvaluator(facts, engine.rounding, self._regex_search)
        self.applied: list[dict[str, Any]] = []
        self.rejected: list[dict[str, Any]] = []
        self.meter: Meter | None = None  # usage limits and budgets, when any campaign has them

    def check(
        self, position: int, campaign: CCampaign, code: str | None, defer: bool = False
    ) -> stacking.Eligible | dict[str, Any]:
        """Checks 1-3 of one candidate in the spec's order: its rejection, or the candidate
        with its effect ready for stacking. With ``defer``, a campaign with
        ``rules_on="discounted"`` passes checks 1-2 only: stacking makes check 3 at its turn.
        """
        if self.currency != self.engine.currency:
            return _rejected(campaign, code, "currency_mismatch")
        detail = inactive_detail(campaign, self.now)
        if detail is not None:
            return _rejected(campaign, code, "not_active", detail=detail)
        if defer and campaign.rules_on == "discounted":

            def turn(state: Amounts) -> tuple[int | None, stacking.EffectFn] | dict[str, Any]:
                chosen = self._rules(campaign, code, self._evaluator_at(state))
                if isinstance(chosen, dict):
                    return chosen
                return chosen[0], self._effect_fn(chosen[1])

            return stacking.Eligible(position, campaign, code, None, lambda a: None, turn)
        chosen = self._rules(campaign, code, self.rules)
        if isinstance(chosen, dict):
            return chosen
        tier_index, effect = chosen
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
        return stacking.Eligible(position, campaign, code, tier_index, self._effect_fn(effect))

    def _rules(
        self, campaign: CCampaign, code: str | None, rules: RuleEvaluator
    ) -> tuple[int | None, CCampaign | CTier] | dict[str, Any]:
        """Check 3 with ``rules``: the tier (``None`` without tiers) and effect that apply, or
        the ``rules_not_met`` rejection."""
        if not rules.holds(campaign.rules, {}):
            assert campaign.rules is not None
            return self._rules_not_met(campaign, code, campaign.rules, None, rules)
        if campaign.tiers is None:
            assert campaign.body
            return None, campaign
        holding = [i for i, t in enumerate(campaign.tiers) if rules.holds(t.rules, {})]
        if not holding:
            first = campaign.tiers[0].rules
            assert first is not None
            return self._rules_not_met(campaign, code, first, "tier 0", rules)
        return holding[-1], campaign.tiers[holding[-1]]

    def _effect_fn(self, holder: CCampaign | CTier) -> stacking.EffectFn:
        """The campaign's or tier's effect ready to compute on any amounts (its numbers read
        the original cart); several effects compute in order, each on the amounts the ones
        before it left, and report their parts."""
        if holder.effects is None:
            assert holder.effect is not None
            return self._one(holder.effect)
        parts = [self._one(e) for e in holder.effects]

        def run(amounts: Amounts) -> Discount | None:
            state = amounts.copy()
            taken: list[Discount] = []
            for part in parts:
                found = part(state)
                if found is None:
                    return None  # a null number of any effect: no_effect
                state.take(found)
                taken.append(found)
            allocations: dict[int, int] = {}
            methods: dict[int, int] = {}
            for d in taken:
                for i, v in d.allocations.items():
                    allocations[i] = allocations.get(i, 0) + v
                for j, v in method_shares(d, amounts.methods_left).items():
                    methods[j] = methods.get(j, 0) + v
            return Discount(
                {i: v for i, v in allocations.items() if v},
                sum(d.shipping for d in taken),
                [g for d in taken for g in d.gifts],
                methods={j: v for j, v in methods.items() if v},
                parts=tuple(taken),
            )

        return run

    def _one(self, effect: Node) -> stacking.EffectFn:
        compute, values = EFFECTS[effect["type"]].apply, effect_numbers(effect, self.rules)

        def run(amounts: Amounts) -> Discount | None:
            if values is None:
                return None
            found: Discount | None = compute(effect, values, amounts, self._matches)
            return found

        return run

    def _evaluator_at(self, state: Amounts) -> RuleEvaluator:
        """Rules reading the cart as left in ``state``: each line's current amount as
        ``item.subtotal``, their sum as ``cart.subtotal``, what is left of the shipping as
        ``cart.shipping``; everything else as given."""
        facts = self.rules.facts
        decimal = state.decimal
        at = replace(
            facts,
            items=[
                replace(item, subtotal=decimal(state.current[item.index])) for item in facts.items
            ],
            subtotal=decimal(sum(state.current)),
            shipping=decimal(state.shipping_left),
        )
        return RuleEvaluator(at, self.engine.rounding, self._regex_search)

    def record(self, outcome: stacking.Outcome) -> None:
        """Apply or reject an eligible candidate as stacking decided."""
        e = outcome.eligible
        if outcome.rejection is not None:
            self.rejected.append(outcome.rejection)
        elif outcome.discount is not None:
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

    def _matches(self, pred: Node | None, index: int, var: str = "item") -> bool:
        """Whether line ``index``'s original item satisfies ``pred`` (``None``: every item);
        with ``var="method"``, whether shipping method ``index`` does."""
        if var == "method":
            return self.rules.holds(pred, {"method": self.methods[index]})
        return self.rules.holds(pred, {"item": self.rules.facts.items[index]})

    def _rules_not_met(
        self,
        campaign: CCampaign,
        code: str | None,
        rule: Node,
        detail: str | None,
        rules: RuleEvaluator,
    ) -> dict[str, Any]:
        failure = explain_failure(rules, rule, {}, self.printer)
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
        campaign: CCampaign,
        code: str | None,
        tier: int | None,
        discount: Discount,
        limited_by: str | None,
    ) -> None:
        """Take the discount stacking decided off the current amounts."""
        amounts = self.amounts
        for index, share in discount.allocations.items():
            assert 0 < share <= amounts.current[index]
            amounts.current[index] -= share
        assert discount.shipping <= amounts.shipping_left
        per_method = method_shares(discount, amounts.methods_left)
        amounts.take_shipping(discount)
        self.applied.append(
            {
                "campaign_id": campaign.id,
                "code": code,
                "tier": tier,
                "amount": amounts.decimal(discount.total),
                "shipping_amount": amounts.decimal(discount.shipping),
                "allocations": {
                    i: amounts.decimal(s) for i, s in sorted(discount.allocations.items())
                },
                "gifts": discount.gifts,
                # Only when set, like the native outcome, so outcomes without limits keep
                # their shape.
                **({"limited_by": limited_by} if limited_by is not None else {}),
                # Per method only for carts that list their methods.
                **(
                    {
                        "shipping_allocations": {
                            j: amounts.decimal(s) for j, s in sorted(per_method.items()) if s
                        }
                    }
                    if self.listed and any(per_method.values())
                    else {}
                ),
                **(
                    {"parts": [_part(p, amounts) for p in settle(discount)]}
                    if discount.parts
                    else {}
                ),
            }
        )

    def outcome(self) -> dict[str, Any]:
        """The canonical outcome of what has been applied and rejected."""
        amounts = self.amounts
        line_discounts = [
            original - left
            for original, left in zip(amounts.line_subtotals, amounts.current, strict=True)
        ]
        shipping_discount = amounts.shipping - amounts.shipping_left
        subtotal = sum(amounts.line_subtotals)
        discount = sum(line_discounts) + shipping_discount
        total = max(subtotal + amounts.shipping - discount, 0)
        return {
            "currency": self.currency,
            "subtotal": amounts.decimal(subtotal),
            "shipping": amounts.decimal(amounts.shipping),
            "discount": amounts.decimal(discount),
            "shipping_discount": amounts.decimal(shipping_discount),
            "total": amounts.decimal(total),
            "lines": [
                {
                    "index": i,
                    "sku": line.get("sku"),
                    "quantity": int(line["quantity"]),
                    "unit_price": line["price"],
                    "subtotal": amounts.decimal(amounts.line_subtotals[i]),
                    "discount": amounts.decimal(line_discounts[i]),
                    "total": amounts.decimal(amounts.current[i]),
                }
                for i, line in enumerate(self.lines)
            ],
            "applied": self.applied,
            "rejected": self.rejected,
            **({"shipping_methods": self._method_rows()} if self.listed else {}),
            **self._taxes(line_discounts),
        }

    def _taxes(self, line_discounts: list[int]) -> dict[str, Any]:
        amounts = self.amounts
        lines = [
            (i, line.get("tax_rate"), amounts.line_subtotals[i], amounts.current[i])
            for i, line in enumerate(self.lines)
        ]
        listed = self.cart.get("shipping_methods") or []
        methods = [
            (j, listed[j].get("tax_rate") if listed else None, amount, amounts.methods_left[j])
            for j, amount in enumerate(amounts.methods)
        ]
        found = taxes(
            lines, methods, self.engine.prices_include_tax, amounts.rounding, amounts.exponent
        )
        return {} if found is None else {"taxes": found}

    def _method_rows(self) -> list[dict[str, Any]]:
        amounts = self.amounts
        return [
            {
                "index": j,
                "id": m["id"],
                "code": m["code"],
                "name": m["name"],
                "price": amounts.decimal(amounts.methods[j]),
                "discount": amounts.decimal(amounts.methods[j] - amounts.methods_left[j]),
                "total": amounts.decimal(amounts.methods_left[j]),
            }
            for j, m in enumerate(self.methods)
        ]


def _part(part: Discount, amounts: Amounts) -> dict[str, Any]:
    """One effect's part of a several-effect campaign, as the outcome reports it."""
    return {
        "amount": amounts.decimal(part.total),
        "shipping_amount": amounts.decimal(part.shipping),
        "allocations": {i: amounts.decimal(s) for i, s in sorted(part.allocations.items()) if s},
        "gifts": part.gifts,
    }


#: Pool rows a store found, by normalised code: ``(campaign id, code, customer id or None)``.
Pools = Mapping[str, tuple[str, str, "str | None"]]


def _candidates(
    engine: Program,
    given: dict[str, str],
    pools: Pools | None = None,
    customer_id: str | None = None,
) -> tuple[list[tuple[CCampaign, str | None]], list[str], list[dict[str, Any]]]:
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
        own = {engine.code_key(c): c for c in reversed(campaign.codes)}
        hits = [norm for norm in given if norm in own]
        matched.update(hits)
        if hits:
            own_hits[campaign.position] = own[hits[0]]
    pooled = {c.id: c for c in engine.campaigns if c.unique_codes}
    pool_hits: dict[int, str] = {}
    pool_rejected: list[dict[str, Any]] = []
    for norm, spelling in given.items():
        # Pools are indexed by the case-insensitive key; a case-sensitive engine also compares
        # the row's display form.
        folded = normalize_code(spelling)
        if norm in matched or not pooled or pools is None or folded not in pools:
            continue
        campaign_id, code, owner = pools[folded]
        holder = pooled.get(campaign_id)
        if holder is None or engine.code_key(code) != norm:
            continue
        matched.add(norm)
        if owner is not None and owner != customer_id:
            pool_rejected.append(_rejected(holder, spelling, "not_assigned_to_customer"))
        elif holder.position not in own_hits:
            pool_hits.setdefault(holder.position, code)
    candidates: list[tuple[CCampaign, str | None]] = []
    for campaign in sorted(engine.campaigns, key=lambda c: (-c.priority, c.position)):
        if not campaign.codes and not campaign.unique_codes:
            candidates.append((campaign, None))
        elif campaign.position in own_hits:
            candidates.append((campaign, own_hits[campaign.position]))
        elif campaign.position in pool_hits:
            candidates.append((campaign, pool_hits[campaign.position]))
    unknown = [spelling for norm, spelling in given.items() if norm not in matched]
    return candidates, unknown, pool_rejected


def customer_id(canonical_input: Mapping[str, Any]) -> str | None:
    return (canonical_input.get("customer") or {}).get("id")


def pool_lookups(engine_ir: Mapping[str, Any], canonical_input: Mapping[str, Any]) -> list[str]:
    """The normalised given codes a store looks up in its pools: those no campaign defines,
    when some campaign has ``unique_codes`` (what ``Program::pool_lookups`` returns)."""
    engine = read_program(engine_ir)
    if not any(c.unique_codes for c in engine.campaigns):
        return []
    defined = {engine.code_key(c) for campaign in engine.campaigns for c in campaign.codes}
    out: list[str] = []
    for norm, spelling in _given_codes(canonical_input, engine).items():
        folded = normalize_code(spelling)
        if norm not in defined and folded not in out:
            out.append(folded)
    return out


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
    engine: Program,
    candidates: list[tuple[CCampaign, str | None]],
    canonical_input: Mapping[str, Any],
    snapshot: Mapping[str, int] | None,
    currency_exponent: CurrencyExponent,
) -> Meter | None:
    if not any(c.raw.get("limits") for c in engine.campaigns):
        return None
    exponent = currency_exponent(engine.currency)
    if exponent is None:
        raise ValueError(f"unknown currency {engine.currency!r}")
    return Meter(engine.campaigns, candidates, canonical_input, snapshot, exponent, engine.code_key)


def _given_codes(canonical_input: Mapping[str, Any], engine: Program) -> dict[str, str]:
    given: dict[str, str] = {}
    for code in canonical_input.get("codes") or []:
        norm = engine.code_key(code)
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
    engine = read_program(engine_ir)
    candidates, _, _ = _candidates(
        engine, _given_codes(canonical_input, engine), pools, customer_id(canonical_input)
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
    engine = read_program(engine_ir)
    check_supported(engine)
    exponents = currency_exponent or _native_currency_exponent
    run = _Run(engine, canonical_input, printer, regex_search, exponents)
    candidates, unknown, pool_rejected = _candidates(
        engine, _given_codes(canonical_input, engine), pools, customer_id(canonical_input)
    )
    run.meter = _meter(engine, candidates, canonical_input, snapshot, exponents)
    checked = [
        run.check(i, campaign, code, defer=True) for i, (campaign, code) in enumerate(candidates)
    ]
    eligible = [c for c in checked if isinstance(c, stacking.Eligible)]
    decided = stacking.stack(eligible, engine.stacking, run.amounts, run.meter)
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
