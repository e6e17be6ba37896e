"""``promotor test FILE GOLDEN_DIR``: the CI gate over golden carts."""

import json
import xml.etree.ElementTree as ET
from pathlib import Path

from .conftest import GOLDENS, SHOP, SHOP_NEXT, Run


def test_passing_goldens_exit_0(promotor: Run) -> None:
    run = promotor("test", SHOP, GOLDENS)
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.splitlines()[-1] == "3 passed, 0 failed"


def test_a_failing_golden_exits_1_with_a_diff(promotor: Run) -> None:
    run = promotor("test", SHOP_NEXT, GOLDENS, "--junit-xml", "report.xml")
    assert run.returncode == 1
    assert run.stdout.splitlines() == [
        f"FAIL {GOLDENS / 'black-friday.json'}",
        "  total: expected 79.00, got 74.55 (-4.45)",
        "  applied (- expected, + got):",
        "      + spend-more",
        "        bf10 amount=10.00 code=BLCKFRDY",
        "        free-shipping",
        f"PASS {GOLDENS / 'small-cart.json'}",
        f"PASS {GOLDENS / 'vip-coffee.json'}",
        "2 passed, 1 failed",
    ]


def test_junit_xml_for_ci_systems(promotor: Run, tmp_path: Path) -> None:
    promotor("test", SHOP_NEXT, GOLDENS, "--junit-xml", "report.xml")
    suite = ET.parse(tmp_path / "report.xml").getroot().find("testsuite")
    assert suite is not None
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("3", "1", "0")
    failed = [case for case in suite.iter("testcase") if case.find("failure") is not None]
    assert [case.get("name") for case in failed] == ["black-friday"]
    failure = failed[0].find("failure")
    assert failure is not None
    assert "+ spend-more" in (failure.text or "")


def test_a_missing_campaign_says_why_it_did_not_apply(promotor: Run, goldens: Path) -> None:
    case = json.loads((goldens / "small-cart.json").read_text())
    case["expected"] = {"applied": ["free-shipping"], "discount": "0.00"}
    (goldens / "small-cart.json").write_text(json.dumps(case))
    run = promotor("test", SHOP, goldens, "--json")
    assert run.returncode == 1
    report = json.loads(run.stdout)
    assert (report["passed"], report["failed"], report["error"]) == (2, 1, 0)
    [failed] = [c for c in report["cases"] if c["status"] == "failed"]
    assert failed["problems"] == [
        "applied (- expected, + got):\n"
        "    - free-shipping\n"
        "    free-shipping did not apply: rules_not_met: condition not met: "
        "cart.subtotal >= 60 (actual 6.50, expected 60)"
    ]


def test_unusable_goldens_exit_2_and_are_named(promotor: Run, goldens: Path) -> None:
    (goldens / "typo.json").write_text(
        json.dumps({"cart": {"items": []}, "expected": {"totl": "1.00"}})
    )
    (goldens / "bad-cart.json").write_text(
        json.dumps({"cart": {"items": [{"sku": "A", "price": "1", "quantity": 0}]}, "expected": {}})
    )
    run = promotor("test", SHOP, goldens)
    assert run.returncode == 2
    assert "expected.totl: unknown key; did you mean 'total'?" in run.stdout
    assert "cart.items.0.quantity" in run.stdout
    assert "3 passed, 0 failed, 2 errors" in run.stdout


def test_an_empty_or_missing_folder_exits_2(promotor: Run, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    assert promotor("test", SHOP, "empty").returncode == 2
    assert promotor("test", SHOP, "nowhere").returncode == 2
