"""Code pools in a store (DESIGN section 9, issue 12 targets): bulk insert 1,000,000 codes into
SQLite in under 10 s; look up one code among 10,000,000 with p99 under 100 us on SQLite and
under 5 us in memory; `evaluate` with a unique code on SQLite within 50 us of a public code.

    python -m benches.pools [--insert 1000000] [--pool 10000000] [--lookups 20000]
        [--json target/bench/pools.json] [--pytest-json target/bench/pytest.json]

Bulk insert: `store.add_codes` of `--insert` codes (`BF-#####-#####`, generated beforehand) into
a fresh SQLite pool, one call, wall time. Lookups: a pool of `--pool` codes (generated as one Arrow
array, added 1,000,000 a call), then `store.lookup_code` of `--lookups` codes, each timed alone
(`time.perf_counter_ns`), in a random order: seven in eight are in the pool, in any spelling
(lower case), one in eight is not. On SQLite a lookup is one indexed query on the file's
`promotor_codes_key` index (the page cache warm, as on a server). The evaluate row compares the
medians of `test_state_evaluate_sqlite_unique_code` and `..._public_code` of
benches/test_state_bench.py when `--pytest-json` is given. Everything runs in one process;
`make bench` runs it with BENCH_POOL_CODES (default 10,000,000: about 2 GB of memory for the
memory store, and a few minutes).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import promotor as pm

PATTERN = "BF-#####-#####"  # 50 random bits: room for 10,000,000 live codes at 20 bits
STEP = 1_000_000


def bulk_insert(path: Path, n: int) -> float:
    """Seconds `add_codes` takes to insert ``n`` codes into a fresh SQLite pool."""
    codes = pm.codes.generate(PATTERN, count=n)
    with pm.store(f"sqlite:///{path}") as store:
        t0 = time.perf_counter()
        added = store.add_codes("bulk", codes)
        wall = time.perf_counter() - t0
        assert added == n
    return wall


def fill(store: pm.Store, codes: Any) -> None:
    """Add ``codes`` (an Arrow array) to the campaign ``pool``'s pool, 1,000,000 a call."""
    for at in range(0, len(codes), STEP):
        store.add_codes("pool", codes.slice(at, STEP))
        gc.collect()


def probes(sample: Sequence[str], count: int, seed: int = 7) -> list[str]:
    """``count`` codes to look up: 7 in 8 from the pool (lower-cased), 1 in 8 absent."""
    rng = random.Random(seed)
    out = []
    for i in range(count):
        if i % 8 == 7:
            out.append("ZZ-" + "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ") for _ in range(10)))
        else:
            out.append(rng.choice(sample).lower())
    rng.shuffle(out)
    return out


def lookup_times(store: pm.Store, codes: Sequence[str]) -> list[float]:
    """Microseconds of each `store.lookup_code`, after a warm-up pass over the first 1,000."""
    for code in codes[:1000]:
        store.lookup_code(code)
    out = []
    clock = time.perf_counter_ns
    for code in codes:
        t0 = clock()
        store.lookup_code(code)
        out.append((clock() - t0) / 1000)
    return out


def percentile(values: Sequence[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def evaluate_rows(path: Path) -> list[dict[str, Any]]:
    """The unique-code against public-code evaluate medians of benches/test_state_bench.py."""
    medians = {b["name"]: b["stats"]["median"] for b in json.loads(path.read_text())["benchmarks"]}
    unique = medians.get("test_state_evaluate_sqlite_unique_code")
    public = medians.get("test_state_evaluate_sqlite_public_code")
    if unique is None or public is None:
        return []
    extra = (unique - public) * 1e6
    print(f"evaluate, unique code on SQLite   {unique * 1e6:8.1f} us, {extra:+6.1f} us over a "
          f"public code ({public * 1e6:.1f} us)  target <= +50 us"
          f"{' ok' if extra <= 50 else ' MISS'}")  # fmt: skip
    return [{"measure": "evaluate_unique_over_public_us", "value": extra, "target": 50}]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--insert", type=int, default=1_000_000)
    parser.add_argument("--pool", type=int, default=10_000_000)
    parser.add_argument("--lookups", type=int, default=20_000)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--pytest-json", type=Path, help="pytest-benchmark output to read")
    args = parser.parse_args()
    rows: list[dict[str, Any]] = []
    if args.pytest_json and args.pytest_json.exists():
        rows += evaluate_rows(args.pytest_json)
    with tempfile.TemporaryDirectory() as tmp:
        wall = bulk_insert(Path(tmp) / "bulk.db", args.insert)
        ok = " ok" if args.insert < 1_000_000 or wall < 10 else " MISS"
        print(f"add_codes {args.insert:,} codes into SQLite  {wall:8.2f} s  "
              f"({args.insert / wall:,.0f} codes/s)  target < 10 s for 1,000,000{ok}")  # fmt: skip
        rows.append({"measure": "sqlite_bulk_insert_s", "codes": args.insert, "value": wall,
                     "target": 10})  # fmt: skip
        targets = {"memory": 5.0, "sqlite": 100.0}
        # One batch of unique codes for both stores; a sample of 100,000 to look up.
        pool = pm.codes.generate(PATTERN, count=args.pool, arrow=True)
        sample = pool.take(list(range(0, len(pool), max(1, len(pool) // 100_000)))).to_pylist()
        for name, url in (
            ("sqlite", f"sqlite:///{Path(tmp) / 'pool.db'}"),
            ("memory", "memory://"),
        ):
            with pm.store(url) as store:
                t0 = time.perf_counter()
                fill(store, pool)
                filled = time.perf_counter() - t0
                times = lookup_times(store, probes(sample, args.lookups))
                p50, p99 = percentile(times, 50), percentile(times, 99)
                target = targets[name]
                ok = " ok" if p99 < target else " MISS"
                print(f"lookup_code among {args.pool:,} on {name:6s}  p50 {p50:6.1f} us  "
                      f"p99 {p99:6.1f} us  target p99 < {target:g} us{ok}  "
                      f"(pool filled in {filled:.0f} s)")  # fmt: skip
                rows.append({"measure": f"{name}_lookup_p99_us", "codes": args.pool, "value": p99,
                             "p50": p50, "target": target})  # fmt: skip
            gc.collect()
    print(f"(machine: {os.cpu_count()} cores)")
    if args.json:
        args.json.write_text(json.dumps({"cores": os.cpu_count(), "rows": rows}, indent=1))


if __name__ == "__main__":
    main()
