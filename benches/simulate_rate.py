"""Stateful simulation against stateless pricing in one process (issue 15's benchmark, the
figures of docs/performance.md): `pm.simulate(..., keep_orders=False)` of
`history(n)` through `stateful_engine()` (budget, once per customer, loyalty programme),
then `engine.evaluate_batch(threads=1)` on the same orders, each timed by wall clock and by
the process's CPU time. On a shared machine the CPU time is the figure to compare: the wall
time also counts the other processes' turns.

    python -m benches.simulate_rate [--orders 1000000]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any


def timed(name: str, n: int, f: Callable[[], Any]) -> tuple[Any, float, float]:
    cpu, wall = time.process_time(), time.perf_counter()
    out = f()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(
        f"{name}: {wall:.2f} s wall ({n / wall:,.0f} orders/s), "
        f"{cpu:.2f} s CPU ({n / cpu:,.0f} orders/s)",
        flush=True,
    )
    return out, wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1_000_000)
    n = parser.parse_args().orders

    import promotor as pm
    from benches.test_bench_simulate import history, stateful_engine

    orders = history(n)
    engine = stateful_engine()
    report, _, sim_cpu = timed(
        "pm.simulate, stateful",
        n,
        lambda: pm.simulate(engine, orders, progress=False, keep_orders=False),
    )
    points = report.loyalty.to_pylist()[0]
    print(f"points earned {points['points_earned']:,} by {points['members']:,} members")
    _, _, batch_cpu = timed(
        "evaluate_batch(threads=1)", n, lambda: engine.evaluate_batch(orders, threads=1)
    )
    print(f"simulate / batch, CPU time: {sim_cpu / batch_cpu:.2f}x")


if __name__ == "__main__":
    main()
