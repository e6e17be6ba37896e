"""What evaluation returns: a priced cart, what applied, what did not and why.

All money is :class:`~decimal.Decimal`, quantized to the currency's minor unit.
"""

from __future__ import annotations

import datetime as _dt
import html
import json
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any, Literal

from . import _native
from ._native import Applied
from ._text import json_safe, shown

__all__ = [
    "Applied",
    "CampaignInfo",
    "Gift",
    "LineResult",
    "Part",
    "Rejected",
    "Result",
    "ShippingMethodResult",
    "TaxLine",
    "Taxes",
]

#: Stable reason strings (``Rejected.reason``), as the core defines them
#: (``promotor_core::outcome::Reason``). New ones may be added; none is ever renamed.
REASONS: tuple[str, ...] = tuple(_native.REASONS)


@dataclass(frozen=True, slots=True)
class LineResult:
    """One cart line after discounts."""

    index: int
    sku: str | None
    quantity: int
    unit_price: Decimal
    subtotal: Decimal
    discount: Decimal
    total: Decimal


@dataclass(frozen=True, slots=True)
class ShippingMethodResult:
    """One shipping method of a cart that lists ``shipping_methods``, after discounts."""

    index: int
    id: str | None
    code: str | None
    name: str | None
    price: Decimal
    discount: Decimal
    total: Decimal


@dataclass(frozen=True, slots=True)
class TaxLine:
    """One line's (or shipping method's) amounts without (``net``) and with (``gross``) tax at
    its ``rate`` (percent); ``tax = total_gross - total_net``."""

    index: int
    rate: Decimal
    subtotal_net: Decimal
    subtotal_gross: Decimal
    discount_net: Decimal
    discount_gross: Decimal
    total_net: Decimal
    total_gross: Decimal
    tax: Decimal


@dataclass(frozen=True, slots=True)
class Taxes:
    """A cart's amounts both ways (docs/semantics.md, "Taxes"), when some line or shipping
    method has a tax rate: per line and method that has one, and order sums (``None`` unless
    every line and method has a rate)."""

    prices_include_tax: bool
    lines: list[TaxLine]
    shipping_methods: list[TaxLine]
    subtotal_net: Decimal | None
    subtotal_gross: Decimal | None
    shipping_net: Decimal | None
    shipping_gross: Decimal | None
    discount_net: Decimal | None
    discount_gross: Decimal | None
    total_net: Decimal | None
    total_gross: Decimal | None
    tax: Decimal | None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Taxes:
        return cls(
            **{
                **data,
                "lines": [TaxLine(**t) for t in data["lines"]],
                "shipping_methods": [TaxLine(**t) for t in data["shipping_methods"]],
            }
        )


@dataclass(frozen=True, slots=True)
class Gift:
    """Free units a campaign adds; reported, not part of the totals."""

    sku: str
    quantity: int
    price: Decimal


@dataclass(frozen=True, slots=True)
class Part:
    """What one effect of a campaign with several effects (``effects=[...]``) took, in the
    order they are listed: ``Applied.parts`` add up to the campaign's ``amount``,
    ``shipping_amount``, ``allocations`` and ``gifts``, to the cent."""

    amount: Decimal
    shipping_amount: Decimal
    allocations: dict[int, Decimal]
    gifts: list[Gift]


def render_value(value: Any) -> str:
    """A value as a merchant reads it: ``12.50``, ``"coffee"``, ``missing``."""
    if value is None:
        return "missing"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, _dt.datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, _dt.timedelta):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(render_value(v) for v in value) + "]"
    if isinstance(value, dict) and set(value) == {"index", "sku"}:
        return f"line {value['index']} ({shown(value['sku'])})"
    return str(value)


_NOT_ACTIVE = {
    "inactive": "the campaign is switched off",
    "not_started": "the campaign has not started yet",
    "ended": "the campaign has ended",
    "outside_schedule": "outside the campaign's schedule",
}


