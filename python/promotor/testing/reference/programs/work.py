"""One decision's counters (``programs/work.rs``): one delta per key, bounded on the final value."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from promotor.testing.reference.programs.keys import (
    Delta,
)


class Work:
    """Counters of one decision; one delta per key with bounds on the final value."""

    def __init__(self, snapshot: Mapping[str, int]) -> None:
        self.snapshot = dict(snapshot)
        self.changes: dict[str, list[Any]] = {}  # key -> [total, min, max]

    def get(self, key: str) -> int:
        return self.snapshot.get(key, 0) + (self.changes[key][0] if key in self.changes else 0)

    def add(self, key: str, n: int, lo: int | None = None, hi: int | None = None) -> None:
        if n == 0 and lo is None and hi is None:
            return
        c = self.changes.setdefault(key, [0, None, None])
        c[1] = None if c[1] is None else c[1] + n
        c[2] = None if c[2] is None else c[2] + n
        c[0] += n
        if lo is not None:
            c[1] = lo if c[1] is None else max(c[1], lo)
        if hi is not None:
            c[2] = hi if c[2] is None else min(c[2], hi)

    def members(self, family: str) -> dict[str, int]:
        out = {}
        for k in [*self.snapshot, *self.changes]:
            if k.startswith(family + "#"):
                out[k[len(family) + 1 :]] = self.get(k)
        return dict(sorted(out.items()))

    def deltas(self) -> list[Delta]:
        return [
            (k, c[0], c[2], c[1])
            for k, c in self.changes.items()
            if c[0] != 0 or c[1] is not None or c[2] is not None
        ]
