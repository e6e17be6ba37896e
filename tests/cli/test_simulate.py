"""``promotor simulate FILE ORDERS``: the comparison printed and the HTML report written."""

import json
from decimal import Decimal
from pathlib import Path

import promotor as pm
from promotor.cli._orders import read_table

from .conftest import LINES, ORDERS, SHOP, SHOP_NEXT, Run


def test_prints_the_comparison_and_writes_the_report(promotor: Run, tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    args = ("simulate", SHOP, ORDERS, "--lines", LINES, "--variant", f"next={SHOP_NEXT}")
    run = promotor(*args, "--report", page)
    assert run.returncode == 0, run.stderr
    assert "(total)" in run.stdout
    assert "next" in run.stdout
    assert "<table" in page.read_text()
    got = json.loads(promotor(*args, "--json").stdout)
    report = pm.simulate(
        pm.Engine.from_file(SHOP),
        read_table(ORDERS),
        lines=read_table(LINES, "lines"),
        variants={"next": pm.Engine.from_file(SHOP_NEXT)},
        progress=False,
    )
    expected = report.compare().to_pylist()
    assert [(r["variant"], r["campaign_id"]) for r in got["compare"]] == [
        (r["variant"], r["campaign_id"]) for r in expected
    ]
    assert [Decimal(r["discount"]) for r in got["compare"]] == [r["discount"] for r in expected]


def test_bad_variant_and_unreadable_orders_exit_2(promotor: Run) -> None:
    assert promotor("simulate", SHOP, ORDERS, "--variant", "oops").returncode == 2
    assert promotor("simulate", SHOP, "missing.parquet").returncode == 2
