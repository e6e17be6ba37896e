"""The hand-written pure-Python baseline for W20 (DESIGN section 7).

What a competent backend developer would write for exactly these 20 campaigns, without an
engine: plain dicts in, ``Decimal`` money, rounding half-even to the cent, campaigns in list
order, each effect on what the campaigns before it left of the order (sequential stacking on
the discounted base), ``total = subtotal + shipping - discount``. It computes the same totals
and the same applied campaigns as ``engine.evaluate`` on a W20 engine
(tests/test_bench_baseline.py checks this), but no explanations, no rejection reasons, no
per-line allocations and no input validation beyond what ``Decimal`` does.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from benches.workloads import W20Campaign

CENT = Decimal("0.01")
ZERO = Decimal(0)
RATE = Decimal("0.15")
PERCENT = Decimal(15)
HUNDRED = Decimal(100)
CAP = Decimal(50)
SEGMENTS = frozenset(("vip", "gold"))


def price_w20(
    cart: dict[str, Any],
    customer: dict[str, Any] | None,
    now: datetime,
    campaigns: Sequence[W20Campaign],
) -> dict[str, Any]:
    """Price one cart dict under the W20 campaigns: totals and ``[(campaign_id, amount)]``."""
    subtotal = ZERO
    coffee2 = False
    for line in cart["items"]:
        quantity = line["quantity"]
        subtotal += (Decimal(line["price"]) * quantity).quantize(CENT, ROUND_HALF_EVEN)
        if not coffee2 and quantity >= 2 and line.get("category") == "coffee":
            coffee2 = True
    shipping = Decimal(cart.get("shipping") or 0).quantize(CENT, ROUND_HALF_EVEN)
    segment = customer is not None and not SEGMENTS.isdisjoint(customer.get("segments") or ())
    formula = max(min(subtotal * RATE, CAP).quantize(CENT, ROUND_HALF_EVEN), ZERO)

    left = subtotal  # what the campaigns applied so far left of the order
    applied = []
    if segment and coffee2:
        for c in campaigns:
            if not (c.starts_at <= now < c.ends_at) or subtotal < c.threshold:
                continue
            if c.formula:
                amount = min(formula, left)
            else:
                amount = min((left * PERCENT / HUNDRED).quantize(CENT, ROUND_HALF_EVEN), CAP, left)
            if amount > 0:  # else: eligible but nothing to take (no_effect)
                left -= amount
                applied.append((c.id, amount))
    discount = subtotal - left
    total = max(subtotal + shipping - discount, ZERO)
    return {
        "subtotal": subtotal,
        "shipping": shipping,
        "discount": discount,
        "total": total,
        "applied": applied,
    }


def baseline_view(result: Any) -> dict[str, Any]:
    """What ``price_w20`` returns, read from a promotor ``Result``: the totals the baseline
    gives and each applied campaign's id and amount. Benchmarks read this much of a result,
    so that a lazy result is not credited for work nobody asked for."""
    return {
        "subtotal": result.subtotal,
        "discount": result.discount,
        "total": result.total,
        "applied": [(a.campaign_id, a.amount) for a in result.applied],
    }
