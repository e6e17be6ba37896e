"""Where the time of one single-cart evaluation goes, in instructions (docs/performance.md).

``python -m benches.stages`` runs this module under callgrind once per stage and per number of
rounds, and prints instructions per cart: each stage is the difference between a script that
stops before it and one that stops after it, and each count the difference between 3 rounds and
1 round over the same carts (so start-up, data generation and compilation cancel out). Needs
valgrind and a release build (``make .venv/.built-release``).

``python -m benches.stages --run KIND STAGE ROUNDS`` is one such script: KIND is ``plain``
(carts no campaign applies to) or ``qualifying``; STAGE one of ``read``, ``price``,
``evaluate``, ``full`` (evaluate, then read what the baseline returns) or ``baseline``.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from typing import Any

from benches.baseline import baseline_view, price_w20
from benches.workloads import NOW, orders, w20_engine, w20_specs
from promotor import _native

STAGES = ("read", "price", "evaluate", "full", "baseline")
N_ORDERS = 600


def run(kind: str, stage: str, rounds: int) -> int:
    engine = w20_engine()
    program = engine._program
    specs = w20_specs()
    carts = [
        o
        for o in orders(N_ORDERS)
        if bool(price_w20(o.cart, o.customer, NOW, specs)["applied"]) == (kind == "qualifying")
    ]
    # warm every lazy path once (campaign descriptions, imports) before the measured rounds
    engine.evaluate(carts[0].cart, customer=carts[0].customer, now=NOW).explain()
    read = _native.check_input
    for _ in range(rounds):
        for o in carts:
            if stage == "read":
                read(o.cart, o.customer, (), NOW, None)
            elif stage == "price":
                program.price(o.cart, o.customer, (), NOW, None)
            elif stage == "evaluate":
                engine.evaluate(o.cart, customer=o.customer, now=NOW)
            elif stage == "full":
                baseline_view(engine.evaluate(o.cart, customer=o.customer, now=NOW))
            else:
                price_w20(o.cart, o.customer, NOW, specs)
    return len(carts)


def instructions(kind: str, stage: str, rounds: int) -> tuple[int, int]:
    """(instructions, carts) of one run under callgrind."""
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    cmd = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable]
    cmd += ["-m", "benches.stages", "--run", kind, stage, str(rounds)]
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, check=True)
    refs = re.search(r"I\s+refs:\s+([\d,]+)", out.stderr)
    carts = re.search(r"^carts (\d+)$", out.stdout, re.M)
    if refs is None or carts is None:
        raise RuntimeError(out.stderr[-2000:])
    return int(refs.group(1).replace(",", "")), int(carts.group(1))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--run", nargs=3, metavar=("KIND", "STAGE", "ROUNDS"))
    args = parser.parse_args(argv)
    if args.run:
        kind, stage, rounds = args.run
        print(f"carts {run(kind, stage, int(rounds))}")
        return
    table: dict[str, dict[str, Any]] = {}
    for kind in ("plain", "qualifying"):
        for stage in STAGES:
            one, carts = instructions(kind, stage, 1)
            three, _ = instructions(kind, stage, 3)
            table.setdefault(stage, {})[kind] = (three - one) / (2 * carts)
    print(f"{'instructions per cart':28} | {'plain':>10} | {'qualifying':>10}")
    for stage in STAGES:
        row = table[stage]
        print(f"{stage:28} | {row['plain']:>10,.0f} | {row['qualifying']:>10,.0f}")


if __name__ == "__main__":
    main()