@dataclass(frozen=True, slots=True)
class Rejected:
    """A candidate campaign (or a code) that did not apply, and why.

    ``reason`` is one of the stable strings in :data:`REASONS`. For ``rules_not_met``,
    ``condition`` is the first failing condition as rule text, with its ``actual`` and
    ``expected`` values.
    """

    campaign_id: str | None
    code: str | None
    reason: str
    condition: str | None = None
    actual: Any = None
    expected: Any = None
    detail: str | None = None
    by: str | None = None

    @property
    def message(self) -> str:
        """One sentence saying why, for a shopper or a support agent."""
        reason = self.reason
        if reason == "unknown_code":
            if self.detail == "gift_card":
                return f"gift card {self.code!r} is not valid"
            return f"code {self.code!r} is not valid"
        if reason == "not_active":
            return _NOT_ACTIVE.get(self.detail or "", "the campaign is not active")
        if reason == "rules_not_met":
            where = f" ({self.detail})" if self.detail else ""
            if self.expected is True:
                return f"condition not met{where}: {self.condition}"
            return (
                f"condition not met{where}: {self.condition} "
                f"(actual {render_value(self.actual)}, expected {render_value(self.expected)})"
            )
        if reason == "no_effect":
            return "the campaign qualified but discounts nothing on this cart"
        if reason == "currency_mismatch":
            return "the cart's currency differs from the engine's"
        if reason == "exclusive_conflict":
            return f"exclusive campaign {self.by!r} applies alone"
        if reason == "group_conflict":
            return f"campaign {self.by!r} of the same group applies"
        if reason == "stopped":
            return f"campaign {self.by!r} stops further campaigns"
        if reason == "max_applied":
            return "the maximum number of campaigns already applies"
        if reason == "max_discount":
            return "the order's maximum discount is already reached"
        if reason == "not_best_deal":
            return "a better combination of campaigns applies"
        if reason == "limit_reached":
            if self.detail == "customer required":
                return "the campaign is limited per customer and no customer id was given"
            return f"usage limit reached ({self.detail}: {self.actual} of {self.expected} used)"
        if reason == "budget_exhausted":
            return (
                f"the budget does not cover this discount ({self.detail}: "
                f"{self.actual} of {self.expected} used)"
            )
        if reason == "not_assigned_to_customer":
            return f"code {self.code!r} belongs to another customer"
        if reason == "gift_card_expired":
            return f"gift card {self.code!r} has expired"
        if reason == "gift_card_inactive":
            return f"gift card {self.code!r} is inactive"
        if reason == "gift_card_empty":
            return f"gift card {self.code!r} has no balance left"
        if reason == "self_referral":
            return f"code {self.code!r} is the customer's own referral code ({self.detail})"
        if reason == "already_referred":
            return f"the customer was already referred ({self.detail})"
        return reason


@dataclass(frozen=True, slots=True)
class CampaignInfo:
    """How explanations describe a campaign: its rules, and its effect (one per tier)."""

    name: str
    rules: str
    effects: list[str]
    tier_rules: list[str] = field(default_factory=list)
    #: Per tier (or the one body), each of its several effects described; empty lists for
    #: one effect.
    parts: list[list[str]] = field(default_factory=list)


_FIELDS = (
    "currency",
    "subtotal",
    "shipping",
    "discount",
    "shipping_discount",
    "total",
    "lines",
    "applied",
    "rejected",
)


