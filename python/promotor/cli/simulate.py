"""``promotor simulate FILE ORDERS``: replay past orders with state (DESIGN section 11).

Orders (Parquet or CSV) are replayed in ``created_at`` order through the definitions, with
usage limits and budgets held in memory (``pm.simulate``); the command prints the comparison
of the variants (``--variant NAME=FILE``, repeatable) campaign by campaign, or JSON, and writes
the HTML report with ``--report``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from promotor.errors import InputError

from ._common import JsonOpt, dumps, err, fail, load_engine, located
from ._orders import LinesOpt, read_lines, read_table


def _rows(report: Any) -> list[dict[str, Any]]:
    return report.compare().to_pylist()  # type: ignore[no-any-return]


def _text(rows: list[dict[str, Any]], currency: str) -> str:
    out = [
        f"{'variant':<12} {'campaign':<24} {'orders':>10} {'redemptions':>12} "
        f"{'discount (' + currency + ')':>18} {'budget used':>14}"
    ]
    for r in rows:
        cid = r["campaign_id"] if r["campaign_id"] is not None else "(total)"
        used = "" if r["budget_used"] is None else f"{r['budget_used']:,}"
        out.append(
            f"{r['variant']:<12} {cid:<24} {r['orders']:>10,} {r['redemptions']:>12,} "
            f"{r['discount']:>18,} {used:>14}"
        )
    return "\n".join(out) + "\n"


def simulate_command(
    file: Annotated[Path, typer.Argument(help="Definition file (YAML or JSON).")],
    orders: Annotated[Path, typer.Argument(help="Orders (.parquet or .csv) with created_at.")],
    lines: LinesOpt = None,
    variant: Annotated[
        list[str] | None,
        typer.Option("--variant", help="Another definition to compare: NAME=FILE (repeatable)."),
    ] = None,
    report_path: Annotated[
        Path | None, typer.Option("--report", help="Write the HTML report to this file.")
    ] = None,
    timezone: Annotated[str, typer.Option("--timezone", help="Days of the daily table.")] = "UTC",
    as_json: JsonOpt = False,
) -> None:
    """Replay ORDERS in time order through FILE with limits and budgets, and print what each
    campaign (and each --variant) gives and spends."""
    import promotor as pm

    engine = load_engine(file)
    variants = {}
    for spec in variant or []:
        name, sep, path = spec.partition("=")
        if not sep or not name or not path:
            fail(f"--variant {spec!r}: expected NAME=FILE")
        variants[name] = load_engine(Path(path))
    table = read_table(orders)
    line_table = read_lines(lines)
    try:
        report = pm.simulate(
            engine,
            table,
            lines=line_table,
            variants=variants,
            timezone=timezone,
            progress=not as_json,
            keep_orders=report_path is not None,
        )
    except InputError as error:
        fail(located(str(orders), error))
    except KeyError as error:  # an unknown timezone
        fail(str(error))
    rows = _rows(report)
    if as_json:
        print(dumps({"currency": engine.currency, "compare": rows}))
    else:
        print(_text(rows, engine.currency), end="")
    if report_path is not None:
        report.to_html(report_path)
        err.print(f"report written to {report_path}")


def register(app: typer.Typer) -> None:
    """Adds `simulate` to the `promotor` command."""
    app.command("simulate")(simulate_command)
