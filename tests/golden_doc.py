"""Renders docs/worked-examples.md from the golden carts in tests/data/golden, so a finance team
can check every effect by hand. `make docs` rewrites the page; tests/test_golden_doc.py fails
when the page is out of date.

    python -m tests.golden_doc > docs/worked-examples.md
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from promotor import _native

GOLDEN = Path(__file__).parent / "data" / "golden"
HEADER = """# Worked examples

Every example here is a golden cart (`tests/data/golden/`), checked on every test run against
both the Rust evaluator and the pure-Python reference. The arithmetic is written by hand from
[semantics.md](semantics.md); amounts in the arithmetic are in minor units (cents).
"""


def _number(node: Any) -> str:
    if isinstance(node, dict):
        return _native.print_expr(json.dumps(node))
    return str(node)


def _effect(effect: dict[str, Any]) -> str:
    kind = effect["type"]
    args = []
    for key, value in effect.items():
        if key == "type" or value is None:
            continue
        if key == "percent" and (effect.get("amount") or effect.get("fixed_price")):
            continue
        if key in ("on",):
            target = value["type"]
            extra = {k: v for k, v in value.items() if k != "type" and v is not None}
            if "pred" in extra:
                extra["pred"] = _number(extra["pred"])
            inner = ", ".join(f"{k}={v}" for k, v in extra.items())
            args.append(f"on={target}({inner})" if target == "items" else f"on={target}")
        elif isinstance(value, dict):
            args.append(f"{key}={_number(value)}")
        else:
            args.append(f"{key}={value!r}")
    return f"{kind}({', '.join(args)})"


def _campaign(c: dict[str, Any]) -> str:
    parts = [f"`{c['id']}`"]
    if c.get("priority"):
        parts.append(f"priority {c['priority']}")
    if c.get("rules"):
        parts.append(f"rules `{_number(c['rules'])}`")
    if c.get("effect"):
        parts.append(f"effect `{_effect(c['effect'])}`")
    for i, tier in enumerate(c.get("tiers") or []):
        rules = _number(tier["rules"]) if tier.get("rules") else "always"
        parts.append(f"tier {i}: `{rules}` -> `{_effect(tier['effect'])}`")
    return "- " + "; ".join(parts)


def render() -> str:
    out = [HEADER]
    for path in sorted(GOLDEN.rglob("*.json")):
        case = json.loads(path.read_text())
        engine, cart, expected = case["engine"], case["input"]["cart"], case["expected"]
        out.append(f"## {case['description']}\n")
        out.append(
            f"`{path.relative_to(GOLDEN)}`: currency {engine.get('currency', 'USD')}, rounding "
            f"{engine.get('rounding', 'half_even')}.\n"
        )
        out.extend(_campaign(c) for c in engine["campaigns"])
        out.append("\n| line | sku | price | qty | discount |\n|---|---|---|---|---|")
        for i, (item, discount) in enumerate(zip(cart["items"], expected["lines"], strict=True)):
            out.append(
                f"| {i} | {item.get('sku') or ''} | {item['price']} | {item.get('quantity', 1)}"
                f" | {discount} |"
            )
        out.append("\n```text")
        out.extend(case["arithmetic"])
        out.append("```\n")
        out.append(
            f"Subtotal {expected['subtotal']}, shipping {expected['shipping']}, discount "
            f"{expected['discount']} (shipping {expected['shipping_discount']}), total "
            f"**{expected['total']}**.\n"
        )
    return "\n".join(out)


if __name__ == "__main__":
    print(render(), end="")
