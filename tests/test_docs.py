"""Every example in docs/rules.md evaluates to the value the page says, on the page's sample
cart, through the rule text and both evaluators."""

import contextlib
import io
import json
import os
import re
import subprocess
import sys
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
    )
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


# -- every page: python blocks run, console sessions print what they show ---------------------
#
# `>>>` examples in docs/*.md run as doctests (pytest --doctest-glob). Fenced ```python blocks
# run here, page by page in one namespace, in a temporary folder; ```console blocks run each
# `$ command` from the repository's root and compare its output (stdout and stderr) with the
# lines shown under it. A block that is not meant to run is marked by the line before its fence:
# `<!-- not run: why -->`.

ROOT = Path(__file__).parent.parent
PAGES = sorted((ROOT / "docs").glob("*.md"))
FENCED = re.compile(
    r"(?:^<!-- not run: (?P<why>.+?) -->\n)?^```(?P<lang>\w+)\n(?P<body>.*?)^```", re.S | re.M
)


def blocks(lang: str) -> list[tuple[str, int, str]]:
    """(page, line, body) of every fenced block in ``lang`` not marked as not run."""
    found = []
    for page in PAGES:
        text = page.read_text()
        for m in FENCED.finditer(text):
            if m["lang"] == lang and not m["why"]:
                found.append((page.name, text[: m.start("body")].count("\n") + 1, m["body"]))
    return found


def test_every_page_is_in_the_site_nav() -> None:
    import yaml

    nav = yaml.safe_load((ROOT / "mkdocs.yml").read_text())["nav"]

    def pages(entry: object) -> list[str]:
        if isinstance(entry, str):
            return [entry]
        if isinstance(entry, dict):
            return [p for v in entry.values() for p in pages(v)]
        if isinstance(entry, list):
            return [p for v in entry for p in pages(v)]
        return []

    assert sorted(pages(nav)) == sorted(p.name for p in PAGES)


@pytest.mark.parametrize("page", sorted({page for page, _, _ in blocks("python")}))
def test_python_blocks_run(page: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": "__docs__"}
    with contextlib.redirect_stdout(io.StringIO()):
        for name, line, body in blocks("python"):
            if name == page:
                code = compile("\n" * (line - 1) + body, f"docs/{name}", "exec")
                exec(code, namespace)


def console_sessions() -> list[tuple[str, str, list[str]]]:
    """(where, command, expected output lines) of every `$ command` in ```console blocks."""
    found = []
    for page, line, body in blocks("console"):
        lines = body.rstrip("\n").split("\n")
        starts = [i for i, text in enumerate(lines) if text.startswith("$ ")]
        assert starts[:1] == [0], f"{page}:{line}: a console block starts with `$ `"
        for n, start in enumerate(starts):
            end = starts[n + 1] if n + 1 < len(starts) else len(lines)
            output = [text.rstrip() for text in lines[start + 1 : end]]
            found.append((f"{page}:{line + start}", lines[start][2:], output))
    return found


def test_the_docs_show_the_command_line() -> None:
    commands = " ".join(command for _, command, _ in console_sessions())
    for name in ("validate", "eval", "explain", "test", "diff"):
        assert f"promotor {name} " in commands


@pytest.mark.parametrize(("where", "command", "output"), console_sessions())
def test_console_sessions_print_what_the_docs_show(
    where: str, command: str, output: list[str]
) -> None:
    bin_dir = str(Path(sys.executable).parent)
    run = subprocess.run(
        ["bash", "-c", command],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "COLUMNS": "100",
             "NO_COLOR": "1", "TERM": "dumb"},
    )  # fmt: skip
    got = [text.rstrip() for text in (run.stdout + run.stderr).rstrip("\n").split("\n")]
    assert got == output, where


def test_the_workflow_example_runs_the_three_gates() -> None:
    import yaml

    [workflow] = [
        m["body"]
        for page in PAGES
        for m in FENCED.finditer(page.read_text())
        if m["lang"] == "yaml" and "jobs:" in m["body"]
    ]
    steps = yaml.safe_load(workflow)["jobs"]["check"]["steps"]
    runs = " ".join(step.get("run", "") for step in steps)
    for gate in ("promotor validate", "promotor test", "promotor diff", "gh pr comment"):
        assert gate in runs
