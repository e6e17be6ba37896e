"""Batch throughput by thread count, with the runs interleaved (1, 2, 1, 2, ...) so that load
from other processes on a shared machine hits every thread count alike.

    python -m benches.scaling [--orders N] [--rounds R] [--threads 1,2]

Prints, per thread count, the fastest and the median wall time of `evaluate_batch` over the
W20 table of `benches/test_bench.py` (`arrow_orders(orders(N))`), carts/s, and the speed-up
over the first thread count. On a quiet machine min and median agree; when they do not, the
min is the better estimate of what the code can do (noise only ever adds time). Also the
script to profile batch evaluation with callgrind (docs/performance.md):

    PYTHONPATH=. valgrind --tool=callgrind --toggle-collect='promotor_core::batch::Batch::chunk' \\
        --callgrind-out-file=cg.out .venv/bin/python -m benches.scaling \\
        --orders 2000 --rounds 1 --threads 1
"""

from __future__ import annotations

import argparse
import sys
import time

from benches.workloads import arrow_orders, orders, w20_engine


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benches.scaling", description=__doc__)
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--threads", default="1,2", help="comma-separated thread counts")
    args = parser.parse_args(argv)
    counts = [int(t) for t in args.threads.split(",")]
    engine = w20_engine()
    table = arrow_orders(orders(args.orders))
    for t in counts:  # warm up: pools, caches
        engine.evaluate_batch(table.slice(0, 100), threads=t)
    times: dict[int, list[float]] = {t: [] for t in counts}
    for _ in range(args.rounds):
        for t in counts:
            start = time.perf_counter()
            out = engine.evaluate_batch(table, threads=t)
            times[t].append(time.perf_counter() - start)
            assert out.num_rows == args.orders
    first = counts[0]
    for t in counts:
        v = sorted(times[t])
        lo, mid = v[0], v[len(v) // 2]
        f_lo, f_mid = sorted(times[first])[0], sorted(times[first])[len(v) // 2]
        print(
            f"threads={t}: min {lo * 1e3:.0f} ms, median {mid * 1e3:.0f} ms, "
            f"{args.orders / lo:,.0f} carts/s (min); over threads={first}: "
            f"min {f_lo / lo:.2f}x, median {f_mid / mid:.2f}x"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
