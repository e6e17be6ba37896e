"""Campaigns: who qualifies (``rules``), what they get (``effect`` or ``tiers``), and when.

Definitions are frozen pydantic models that forbid unknown fields; every problem raises
:class:`~promotor.errors.RuleError` with a ``loc`` per problem. They dump to the IR.

>>> from promotor.campaign import Campaign, Tier
>>> from promotor.effects import percent_off, amount_off
>>> from promotor.expr import cart
>>> c = Campaign("spend-more", tiers=[
...     Tier(cart.subtotal >= 100, percent_off(10)),
...     Tier(cart.subtotal >= 200, percent_off(15)),
... ])
>>> c.to_ir()["tiers"][1]["effect"]
{'type': 'percent_off', 'percent': {'type': 'num', 'value': '15'}, 'on': {'type': 'order'}}
>>> Campaign.model_validate_json(c.model_dump_json()) == c
True
>>> Campaign(id="x", effect=amount_off(5), prority=1)
Traceback (most recent call last):
...
promotor.errors.RuleError: prority: unknown field 'prority'; did you mean 'priority'?
>>> Campaign(id="x", effect=amount_off(5), codes=[])
Traceback (most recent call last):
...
promotor.errors.RuleError: codes: must not be empty; leave codes out for an automatic campaign
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AwareDatetime,
    BeforeValidator,
    Field,
    JsonValue,
    PlainSerializer,
    StrictBool,
)
from pydantic_core import PydanticCustomError

from promotor import ir
from promotor._text import rfc3339
from promotor.errors import detail
from promotor.expr import Expr

__all__ = ["Campaign", "RuleBounds", "Schedule", "Stacking", "Tier"]

#: ``Schedule(weekdays=[5, 6], hours=(9, 17), timezone="Europe/Warsaw")``: ISO weekdays
#: (1 = Monday .. 7 = Sunday), half-open hours ``[start, end)``, an IANA timezone. Hours that
#: wrap (``(22, 2)``) are the night that starts on each listed day.
Schedule = ir.Schedule
#: ``Stacking(mode="sequential" | "best_deal", base="discounted" | "original",
#: max_applied=None, max_discount=None)``; ``max_discount`` in percent of the subtotal.
Stacking = ir.Stacking
#: The compile-time bounds of rules: ``max_depth``, ``max_nodes``, ``max_cost``,
#: ``max_text_len`` (``pm.Engine(bounds=...)``). Not the usage limits of campaigns.
RuleBounds = ir.RuleBounds


def _aware(value: Any) -> Any:
    if isinstance(value, datetime) and (value.tzinfo is None or value.utcoffset() is None):
        raise PydanticCustomError("naive_datetime", detail("naive_datetime")["msg"])
    return value


#: An aware instant, stored as RFC 3339 in UTC (``2026-11-27T00:00:00Z``) in the IR.
Instant = Annotated[
    AwareDatetime,
    BeforeValidator(_aware),
    PlainSerializer(rfc3339, return_type=str, when_used="json"),
]


class _Definition(ir.Checked):
    def to_ir(self) -> dict[str, Any]:
        """The IR dict, as ``rust/promotor-core/src/ir.rs`` reads it."""
        return ir.dump(self)

    def __eq__(self, other: object) -> bool:
        # Expr overloads ``==``, so compare the IR instead of the fields.
        return (
            isinstance(other, _Definition)
            and type(self) is type(other)
            and self.to_ir() == other.to_ir()
        )

    __hash__ = None  # type: ignore[assignment]


class Tier(_Definition):
    """One step of a tiered campaign: the last tier whose ``rules`` hold applies.

    >>> from promotor.effects import percent_off
    >>> from promotor.expr import cart
    >>> Tier(cart.subtotal >= 100, percent_off(10)).to_ir()["rules"]["op"]
    'ge'
    """

    __part__ = "tier"

    rules: Expr | None = None
    effect: ir.Effect | None = None
    #: Several effects applied in order (instead of ``effect``); ``Tier(rules, [a, b])``
    #: gives them positionally.
    effects: tuple[ir.Effect, ...] | None = None

    def __init__(self, rules: Any = None, effect: Any = None, /, **data: Any) -> None:
        if rules is not None:
            data["rules"] = rules
        if isinstance(effect, list | tuple):
            data["effects"] = effect
        elif effect is not None:
            data["effect"] = effect
        super().__init__(**data)

    __init__.__pydantic_base_init__ = True  # type: ignore[attr-defined]


class Campaign(_Definition):
    """A promotion: ``rules`` (an ``Expr``, rule text, an IR dict, or ``None`` for always),
    and exactly one of ``effect``, ``effects`` (several effects applied in order and
    explained together: "20 off plus free shipping") and ``tiers``.

    With neither ``code`` nor ``codes`` nor ``unique_codes=True`` the campaign is automatic
    (``codes=[]`` is refused: it would read as "needs a code" and discount every cart);
    ``unique_codes=True`` accepts the codes of its pool in the store. ``starts_at`` (inclusive)
    and ``ends_at`` (exclusive) must be timezone-aware. Its structure and literal values are
    checked as it is built; its rules when an engine compiles it.

    >>> from datetime import datetime, timezone
    >>> from promotor.effects import free_shipping
    >>> Campaign("ship", effect=free_shipping(),
    ...          starts_at=datetime(2026, 11, 27, tzinfo=timezone.utc)).to_ir()["starts_at"]
    '2026-11-27T00:00:00Z'
    """

    __part__ = "campaign"

    id: str
    name: str = ""
    rules: Expr | None = None
    effect: ir.Effect | None = None
    #: Several effects, applied in order as one campaign (docs/semantics.md, "Several effects").
    effects: tuple[ir.Effect, ...] | None = None
    tiers: tuple[Tier, ...] | None = None
    code: str | None = None
    codes: tuple[str, ...] | None = None
    #: Accepts the codes of its pool in the engine's store (``store.add_codes``,
    #: ``engine.assign_code``; docs/codes.md).
    unique_codes: StrictBool = False
    starts_at: Instant | None = None
    ends_at: Instant | None = None
    schedule: Schedule | None = None
    priority: ir.I32 = 0
    exclusive: StrictBool = False
    group: str | None = None
    stop_after: StrictBool = False
    active: StrictBool = True
    metadata: dict[str, JsonValue] = Field(default_factory=dict)
    #: Usage limits and budgets (:func:`promotor.limit`, :func:`promotor.budget`).
    limits: tuple[ir.CampaignLimit, ...] | None = None
    #: Which cart its rules read: ``"original"`` (as given) or ``"discounted"`` (as left by
    #: the campaigns applied before it: "spend 100 after other discounts"; docs/semantics.md).
    rules_on: Literal["original", "discounted"] = "original"

    def __init__(self, id: Any = None, /, **data: Any) -> None:
        if id is not None:
            data["id"] = id
        super().__init__(**data)

    __init__.__pydantic_base_init__ = True  # type: ignore[attr-defined]

    def to_ir(self) -> dict[str, Any]:
        out = super().to_ir()
        if not out.get("unique_codes"):
            out.pop("unique_codes", None)  # the IR leaves the default out, as serde writes it
        if out.get("rules_on") == "original":
            out.pop("rules_on")
        return out
