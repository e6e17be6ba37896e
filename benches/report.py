"""Turn a `make bench` run into the ratios DESIGN section 7 sets targets for.

    python -m benches.report target/bench/pytest.json [target/criterion]

Every ratio compares two medians measured in the same run, so machine noise and speed mostly
cancel out; only the compile time is absolute. The memory row comes from `memory.json` next to
`pytest.json`, written by `python -m benches.memory --json ...` (benches/memory.py).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any


def _medians(path: Path) -> dict[str, float]:
    """Benchmark name -> median seconds; a benchmark that records how many orders it made
    (``extra_info["orders"]``) also gives ``name/s``, orders per second, and one that records
    its threads (``extra_info["threads"]``) gives ``name#threads``."""
    data = json.loads(path.read_text())
    out = {b["name"]: b["stats"]["median"] for b in data["benchmarks"]}
    for b in data["benchmarks"]:
        if "orders" in b.get("extra_info", {}):
            out[b["name"] + "/s"] = b["extra_info"]["orders"] / b["stats"]["median"]
        if "threads" in b.get("extra_info", {}):
            out[b["name"] + "#threads"] = b["extra_info"]["threads"]
    return out


def _criterion(root: Path) -> dict[str, float]:
    """Criterion bench name (with its group and input, as in `codes_generate/bf_8/1000000`)
    -> median seconds."""
    out = {}
    for est in sorted(root.glob("**/new/estimates.json")):
        data = json.loads(est.read_text())
        out[est.parent.parent.relative_to(root).as_posix()] = data["median"]["point_estimate"] / 1e9
    return out


Row = tuple[str, str, str, str]


def memory_rows(mem: dict[str, Any] | None) -> list[Row]:
    """The peak-memory target: extra peak RSS of one evaluate_batch call over the input's Arrow
    size, the worse of nested items and a separate lines table."""
    if not mem or not mem.get("results"):
        label = "batch 1M orders: extra peak RSS / input Arrow size"
        return [(label, "n/a (not run)", "<= 2", "SKIP")]
    results = mem["results"]
    n = results[0]["orders"]
    size = f"{n / 1e6:g}M" if n >= 1_000_000 else f"{n:,}"
    target = mem.get("target", 2.0)
    worst = max(r["ratio"] for r in results)
    out: list[Row] = [
        (
            f"batch {size} orders: extra peak RSS / input Arrow size",
            f"{worst:.2f}",
            f"<= {target:g}",
            _verdict(worst <= target),
        )
    ]
    for r in results:
        out.append(
            (
                f"  {r['variant']}: extra / input, MiB",
                f"{r['extra'] / 2**20:,.0f} / {r['input_bytes'] / 2**20:,.0f}",
                "",
                "info",
            )
        )
    return out


def rows(
    m: dict[str, float], crit: dict[str, float], mem: dict[str, Any] | None = None
) -> list[Row]:
    def ratio(
        label: str, num: str, den: str, target: float, fmt: str = "{:.1f}x"
    ) -> tuple[str, str, str, str]:
        if num not in m or den not in m:
            return (label, "n/a (skipped)", f">= {fmt.format(target)}", "SKIP")
        value = m[num] / m[den]
        shown = fmt.format(value) if value >= 10 else f"{value:.2f}x"  # never "0x"
        return (label, shown, f">= {fmt.format(target)}", _verdict(value >= target))

    polars_threads = m.get("test_batch_polars#threads")
    polars = "polars" if polars_threads is None else f"polars ({polars_threads:g} thread(s))"
    out = [
        ratio(
            "single cart W20: speed-up over baseline (median)",
            "test_single_baseline",
            "test_single_promotor",
            2.5,
            "{:.2f}x",
        ),
        ratio(
            "single cart W20: speed-up over zen-engine (median)",
            "test_single_zen",
            "test_single_promotor",
            8,
            "{:.1f}x",
        ),
        ratio(
            "batch W20, 1 thread: carts/s over baseline",
            "test_batch_baseline",
            "test_batch_promotor[1]",
            50,
            "{:.0f}x",
        ),
        ratio(
            f"batch W20, 1 thread: carts/s over {polars}",
            "test_batch_polars",
            "test_batch_promotor[1]",
            2,
            "{:.1f}x",
        ),
        ratio(
            "batch W100, 1 thread: carts/s over baseline",
            "test_batch_w100_baseline",
            "test_batch_w100_promotor",
            20,
            "{:.0f}x",
        ),
        ratio(
            "batch W20: 2 threads over 1",
            "test_batch_promotor[1]",
            "test_batch_promotor[2]",
            1.8,
            "{:.2f}x",
        ),
    ]
    out.extend(simulate_rows(m))
    out.extend(memory_rows(mem))
    if "test_compile_w100" in m:
        ms = m["test_compile_w100"] * 1e3
        out.append(("compile W100 (pm.Engine), ms", f"{ms:.2f}", "< 10", _verdict(ms < 10)))
    else:
        out.append(("compile W100 (pm.Engine), ms", "n/a", "< 10", "SKIP"))
    info: list[tuple[str, Callable[[], str]]] = [
        ("  compile W100, native only (IR JSON), ms", lambda: _ms(m, "test_compile_w100_native")),
        ("  compile W100, pure Rust (criterion), ms", lambda: _ms(crit, "compile_w100")),
        ("  single cart W20: promotor, us", lambda: _us(m, "test_single_promotor")),
        ("  single cart W20: baseline, us", lambda: _us(m, "test_single_baseline")),
        ("  single cart W20: zen-engine, us", lambda: _us(m, "test_single_zen")),
        (
            "  batch W20 (10,000 carts): promotor, 1 thread, ms",
            lambda: _ms(m, "test_batch_promotor[1]"),
        ),
        ("  batch W20 (10,000 carts): baseline, ms", lambda: _ms(m, "test_batch_baseline")),
        (f"  batch W20 (10,000 carts): {polars}, ms", lambda: _ms(m, "test_batch_polars")),
        (
            "  single cart W100: speed-up over baseline (median)",
            lambda: _times(m, "test_single_w100_baseline", "test_single_w100_promotor"),
        ),
        ("  single cart W100: promotor, us", lambda: _us(m, "test_single_w100_promotor")),
        ("  single cart W100: baseline, us", lambda: _us(m, "test_single_w100_baseline")),
        (
            "  batch W100 (10,000 carts): promotor, 1 thread, ms",
            lambda: _ms(m, "test_batch_w100_promotor"),
        ),
        ("  batch W100 (10,000 carts): baseline, ms", lambda: _ms(m, "test_batch_w100_baseline")),
        ("  evaluate W20 cart, pure Rust (criterion), us", lambda: _us(crit, "evaluate_w20_cart")),
        (
            "  evaluate W100 cart, pure Rust (criterion), us",
            lambda: _us(crit, "evaluate_w100_cart"),
        ),
        (
            "  datasets.orders, nested items, orders/s",
            lambda: _rate(m, "test_datasets_orders[items]/s"),
        ),
        (
            "  datasets.orders, lines table, orders/s",
            lambda: _rate(m, "test_datasets_orders[lines]/s"),
        ),
    ]
    out.extend((label, f(), "", "info") for label, f in info)
    out.extend(codes_rows(m, crit))
    return out


