"""Wallets (the core's ``eval/wallet.rs``): which of a customer's pool codes are still
usable, and what each is worth on the cart."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from promotor.testing.reference import num, stacking
from promotor.testing.reference.codes import normalize_code
from promotor.testing.reference.effects import Amounts
from promotor.testing.reference.evaluate import (
    CurrencyExponent,
    Pools,
    Printer,
    RegexSearch,
    _native_currency_exponent,
    _Run,
    customer_id,
)
from promotor.testing.reference.program import CCampaign, Program, check_supported, read_program
from promotor.testing.reference.state import Meter

__all__ = ["wallet", "wallet_keys"]


def _wallet_campaigns(
    engine: Program, canonical_input: Mapping[str, Any], pools: Pools
) -> list[CCampaign | None]:
    """The campaign of each input code that is a pool code of this customer's."""
    pooled = {c.id: c for c in engine.campaigns if c.unique_codes}
    customer = customer_id(canonical_input)
    out: list[CCampaign | None] = []
    for code in canonical_input.get("codes") or []:
        row = pools.get(normalize_code(code))
        if row is None or row[2] is None or row[2] != customer:
            out.append(None)
        else:
            out.append(pooled.get(row[0]))
    return out


def _code_meter(
    engine: Program,
    campaign: CCampaign,
    code: str,
    canonical_input: Mapping[str, Any],
    snapshot: Mapping[str, int] | None,
    exponent: int,
) -> Meter:
    return Meter(
        engine.campaigns, [(campaign, code)], canonical_input, snapshot, exponent, engine.code_key
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
    engine = read_program(engine_ir)
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
    engine = read_program(engine_ir)
    check_supported(engine)
    exponents = currency_exponent or _native_currency_exponent
    engine_exponent = exponents(engine.currency)
    assert engine_exponent is not None
    run = _Run(engine, canonical_input, printer, regex_search, exponents)
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
                amount = _value(run, engine, campaign, code, meter)
            value = run.amounts.decimal(amount)
        out.append((index, campaign.id, status, campaign.ends_at, value))
    return out


def _value(run: _Run, engine: Program, campaign: CCampaign, code: str, meter: Meter | None) -> int:
    """What an available code's campaign takes off the cart on its own, in minor units."""
    checked = run.check(0, campaign, code)
    if not isinstance(checked, stacking.Eligible):
        return 0
    discount = checked.effect(stacking._original(run.amounts))
    if discount is not None and meter is not None:
        if meter.prefilter(campaign) is not None:
            discount = None
        else:
            admitted = meter.admit(campaign, discount, {})
            discount = None if not isinstance(admitted, tuple) else admitted[0]
    if discount is None:
        return 0
    amount = max(discount.total, 0)
    cap = engine.stacking.get("max_discount")
    if cap is not None:
        amount = min(amount, _cap(Decimal(str(cap)), run.amounts))
    return amount


def _cap(percent: Decimal, amounts: Amounts) -> int:
    """``M = round(subtotal × p / 100)``, ``p`` clamped to [0, 100] (as ``max_discount``)."""
    percent = min(max(percent, Decimal(0)), Decimal(100))
    subtotal = sum(amounts.line_subtotals)
    exact = num.EXACT.divide(num.EXACT.multiply(Decimal(subtotal), percent), Decimal(100))
    return max(amounts.round_units(exact), 0)
