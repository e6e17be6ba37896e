"""Programmes (DESIGN section 10): loyalty points and their rewards, gift cards, referral.

Definitions are frozen pydantic models like campaigns, and dump to the IR that
``rust/promotor-core/src/programs/`` compiles; every decision on points and gift cards is the
core's (the reference evaluator makes the same, see ``promotor.testing.reference.programs``).

>>> import promotor as pm
>>> points = pm.Loyalty(id="points", earn=[pm.earn(points=1, per=1)], pending_days=14,
...                     expire_after_days=365,
...                     tiers=[pm.LoyaltyTier("gold", points=2000, multiplier=1.5)],
...                     rewards=[pm.Reward("five-off", cost=500, effect=pm.amount_off(5))],
...                     point_value="0.01", timezone="Europe/Warsaw")
>>> points.to_ir()["earn"]
[{'points': '1', 'per': '1'}]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import Field

from promotor import ir
from promotor.campaign import Instant, Schedule, _Definition
from promotor.expr import Expr

__all__ = [
    "Balance",
    "EarnRule",
    "GiftCard",
    "ImportReport",
    "Loyalty",
    "LoyaltyTier",
    "Payment",
    "Referral",
    "ReferralProgress",
    "ReferralReward",
    "Reward",
    "earn",
    "referral_reward",
]


class EarnRule(_Definition):
    """``points`` per ``per`` of the amount paid (after discounts, before shipping), or per
    event ``on``; or a ``multiplier`` of what the other rules give. ``rules``, ``schedule``,
    ``starts_at`` and ``ends_at`` say when it applies, as for campaigns."""

    points: ir.DecimalStr | None = None
    per: ir.DecimalStr = "1"
    multiplier: ir.DecimalStr | None = None
    on: Annotated[str, Field(min_length=1)] | None = None
    rules: Expr | None = None
    schedule: Schedule | None = None
    starts_at: Instant | None = None
    ends_at: Instant | None = None


def earn(
    points: Any = None,
    per: Any = 1,
    multiplier: Any = None,
    on: str | None = None,
    rules: Any = None,
    schedule: Schedule | None = None,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
) -> EarnRule:
    """An earning rule: ``earn(points=1, per=1)`` (a point per 1.00 paid),
    ``earn(multiplier=2, schedule=pm.Schedule(weekdays=[6, 7]))`` (double points at
    weekends), ``earn(points=50, on="review_posted")`` (an event)."""
    data: dict[str, Any] = {"per": per}
    for name, value in (
        ("points", points),
        ("multiplier", multiplier),
        ("on", on),
        ("rules", rules),
        ("schedule", schedule),
        ("starts_at", starts_at),
        ("ends_at", ends_at),
    ):
        if value is not None:
            data[name] = value
    return EarnRule(**data)


class LoyaltyTier(_Definition):
    """A tier reached by ``points`` earned in the programme's window; its ``multiplier``
    multiplies what its members earn."""

    name: Annotated[str, Field(min_length=1)]
    points: ir.U64
    multiplier: ir.DecimalStr | None = None

    def __init__(self, name: Any = None, /, **data: Any) -> None:
        if name is not None:
            data["name"] = name
        super().__init__(**data)

    __init__.__pydantic_base_init__ = True  # type: ignore[attr-defined]


class Reward(_Definition):
    """A reward of the catalogue: ``engine.redeem_reward`` spends ``cost`` points and puts a
    code for ``effect`` into the customer's wallet (a campaign ``"<programme>:<id>"``)."""

    id: Annotated[str, Field(min_length=1)]
    name: str = ""
    cost: ir.U64
    effect: ir.Effect

    def __init__(self, id: Any = None, /, **data: Any) -> None:
        if id is not None:
            data["id"] = id
        super().__init__(**data)

    __init__.__pydantic_base_init__ = True  # type: ignore[attr-defined]


class Loyalty(_Definition):
    """A loyalty programme (docs/loyalty.md has every rule, exactly)."""

    type: Literal["loyalty"] = "loyalty"
    id: Annotated[str, Field(min_length=1)]
    name: str = ""
    earn: tuple[EarnRule, ...] = ()
    pending_days: ir.U32 = 0
    expire_after_days: Annotated[int, Field(ge=1, le=2**32 - 1)] | None = None
    tiers: tuple[LoyaltyTier, ...] = ()
    tier_window_days: ir.U32 | None = None
    rewards: tuple[Reward, ...] = ()
    point_value: ir.DecimalStr | None = None
    timezone: Annotated[str, Field(min_length=1)] = "UTC"
    expiring_notice_days: ir.U32 = 14


