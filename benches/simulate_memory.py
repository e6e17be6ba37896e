"""Peak memory of a streamed simulation (issue 15: "peak memory bounded by the state, not by
the history"): orders generated week by week, 50,000 a week (`pm.datasets.orders` per week),
and streamed
into `pm.simulate(..., keep_orders=False)`, in a fresh child process per size, which reads
its peak RSS (VmHWM) after the call. Equal peaks at 200,000 and 1,000,000 orders mean memory
follows the state (counters: one per customer for a per-customer limit, and each customer's
point lots, one per day they earned, in the loyalty programme) and the chunk, not the
history.

    python -m benches.simulate_memory [--orders 200000 1000000]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from datetime import date, timedelta
from typing import Any

PER_WEEK = 50_000


def child(n: int) -> dict[str, Any]:
    import time

    import promotor as pm
    from benches.test_bench_simulate import stateful_engine

    weeks = max(n // PER_WEEK, 1)

    def months() -> Any:
        for m in range(weeks):
            start = date(2025, 1, 6) + timedelta(weeks=m)
            t = pm.datasets.orders(PER_WEEK, seed=m, start=start, end=start + timedelta(weeks=1))
            # Customers of different weeks are different ids, so the state grows with n.
            ids = [f"w{m}-{c}" for c in t.column("customer_id").to_pylist()]
            import pyarrow as pa

            yield t.set_column(t.column_names.index("customer_id"), "customer_id", pa.array(ids))

    started = time.perf_counter()
    report = pm.simulate(
        stateful_engine(), months(), progress=False, final_counters=True, keep_orders=False
    )
    seconds = time.perf_counter() - started
    with open("/proc/self/status") as f:
        peak = next(int(line.split()[1]) for line in f if line.startswith("VmHWM:"))
    counters = len(report._run(None).tally["counters"])
    return {"orders": PER_WEEK * weeks, "peak_mb": peak / 1024, "counters": counters, "s": seconds}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, nargs="+", default=[200_000, 1_000_000])
    parser.add_argument("--child", type=int)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child)))
        return 0
    for n in args.orders:
        out = subprocess.run(
            [sys.executable, "-m", "benches.simulate_memory", "--child", str(n)],
            capture_output=True,
            text=True,
            check=True,
        )
        r = json.loads(out.stdout)
        print(
            f"{r['orders']:>9,} orders streamed: peak RSS {r['peak_mb']:.0f} MB, "
            f"{r['counters']:,} counters, {r['s']:.1f} s (generation included)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
