"""Usage limits and budgets in the reference evaluator: the same snapshot -> (outcome,
deltas) decision as ``rust/promotor-core/src/state/`` (read its module docs for the order of
the checks), written to be obviously right.

- Counters are addressed by keys such as ``count|campaign=bf|customer=c1|day@UTC=2026-11-27``
  (``%`` and ``|`` escaped in values as ``%25`` and ``%7C``); a shared ``key`` replaces the
  campaign; codes are normalised; periods are local calendar days, ISO weeks and months.
- A snapshot maps keys to what is used (absent: 0). ``prefilter`` reads it alone; ``admit``
  adds what this evaluation has counted, and shrinks a discount to a partial budget's rest.
- ``deltas`` gives, per counter in order of first use, the total added and the bound that keeps
  every application's own check true: ``min_j(max_j - cum_j) + total``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from promotor.testing.reference import num, time
from promotor.testing.reference.alloc import allocate

if TYPE_CHECKING:
    from promotor.testing.reference.effects import Discount
    from promotor.testing.reference.program import CCampaign as Campaign

__all__ = ["Block", "Limit", "Meter", "escape", "period"]

Normalize = Callable[[str], str]

_DETAILS = {
    (None, False): "total",
    ("customer", False): "per_customer",
    ("code", False): "per_code",
    (None, True): "per_period",
    ("customer", True): "per_customer_period",
    ("code", True): "per_code_period",
}


@dataclass(frozen=True)
class Limit:
    """One limit (``counted="count"``) or budget (``"budget"``, ``max`` in minor units)."""

    counted: str
    max: int
    partial: bool
    per: str | None
    every: str | None
    timezone: str
    scope: tuple[bool, str]  # (shared key?, key or campaign id)
    detail: str


@dataclass(frozen=True)
class Block:
    """Why a limit blocks a campaign: the fields of its rejection."""

    reason: str
    detail: str
    actual: Decimal | None
    expected: Decimal


def parse_limits(campaign: Mapping[str, Any], exponent: int) -> list[Limit]:
    """A campaign's ``limits`` from the IR, budgets in minor units."""
    out = []
    for raw in campaign.get("limits") or []:
        every = raw.get("every")
        key = raw.get("key")
        scope = (True, key) if key is not None else (False, campaign["id"])
        if raw["type"] == "limit":
            per = raw.get("per")
            detail = key if key is not None else _DETAILS[(per, every is not None)]
            out.append(
                Limit("count", int(raw["max"]), False, per, every, raw.get("timezone", "UTC"),
                      scope, detail)
            )  # fmt: skip
        else:
            amount = Decimal(raw["amount"])
            minor = int(amount.scaleb(exponent))
            assert minor == amount.scaleb(exponent), "more places than the currency has"
            out.append(
                Limit("budget", minor, bool(raw.get("partial", True)), None, every,
                      raw.get("timezone", "UTC"), scope, key if key is not None else "budget")
            )  # fmt: skip
    return out


def escape(value: str) -> str:
    return value.replace("%", "%25").replace("|", "%7C")


def period(every: str, timezone: str, now: datetime) -> str:
    """The local calendar period of ``now``: ``2026-11-27``, ``2026-W48``, ``2026-11``."""
    local = time.local_time(now, timezone)
    assert local is not None, timezone
    if every == "day":
        return f"{local.year:04d}-{local.month:02d}-{local.day:02d}"
    if every == "week":
        year, week, _ = local.isocalendar()
        return f"{year:04d}-W{week:02d}"
    assert every == "month", every
    return f"{local.year:04d}-{local.month:02d}"


def key(limit: Limit, customer: str | None, code: str | None, now: datetime) -> str:
    parts = [limit.counted, ("key=" if limit.scope[0] else "campaign=") + escape(limit.scope[1])]
    if limit.per == "customer":
        assert customer is not None
        parts.append("customer=" + escape(customer))
    if limit.per == "code":
        assert code is not None
        parts.append("code=" + escape(code))
    if limit.every is not None:
        parts.append(
            f"{limit.every}@{escape(limit.timezone)}="
            + escape(period(limit.every, limit.timezone, now))
        )
    return "|".join(parts)


Usage = dict[str, int]
_SHIPPING = 2**62


