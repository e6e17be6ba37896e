"""Peak memory of one `evaluate_batch` call over a large W20 table (DESIGN section 7: "memory of
a batch bounded by chunking, not by the input's size"; target: extra peak RSS at most twice
the input's Arrow size).

    python -m benches.memory [--orders N] [--json PATH] [--aligned]

Method. The parent builds a W20-shaped table of N orders directly as Arrow columns (numpy,
seeded; the shape of `benches.workloads.orders`: 1-19 items per order, 12 categories, 5
segments, 4 customers per order on average) and writes it, uncompressed, to Arrow IPC files in
a temporary directory, once with nested `items` and once as an `orders` table plus a separate
`lines` table. Each variant is then measured in a fresh child process, which:

1. imports promotor, compiles W20 and reads the tables from the IPC files into memory (not
   memory-mapped: mapped pages would be faulted in, and counted, during the call). pyarrow
   reads IPC buffers 8-byte aligned, so `evaluate_batch` copies the decimal128 columns (Rust's
   i128 needs 16); `--aligned` reads them 64-byte aligned instead, as a table built in memory
   (pyarrow compute, a Parquet reader) would be, which shows the call's memory without them;
2. runs `evaluate_batch` once on the first 1,000 orders (thread pool, lazy statics: one-time
   costs, not memory of the call);
3. takes VmRSS from /proc/self/status as "before", resets the high-water mark VmHWM by writing
   "5" to /proc/self/clear_refs, calls `evaluate_batch` on the whole table (default threads,
   money as decimal128) and reads VmHWM as "peak" while the output is still alive.

extra = peak - before includes the output table (about 90 bytes per order). The ratio is
extra / input Arrow size (`Table.nbytes`, orders plus lines). Where /proc/self/clear_refs
cannot be written, the child falls back to `resource.getrusage(...).ru_maxrss`, whose
high-water mark then includes reading the table (an upper bound on the call's peak).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benches.workloads import CATEGORIES, NOW, SEED, SEGMENTS

TARGET = 2.0
DEFAULT_ORDERS = 1_000_000
WARM_UP = 1_000


# -- the table --------------------------------------------------------------------------------


def w20_tables(n: int, seed: int = SEED) -> tuple[Any, Any]:
    """(orders with nested `items`, the same items as a `lines` table keyed by `order_id`), of
    the shape of `benches.workloads.arrow_orders(orders(n))` (not the same random draws)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    rng = np.random.default_rng(seed)
    money = pa.decimal128(12, 2)

    def decimal(cents: Any) -> Any:
        # decimal128 is a little-endian 128-bit integer of cents: (low, high) int64 pairs.
        words = np.zeros((len(cents), 2), dtype=np.int64)
        words[:, 0] = cents
        return pa.Array.from_buffers(money, len(cents), [None, pa.py_buffer(words)])

    def joined(*parts: Any) -> Any:
        return pc.binary_join_element_wise(*parts, "")

    # Customers: n / 4 of them, 0-3 segments each (weights 2:4:3:1), orders_count 0-40.
    n_customers = max(1, n // 4)
    k = rng.choice(4, size=n_customers, p=[0.2, 0.4, 0.3, 0.1])
    rank = rng.random((n_customers, len(SEGMENTS))).argsort(axis=1).argsort(axis=1)
    names = sorted(SEGMENTS)
    member = rank < k[:, None]  # k random segments per customer, listed in name order
    segments = pa.ListArray.from_arrays(
        pa.array(np.concatenate([[0], np.cumsum(member.sum(axis=1))]), pa.int32()),
        pc.take(pa.array(names), pa.array(np.nonzero(member)[1])),
    )
    customer = pa.array(rng.integers(0, n_customers, size=n))
    ids = pc.cast(pa.array(np.arange(n)), pa.string())

    # Lines: 1-19 per order, category uniform over 12, price 0.99-49.99, quantity 1-4 (5:3:1:1).
    per_order = rng.integers(1, 20, size=n)
    offsets = np.concatenate([[0], np.cumsum(per_order)]).astype(np.int32)
    n_lines = int(offsets[-1])
    category = pa.array(rng.integers(0, len(CATEGORIES), size=n_lines))
    order_of_line = np.repeat(np.arange(n), per_order)
    line_no = np.arange(n_lines) - np.repeat(offsets[:-1], per_order)
    prefixes = pa.array([c[:3].upper() + "-" for c in CATEGORIES])
    sku = joined(
        pc.take(prefixes, category),
        pc.cast(pa.array(order_of_line), pa.string()),
        pa.scalar("-"),
        pc.cast(pa.array(line_no), pa.string()),
    )
    quantity = pa.array(rng.choice(np.arange(1, 5), size=n_lines, p=[0.5, 0.3, 0.1, 0.1]))
    lines = {
        "sku": sku,
        "price": decimal(rng.integers(99, 5000, size=n_lines)),
        "quantity": quantity,
        "category": pc.take(pa.array(CATEGORIES), category),
    }
    order_id = joined(pa.scalar("o"), ids)
    orders = {
        "order_id": order_id,
        "customer_id": joined(pa.scalar("c"), pc.cast(customer, pa.string())),
        "segments": pc.take(segments, customer),
        "orders_count": pc.take(pa.array(rng.integers(0, 41, size=n_customers)), customer),
        "created_at": pa.array(np.full(n, int(NOW.timestamp() * 1e6)), pa.timestamp("us", "UTC")),
        "shipping": decimal(rng.choice(np.array([499, 0, 750]), size=n)),
    }
    items = pa.ListArray.from_arrays(
        pa.array(offsets), pa.StructArray.from_arrays(list(lines.values()), list(lines))
    )
    nested = pa.table({**orders, "items": items})
    separate = pa.table({"order_id": pc.take(order_id, pa.array(order_of_line)), **lines})
    return nested, (pa.table(orders), separate)


# -- the measurement (child process) ----------------------------------------------------------


def _status(field: str) -> int:
    """A /proc/self/status field, in bytes."""
    text = Path("/proc/self/status").read_text()
    match = re.search(rf"^{field}:\s+(\d+) kB", text, re.MULTILINE)
    assert match, field
    return int(match.group(1)) * 1024


def _reset_peak() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def _peak(reset: bool) -> int:
    if reset:
        return _status("VmHWM")
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def child(directory: Path, variant: str, aligned: bool = False) -> dict[str, Any]:
    import gc

    import pyarrow as pa
    import pyarrow.compute as pc

    from benches.workloads import w20_engine

    alignment = pa.ipc.Alignment.At64Byte if aligned else pa.ipc.Alignment.Any

    def read(name: str) -> Any:
        options = pa.ipc.IpcReadOptions(ensure_alignment=alignment)
        with pa.OSFile(str(directory / f"{name}.arrow")) as f:
            return pa.ipc.open_file(f, options=options).read_all()

    engine = w20_engine()
    if variant == "items":
        orders, lines = read("nested"), None
        head = engine.evaluate_batch(orders.slice(0, WARM_UP))
    else:
        orders, lines = read("orders"), read("lines")
        first = orders.slice(0, WARM_UP)
        # only their lines: a line whose order is not in the table is an error (as in single)
        mine = pc.is_in(lines["order_id"], value_set=first["order_id"])
        head = engine.evaluate_batch(first, lines=lines.filter(mine))
    assert head.num_rows == WARM_UP
    del head
    gc.collect()
    input_bytes = orders.nbytes + (0 if lines is None else lines.nbytes)
    before = _status("VmRSS")
    reset = _reset_peak()
    start = time.perf_counter()
    out = engine.evaluate_batch(orders, lines=lines)
    seconds = time.perf_counter() - start
    peak = _peak(reset)
    assert out.num_rows == orders.num_rows
    discounted = sum(1 for a in out.column("applied").to_pylist() if a)
    return {
        "variant": variant + (" (64-byte aligned)" if aligned else ""),
        "orders": orders.num_rows,
        "lines": None if lines is None else lines.num_rows,
        "input_bytes": input_bytes,
        "output_bytes": out.nbytes,
        "rss_before": before,
        "rss_peak": peak,
        "extra": peak - before,
        "ratio": (peak - before) / input_bytes,
        "seconds": seconds,
        "discounted_share": discounted / orders.num_rows,
        "method": "VmHWM after clear_refs" if reset else "ru_maxrss",
    }


# -- driver -------------------------------------------------------------------------------------


def measure(n: int, aligned: bool = False) -> list[dict[str, Any]]:
    import pyarrow as pa

    with tempfile.TemporaryDirectory(prefix="promotor-mem-") as tmp:
        directory = Path(tmp)
        nested, (orders, lines) = w20_tables(n)
        for name, table in (("nested", nested), ("orders", orders), ("lines", lines)):
            path = str(directory / f"{name}.arrow")
            with pa.OSFile(path, "wb") as f, pa.ipc.new_file(f, table.schema) as writer:
                writer.write_table(table)
        del nested, orders, lines
        results = []
        for variant in ("items", "lines"):
            proc = subprocess.run(
                [sys.executable, "-m", "benches.memory", "--child", tmp, variant]
                + (["--aligned"] if aligned else []),
                capture_output=True,
                text=True,
                check=False,
                env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)},
            )
            if proc.returncode != 0:
                raise RuntimeError(f"child {variant} failed:\n{proc.stderr}")
            results.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    return results


def _mb(b: float) -> str:
    return f"{b / 2**20:,.0f} MiB"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benches.memory", description=__doc__)
    parser.add_argument("--orders", type=int, default=DEFAULT_ORDERS)
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument(
        "--aligned", action="store_true", help="read the tables 64-byte aligned (see above)"
    )
    parser.add_argument("--child", nargs=2, metavar=("DIR", "VARIANT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(Path(args.child[0]), args.child[1], args.aligned)))
        return 0
    results = measure(args.orders, args.aligned)
    for r in results:
        print(
            f"{r['variant']}: {r['orders']:,} orders, input {_mb(r['input_bytes'])}, "
            f"RSS before {_mb(r['rss_before'])}, peak {_mb(r['rss_peak'])}, "
            f"extra {_mb(r['extra'])} (output {_mb(r['output_bytes'])}), "
            f"extra / input = {r['ratio']:.2f} (target <= {TARGET:g}), {r['seconds']:.1f} s, "
            f"{r['discounted_share']:.1%} discounted [{r['method']}]"
        )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"target": TARGET, "results": results}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
