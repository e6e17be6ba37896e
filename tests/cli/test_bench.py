"""``promotor bench FILE``: throughput of evaluate and evaluate_batch (measured, not asserted)."""

import json
from pathlib import Path

from .conftest import SHOP, Run


def test_bench_on_generated_carts(promotor: Run) -> None:
    run = promotor("bench", SHOP, "--count", "50", "--seconds", "0", "--json")
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    assert report["carts"] == 50
    for mode in ("evaluate", "evaluate_batch"):
        assert report[mode]["carts"] >= 50
        assert report[mode]["carts_per_second"] > 0
    table = promotor("bench", SHOP, "--count", "20", "--seconds", "0")
    assert table.returncode == 0
    assert "evaluate_batch" in table.stdout


def test_bench_on_given_carts(promotor: Run, tmp_path: Path) -> None:
    carts = [{"items": [{"sku": "A", "price": "5.00", "quantity": 2, "category": "coffee"}]}]
    (tmp_path / "carts.json").write_text(json.dumps(carts))
    run = promotor("bench", SHOP, "--carts", "carts.json", "--seconds", "0", "--json")
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["carts"] == 1
    (tmp_path / "bad.json").write_text(json.dumps([{"items": [{"price": "x"}]}]))
    bad = promotor("bench", SHOP, "--carts", "bad.json", "--seconds", "0")
    assert bad.returncode == 2
    assert "carts: cart.items.0" in bad.stderr
