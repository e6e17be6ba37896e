"""``promotor eval`` and ``promotor explain``: one cart priced from the command line."""

import json
from pathlib import Path

from .conftest import GOLDENS, SHOP, Run

CART = {
    "items": [
        {"sku": "ARABICA-1KG", "price": "12.50", "quantity": 2, "category": "coffee"},
        {"sku": "MUG-BLUE", "price": "9.99", "quantity": 1, "category": "mugs"},
    ],
    "shipping": "4.99",
}


def test_eval_prints_tables_and_totals(promotor: Run) -> None:
    run = promotor("eval", SHOP, GOLDENS / "vip-coffee.json", "--now", "2026-11-20T10:00:00Z")
    assert run.returncode == 0, run.stderr
    assert "arabica-lovers" in run.stdout
    assert "total 36.23 USD" in run.stdout


def test_eval_json_from_stdin_with_options(promotor: Run, tmp_path: Path) -> None:
    (tmp_path / "vip.json").write_text(json.dumps({"id": "c1", "segments": ["vip"]}))
    run = promotor(
        "eval", SHOP, "-", "--customer", "vip.json", "--code", "blckfrdy",
        "--now", "2026-11-27T10:00:00+01:00", "--json",
        stdin=json.dumps(CART),
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    assert [a["campaign_id"] for a in result["applied"]] == ["arabica-lovers"]
    assert result["total"] == "36.23"
    rejected = {r["campaign_id"] or r["code"]: r["reason"] for r in result["rejected"]}
    assert rejected["bf10"] == "rules_not_met"  # 34.99 < 50


def test_explain_says_why(promotor: Run) -> None:
    run = promotor("explain", SHOP, GOLDENS / "small-cart.json")
    assert run.returncode == 0, run.stderr
    assert "free-shipping: rules_not_met: condition not met: cart.subtotal >= 60" in run.stdout
    as_json = promotor("explain", SHOP, GOLDENS / "small-cart.json", "--json")
    assert "Not applied:" in json.loads(as_json.stdout)["explanation"]


def test_bad_cart_exits_2_with_a_located_message(promotor: Run, tmp_path: Path) -> None:
    bad = {"items": [{"sku": "A", "price": "-3", "quantity": 1}]}
    (tmp_path / "bad.json").write_text(json.dumps(bad))
    run = promotor("eval", SHOP, "bad.json")
    assert run.returncode == 2
    assert "bad.json: cart.items.0.price: must be at least 0" in run.stderr
    (tmp_path / "broken.json").write_text('{"items": [\n  {"sku": }]}')
    run = promotor("eval", SHOP, "broken.json")
    assert run.returncode == 2
    assert "broken.json:2:11: invalid JSON" in run.stderr


def test_now_needs_an_offset(promotor: Run) -> None:
    run = promotor("eval", SHOP, "-", "--now", "2026-11-27T10:00:00", stdin=json.dumps(CART))
    assert run.returncode == 2
    assert "has no offset" in run.stderr


def test_a_bad_definition_exits_1(promotor: Run, tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("campaigns: [{id: a}]\n")
    run = promotor("eval", "bad.yaml", "-", stdin=json.dumps(CART))
    assert run.returncode == 1
    assert "bad.yaml:1:13: campaigns.0: give exactly one of 'effect' and 'tiers'" in run.stderr
