"""What the programmes' twin property tests share."""

from __future__ import annotations

from typing import Any


def applied(snapshot: dict[str, int], decisions: list[dict[str, Any]]) -> dict[str, int]:
    """``snapshot`` after the decisions' deltas, each bound checked on the way."""
    state = dict(snapshot)
    for d in decisions:
        for key, add, hi, lo in d["deltas"]:
            after = state.get(key, 0) + add
            assert hi is None or after <= hi
            assert lo is None or after >= lo
        for key, add, _, _ in d["deltas"]:
            state[key] = state.get(key, 0) + add
    return {k: v for k, v in state.items() if v}