class Meter:
    """The limits of one evaluation over a snapshot.

    ``candidates`` are ``(campaign, matched code)`` pairs (the automatic campaigns and those
    whose code was given); keys are derived in the campaigns' engine order.
    """

    def __init__(
        self,
        campaigns: Sequence[Campaign],
        candidates: Iterable[tuple[Campaign, str | None]],
        canonical_input: Mapping[str, Any],
        snapshot: Mapping[str, int] | None,
        exponent: int,
        normalize: Normalize,
    ) -> None:
        customer = canonical_input.get("customer") or {}
        customer_id = customer.get("id")
        now = canonical_input["context"]["now"]
        codes = {c.position: code for c, code in candidates}
        self.exponent = exponent
        self.limits: dict[int, list[Limit]] = {}
        self.slots: dict[int, list[str | None]] = {}
        self.keys: list[str] = []
        for campaign in sorted(campaigns, key=lambda c: c.position):
            limits = parse_limits(campaign.raw, exponent)
            if not limits or campaign.position not in codes:
                continue
            code = codes[campaign.position]
            slots: list[str | None] = []
            for limit in limits:
                if limit.per == "customer" and customer_id is None:
                    slots.append(None)
                    continue
                k = key(limit, customer_id, None if code is None else normalize(code), now)
                if k not in self.keys:
                    self.keys.append(k)
                slots.append(k)
            self.limits[campaign.position] = limits
            self.slots[campaign.position] = slots
        self.base = {k: int((snapshot or {}).get(k, 0)) for k in self.keys}

    def _value(self, used: int, limit: Limit) -> Decimal:
        if limit.counted == "count":
            return Decimal(used)
        return num.from_minor(used, self.exponent)

    def _block(self, limit: Limit, used: int | None) -> Block:
        expected = self._value(limit.max, limit)
        if used is None:
            return Block("limit_reached", "customer required", None, expected)
        reason = "limit_reached" if limit.counted == "count" else "budget_exhausted"
        return Block(reason, limit.detail, self._value(used, limit), expected)

    def _pairs(self, campaign: Campaign) -> list[tuple[Limit, str | None]]:
        return list(
            zip(
                self.limits.get(campaign.position, []),
                self.slots.get(campaign.position, []),
                strict=True,
            )
        )

    def prefilter(self, campaign: Campaign) -> Block | None:
        """The first limit that blocks on the snapshot alone."""
        for limit, k in self._pairs(campaign):
            if k is None:
                return self._block(limit, None)
            used = self.base[k]
            if (limit.counted == "count" and used + 1 > limit.max) or (
                limit.counted == "budget" and used >= limit.max
            ):
                return self._block(limit, used)
        return None

    def admit(
        self, campaign: Campaign, discount: Discount, usage: Usage
    ) -> tuple[Discount, bool] | Block:
        """The discount it may take (shrunk to a partial budget's rest, with ``True``) given
        what ``usage`` has counted in this evaluation, which it updates; or the block."""
        pairs = self._pairs(campaign)
        if not pairs:
            return discount, False
        amount = discount.total
        rests = []
        for limit, k in pairs:
            if k is None:
                return self._block(limit, None)
            used = self.base[k] + usage.get(k, 0)
            if limit.counted == "count":
                if used + 1 > limit.max:
                    return self._block(limit, used)
                continue
            rest = limit.max - used
            if rest <= 0 or (not limit.partial and amount > rest):
                return self._block(limit, used)
            rests.append(rest)
        limited = bool(rests) and amount > min(rests)
        if limited:
            discount = shrink(discount, min(rests))
        counted: set[str] = set()
        for limit, k in pairs:
            if k is None or k in counted:
                continue
            counted.add(k)
            usage[k] = usage.get(k, 0) + (1 if limit.counted == "count" else discount.total)
        return discount, limited

    def deltas(self, applied: Iterable[tuple[Campaign, int]]) -> list[dict[str, Any]]:
        """The deltas of the campaigns applied, ``(campaign, final amount)`` in order."""
        totals: dict[str, int] = {}
        slack: dict[str, int] = {}
        for campaign, amount in applied:
            pairs = self._pairs(campaign)
            for k in dict.fromkeys(k for _, k in pairs if k is not None):
                tightest = min(limit.max for limit, other in pairs if other == k)
                counted = next(limit.counted for limit, other in pairs if other == k)
                totals[k] = totals.get(k, 0) + (1 if counted == "count" else max(amount, 0))
                slack[k] = min(slack.get(k, tightest - totals[k]), tightest - totals[k])
        return [
            {"key": k, "add": total, "max": slack[k] + total, "min": None}
            for k, total in totals.items()
            if total != 0
        ]


def shrink(discount: Discount, to: int) -> Discount:
    """The discount reduced to ``to`` minor units, re-split by largest remainder over its
    shares (shipping weighs last), as ``max_discount`` does."""

    shipping_key = _SHIPPING  # weighs after every line
    weights = [*sorted(discount.allocations.items()), (shipping_key, discount.shipping)]
    shares = allocate(to, weights)
    from promotor.testing.reference.effects.shipping import resplit

    return resplit(
        replace(
            discount,
            allocations={i: s for i, s in shares.items() if i != shipping_key},
            shipping=shares.get(shipping_key, 0),
        )
    )
