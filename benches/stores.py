"""Redemptions per second per store, from 1 and 2 processes (DESIGN section 8 targets:
SQLite >= 2,000/s from one process, PostgreSQL >= 1,500/s and Redis >= 5,000/s from two).

    python -m benches.stores [--seconds 3] [--json target/bench/stores.json]

Each process redeems W20-sized carts (3 lines) of one code for ``--seconds`` against a campaign
with a total limit, a per-customer limit and a budget (so every redemption reads three counters
and moves three), customers cycling over 1,000 ids; the rate is all successful commits over the
wall time. PostgreSQL and Redis come from PROMOTOR_TEST_POSTGRES_URL / PROMOTOR_TEST_REDIS_URL
(`make bench` starts throwaway servers with .ci/servers: note they run with fsync off); a store
without a URL is left out, with a line saying so.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import pickle
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import promotor as pm

NOW = datetime(2026, 11, 27, 10, tzinfo=UTC)
CART = {
    "items": [
        {"sku": "A1", "price": "12.50", "quantity": 2, "category": "coffee"},
        {"sku": "B2", "price": "4.99", "quantity": 1, "category": "tea"},
        {"sku": "C3", "price": "30.00", "quantity": 1, "category": "mugs"},
    ],
    "shipping": "4.99",
}
TARGETS = {("sqlite", 1): 2000, ("postgres", 2): 1500, ("redis", 2): 5000}


def bf_engine(
    store: pm.Store | str | None, limits: list[Any] | None, unique: bool = False
) -> pm.Engine:
    """The state benchmarks' campaign: 10% off a cart of 20.00 or more with the code BLCKFRDY
    (with a code of its pool instead when ``unique``), under ``limits``."""
    return pm.Engine(
        [
            pm.Campaign(
                id="bf",
                code=None if unique else "BLCKFRDY",
                unique_codes=unique,
                rules="cart.subtotal >= 20",
                effect=pm.percent_off(10),
                limits=limits,
            )
        ],
        store=store,
    )


def engine(url: str) -> pm.Engine:
    """Limits that never run out over a run: every redemption reads and moves three counters."""
    return bf_engine(
        url,
        [
            pm.limit(1_000_000_000),
            pm.limit(1_000_000, per="customer"),
            pm.budget("100000000000.00"),
        ],
    )


def _worker(blob: bytes, seconds: float, start: Any, out: Any) -> None:
    e = pickle.loads(blob)
    e.redeem(CART, customer={"id": "warm"}, codes=["blckfrdy"], now=NOW)
    start.wait()
    done, i = 0, os.getpid() * 1000
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        for _ in range(20):
            i += 1
            e.redeem(CART, customer={"id": f"c{i % 1000}"}, codes=["blckfrdy"], now=NOW)
        done += 20
    out.put(done)


def rate(url: str, processes: int, seconds: float) -> float:
    """Redemptions per second of ``processes`` processes redeeming at once for ``seconds``."""
    blob = pickle.dumps(engine(url))
    ctx = mp.get_context("fork")
    start, out = ctx.Event(), ctx.Queue()
    procs = [
        ctx.Process(target=_worker, args=(blob, seconds, start, out)) for _ in range(processes)
    ]
    for p in procs:
        p.start()
    time.sleep(0.5)  # all connected and warmed up
    t0 = time.perf_counter()
    start.set()
    total = sum(out.get(timeout=seconds + 120) for _ in procs)
    wall = time.perf_counter() - t0
    for p in procs:
        p.join()
    return total / wall


def urls(tmp: Path) -> dict[str, str | None]:
    tag = uuid.uuid4().hex[:8]
    pg = os.environ.get("PROMOTOR_TEST_POSTGRES_URL")
    rd = os.environ.get("PROMOTOR_TEST_REDIS_URL")
    return {
        "sqlite": f"sqlite:///{tmp / 'bench.db'}",
        "postgres": f"{pg}?schema=bench_{tag}" if pg else None,
        "redis": f"{rd}?prefix=bench{tag}" if rd else None,
    }


def evaluate_overhead(path: Path) -> None:
    """The state-evaluate group of benches/test_state_bench.py: what a snapshot read adds."""
    medians = {b["name"]: b["stats"]["median"] for b in json.loads(path.read_text())["benchmarks"]}
    base = medians.get("test_state_evaluate_without_limits")
    if base is None:
        return
    for name, label in (("memory", "memory"), ("sqlite", "SQLite")):
        m = medians.get(f"test_state_evaluate_{name}")
        if m is None:
            continue
        extra = (m - base) * 1e6
        goal = "  target <= 50 us" + (" ok" if extra <= 50 else " MISS") if name == "sqlite" else ""
        print(f"evaluate with limits on {label:6s} {m * 1e6:7.1f} us, "
              f"{extra:+6.1f} us over no limits ({base * 1e6:.1f} us){goal}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--pytest-json", type=Path, help="pytest-benchmark output to read")
    args = parser.parse_args()
    if args.pytest_json and args.pytest_json.exists():
        evaluate_overhead(args.pytest_json)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, url in urls(Path(tmp)).items():
            if url is None:
                print(f"{name:9s} skipped: no server URL (make bench starts one with .ci/servers)")
                continue
            for processes in (1, 2):
                r = rate(url, processes, args.seconds)
                target = TARGETS.get((name, processes))
                verdict = "" if target is None else (" ok" if r >= target else " MISS")
                goal = "" if target is None else f"  target >= {target:,}/s"
                print(f"{name:9s} {processes} process{'es' if processes > 1 else '  '}  "
                      f"{r:8,.0f} redemptions/s{goal}{verdict}")  # fmt: skip
                rows.append({"store": name, "processes": processes, "rate": r, "target": target})
            pm.store(url).verify()
    print(f"(machine: {os.cpu_count()} cores)")
    if args.json:
        args.json.write_text(json.dumps({"cores": os.cpu_count(), "rows": rows}, indent=1))


if __name__ == "__main__":
    main()
