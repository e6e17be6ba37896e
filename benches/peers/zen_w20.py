"""W20 as one expression of GoRules' zen-engine (PyPI ``zen-engine``), the strongest way to
write it there: one compiled expression, evaluated per cart from the same plain dicts
``engine.evaluate`` gets.

The expression is kept in ``zen_w20.zen`` (written by ``python -m benches.peers.zen_w20`` from
``benches.workloads.w20_specs``; a test checks the file is current). It reads the cart as it
comes (prices as text, parsed by ``number``), rejects carts without the segment or a coffee
line of quantity >= 2 before anything else, then stacks the 20 campaigns in order, each on
what the ones before it left of the order, exactly like benches/baseline.py.

Numbers: zen computes with ``rust_decimal`` (28 significant digits), so the arithmetic is exact
decimal; but its Python binding hands numbers back as ``float``. The expression therefore
returns money as ``string(...)`` and :func:`price_w20_zen` reads it with ``Decimal``: nothing
goes through a float. zen's ``round`` rounds half away from zero while promotor rounds half to
even, so the expression rounds to the cent itself (``floor`` and ``% 2`` on ties).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from benches.workloads import W20Campaign, w20_specs

EXPRESSION_PATH = Path(__file__).with_name("zen_w20.zen")


def iso(t: datetime) -> str:
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _cents(var: str) -> str:
    """``var / 100`` rounded half to even to the cent, ``var`` already scaled by 100."""
    return f"({var} - floor({var}) == 0.5 ? floor({var}) + floor({var}) % 2 : round({var})) / 100"


def w20_expression(specs: Sequence[W20Campaign] | None = None) -> str:
    """The zen expression for the W20 campaigns (``w20_specs()`` by default)."""
    specs = w20_specs() if specs is None else specs
    steps = []
    for k, c in enumerate(specs):
        when = (
            f'sub >= {c.threshold} and t >= d("{iso(c.starts_at)}") and t < d("{iso(c.ends_at)}")'
        )
        if c.formula:  # amount_off(least(subtotal * 0.15, 50)), at most what is left
            steps.append(f"  a{k} = {when} ? min([formula, left]) : 0;")
        else:  # percent_off(15, cap=50) of what is left
            steps.append(f"  p = left * 15;\n  a{k} = {when} ? min([{_cents('p')}, 50, left]) : 0;")
        steps.append(f"  left = left - a{k};")
    pairs = ", ".join(f'["{c.id}", a{k}]' for k, c in enumerate(specs))
    return "\n".join(
        [
            "sub = sum(map(cart.items, number(#.price) * #.quantity));",
            'ship = number(cart.shipping ?? "0");',
            'ok = some(customer.segments ?? [], # == "vip" or # == "gold")',
            '  and some(cart.items, #.category == "coffee" and #.quantity >= 2);',
            "ok ? (",
            "  t = d(now);",
            "  f = sub * 15;",
            f"  formula = max([min([{_cents('f')}, 50]), 0]);",
            "  left = sub;",
            *steps,
            "  {",
            "    subtotal: string(sub), discount: string(sub - left),",
            "    total: string(max([sub + ship - (sub - left), 0])),",
            f"    applied: map(filter([{pairs}], #[1] > 0), [#[0], string(#[1])])",
            "  }",
            ") : {",
            '  subtotal: string(sub), discount: "0",',
            "  total: string(max([sub + ship, 0])), applied: []",
            "}",
        ]
    )


def compile_w20() -> Any:
    """The kept expression, compiled once (``zen.Expression``)."""
    import zen

    return zen.compile_expression(EXPRESSION_PATH.read_text())


def price_w20_zen(
    expression: Any, cart: dict[str, Any], customer: dict[str, Any] | None, now: str
) -> dict[str, Any]:
    """Price one cart dict with the compiled expression at ``now`` (ISO 8601 text, as
    :func:`iso` writes it); what ``benches.baseline.price_w20`` returns (money as ``Decimal``),
    less shipping."""
    out = expression.evaluate({"cart": cart, "customer": customer or {}, "now": now})
    return {
        "subtotal": Decimal(out["subtotal"]),
        "discount": Decimal(out["discount"]),
        "total": Decimal(out["total"]),
        "applied": [(cid, Decimal(amount)) for cid, amount in out["applied"]],
    }


def main(argv: list[str]) -> int:
    """Write ``zen_w20.zen`` from the W20 specs (``--check``: fail if it is not current)."""
    text = w20_expression() + "\n"
    if argv[:1] == ["--check"]:
        return 0 if EXPRESSION_PATH.read_text() == text else 1
    EXPRESSION_PATH.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