def simulate_rows(m: dict[str, float]) -> list[Row]:
    """Stateful simulation (budget, per-customer limit, loyalty) in orders per second on one
    thread, and its cost against stateless evaluate_batch on the same orders and thread."""
    key = "test_simulate_stateful/s"
    label = "simulate 1M W20 orders, stateful (budget, limit, loyalty), 1 thread: orders/s"
    if key not in m:
        return [(label, "n/a (not run)", ">= 200,000", "SKIP")]
    rate = m[key]
    out: list[Row] = [(label, f"{rate:,.0f}", ">= 200,000", _verdict(rate >= 200_000))]
    if "test_simulate_stateless_batch" in m:
        slower = m["test_simulate_stateful"] / m["test_simulate_stateless_batch"]
        out.append(("  stateful simulate / stateless evaluate_batch, time", f"{slower:.2f}x",
                    "", "info"))  # fmt: skip
    return out


def codes_rows(m: dict[str, float], crit: dict[str, float]) -> list[Row]:
    """Codes generated per second: the target in pure Rust, and what Python callers see."""
    key = "codes_generate/bf_8/1000000"
    label = "codes generated per second, pure Rust (1M batch)"
    if key in crit:
        rate = 1e6 / crit[key]
        out: list[Row] = [(label, f"{rate:,.0f}", ">= 1,000,000", _verdict(rate >= 1e6))]
    else:
        out = [(label, "n/a (not run)", ">= 1,000,000", "SKIP")]
    info = [
        ("  codes/s, pure Rust, 100k batch", crit, "codes_generate/bf_8/100000", 100_000),
        (
            "  codes/s, pure Rust, 100k against a 1M pool",
            crit,
            "codes_generate/bf_9_against_1m_pool/100000",
            100_000,
        ),
        (
            "  codes/s, pure Rust, non-ASCII (by key)",
            crit,
            "codes_generate/non_ascii_by_key/100000",
            100_000,
        ),
        ("  codes/s, Python list (200k)", m, "test_codes_generate_list", 200_000),
        ("  codes/s, Python Arrow array (200k)", m, "test_codes_generate_arrow", 200_000),
    ]
    for text, source, name, n in info:
        value = f"{n / source[name]:,.0f}" if name in source else "n/a"
        out.append((text, value, "", "info"))
    out.append(("  pm.codes.normalize, us", _us(m, "test_codes_normalize"), "", "info"))
    return out


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def _ms(m: dict[str, float], key: str) -> str:
    return f"{m[key] * 1e3:.2f}" if key in m else "n/a"


def _us(m: dict[str, float], key: str) -> str:
    return f"{m[key] * 1e6:.1f}" if key in m else "n/a"


def _times(m: dict[str, float], num: str, den: str) -> str:
    return f"{m[num] / m[den]:.2f}x" if num in m and den in m else "n/a"


def _rate(m: dict[str, float], key: str) -> str:
    return f"{m[key]:,.0f}" if key in m else "n/a"


def table(r: list[Row]) -> str:
    head: Row = ("measure", "value", "target", "")
    widths = [max(len(row[i]) for row in [head, *r]) for i in range(4)]
    lines = [" | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in [head, *r]]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    return "\n".join(line.rstrip() for line in lines)


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    m = _medians(Path(argv[0]))
    crit: dict[str, Any] = _criterion(Path(argv[1])) if len(argv) > 1 else {}
    mem_path = Path(argv[0]).parent / "memory.json"
    mem = json.loads(mem_path.read_text()) if mem_path.exists() else None
    print(table(rows(m, crit, mem)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
