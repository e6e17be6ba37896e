"""The report as HTML: a notebook's ``_repr_html_`` (tables) and ``to_html``'s one
self-contained page (tables, forecasts, figures as inline base64 PNG)."""

from __future__ import annotations

import base64
import html
import io
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._report import Report

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em; color: #222; }
h1 { font-size: 1.6em; } h2 { font-size: 1.2em; margin-top: 1.6em; }
table.promotor { border-collapse: collapse; font-size: 0.9em; margin: 0.5em 0; }
table.promotor th, table.promotor td { border: 1px solid #ccc; padding: 3px 8px; }
table.promotor th { background: #f0f0f0; text-align: left; }
table.promotor td.n { text-align: right; font-variant-numeric: tabular-nums; }
img.figure { max-width: 100%; border: 1px solid #eee; margin: 0.5em 0; }
"""

#: Rows of the daily table shown on the page (the rest is in ``report.daily``).
DAILY_ROWS = 60


def _cell(v: Any) -> str:
    if v is None:
        return "<td></td>"
    numeric = isinstance(v, int | float) or type(v).__name__ == "Decimal"
    cls = ' class="n"' if numeric else ""
    return f"<td{cls}>{html.escape(str(v))}</td>"


def table_html(table: Any, limit: int | None = None) -> str:
    rows = table.to_pylist()
    shown = rows if limit is None else rows[:limit]
    head = "".join(f"<th>{html.escape(c)}</th>" for c in table.column_names)
    body = "".join("<tr>" + "".join(_cell(v) for v in r.values()) + "</tr>" for r in shown)
    more = ""
    if len(shown) < len(rows):
        more = f"<p>{len(shown)} of {len(rows)} rows shown.</p>"
    return f'<table class="promotor"><tr>{head}</tr>{body}</table>{more}'


CAPTIONS = {
    "burn_down": "Budget burn-down",
    "cost_by_campaign": "Cost by campaign",
    "discount_distribution": "Discount distribution",
}


def _png(fig: Any, kind: str) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return (
        f'<figure><img class="figure" alt="{kind}" src="data:image/png;base64,{data}">'
        f"<figcaption>{CAPTIONS[kind]}</figcaption></figure>"
    )


def _programmes(report: Report, t: dict[str, Any]) -> list[str]:
    """The programme tables (baseline) that have anything to show."""
    out = []
    if t["loyalty"]:
        out += [
            "<h2>Loyalty (baseline)</h2>",
            table_html(report._loyalty()),
            "<h2>Tiers (baseline)</h2>",
            table_html(report._tiers()),
        ]
        changes = report._tier_changes()
        if changes.num_rows:
            out += ["<h2>Tier changes (baseline)</h2>", table_html(changes, limit=DAILY_ROWS)]
    if t["referral"]:
        out += ["<h2>Referrals (baseline)</h2>", table_html(report._referrals())]
    if any(t["gift_cards"]):
        out += ["<h2>Gift cards (baseline)</h2>", table_html(report._gift_cards())]
    if t["codes"]:
        out += ["<h2>Codes (baseline)</h2>", table_html(report._codes())]
    return out


def report_html(report: Report, *, figures: bool, page: bool) -> str:
    t = report._run(None).tally
    parts = [
        f"<h1>Simulation: {t['orders']:,} orders, {len(report.variants)} variant(s)</h1>"
        if page
        else f"<h3>Simulation: {t['orders']:,} orders</h3>",
        "<h2>Comparison</h2>",
        table_html(report._compare()),
        "<h2>Campaigns (baseline)</h2>",
        table_html(report._campaigns()),
    ]
    parts += _programmes(report, t)
    if page:
        budgeted = [r[0] for r in t["campaigns"] if r[7] is not None]
        if budgeted:
            rows = []
            for cid in budgeted:
                f = report.forecast(cid)
                rows.append(
                    f"<tr><td>{html.escape(cid)}</td>{_cell(f.budget)}{_cell(f.remaining)}"
                    f"{_cell(f.daily_rate)}{_cell(f.runs_out_at)}</tr>"
                )
            parts += [
                "<h2>Budget forecast</h2>",
                '<table class="promotor"><tr><th>campaign_id</th><th>budget</th>'
                "<th>remaining</th><th>daily rate</th><th>runs out at</th></tr>"
                + "".join(rows)
                + "</table>",
            ]
        if figures:
            try:
                import matplotlib  # noqa: F401
            except ImportError:
                figures = False
        if figures:
            parts.append("<h2>Figures</h2>")
            for kind in ("burn_down", "cost_by_campaign", "discount_distribution"):
                if kind == "discount_distribution" and report._run(None).summary is None:
                    continue
                parts.append(_png(report.plot(kind), kind))
        parts += [
            "<h2>Segments (baseline)</h2>",
            table_html(report._segments()),
            "<h2>Daily (baseline)</h2>",
            table_html(report._daily(), limit=DAILY_ROWS),
        ]
    body = "\n".join(parts)
    if not page:
        return f"<div><style>{STYLE}</style>{body}</div>"
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>promotor simulation</title><style>{STYLE}</style></head>"
        f"<body>{body}</body></html>\n"
    )
