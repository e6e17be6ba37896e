"""One hand-computed case through both evaluators: the builder's engine priced by the Rust core
and its IR priced by the pure-Python reference must agree, and the test then checks the one
answer against its hand computation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import promotor as pm
from promotor import reference
from promotor.inputs import canonical_input

NOW = datetime(2026, 11, 27, 10, tzinfo=UTC)


@dataclass(frozen=True)
class Priced:
    """What both evaluators agree on: the discount, each line's discount, each applied
    campaign's amount and allocations, and each rejected campaign's reason."""

    discount: Decimal
    lines: list[Decimal]
    applied: dict[str, tuple[Decimal, dict[int, Decimal]]]
    rejected: dict[str, str]


def price(campaigns: list[pm.Campaign], items: list[dict[str, Any]], **engine: Any) -> Priced:
    eng = pm.Engine(campaigns, **engine)
    cart = {"items": items}
    result = eng.evaluate(cart, now=NOW)
    native = Priced(
        result.discount,
        [ln.discount for ln in result.lines],
        {a.campaign_id: (a.amount, dict(a.allocations)) for a in result.applied},
        {r.campaign_id or "": r.reason for r in result.rejected},
    )
    outcome = reference.evaluate(eng.to_ir(), canonical_input(cart, now=NOW))
    ref = Priced(
        outcome["discount"],
        [ln["discount"] for ln in outcome["lines"]],
        {a["campaign_id"]: (a["amount"], dict(a["allocations"])) for a in outcome["applied"]},
        {r["campaign_id"] or "": r["reason"] for r in outcome["rejected"]},
    )
    assert native == ref
    return native


def d(*values: str) -> list[Decimal]:
    return [Decimal(v) for v in values]
