"""Every example in docs/rules.md evaluates to the value the page says, on the page's sample
cart, through the rule text and both evaluators."""

import json
import re
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest

import promotor as pm
from promotor import reference

DOC = (Path(__file__).parent.parent / "docs" / "rules.md").read_text()
SAMPLE = json.loads(re.search(r"```json\n(.*?)```", DOC, re.S).group(1))  # type: ignore[union-attr]

TABLE_EXAMPLE = re.compile(r"`([^`]+)` ==> ([^|\n]+?)\s*\|")
BLOCK_EXAMPLE = re.compile(r"^(.+?)\s+==> (.+)$")


def examples() -> list[tuple[str, str]]:
    found = [(e.replace("\\|", "|"), v) for e, v in TABLE_EXAMPLE.findall(DOC)]
    for block in re.findall(r"```rule\n(.*?)```", DOC, re.S):
        found += [BLOCK_EXAMPLE.match(line).groups() for line in block.splitlines() if line]  # type: ignore[union-attr]
    found += [
        (e, v) for e, v in re.findall(r"^Macros work on any list: `(.+)` ==> (\w+)", DOC, re.M)
    ]
    return found


def sample_call() -> dict[str, object]:
    customer = dict(SAMPLE["customer"])
    customer["created_at"] = datetime.fromisoformat(customer["created_at"])
    customer["birthday"] = datetime.fromisoformat(customer["birthday"] + "T00:00:00+00:00")
    context = dict(SAMPLE["context"])
    now = datetime.fromisoformat(context.pop("now"))
    return {"cart": SAMPLE["cart"], "customer": customer, "context": context, "now": now}


def test_the_page_has_an_example_for_every_function_and_macro() -> None:
    text = " ".join(e for e, _ in examples())
    for name in [
        "size(",
        "min(",
        "max(",
        "abs(",
        "round(",
        "floor(",
        "ceil(",
        ".lower()",
        ".upper()",
        ".startsWith(",
        ".endsWith(",
        ".contains(",
        ".matches(",
        "has(",
        "timestamp(",
        "duration(",
        "weekday(",
        "hour(",
        "day(",
        "month(",
        "year(",
        ".all(",
        ".exists(",
        ".exists_one(",
        ".filter(",
        ".map(",
        ".count(",
        ".sum(",
        ".min(",
        ".max(",
        " in ",
        "?",
        "%",
    ]:
        assert name in text, name
    assert len(examples()) >= 70


@pytest.mark.parametrize(("expr", "value"), examples())
def test_rules_reference_example(expr: str, value: str) -> None:
    rule = f"({expr}) == {value}"
    engine = pm.Engine([pm.Campaign(id="example", rules=rule, effect=pm.percent_off(1))])
    call = sample_call()
    result = engine.evaluate(**call)  # type: ignore[arg-type]
    assert [a.campaign_id for a in result.applied] == ["example"], result.explain()
    # and the reference evaluator agrees
    from promotor.inputs import canonical_input

    canonical = canonical_input(
        call["cart"],
        customer=call["customer"],
        codes=(),
        now=call["now"],
        context=call["context"],
        currency="USD",
    )  # type: ignore[arg-type]
    outcome = reference.evaluate(engine.to_ir(), canonical)
    assert outcome["applied"][0]["amount"] == Decimal("0.82")


def fields_table() -> str:
    """docs/semantics.md's table of fields, rendered from the core's schema table."""
    from promotor import _native

    rows = ["| field | type | meaning |", "|---|---|---|"]
    rows += [
        f"| `{root}.{name}` | {kind} | {meaning} |"
        for root, name, kind, meaning in _native.schema()
    ]
    return "\n".join(rows).replace("|  |", "| |") + "\n"


def test_the_table_of_fields_is_the_schema() -> None:
    semantics = (Path(__file__).parent.parent / "docs" / "semantics.md").read_text()
    start = semantics.index("<!-- fields:")
    table = semantics[semantics.index("\n", start) + 1 : semantics.index("<!-- end fields -->")]
    assert table == fields_table(), "regenerate the table from _native.schema()"
    # and the rules reference has an example of every field
    from promotor import _native

    for root, name, _, _ in _native.schema():
        assert f"| `{root}.{name}" in DOC, f"{root}.{name} missing in docs/rules.md"
