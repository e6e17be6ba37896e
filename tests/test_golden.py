"""Golden files: hand-computed outcomes (tests/data/golden/*.json) checked against both
evaluators, the pure-Python reference and the native (Rust) one.

Each file holds an engine (IR JSON), an input in JSON form, and the expected outcome with
money as decimal strings::

    {"description": "...", "arithmetic": ["..."], "engine": {...},
     "input": {"cart": {...}, "customer": null, "context": {"now": "..."}, "codes": []},
     "expected": {"subtotal": "15.00", "shipping": "0.00", "discount": "10.00",
                  "shipping_discount": "0.00", "total": "5.00", "lines": ["3.34", ...],
                  "applied": {"c1": {"amount": "10.00", "shipping_amount": "0.00",
                                     "allocations": {"0": "3.34"}, "gifts": []}},
                  "rejected": {"c2": "rules_not_met"}}}

Money is compared by value (``Decimal("5") == Decimal("5.00")``). An ``unknown_code``
rejection has no campaign id: it is keyed by the code as given.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

GOLDEN = Path(__file__).resolve().parent / "data" / "golden"
FILES = sorted(GOLDEN.rglob("*.json")) if GOLDEN.is_dir() else []

Evaluator = Callable[[dict[str, Any], dict[str, Any]], dict[str, Any]]

# -- the golden input as the canonical input of docs/architecture.md ------------------------


def canonical_input(raw: dict[str, Any]) -> dict[str, Any]:
    """A golden file's input, read by the core's one validator (its JSON source)."""
    from promotor.inputs import canonical_input_json

    return canonical_input_json(json.dumps(raw))


# -- comparison -----------------------------------------------------------------------------


def _money(value: Any) -> Decimal:
    return Decimal(str(value))


def summary(outcome: dict[str, Any]) -> dict[str, Any]:
    """The parts of a canonical outcome a golden file states, in comparable form."""
    return {
        **{
            key: _money(outcome[key])
            for key in ("subtotal", "shipping", "discount", "shipping_discount", "total")
        },
        "lines": [_money(line["discount"]) for line in outcome["lines"]],
        "applied": {
            a["campaign_id"]: {
                "amount": _money(a["amount"]),
                "shipping_amount": _money(a["shipping_amount"]),
                "allocations": {int(i): _money(v) for i, v in a["allocations"].items()},
                "gifts": [
                    {"sku": g["sku"], "quantity": int(g["quantity"]), "price": _money(g["price"])}
                    for g in a["gifts"]
                ],
            }
            for a in outcome["applied"]
        },
        "rejected": {
            (r["code"] if r["campaign_id"] is None else r["campaign_id"]): r["reason"]
            for r in outcome["rejected"]
        },
    }


def expected_summary(expected: dict[str, Any]) -> dict[str, Any]:
    """A golden file's ``expected`` in the same form (missing parts default to empty)."""
    return summary(
        {
            **expected,
            "lines": [{"discount": d} for d in expected["lines"]],
            "applied": [
                {
                    "campaign_id": cid,
                    "amount": a["amount"],
                    "shipping_amount": a.get("shipping_amount", "0"),
                    "allocations": a.get("allocations", {}),
                    "gifts": a.get("gifts", []),
                }
                for cid, a in expected.get("applied", {}).items()
            ],
            "rejected": [
                {"campaign_id": cid, "code": None, "reason": reason}
                for cid, reason in expected.get("rejected", {}).items()
            ],
        }
    )


def load(path: Path) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    data = json.loads(path.read_text())
    return data["engine"], canonical_input(data["input"]), expected_summary(data["expected"])


def _check(evaluate: Evaluator, path: Path) -> None:
    engine, canonical, expected = load(path)
    got = summary(evaluate(engine, canonical))
    assert got == expected, json.loads(path.read_text())["description"]


# -- tests ----------------------------------------------------------------------------------


def test_golden_files_exist() -> None:
    if not GOLDEN.is_dir():
        pytest.skip(f"no golden directory yet ({GOLDEN}); the golden files are added with it")
    if all(path.name.startswith("py_") for path in FILES):
        pytest.skip("only the py_*.json files so far: the Rust golden set is not merged yet")
    assert len(FILES) >= 20, f"expected at least 20 golden files in {GOLDEN}, found {len(FILES)}"


@pytest.mark.parametrize(
    "path", FILES, ids=[str(p.relative_to(GOLDEN).with_suffix("")) for p in FILES]
)
def test_golden_reference(path: Path) -> None:
    from promotor import reference

    # Rule printing, regexes and the currency table come from the native module; they are not
    # evaluation semantics, and golden files compare no rule text. Without the module, stand-ins.
    helpers: dict[str, Any] = {}
    try:
        from promotor import _native  # noqa: F401
    except ImportError:
        exponents = {"USD": 2, "EUR": 2, "GBP": 2, "PLN": 2, "JPY": 0, "KWD": 3, "BHD": 3}
        helpers = {
            "printer": json.dumps,
            "regex_search": lambda pattern, text: re.search(pattern, text) is not None,
            "currency_exponent": exponents.get,
        }

    def evaluate(engine: dict[str, Any], canonical: dict[str, Any]) -> dict[str, Any]:
        return reference.evaluate(engine, canonical, **helpers)

    _check(evaluate, path)


@pytest.mark.parametrize(
    "path", FILES, ids=[str(p.relative_to(GOLDEN).with_suffix("")) for p in FILES]
)
def test_golden_native(path: Path) -> None:
    native = pytest.importorskip("promotor._native", reason="the native module is not built")

    def evaluate(engine: dict[str, Any], canonical: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = native.Program(json.dumps(engine)).evaluate(canonical)
        return result

    _check(evaluate, path)


def test_canonical_input_defaults() -> None:
    canonical = canonical_input(
        {
            "cart": {"items": [{"price": "1.50", "quantity": 2}], "metadata": {"n": 1.5}},
            "customer": {"created_at": "2020-01-02", "orders_count": 3},
            "context": {"now": "2026-11-27T11:00:00+01:00"},
        }
    )
    assert canonical["cart"] == {
        "currency": None,
        "shipping": Decimal(0),
        "items": [
            {
                "sku": None,
                "product": None,
                "category": None,
                "tags": [],
                "price": Decimal("1.50"),
                "quantity": 2,
                "metadata": {},
            }
        ],
        "metadata": {"n": Decimal("1.5")},
    }
    assert canonical["customer"]["created_at"] == datetime(2020, 1, 2, tzinfo=UTC)
    assert canonical["customer"]["orders_count"] == Decimal(3)
    assert canonical["customer"]["segments"] == []
    assert canonical["context"]["now"] == datetime(2026, 11, 27, 10, tzinfo=UTC)
    assert canonical["codes"] == []
