"""``python -m benches.programs [--rows N]``: the import rate of a points migration into
SQLite, in rows per second (DESIGN target: at least 50,000)."""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import promotor as pm
from benches.stores import NOW
from benches.test_programs_bench import POINTS, write_balances


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=200_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "balances.csv"
        write_balances(path, args.rows)
        e = pm.Engine([], programs=[POINTS], store=f"sqlite:///{tmp}/import.db")
        start = time.perf_counter()
        report = e.import_points("points", path, create_missing=True, now=NOW)
        took = time.perf_counter() - start
        assert report.imported == args.rows
        print(f"imported {args.rows:,} rows in {took:.2f} s: {args.rows / took:,.0f} rows/s "
              f"({os.cpu_count()} cores)")  # fmt: skip


if __name__ == "__main__":
    main()
