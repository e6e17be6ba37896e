"""``promotor diff OLD NEW ORDERS``: what a change does to past orders."""

import json
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.parquet as pq

import promotor as pm

from .conftest import LINES, ORDERS, SHOP, SHOP_NEXT, Run


def test_markdown_report_for_a_pull_request(promotor: Run) -> None:
    run = promotor("diff", SHOP, SHOP_NEXT, ORDERS, "--lines", LINES)
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[0] == "### promotor diff"
    assert "| `spend-more` | changed | 3 | 5 | 34.01 | 43.16 | +9.15 |" in lines
    assert "| `mugs-3-for-2` | added | 0 | 3 | 0.00 | 30.40 | +30.40 |" in lines
    assert "| **total** | | 13 | 18 | 93.96 | 133.51 | **+39.55** |" in lines
    assert "Orders whose total changed: 4 (50.0%)." in lines


def test_json_agrees_with_evaluating_each_order(promotor: Run, tmp_path: Path) -> None:
    run = promotor("diff", SHOP, SHOP_NEXT, ORDERS, "--lines", LINES, "--json", "--all")
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    # The same figures, order by order, through Engine.evaluate.
    old, new = pm.Engine.from_file(SHOP), pm.Engine.from_file(SHOP_NEXT)
    orders = pcsv.read_csv(ORDERS, convert_options=pcsv.ConvertOptions(
        column_types={"shipping": pa.string(), "segments": pa.string(), "codes": pa.string()}
    )).to_pylist()  # fmt: skip
    lines = pcsv.read_csv(
        LINES, convert_options=pcsv.ConvertOptions(column_types={"price": pa.string()})
    ).to_pylist()
    totals = {"before": Decimal(0), "after": Decimal(0)}
    for order in orders:
        items = [
            {k: line[k] for k in ("sku", "price", "quantity", "category")}
            for line in lines
            if line["order_id"] == order["order_id"]
        ]
        call = {
            "cart": {"items": items, "shipping": order["shipping"]},
            "customer": {
                "id": order["customer_id"],
                "segments": (order["segments"] or "").split(";") if order["segments"] else [],
            },
            "codes": [order["codes"]] if order["codes"] else [],
            "now": order["created_at"],
        }
        totals["before"] += old.evaluate(**call).discount
        totals["after"] += new.evaluate(**call).discount
    assert Decimal(report["total"]["discount_before"]) == totals["before"]
    assert Decimal(report["total"]["discount_after"]) == totals["after"]
    assert report["orders"] == len(orders)
    assert {r["campaign_id"]: r["change"] for r in report["campaigns"]} == {
        "arabica-lovers": "unchanged",
        "spend-more": "changed",
        "mugs-3-for-2": "added",
        "bf10": "unchanged",
        "free-shipping": "unchanged",
    }


def test_parquet_orders_with_items(promotor: Run, tmp_path: Path) -> None:
    item = pa.struct([("sku", pa.string()), ("price", pa.decimal128(10, 2)),
                      ("quantity", pa.int64()), ("category", pa.string())])  # fmt: skip
    table = pa.table(
        {
            "order_id": ["a", "b"],
            "items": pa.array(
                [
                    [{"sku": "M", "price": Decimal("9.99"), "quantity": 3, "category": "mugs"}],
                    [{"sku": "K", "price": Decimal("85.00"), "quantity": 1, "category": "tools"}],
                ],
                pa.list_(item),
            ),
        }
    )
    pq.write_table(table, tmp_path / "orders.parquet")
    run = promotor("diff", SHOP, SHOP_NEXT, "orders.parquet", "--json")
    assert run.returncode == 0, run.stderr
    rows = {r["campaign_id"]: r for r in json.loads(run.stdout)["campaigns"]}
    assert rows["mugs-3-for-2"]["discount_after"] == "9.99"
    assert rows["spend-more"]["discount_after"] == "4.25"  # 5% of 85.00


def test_unreadable_orders_exit_2(promotor: Run, tmp_path: Path) -> None:
    (tmp_path / "orders.txt").write_text("x")
    run = promotor("diff", SHOP, SHOP_NEXT, "orders.txt")
    assert run.returncode == 2
    assert "must be a .parquet or .csv file" in run.stderr
    (tmp_path / "orders.csv").write_text("order_id,items,prize\n1,x,2\n")
    run = promotor("diff", SHOP, SHOP_NEXT, "orders.csv")
    assert run.returncode == 2
    assert "orders.csv:" in run.stderr


def test_a_bad_value_exits_2_naming_its_file_and_row(promotor: Run, tmp_path: Path) -> None:
    (tmp_path / "orders.csv").write_text("order_id,shipping\no-1,4.99\no-2,1\n")
    (tmp_path / "lines.csv").write_text("order_id,sku,price,quantity\no-1,A,5.00,1\no-2,B,-3,1\n")
    run = promotor("diff", SHOP, SHOP_NEXT, "orders.csv", "--lines", "lines.csv")
    assert run.returncode == 2
    assert run.stderr.strip() == "promotor: lines.csv: lines.1.price: must be at least 0"
