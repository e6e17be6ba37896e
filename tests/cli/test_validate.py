"""``promotor validate`` and ``promotor schema``."""

import json
from pathlib import Path

import jsonschema

from .conftest import SHOP, SHOP_NEXT, Run


def test_valid_files_exit_0(promotor: Run) -> None:
    run = promotor("validate", SHOP, SHOP_NEXT)
    assert run.returncode == 0, run.stderr
    assert f"{SHOP}: ok, 4 campaigns" in run.stdout
    assert f"{SHOP_NEXT}: ok, 5 campaigns" in run.stdout


def test_definition_errors_exit_1_with_file_line_column_and_path(
    promotor: Run, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "campaigns:\n"
        "  - id: coffee\n"
        "    rules: cart.subtotal >= >= 5\n"
        "    effect: {type: percent_of, percent: 10}\n"
    )
    run = promotor("validate", "bad.yaml")
    assert run.returncode == 1
    assert run.stderr.splitlines() == [
        "bad.yaml:3:29: campaigns.0.rules: unexpected '>='; expected an expression",
        "bad.yaml:4:20: campaigns.0.effect.type: unknown type 'percent_of'; "
        "did you mean 'percent_off'?",
    ]
    as_json = promotor("validate", "bad.yaml", "--json")
    assert as_json.returncode == 1
    [report] = json.loads(as_json.stdout)
    assert report["ok"] is False
    assert [(e["loc"], e["line"], e["column"]) for e in report["errors"]] == [
        (["campaigns", 0, "rules"], 3, 29),
        (["campaigns", 0, "effect", "type"], 4, 20),
    ]


def test_a_missing_file_exits_2(promotor: Run) -> None:
    run = promotor("validate", "nowhere.yaml")
    assert run.returncode == 2
    assert "nowhere.yaml: cannot read" in run.stderr


def test_schema_is_a_json_schema_that_checks_the_examples(promotor: Run, tmp_path: Path) -> None:
    run = promotor("schema")
    assert run.returncode == 0
    schema = json.loads(run.stdout)
    jsonschema.Draft202012Validator.check_schema(schema)
    assert promotor("schema", "-o", "schema.json").returncode == 0
    assert json.loads((tmp_path / "schema.json").read_text()) == schema