class ReferralReward(_Definition):
    """A reward tier: at ``referrals`` rewarded referrals the advocate gets exactly one of a
    code for ``effect`` (into their wallet, a campaign ``"<programme>:<referrals>"``),
    ``points`` in the loyalty programme ``program`` (the engine's only one by default), or a
    new gift card of ``gift_card``."""

    referrals: Annotated[int, Field(ge=1, le=2**32 - 1)]
    effect: ir.Effect | None = None
    points: Annotated[int, Field(ge=1, le=2**64 - 1)] | None = None
    program: Annotated[str, Field(min_length=1)] | None = None
    gift_card: ir.DecimalStr | None = None


def referral_reward(
    referrals: int,
    effect_or_points: Any = None,
    *,
    points: int | None = None,
    program: str | None = None,
    gift_card: Any = None,
) -> ReferralReward:
    """A reward tier reached at ``referrals`` rewarded referrals:
    ``referral_reward(1, pm.amount_off(10))`` (a code), ``referral_reward(3, 500)`` (500
    loyalty points), ``referral_reward(5, gift_card="25.00")`` (a gift card).

    >>> import promotor as pm
    >>> pm.referral_reward(3, 500).to_ir()
    {'referrals': 3, 'points': 500}
    """
    data: dict[str, Any] = {"referrals": referrals}
    if isinstance(effect_or_points, int) and not isinstance(effect_or_points, bool):
        data["points"] = effect_or_points
    elif effect_or_points is not None:
        data["effect"] = effect_or_points
    for name, value in (("points", points), ("program", program), ("gift_card", gift_card)):
        if value is not None:
            data[name] = value
    return ReferralReward(**data)


class Referral(_Definition):
    """A referral programme (docs/referral.md has every rule, exactly): advocates share a
    code (``engine.referral_code``); a friend's first order with it gets ``friend_effect``
    when ``friend_rules`` hold (no ``friend_effect``: single-sided); the friend converts on
    the first order satisfying ``conversion`` (or, with ``on=``, the first such tracked
    event); each reward tier reached by the advocate's rewarded referrals is issued once.
    ``advocate_rules`` are checked on the advocate when their code is made; ``limits``
    (``pm.limit(10, every="month")``) cap the rewarded referrals of one advocate; the codes
    are accepted from ``starts_at`` until ``ends_at``."""

    type: Literal["referral"] = "referral"
    id: Annotated[str, Field(min_length=1)]
    name: str = ""
    friend_effect: ir.Effect | None = None
    friend_rules: Expr | None = None
    advocate_rules: Expr | None = None
    conversion: Expr | None = None
    on: Annotated[str, Field(min_length=1)] | None = None
    rewards: tuple[ReferralReward, ...] = ()
    starts_at: Instant | None = None
    ends_at: Instant | None = None
    limits: tuple[ir.CampaignLimit, ...] = ()
    code_pattern: Annotated[str, Field(min_length=1)] = "REF-####-####"


@dataclass(frozen=True, slots=True)
class ReferralProgress:
    """An advocate's referrals in one programme: their ``code`` (``None`` until
    ``engine.referral_code``), friends ``pending`` (referred, not converted), ``converted``
    (all conversions), ``rewarded`` (conversions counted toward tiers: within the limits),
    the last ``tier`` rewarded (its referrals, 0 for none), the ``next_tier`` and how many
    rewarded referrals are still missing to it (``to_next_tier``, ``None`` after the last),
    and every friend as ``(friend id, status)``."""

    program: str
    code: str | None
    pending: int
    converted: int
    rewarded: int
    tier: int
    next_tier: int | None
    to_next_tier: int | None
    friends: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Balance:
    """A customer's points now: ``available`` (may be negative after a rollback of points
    already spent), ``pending``, ``expiring`` as ``(date, points)`` by date (the points
    expire at 00:00 of that date, in the programme's timezone) and the ``tier`` name."""

    available: int
    pending: int
    expiring: list[tuple[date, int]]
    tier: str | None


@dataclass(frozen=True, slots=True)
class GiftCard:
    """A gift card: ``balance`` in ``currency``; it pays nothing when inactive or expired."""

    code: str
    balance: Decimal
    currency: str
    expires_at: datetime | None
    active: bool
    customer_id: str | None = None


@dataclass(frozen=True, slots=True)
class Payment:
    """What paid part of an order after discounts: ``kind`` ``"gift_card"`` (``ref`` the
    card's code) or ``"points"`` (``ref`` the programme's id, ``points`` spent)."""

    kind: str
    ref: str
    amount: Decimal
    points: int | None = None


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What an import did: ``rows`` read (after the header), ``imported``, ``skipped`` (rows
    of this file already imported) and ``errors`` as ``(row, message)``, rows numbered from
    1 after the header."""

    rows: int
    imported: int
    skipped: int
    errors: list[tuple[int, str]] = field(default_factory=list)
