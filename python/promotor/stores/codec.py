"""The stored form of a result: the canonical outcome as JSON text, exact (money as decimal
strings) and readable by any store and any language.

Values that JSON lacks (in ``Rejected.actual`` / ``expected``) are tagged: ``{"$dec": "1.5"}``,
``{"$ts": "2026-11-27T00:00:00Z"}``, ``{"$dur": microseconds}``, ``{"$map": {...}}``.

>>> from decimal import Decimal
>>> outcome = {"currency": "USD", "subtotal": Decimal("10.00"), "shipping": Decimal("0.00"),
...            "discount": Decimal("1.00"), "shipping_discount": Decimal("0.00"),
...            "total": Decimal("9.00"), "lines": [], "applied": [], "rejected": []}
>>> decode_result(encode_outcome(outcome)).total
Decimal('9.00')
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from promotor.result import Result

__all__ = ["decode_outcome", "decode_result", "encode_outcome", "normalize_code"]

_MONEY = ("subtotal", "shipping", "discount", "shipping_discount", "total")
_LINE_MONEY = ("unit_price", "subtotal", "discount", "total")
_METHOD_MONEY = ("price", "discount", "total")


def _texts(taxes: Any) -> Any:
    """A ``taxes`` dict with its decimals as text (``None`` and the flag kept)."""
    if isinstance(taxes, dict):
        return {k: _texts(v) for k, v in taxes.items()}
    if isinstance(taxes, list):
        return [_texts(v) for v in taxes]
    return str(taxes) if isinstance(taxes, Decimal) else taxes


def _decimals(taxes: Any) -> Any:
    """The reverse of :func:`_texts` (``index`` stays an int)."""
    if isinstance(taxes, dict):
        return {k: v if k == "index" else _decimals(v) for k, v in taxes.items()}
    if isinstance(taxes, list):
        return [_decimals(v) for v in taxes]
    return Decimal(taxes) if isinstance(taxes, str) else taxes


def normalize_code(code: str) -> str:
    """A code's comparison key, the core's one normalisation (:func:`promotor.codes.normalize`),
    as the engine matches codes."""
    from promotor import _native

    return _native.normalize_code(code)


def _value(v: Any) -> Any:
    if isinstance(v, bool) or v is None or isinstance(v, str | int):
        return v
    if isinstance(v, Decimal):
        return {"$dec": str(v)}
    if isinstance(v, datetime):
        return {"$ts": v.astimezone(UTC).isoformat().replace("+00:00", "Z")}
    if isinstance(v, timedelta):
        return {"$dur": (v.days * 86_400 + v.seconds) * 1_000_000 + v.microseconds}
    if isinstance(v, list):
        return [_value(x) for x in v]
    if isinstance(v, dict):
        return {"$map": {str(k): _value(x) for k, x in v.items()}}
    raise TypeError(f"cannot store a value of type {type(v).__name__}")


def _unvalue(v: Any) -> Any:
    if isinstance(v, list):
        return [_unvalue(x) for x in v]
    if isinstance(v, dict):
        if "$dec" in v:
            return Decimal(v["$dec"])
        if "$ts" in v:
            return datetime.fromisoformat(v["$ts"].replace("Z", "+00:00"))
        if "$dur" in v:
            return timedelta(microseconds=v["$dur"])
        return {k: _unvalue(x) for k, x in v["$map"].items()}
    return v


def encode_outcome(outcome: dict[str, Any]) -> str:
    """A canonical outcome (docs/architecture.md) as compact JSON text."""
    data: dict[str, Any] = {k: str(outcome[k]) for k in _MONEY}
    data["currency"] = outcome["currency"]
    data["lines"] = [
        {**line, **{k: str(line[k]) for k in _LINE_MONEY}} for line in outcome["lines"]
    ]
    data["applied"] = [
        {
            **a,
            "amount": str(a["amount"]),
            "shipping_amount": str(a["shipping_amount"]),
            "allocations": [[i, str(v)] for i, v in a["allocations"].items()],
            "gifts": [{**g, "price": str(g["price"])} for g in a["gifts"]],
            **(
                {
                    "shipping_allocations": [
                        [j, str(v)] for j, v in a["shipping_allocations"].items()
                    ]
                }
                if "shipping_allocations" in a
                else {}
            ),
        }
        for a in outcome["applied"]
    ]
    if "shipping_methods" in outcome:
        data["shipping_methods"] = [
            {**m, **{k: str(m[k]) for k in _METHOD_MONEY}} for m in outcome["shipping_methods"]
        ]
    if "taxes" in outcome:
        data["taxes"] = _texts(outcome["taxes"])
    data["rejected"] = [
        {**r, "actual": _value(r["actual"]), "expected": _value(r["expected"])}
        for r in outcome["rejected"]
    ]
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


def _applied_money(a: dict[str, Any]) -> dict[str, Any]:
    """An applied campaign (or one effect's part of it) with its money back as Decimals."""
    return {
        **a,
        "amount": Decimal(a["amount"]),
        "shipping_amount": Decimal(a["shipping_amount"]),
        "allocations": {int(i): Decimal(v) for i, v in a["allocations"]},
        "gifts": [{**g, "price": Decimal(g["price"])} for g in a["gifts"]],
    }


def decode_outcome(text: str) -> dict[str, Any]:
    """The canonical outcome back from :func:`encode_outcome`."""
    data = json.loads(text)
    out: dict[str, Any] = {k: Decimal(data[k]) for k in _MONEY}
    out["currency"] = data["currency"]
    out["lines"] = [
        {**line, **{k: Decimal(line[k]) for k in _LINE_MONEY}} for line in data["lines"]
    ]
    out["applied"] = [
        {
            **_applied_money(a),
            **(
                {"shipping_allocations": {int(j): Decimal(v) for j, v in a["shipping_allocations"]}}
                if "shipping_allocations" in a
                else {}
            ),
            **({"parts": [_applied_money(p) for p in a["parts"]]} if "parts" in a else {}),
        }
        for a in data["applied"]
    ]
    if "shipping_methods" in data:
        out["shipping_methods"] = [
            {**m, **{k: Decimal(m[k]) for k in _METHOD_MONEY}} for m in data["shipping_methods"]
        ]
    if "taxes" in data:
        out["taxes"] = _decimals(data["taxes"])
    out["rejected"] = [
        {**r, "actual": _unvalue(r["actual"]), "expected": _unvalue(r["expected"])}
        for r in data["rejected"]
    ]
    if "payments" in data:
        from promotor.programs import Payment

        out["payments"] = [
            Payment(p["kind"], p["ref"], Decimal(p["amount"]), p["points"])
            for p in data["payments"]
        ]
        out["amount_due"] = Decimal(data["amount_due"])
    return out


def decode_result(text: str) -> Result:
    """A :class:`Result` from stored JSON (without the engine's campaign descriptions)."""
    return Result.from_outcome(decode_outcome(text))
