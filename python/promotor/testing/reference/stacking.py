"""Stacking of the reference evaluator (docs/semantics.md, "## Stacking").

``stack`` takes the candidates that passed checks 1-3 (currency, active, rules), in candidate
order, and decides for each whether it applies (with which shares) or why not. It favours being
obviously right over being fast: best-deal mode is a plain brute force over all subsets, the
oracle for the Rust branch and bound.

Where the spec leaves room, this module reads it as follows (the Rust evaluator must agree):

- A candidate's discount *alone on the original cart* (the exclusive winner, the best-deal
  ranking beyond the exact search's limit) is its effect computed on the original amounts, before
  ``max_discount``. A missing discount (``null`` numbers) counts as 0.
- ``max_applied`` and ``stop_after`` count the campaigns applied in the sequential pass;
  ``max_discount`` is applied after that pass and does not undo them. A campaign reduced to 0 by
  ``max_discount`` that adds a gift keeps applying (amount 0).
- ``M = round(subtotal × p / 100)`` uses the engine's rounding mode, like ``percent_off``.
- A campaign with ``rules_on="discounted"`` passes checks 1-2 only before stacking; its check
  3 (rules, then tiers) is made at its turn in the sequential pass on the amounts as left by
  the campaigns applied before it, then the usage prefilter, then checks 4-8. It is never
  exclusive and never in best-deal mode (both refused at compile time).
- In best-deal mode the exclusive winner, groups and ``stop_after`` are judged within the
  subset only; positions are positions in candidate order. Every rejection is reported in
  candidate order, whatever check produced it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from itertools import combinations
from typing import Any

from promotor.testing.reference import num
from promotor.testing.reference.alloc import allocate
from promotor.testing.reference.effects import Amounts, Discount, shipping
from promotor.testing.reference.program import CCampaign
from promotor.testing.reference.state import Block, Meter

__all__ = ["BEST_DEAL_BUDGET", "BEST_DEAL_LIMIT", "Eligible", "Outcome", "best_deal_limit", "stack"]

BEST_DEAL_LIMIT = 16
"""Best-deal mode searches the subsets of at most this many eligible campaigns."""

BEST_DEAL_BUDGET = 1 << 22
"""The search's work in subsets times lines: the exact search takes the ``k`` campaigns that
take most alone, ``k`` the largest (at most :data:`BEST_DEAL_LIMIT`) with
``2**k * (lines + 1) <= BEST_DEAL_BUDGET``."""


def best_deal_limit(lines: int) -> int:
    """How many eligible campaigns best deal searches exactly on a cart of ``lines`` lines.

    >>> best_deal_limit(3), best_deal_limit(1000)
    (16, 12)
    """
    k = BEST_DEAL_LIMIT
    while k > 1 and 2**k * (lines + 1) > BEST_DEAL_BUDGET:
        k -= 1
    return k


EffectFn = Callable[[Amounts], "Discount | None"]


@dataclass(frozen=True)
class Eligible:
    """A candidate that passed checks 1-3, with its effect ready to compute on any amounts."""

    position: int  # in candidate order
    campaign: CCampaign
    code: str | None
    tier: int | None
    effect: EffectFn  # the discount on the amounts's current amounts; None: no effect
    # rules_on="discounted": check 3 at its turn, on the amounts as left before it; gives
    # (tier, effect) or the rejection
    deferred: Callable[[Amounts], tuple[int | None, EffectFn] | dict[str, Any]] | None = None

    @property
    def exclusive(self) -> bool:
        return bool(self.campaign.raw.get("exclusive"))

    @property
    def group(self) -> str | None:
        group = self.campaign.raw.get("group")
        return None if group is None else str(group)

    @property
    def stop_after(self) -> bool:
        return bool(self.campaign.raw.get("stop_after"))


@dataclass(frozen=True)
class Outcome:
    """What became of an eligible candidate: applied with ``discount`` (``limited_by``
    ``"max_discount"`` when the order's maximum discount reduced it), or rejected for
    ``reason`` (``by`` the campaign id the reason names)."""

    eligible: Eligible
    discount: Discount | None = None
    reason: str | None = None
    by: str | None = None
    block: Block | None = None  # limit_reached / budget_exhausted: which limit
    # "budget" when a budget shrank the discount, "max_discount" when the order's maximum did
    limited_by: str | None = None
    rejection: dict[str, Any] | None = None  # a deferred campaign's rules_not_met


def _takes_effect(discount: Discount | None) -> bool:
    """Discounts more than zero or adds a gift."""
    if discount is None:
        return False
    return discount.total > 0 or bool(getattr(discount, "gifts", None))


def _original(amounts: Amounts) -> Amounts:
    """The amounts state of the original cart: nothing taken yet."""
    return replace(
        amounts,
        current=list(amounts.line_subtotals),
        shipping_left=amounts.shipping,
        units=[],
        methods_left=list(amounts.methods),
    )


def _standalone(eligible: Sequence[Eligible], amounts: Amounts) -> dict[int, Discount | None]:
    """Each candidate's discount alone on the original cart, by position."""
    return {
        e.position: None if e.deferred is not None else e.effect(_original(amounts))
        for e in eligible
    }


def _total(discount: Discount | None) -> int:
    return 0 if discount is None else discount.total


def _discount(e: Eligible, state: Amounts, base: str) -> Discount | None:
    """The candidate's discount on the cart as the campaigns before it left it."""
    if base == "discounted":
        return e.effect(state.copy())
    whole = e.effect(_original(state))
    if whole is None:
        return None
    clipped = {i: min(s, state.current[i]) for i, s in whole.allocations.items()}
    # computed on the original cart: its shares land on all of a line's units
    return shipping.clip(
        replace(whole.forget_units(), allocations={i: s for i, s in clipped.items() if s > 0}),
        state,
    )


def _take(state: Amounts, discount: Discount) -> None:
    assert all(0 < share <= state.current[i] for i, share in discount.allocations.items())
    state.take(discount)


def _sequential(
    eligible: Sequence[Eligible],
    settings: Mapping[str, Any],
    amounts: Amounts,
    alone: Mapping[int, Discount | None],
    meter: Meter | None = None,
) -> list[Outcome]:
    """Checks 4-8 of sequential mode for each candidate in order (usage limits and budgets
    after ``no_effect``), then ``max_discount``."""
    usage: dict[str, int] = {}
    winner = next((e for e in eligible if e.exclusive and _takes_effect(alone[e.position])), None)
    max_applied = settings.get("max_applied")
    state = _original(amounts)
    applied: list[Eligible] = []
    outcomes: list[Outcome] = []
    for e in eligible:
        if e.deferred is not None:
            turn = e.deferred(state)
            if isinstance(turn, dict):
                outcomes.append(Outcome(e, reason=turn["reason"], rejection=turn))
                continue
            e = replace(e, tier=turn[0], effect=turn[1])
            block = None if meter is None else meter.prefilter(e.campaign)
            if block is not None:
                outcomes.append(Outcome(e, reason=block.reason, block=block))
                continue
        stopper = next((a for a in applied if a.stop_after), None)
        rival = next((a for a in applied if e.group is not None and a.group == e.group), None)
        if winner is not None and e is not winner:
            outcomes.append(Outcome(e, reason="exclusive_conflict", by=winner.campaign.id))
        elif stopper is not None:
            outcomes.append(Outcome(e, reason="stopped", by=stopper.campaign.id))
        elif max_applied is not None and len(applied) >= int(max_applied):
            outcomes.append(Outcome(e, reason="max_applied"))
        elif rival is not None:
            outcomes.append(Outcome(e, reason="group_conflict", by=rival.campaign.id))
        else:
            discount = _discount(e, state, settings["base"])
            if discount is None or not _takes_effect(discount):
                outcomes.append(Outcome(e, reason="no_effect"))
                continue
            limited = False
            if meter is not None:
                admitted = meter.admit(e.campaign, discount, usage)
                if isinstance(admitted, Block):
                    outcomes.append(Outcome(e, reason=admitted.reason, block=admitted))
                    continue
                discount, limited = admitted
            _take(state, discount)
            applied.append(e)
            outcomes.append(Outcome(e, discount, limited_by="budget" if limited else None))
    if settings.get("max_discount") is not None:
        outcomes = _max_discount(outcomes, Decimal(str(settings["max_discount"])), amounts)
    return outcomes


def _max_discount(outcomes: list[Outcome], percent: Decimal, amounts: Amounts) -> list[Outcome]:
    """Clip the applied campaigns, in order, to ``M = round(subtotal × p / 100)`` in all."""
    percent = min(max(percent, Decimal(0)), Decimal(100))
    subtotal = sum(amounts.line_subtotals)
    exact = num.EXACT.divide(num.EXACT.multiply(Decimal(subtotal), percent), Decimal(100))
    limit = amounts.round_units(exact)
    shipping_key = len(amounts.line_subtotals)  # the shipping share weighs last
    spent = 0
    clipped: list[Outcome] = []
    for outcome in outcomes:
        discount = outcome.discount
        if discount is None or discount.total <= limit - spent:
            spent += _total(discount)
            clipped.append(outcome)
            continue
        left = max(limit - spent, 0)
        weights = [*sorted(discount.allocations.items()), (shipping_key, discount.shipping)]
        shares = allocate(left, weights)
        reduced = shipping.resplit(
            replace(
                discount,
                allocations={i: s for i, s in shares.items() if i != shipping_key},
                shipping=shares.get(shipping_key, 0),
            )
        )
        spent += left
        if _takes_effect(reduced):
            clipped.append(replace(outcome, discount=reduced, limited_by="max_discount"))
        else:
            clipped.append(Outcome(outcome.eligible, reason="max_discount"))
    return clipped


def _allowed(subset: Sequence[Eligible], max_applied: int | None) -> bool:
    """At most one exclusive and then alone; one per group; nothing after a ``stop_after``;
    at most ``max_applied``."""
    exclusives = sum(e.exclusive for e in subset)
    groups = [e.group for e in subset if e.group is not None]
    return (
        (exclusives == 0 or len(subset) == 1)
        and len(groups) == len(set(groups))
        and not any(e.stop_after for e in subset[:-1])
        and (max_applied is None or len(subset) <= max_applied)
    )


def _value(outcomes: Sequence[Outcome]) -> int:
    return sum(_total(o.discount) for o in outcomes)


def _best_deal(
    eligible: Sequence[Eligible],
    settings: Mapping[str, Any],
    amounts: Amounts,
    meter: Meter | None = None,
) -> list[Outcome]:
    """Apply the allowed subset of largest value; ties to the smallest sorted positions."""
    alone = _standalone(eligible, amounts)
    considered = list(eligible)
    limit = best_deal_limit(len(amounts.quantities))
    if len(considered) > limit:
        ranked = sorted(considered, key=lambda e: (-_total(alone[e.position]), e.position))
        considered = sorted(ranked[:limit], key=lambda e: e.position)
    max_applied = settings.get("max_applied")
    most = None if max_applied is None else int(max_applied)
    best_key: tuple[int, list[int]] | None = None
    best: list[Outcome] = []
    for size in range(len(considered) + 1):
        for subset in combinations(considered, size):  # each in candidate order
            if not _allowed(subset, most):
                continue
            outcomes = _sequential(subset, settings, amounts, alone, meter)
            key = (-_value(outcomes), [e.position for e in subset])
            if best_key is None or key < best_key:
                best_key, best = key, outcomes
    chosen = {o.eligible.position: o for o in best}
    return [chosen.get(e.position) or Outcome(e, reason="not_best_deal") for e in eligible]


def stack(
    eligible: Sequence[Eligible],
    settings: Mapping[str, Any],
    amounts: Amounts,
    meter: Meter | None = None,
) -> list[Outcome]:
    """One outcome per eligible candidate (given in candidate order), in the same order.

    ``settings`` is the engine's ``stacking`` with defaults filled in; ``amounts`` holds the
    original amounts (its current amounts are not read or changed).
    """
    if settings["mode"] == "best_deal":
        return _best_deal(eligible, settings, amounts, meter)
    return _sequential(eligible, settings, amounts, _standalone(eligible, amounts), meter)
