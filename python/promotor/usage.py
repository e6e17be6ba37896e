"""Usage limits and budgets of a campaign (DESIGN section 8): ``Campaign(limits=[...])``.

Limits count redemptions, budgets count the discount given; both are checked by the Rust core
against a store's snapshot when the engine evaluates or redeems (see docs/state.md).

>>> import promotor as pm
>>> pm.limit(1, per="customer").model_dump(exclude_none=True)
{'type': 'limit', 'max': 1, 'per': 'customer', 'timezone': 'UTC'}
>>> pm.budget("5000.00", every="week").amount
'5000.00'
>>> pm.limit(10, per="visitor")
Traceback (most recent call last):
...
promotor.errors.RuleError: per: 'visitor' is not one of 'customer', 'code'
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from promotor.ir import Budget, UsageLimit

__all__ = ["Budget", "UsageLimit", "budget", "limit"]

Per = Literal["customer", "code"]
Every = Literal["day", "week", "month"]


def limit(
    n: int,
    per: Per | None = None,
    every: Every | None = None,
    timezone: str = "UTC",
    key: str | None = None,
) -> UsageLimit:
    """At most ``n`` redemptions: in total, ``per="customer"`` or ``per="code"``, restarting
    ``every`` calendar ``"day"``, ``"week"`` (from Monday) or ``"month"`` in ``timezone``.
    Campaigns naming the same ``key`` share one counter, each checking its own ``n``."""
    return UsageLimit(max=n, per=per, every=every, timezone=timezone, key=key)


def budget(
    amount: str | int | Decimal,
    every: Every | None = None,
    timezone: str = "UTC",
    key: str | None = None,
    partial: bool = True,
) -> Budget:
    """At most ``amount`` of discount given, in the engine's currency (restarting ``every``
    period, shared by ``key``). A discount larger than what is left shrinks to it; with
    ``partial=False`` it is refused whole."""
    return Budget(amount=amount, every=every, timezone=timezone, key=key, partial=partial)
