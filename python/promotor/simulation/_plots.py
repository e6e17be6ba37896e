"""matplotlib figures of a report. Figures show money as floats: drawing is not a money path,
the tables stay exact."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._report import Report

KINDS = ("burn_down", "cost_by_campaign", "discount_distribution")


def _figure() -> Any:
    try:
        from matplotlib.figure import Figure
    except ImportError:  # pragma: no cover - depends on the environment
        raise ImportError("report.plot needs matplotlib: pip install matplotlib") from None
    # A Figure without pyplot: no global state, no GUI backend, safe in threads and servers.
    return Figure(figsize=(8, 4.2), dpi=100, layout="constrained")


def plot(report: Report, kind: str) -> Any:
    if kind not in KINDS:
        raise ValueError(f"unknown plot {kind!r}; expected one of {', '.join(KINDS)}")
    fig = _figure()
    ax = fig.add_subplot()
    {"burn_down": _burn_down, "cost_by_campaign": _cost, "discount_distribution": _dist}[kind](
        report, ax
    )
    return fig


def _burn_down(report: Report, ax: Any) -> None:
    tally = report._run(None).tally
    budgets = {r[0]: r[7] for r in tally["campaigns"] if r[7] is not None}
    start = {r[0]: (r[8] or 0) for r in tally["campaigns"]}
    by: dict[str, list[tuple[int, int, int | None]]] = defaultdict(list)
    for day, cid, _, discount, used in tally["days"]:
        by[cid].append((day, discount, used))
    scale = 10**report.exponent
    if budgets:
        for cid, b in budgets.items():
            points = [(d, u) for d, _, u in by.get(cid, []) if u is not None]
            if not points:
                continue
            xs = [date(1970, 1, 1) + timedelta(days=d) for d, _ in points]
            ys = [(b - u) / scale for _, u in points]
            ax.step(xs, ys, where="post", label=cid)
        ax.set_ylabel(f"budget left ({report.currency})")
        ax.set_title("Budget burn-down")
        del start
    else:
        for cid, rows in by.items():
            total = 0
            xs, ys = [], []
            for d, disc, _ in rows:
                total += disc
                xs.append(date(1970, 1, 1) + timedelta(days=d))
                ys.append(total / scale)
            ax.plot(xs, ys, label=cid)
        ax.set_ylabel(f"discount given ({report.currency})")
        ax.set_title("Discount given over time (no budgets)")
    ax.set_xlabel("day")
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize="small", ncols=2)
    ax.figure.autofmt_xdate()


def _cost(report: Report, ax: Any) -> None:
    names = report.variants
    ids = [r[0] for r in report._run(None).tally["campaigns"]]
    width = 0.8 / max(len(names), 1)
    scale = 10**report.exponent
    for k, name in enumerate(names):
        by = {r[0]: r[3] / scale for r in report._run(name).tally["campaigns"]}
        xs = [i + k * width for i in range(len(ids))]
        ax.bar(xs, [by.get(c, 0) for c in ids], width=width, label=name)
    ax.set_xticks([i + width * (len(names) - 1) / 2 for i in range(len(ids))], ids)
    ax.tick_params(axis="x", rotation=45, labelsize="small")
    ax.set_ylabel(f"discount ({report.currency})")
    ax.set_title("Cost by campaign")
    ax.legend(fontsize="small")


def _dist(report: Report, ax: Any) -> None:
    import pyarrow.compute as pc  # type: ignore[import-untyped,unused-ignore]

    for name in report.variants:
        run = report._run(name)
        if run.summary is None:
            raise ValueError("simulated with keep_orders=False: no per-order discounts")
        d = run.summary.column("discount")
        d = pc.filter(d, pc.greater(d, 0))
        values = d.cast("float64").to_numpy() if len(d) else []
        ax.hist(values, bins=40, alpha=0.6, label=name)
    ax.set_xlabel(f"discount per order ({report.currency})")
    ax.set_ylabel("orders")
    ax.set_title("Discount distribution (orders with a discount)")
    ax.legend(fontsize="small")
