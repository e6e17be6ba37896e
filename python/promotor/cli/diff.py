"""``promotor diff OLD NEW ORDERS``: what a change of definitions does to past orders.

Both engines price the same orders (``evaluate_batch`` with ``detail=True``); the report
gives, for each campaign and in total, the redemptions and the discount before and after, as
markdown for a pull-request comment or as JSON.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from promotor.errors import InputError

from ._common import JsonOpt, dumps, err, fail, load_engine, located
from ._orders import LinesOpt, pyarrow, read_lines, read_table

if TYPE_CHECKING:
    from promotor.engine import Engine


@dataclass
class Row:
    """What a change of definitions does to one campaign over the orders."""

    campaign_id: str
    change: str  # "added" | "removed" | "changed" | "unchanged"
    redemptions_before: int
    redemptions_after: int
    discount_before: Decimal
    discount_after: Decimal

    @property
    def delta(self) -> Decimal:
        """The discount after the change minus the discount before."""
        return self.discount_after - self.discount_before


def _price(engine: Engine, orders: Any, lines: Any, names: Mapping[str, str]) -> tuple[Any, Any]:
    try:
        return engine.evaluate_batch(orders, lines, detail=True)  # type: ignore[no-any-return]
    except InputError as error:
        # Each problem with the file it is in: the orders, or the lines table.
        problems = [
            located(names.get(str(e["loc"][0]) if e["loc"] else "", names["orders"]),
                    InputError([e]))
            for e in error.errors()
        ]  # fmt: skip
        fail("\n".join(problems))


def _per_campaign(detail: Any) -> dict[str, tuple[int, Decimal]]:
    counts: dict[str, tuple[int, Decimal]] = {}
    ids = detail.column("campaign_id").to_pylist()
    amounts = detail.column("amount").to_pylist()
    for campaign, amount in zip(ids, amounts, strict=True):
        n, total = counts.get(campaign, (0, Decimal(0)))
        counts[campaign] = (n + 1, total + Decimal(amount))
    return counts


def _changes(old: Engine, new: Engine) -> dict[str, str]:
    before = {c["id"]: c for c in old.to_ir()["campaigns"]}
    after = {c["id"]: c for c in new.to_ir()["campaigns"]}
    out = {}
    for cid in [*after, *(c for c in before if c not in after)]:
        if cid not in before:
            out[cid] = "added"
        elif cid not in after:
            out[cid] = "removed"
        else:
            out[cid] = "unchanged" if before[cid] == after[cid] else "changed"
    return out


def compute(
    old: Engine, new: Engine, orders: Any, lines: Any, names: Mapping[str, str]
) -> dict[str, Any]:
    """The diff as data: per campaign rows, the totals and the orders whose total moved."""
    pa = pyarrow()
    import pyarrow.compute as pc  # type: ignore[import-untyped,unused-ignore]

    if old.currency != new.currency:
        fail(f"the definitions price in {old.currency} and {new.currency}: nothing to compare")
    with err.status("pricing the orders with the old definitions", spinner="dots"):
        summary_old, detail_old = _price(old, orders, lines, names)
    with err.status("pricing the orders with the new definitions", spinner="dots"):
        summary_new, detail_new = _price(new, orders, lines, names)
    before, after = _per_campaign(detail_old), _per_campaign(detail_new)
    changes = _changes(old, new)
    rows = []
    for cid, change in changes.items():
        nb, db = before.get(cid, (0, Decimal(0)))
        na, da = after.get(cid, (0, Decimal(0)))
        rows.append(Row(cid, change, nb, na, db, da))
    exponent = Decimal(1).scaleb(-_places(summary_old))
    total_before = sum((r.discount_before for r in rows), Decimal(0)).quantize(exponent)
    total_after = sum((r.discount_after for r in rows), Decimal(0)).quantize(exponent)
    moved = pc.sum(
        pc.cast(pc.not_equal(summary_old.column("total"), summary_new.column("total")), pa.int64())
    ).as_py()
    return {
        "old": names["old"],
        "new": names["new"],
        "orders_file": names["orders"],
        "currency": new.currency,
        "orders": summary_old.num_rows,
        "orders_changed": int(moved or 0),
        "campaigns": [
            {
                "campaign_id": r.campaign_id,
                "change": r.change,
                "redemptions_before": r.redemptions_before,
                "redemptions_after": r.redemptions_after,
                "discount_before": r.discount_before.quantize(exponent),
                "discount_after": r.discount_after.quantize(exponent),
                "delta": r.delta.quantize(exponent),
            }
            for r in rows
        ],
        "total": {
            "redemptions_before": sum(r.redemptions_before for r in rows),
            "redemptions_after": sum(r.redemptions_after for r in rows),
            "discount_before": total_before,
            "discount_after": total_after,
            "delta": total_after - total_before,
        },
    }


def _places(summary: Any) -> int:
    scale = getattr(summary.schema.field("total").type, "scale", None)
    return int(scale) if scale is not None else 2


def _signed(value: Decimal) -> str:
    return f"+{value:,}" if value > 0 else f"{value:,}"


def markdown(report: Mapping[str, Any], *, all_campaigns: bool = False) -> str:
    """The report as a pull-request comment."""
    cur = report["currency"]
    rows = [
        r
        for r in report["campaigns"]
        if all_campaigns
        or r["change"] != "unchanged"
        or r["delta"]
        or r["redemptions_before"] != r["redemptions_after"]
    ]
    total = report["total"]
    share = report["orders_changed"] / report["orders"] * 100 if report["orders"] else 0.0
    out = [
        "### promotor diff",
        "",
        f"`{report['old']}` → `{report['new']}` on {report['orders']:,} orders "
        f"from `{report['orders_file']}` (amounts in {cur}).",
        "",
        "| campaign | change | redemptions before | after | discount before | after | delta |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        out.append(
            f"| `{r['campaign_id']}` | {r['change']} | {r['redemptions_before']:,} | "
            f"{r['redemptions_after']:,} | {r['discount_before']:,} | {r['discount_after']:,} | "
            f"{_signed(r['delta'])} |"
        )
    out.append(
        f"| **total** | | {total['redemptions_before']:,} | {total['redemptions_after']:,} | "
        f"{total['discount_before']:,} | {total['discount_after']:,} | "
        f"**{_signed(total['delta'])}** |"
    )
    hidden = len(report["campaigns"]) - len(rows)
    out.append("")
    out.append(f"Orders whose total changed: {report['orders_changed']:,} ({share:.1f}%).")
    if hidden:
        out.append(f"{hidden} unchanged campaigns with the same figures are not listed.")
    return "\n".join(out) + "\n"


def diff_command(
    old: Annotated[Path, typer.Argument(help="Definition file before the change.")],
    new: Annotated[Path, typer.Argument(help="Definition file after the change.")],
    orders: Annotated[Path, typer.Argument(help="Orders (.parquet or .csv).")],
    lines: LinesOpt = None,
    as_json: JsonOpt = False,
    all_campaigns: Annotated[
        bool, typer.Option("--all", help="List unchanged campaigns too.")
    ] = False,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the report to this file.")
    ] = None,
) -> None:
    """What changing OLD into NEW does to past ORDERS, campaign by campaign (markdown for a
    pull-request comment, or --json)."""
    before = load_engine(old)
    after = load_engine(new)
    table = read_table(orders)
    line_table = read_lines(lines)
    report = compute(
        before,
        after,
        table,
        line_table,
        {"old": str(old), "new": str(new), "orders": str(orders), "lines": str(lines)},
    )
    text = dumps(report) + "\n" if as_json else markdown(report, all_campaigns=all_campaigns)
    if output is not None:
        output.write_text(text, encoding="utf-8")
    else:
        print(text, end="")


def register(app: typer.Typer) -> None:
    """Adds `diff` to the `promotor` command."""
    app.command("diff")(diff_command)