class Result:
    """A priced cart.

    ``total == subtotal + shipping - discount`` (never below zero), and ``discount`` is the sum
    of the lines' discounts plus ``shipping_discount``.

    A result from :meth:`Engine.evaluate` stays in Rust until it is read: each part (the
    totals, ``lines``, ``applied``, ``rejected``) becomes Python objects on first access, and the
    explanations in ``rejected`` are worked out only then. It is immutable, and compares equal
    to a result with the same data.
    """

    # One slot: [native outcome, totals, lines, applied, rejected, campaigns], so that making
    # a result (on every cart change) is one attribute store.
    __slots__ = ("_s",)

    _s: list[Any]

    def __init__(
        self,
        currency: str,
        subtotal: Decimal,
        shipping: Decimal,
        discount: Decimal,
        shipping_discount: Decimal,
        total: Decimal,
        lines: list[LineResult],
        applied: list[Applied],
        rejected: list[Rejected],
        campaigns: dict[str, CampaignInfo] | None = None,
        payments: list[Any] | None = None,
        amount_due: Decimal | None = None,
        shipping_methods: list[ShippingMethodResult] | None = None,
        taxes: Taxes | None = None,
    ) -> None:
        totals = (currency, subtotal, shipping, discount, shipping_discount, total)
        paid = None if payments is None else (payments, amount_due)
        object.__setattr__(
            self,
            "_s",
            [
                None,
                totals,
                lines,
                applied,
                rejected,
                campaigns or {},
                paid,
                shipping_methods or [],
                (taxes,),
            ],
        )

    @classmethod
    def _from_native(cls, priced: Any, campaigns: dict[str, CampaignInfo]) -> Result:
        """A result over a native ``Priced`` outcome, converted part by part on access."""
        self = object.__new__(cls)
        object.__setattr__(
            self, "_s", [priced, None, None, None, None, campaigns, None, None, None]
        )
        return self

    @classmethod
    def from_outcome(
        cls, outcome: dict[str, Any], campaigns: dict[str, CampaignInfo] | None = None
    ) -> Result:
        """Build a Result from the canonical outcome dict both evaluators return."""
        return cls(
            campaigns=campaigns or {},
            currency=outcome["currency"],
            subtotal=outcome["subtotal"],
            shipping=outcome["shipping"],
            discount=outcome["discount"],
            shipping_discount=outcome["shipping_discount"],
            total=outcome["total"],
            lines=[LineResult(**line) for line in outcome["lines"]],
            applied=_applied_list(outcome["applied"]),
            rejected=[Rejected(**r) for r in outcome["rejected"]],
            payments=outcome.get("payments"),
            amount_due=outcome.get("amount_due"),
            shipping_methods=[
                ShippingMethodResult(**m) for m in outcome.get("shipping_methods", [])
            ],
            taxes=None if outcome.get("taxes") is None else Taxes.from_dict(outcome["taxes"]),
        )

    # -- the parts, converted on first access ---------------------------------------------

    def _t(self) -> tuple[str, Decimal, Decimal, Decimal, Decimal, Decimal]:
        s = self._s
        totals = s[1]
        if totals is None:
            totals = s[1] = s[0].totals()
        return totals  # type: ignore[no-any-return]

    # Each total of a native result is made alone on its first read (`Priced.amount`, kept
    # there): most callers read two or three of the five, and a Decimal is the cost.

    @property
    def currency(self) -> str:
        """The currency of every amount of the result (the cart's, else the engine's)."""
        s = self._s
        return (s[1] or self._t())[0]

    @property
    def subtotal(self) -> Decimal:
        """The sum of the lines' ``price x quantity``, before discounts."""
        s = self._s
        t = s[1]
        return t[1] if t is not None else s[0].amount(1)  # type: ignore[no-any-return]

    @property
    def shipping(self) -> Decimal:
        """The shipping amount, before discounts."""
        s = self._s
        t = s[1]
        return t[2] if t is not None else s[0].amount(2)  # type: ignore[no-any-return]

    @property
    def discount(self) -> Decimal:
        """Everything taken off the lines and the shipping."""
        s = self._s
        t = s[1]
        return t[3] if t is not None else s[0].amount(3)  # type: ignore[no-any-return]

    @property
    def shipping_discount(self) -> Decimal:
        """What was taken off the shipping (part of :attr:`discount`)."""
        s = self._s
        t = s[1]
        return t[4] if t is not None else s[0].amount(4)  # type: ignore[no-any-return]

    @property
    def total(self) -> Decimal:
        """``subtotal + shipping - discount``: what the customer pays."""
        s = self._s
        t = s[1]
        return t[5] if t is not None else s[0].amount(5)  # type: ignore[no-any-return]

    @property
    def lines(self) -> list[LineResult]:
        """Each line with its discount and total, in cart order."""
        s = self._s
        lines = s[2]
        if lines is None:
            lines = s[2] = [LineResult(*row) for row in s[0].lines()]
        return lines  # type: ignore[no-any-return]

    @property
    def shipping_methods(self) -> list[ShippingMethodResult]:
        """Each shipping method with its discount and total, for a cart that lists
        ``shipping_methods`` (empty for the ``shipping`` shorthand)."""
        s = self._s
        methods = s[7]
        if methods is None:
            methods = s[7] = [ShippingMethodResult(*row) for row in s[0].shipping_methods()]
        return methods  # type: ignore[no-any-return]

    @property
    def taxes(self) -> Taxes | None:
        """The amounts with and without tax, when some line or shipping method has a
        ``tax_rate`` (``None`` otherwise)."""
        s = self._s
        held = s[8]
        if held is None:
            found = s[0].taxes()
            held = s[8] = (None if found is None else Taxes.from_dict(found),)
        return held[0]  # type: ignore[no-any-return]

    @property
    def applied(self) -> list[Applied]:
        """The campaigns that applied, in the order they applied."""
        s = self._s
        applied = s[3]
        if applied is None:
            applied = s[3] = s[0].applied()
        return applied  # type: ignore[no-any-return]

    @property
    def rejected(self) -> list[Rejected]:
        """The campaigns that did not apply, each with its stable reason."""
        s = self._s
        rejected = s[4]
        if rejected is None:
            rejected = s[4] = [Rejected(**r) for r in s[0].explained()["rejected"]]
        return rejected  # type: ignore[no-any-return]

    def _paid(self) -> tuple[list[Any], Decimal]:
        s = self._s
        paid = s[6]
        if paid is None:
            from .programs import Payment

            if s[0] is not None:
                rows, due = s[0].payments()
                paid = ([Payment(*row) for row in rows], due)
            else:
                paid = ([], self.total)
            s[6] = paid
        elif paid[1] is None:
            paid = s[6] = (paid[0], self.total)
        return paid  # type: ignore[no-any-return]

    @property
    def payments(self) -> list[Any]:
        """What paid the order after discounts, in order: gift cards, then points
        (``promotor.Payment``); empty without them. ``total`` is unchanged by payments."""
        return self._paid()[0]

    @property
    def amount_due(self) -> Decimal:
        """What is left to pay after :attr:`payments` (``total`` without them)."""
        return self._paid()[1]

    @property
    def campaigns(self) -> dict[str, CampaignInfo]:
        """What explain() says about each campaign: id -> CampaignInfo. Not part of the data."""
        return self._s[5]  # type: ignore[no-any-return]

    # -- value semantics ------------------------------------------------------------------

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"Result is immutable: cannot set {name!r}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"Result is immutable: cannot delete {name!r}")

    def _data(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in _FIELDS)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Result):
            return NotImplemented
        return (
            self._data() == other._data()
            and self.shipping_methods == other.shipping_methods
            and self.taxes == other.taxes
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        body = ", ".join(f"{name}={getattr(self, name)!r}" for name in _FIELDS)
        return f"Result({body})"

    def __reduce__(self) -> tuple[Any, ...]:
        if self.shipping_methods or self.taxes is not None:
            return (
                _rebuild_methods,
                (self._data(), self.campaigns, self.shipping_methods, self.taxes),
            )
        return (_rebuild, (*self._data(), self.campaigns))

    def to_dict(self, mode: Literal["python", "json"] = "python") -> dict[str, Any]:
        """The result as plain data; rejections carry ``message``.

        ``mode="python"``: Decimals stay Decimals, allocations are keyed by line index.
        ``mode="json"``: only what JSON carries, ready for a web response: money as decimal
        strings (exact, never floats), keys as strings, times in RFC 3339 (see
        :meth:`to_json`).
        """
        data: dict[str, Any] = {name: getattr(self, name) for name in _FIELDS[:6]}
        data["lines"] = [asdict(line) for line in self.lines]
        data["applied"] = [a._asdict() for a in self.applied]
        data["rejected"] = [{**asdict(r), "message": r.message} for r in self.rejected]
        if self.shipping_methods:
            data["shipping_methods"] = [asdict(m) for m in self.shipping_methods]
        if self.taxes is not None:
            data["taxes"] = asdict(self.taxes)
        if mode == "json":
            return json_safe(data)  # type: ignore[no-any-return]
        if mode != "python":
            raise ValueError(f"mode must be 'python' or 'json', not {mode!r}")
        return data

    def to_json(self, *, indent: int | None = None) -> str:
        """The result as JSON text (``to_dict(mode="json")``): money as decimal strings.

        >>> import promotor as pm
        >>> engine = pm.Engine([pm.Campaign(id="ten", effect=pm.percent_off(10))])
        >>> json.loads(engine.evaluate({"items": [{"sku": "A", "price": "9.99", "quantity": 1}]})
        ...            .to_json())["applied"][0]["allocations"]
        {'0': '1.00'}
        """
        return json.dumps(self.to_dict(mode="json"), indent=indent, ensure_ascii=False)

    def explain(self) -> str:
        """A readable account of the pricing: totals, what applied and how it was split over the
        lines, and why every other candidate did not apply."""
        cur = self.currency
        out = [
            f"Subtotal {self.subtotal} {cur}, shipping {self.shipping} {cur}, "
            f"discount {self.discount} {cur}, total {self.total} {cur}",
        ]
        if self.applied:
            out.append("Applied:")
        for a in self.applied:
            label = shown(a.campaign_id) + (f" (code {shown(a.code)})" if a.code else "")
            label += f" [tier {a.tier}]" if a.tier is not None else ""
            clipped = (
                " (clipped by the order's max_discount)" if a.limited_by == "max_discount" else ""
            )
            if a.amount or not a.gifts:
                out.append(f"  + {label}: -{a.amount} {cur}{clipped}")
            else:
                out.append(f"  + {label}: gift{clipped}")
            info = self.campaigns.get(a.campaign_id)
            if info is not None:
                tier = a.tier if a.tier is not None else 0
                out.append(f"      effect: {info.effects[min(tier, len(info.effects) - 1)]}")
                rules = [info.rules] + ([info.tier_rules[tier]] if info.tier_rules else [])
                for rule in rules:
                    if rule != "always":
                        out.append(f"      rules met: {rule}")
            for index, share in a.allocations.items():
                line = self.lines[index]
                out.append(f"      line {index} {shown(line.sku)} x{line.quantity}: -{share}")
            per_method = a.shipping_allocations
            if per_method:
                for index, share in per_method.items():
                    m = self.shipping_methods[index]
                    what = shown(m.code or m.name or m.id)
                    label = (
                        f"shipping method {index} {what}" if what else f"shipping method {index}"
                    )
                    out.append(f"      {label}: -{share}")
            elif a.shipping_amount:
                out.append(f"      shipping: -{a.shipping_amount}")
            names = info.parts[min(a.tier or 0, len(info.parts) - 1)] if info and info.parts else []
            for k, part in enumerate(a.parts):
                name = f" {names[k]}" if k < len(names) else ""
                what = f"-{part.amount}" + (
                    f" (shipping -{part.shipping_amount})" if part.shipping_amount else ""
                )
                gifts = ", ".join(f"{g.quantity} x {shown(g.sku)}" for g in part.gifts)
                out.append(
                    f"      effect {k + 1}{name}: {what}" + (f", gift {gifts}" if gifts else "")
                )
            if a.limited_by == "budget":
                out.append("      limited by its budget: reduced to what was left of it")
            for g in a.gifts:
                out.append(f"      gift: {g.quantity} x {shown(g.sku)} (worth {g.price} each)")
        if self.rejected:
            out.append("Not applied:")
        for r in self.rejected:
            label = shown(r.campaign_id) if r.campaign_id else f"code {r.code!r}"
            if r.campaign_id and r.code:
                label += f" (code {shown(r.code)})"
            out.append(f"  - {label}: {r.reason}: {shown(r.message)}")
        return "\n".join(out)

    def _repr_html_(self) -> str:
        esc = html.escape
        rows = "".join(
            f"<tr><td>{ln.index}</td><td>{esc(ln.sku or '')}</td><td>{ln.quantity}</td>"
            f"<td>{ln.unit_price}</td><td>{ln.subtotal}</td><td>{ln.discount}</td>"
            f"<td>{ln.total}</td></tr>"
            for ln in self.lines
        )
        applied = "".join(
            f"<li><b>{esc(a.campaign_id)}</b>: -{a.amount} {esc(self.currency)}</li>"
            for a in self.applied
        )
        rejected = "".join(
            f"<li>{esc(r.campaign_id or repr(r.code))}: <code>{esc(r.reason)}</code> "
            f"{esc(r.message)}</li>"
            for r in self.rejected
        )
        return (
            "<div><table><thead><tr><th>#</th><th>sku</th><th>qty</th><th>unit</th>"
            "<th>subtotal</th><th>discount</th><th>total</th></tr></thead>"
            f"<tbody>{rows}</tbody></table>"
            f"<p>Total <b>{self.total} {esc(self.currency)}</b> "
            f"(discount {self.discount})</p>"
            f"<p>Applied</p><ul>{applied}</ul><p>Not applied</p><ul>{rejected}</ul></div>"
        )


def _gifts(rows: list[dict[str, Any]]) -> list[Gift]:
    return [Gift(**g) for g in rows]


def _applied_list(rows: list[dict[str, Any]]) -> list[Applied]:
    return [
        Applied(
            **{
                **a,
                "gifts": _gifts(a["gifts"]),
                "parts": [Part(**{**p, "gifts": _gifts(p["gifts"])}) for p in a.get("parts", ())],
            }
        )
        for a in rows
    ]


def _rebuild(*args: Any) -> Result:
    return Result(*args)


def _rebuild_methods(
    data: tuple[Any, ...],
    campaigns: dict[str, CampaignInfo],
    shipping_methods: list[ShippingMethodResult],
    taxes: Taxes | None = None,
) -> Result:
    fields: dict[str, Any] = dict(zip(_FIELDS, data, strict=True))
    return Result(**fields, campaigns=campaigns, shipping_methods=shipping_methods, taxes=taxes)
