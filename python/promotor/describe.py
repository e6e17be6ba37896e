"""Short, readable descriptions of campaigns and effects, as explanations print them.

>>> import promotor as pm
>>> describe_effect(pm.percent_off(10, on=pm.items(pm.item.category == "tea"), cap=5).model_dump(
...     mode="json", by_alias=True))
'percent_off(10, on=items(item.category == "tea"), cap=5)'
"""

from __future__ import annotations

import json
from typing import Any

from . import _native

__all__ = ["describe_effect", "describe_effects", "describe_rule"]

_POSITIONAL = {
    "percent_off": "percent",
    "amount_off": "amount",
    "fixed_price": "price",
    "shipping_off": "amount",
    "gift": "sku",
    "buy_x_get_y": "buy",
}
_DEFAULTS = {"on": {"type": "order"}, "allocation": "across", "percent": False}


def describe_rule(node: dict[str, Any] | None) -> str:
    """Rule text of an IR expression; ``always`` for no rule."""
    return "always" if node is None else _native.print_expr(json.dumps(node))


def _value(value: Any) -> str:
    if isinstance(value, dict):
        if value.get("type") == "items":
            parts = [describe_rule(value["pred"])] if value.get("pred") else []
            parts += [f"{k}={v}" for k, v in value.items() if k not in ("type", "pred") and v]
            return f"items({', '.join(parts)})"
        if value.get("type") == "shipping" and (value.get("pred") or value.get("allocation")):
            parts = [describe_rule(value["pred"])] if value.get("pred") else []
            if value.get("allocation") == "each":
                parts.append('allocation="each"')
            return f"shipping({', '.join(parts)})"
        if value.get("type") in ("order", "shipping"):
            return str(value["type"]).upper()
        return describe_rule(value)
    return json.dumps(value) if isinstance(value, str) else str(value)


def describe_effect(effect: dict[str, Any]) -> str:
    """An effect as its builder call: ``amount_off(5, on=SHIPPING)``."""
    kind = effect["type"]
    first = _POSITIONAL.get(kind)
    args = []
    if first is not None and effect.get(first) is not None:
        args.append(_value(effect[first]))
    for key, value in effect.items():
        if key in ("type", first) or value is None or _DEFAULTS.get(key) == value:
            continue
        if key == "percent" and (effect.get("amount") or effect.get("fixed_price")):
            continue  # a buy_x_get_y rewarded with an amount or a price
        if kind == "shipping_off" and key == "percent" and value is True:
            return f"shipping_off({args[0]}%)" if args else "shipping_off(percent)"
        args.append(f"{key}={_value(value)}")
    return f"{kind}({', '.join(args)})"


def describe_effects(holder: dict[str, Any]) -> str:
    """A campaign's or tier's effect, or its several effects joined by ``" + "``."""
    several = holder.get("effects")
    if several is not None:
        return " + ".join(describe_effect(e) for e in several)
    return describe_effect(holder["effect"])
