"""Largest-remainder allocation (the core's ``alloc.rs``)."""

from __future__ import annotations

__all__ = ["allocate"]


def allocate(total: int, amounts: list[tuple[int, int]]) -> dict[int, int]:
    """Split ``total`` over ``(line index, weight)`` pairs by largest remainder.

    Each line gets ``floor(total * w / W)``; the units left over go one each to the largest
    remainders ``(total * w) mod W``, ties to the lower index. With ``total <= W`` no line
    gets more than its weight.
    """
    whole = sum(amount for _, amount in amounts)
    assert 0 <= total <= whole
    if total == 0:
        return {}
    shares = {index: total * amount // whole for index, amount in amounts}
    left = total - sum(shares.values())
    by_remainder = sorted(amounts, key=lambda pair: (-(total * pair[1] % whole), pair[0]))
    for index, _ in by_remainder[:left]:
        shares[index] += 1
    return {index: share for index, share in shares.items() if share}
