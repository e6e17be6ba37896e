"""``promotor test FILE GOLDEN_DIR``: golden carts as a CI gate.

A golden cart is a JSON file ``{"cart", "customer"?, "codes"?, "now"?, "context"?,
"description"?, "expected": {"total"?, "subtotal"?, "discount"?, "shipping_discount"?,
"applied"?}}``; only the fields under ``expected`` are checked. ``applied`` lists campaign ids
in the order they applied, or objects with ``campaign_id`` and any of ``amount``, ``code``,
``tier``, ``shipping_amount``.
"""

from __future__ import annotations

import difflib
import json
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.progress import Progress

from promotor._text import did_you_mean
from promotor.errors import InputError

from ._common import FAILED, OK, USAGE, JsonOpt, dumps, err, fail, load_engine, out, parse_now

if TYPE_CHECKING:
    from promotor.engine import Engine
    from promotor.result import Result

MONEY = ("total", "subtotal", "discount", "shipping_discount")
EXPECTED = (*MONEY, "applied")
APPLIED_KEYS = ("campaign_id", "amount", "code", "tier", "shipping_amount")
CASE_KEYS = ("cart", "customer", "codes", "now", "context", "description", "expected")


class BadGolden(Exception):
    """A golden file that cannot be used (bad JSON, unknown keys, a bad cart)."""


@dataclass
class Outcome:
    """One golden file's result: passed, failed (with what differs) or error."""

    file: Path
    status: str  # "passed" | "failed" | "error"
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def name(self) -> str:
        """The golden case's name: its file name without the extension."""
        return self.file.stem


def _money(value: Any, where: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | str | Decimal):
        raise BadGolden(f'{where}: expected an amount such as "12.50"')
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise BadGolden(f"{where}: {value!r} is not an amount") from None


def _read(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)
    except json.JSONDecodeError as error:
        raise BadGolden(f"{error.lineno}:{error.colno}: invalid JSON: {error.msg}") from None
    except OSError as error:
        raise BadGolden(f"cannot read: {error.strerror}") from None
    if not isinstance(data, Mapping):
        raise BadGolden("expected a JSON object")
    for key in data:
        if key not in CASE_KEYS:
            raise BadGolden(f"{key}: unknown key{did_you_mean(str(key), list(CASE_KEYS))}")
    for key in ("cart", "expected"):
        if key not in data:
            raise BadGolden(f"{key}: missing")
    expected = data["expected"]
    if not isinstance(expected, Mapping):
        raise BadGolden("expected: expected an object")
    for key in expected:
        if key not in EXPECTED:
            raise BadGolden(f"expected.{key}: unknown key{did_you_mean(str(key), list(EXPECTED))}")
    return dict(data)


def _render_applied(entry: Any, keys: Iterable[str]) -> str:
    if isinstance(entry, str):
        return entry
    parts = [str(entry.get("campaign_id"))]
    for key in keys:
        if key != "campaign_id":
            value = entry.get(key)
            parts.append(f"{key}={'null' if value is None else value}")
    return " ".join(parts)


def _expected_applied(value: Any) -> list[tuple[str, tuple[str, ...]]]:
    """Each expected entry rendered, with the keys it checks."""
    if not isinstance(value, list):
        raise BadGolden("expected.applied: expected a list")
    out: list[tuple[str, tuple[str, ...]]] = []
    for i, entry in enumerate(value):
        where = f"expected.applied.{i}"
        if isinstance(entry, str):
            out.append((entry, ("campaign_id",)))
            continue
        if not isinstance(entry, Mapping):
            raise BadGolden(f"{where}: expected a campaign id or an object")
        if "campaign_id" not in entry:
            raise BadGolden(f"{where}: campaign_id missing")
        for key in entry:
            if key not in APPLIED_KEYS:
                raise BadGolden(
                    f"{where}.{key}: unknown key{did_you_mean(str(key), list(APPLIED_KEYS))}"
                )
        normal = {
            k: _money(v, f"{where}.{k}") if k in ("amount", "shipping_amount") else v
            for k, v in entry.items()
        }
        keys = tuple(k for k in APPLIED_KEYS if k in entry)
        out.append((_render_applied(normal, keys), keys))
    return out


def check(engine: Engine, path: Path) -> Outcome:
    """Evaluate one golden cart and compare what its ``expected`` names."""
    started = time.perf_counter()
    try:
        case = _read(path)
        codes = case.get("codes") or []
        if isinstance(codes, str) or not isinstance(codes, list):
            raise BadGolden("codes: expected a list of codes")
        now = case.get("now")
        try:
            result = engine.evaluate(
                case["cart"],
                customer=case.get("customer"),
                codes=codes,
                now=_now(now),
                context=case.get("context"),
            )
        except InputError as error:
            raise BadGolden(str(error).replace("\n", "; ")) from None
        problems = compare(case["expected"], result)
    except BadGolden as error:
        return Outcome(path, "error", [str(error)], time.perf_counter() - started)
    status = "failed" if problems else "passed"
    return Outcome(path, status, problems, time.perf_counter() - started)


def _now(value: Any) -> Any:
    if value is None:
        return None
    if not isinstance(value, str):
        raise BadGolden("now: expected an ISO 8601 time such as 2026-11-27T10:00:00Z")
    try:
        return parse_now(value, "now")
    except typer.Exit:
        raise BadGolden(f"now: {value!r} is not an ISO 8601 time with an offset") from None


def compare(expected: Mapping[str, Any], result: Result) -> list[str]:
    """What differs, one readable block per field; empty when everything matches."""
    problems = []
    for key in MONEY:
        if key in expected:
            want = _money(expected[key], f"expected.{key}")
            got = getattr(result, key)
            if want != got:
                delta = got - want
                sign = "+" if delta > 0 else ""
                problems.append(f"{key}: expected {want}, got {got} ({sign}{delta})")
    if "applied" in expected:
        wanted = _expected_applied(expected["applied"])
        want_lines = [line for line, _ in wanted]
        # Each applied campaign is shown with the keys its expected entry checks.
        keys_of: dict[str, tuple[str, ...]] = {}
        for line, keys in wanted:
            keys_of.setdefault(line.split(" ")[0], keys)
        got_lines = [
            _render_applied(a._asdict(), keys_of.get(a.campaign_id, ("campaign_id",)))
            for a in result.applied
        ]
        if want_lines != got_lines:
            diff = [
                "    " + line
                for line in difflib.ndiff(want_lines, got_lines)
                if not line.startswith("?")
            ]
            why = []
            applied_ids = {a.campaign_id for a in result.applied}
            for line in want_lines:
                campaign = line.split(" ")[0]
                if campaign not in applied_ids:
                    for r in result.rejected:
                        if r.campaign_id == campaign:
                            why.append(f"    {campaign} did not apply: {r.reason}: {r.message}")
                            break
            problems.append("\n".join(["applied (- expected, + got):", *diff, *why]))
    return problems


def junit_xml(outcomes: list[Outcome], file: Path) -> str:
    """The outcomes as JUnit XML, which CI systems show as a test report."""
    suite = ET.Element(
        "testsuite",
        name=f"promotor test {file}",
        tests=str(len(outcomes)),
        failures=str(sum(o.status == "failed" for o in outcomes)),
        errors=str(sum(o.status == "error" for o in outcomes)),
        time=f"{sum(o.seconds for o in outcomes):.6f}",
    )
    for o in outcomes:
        case = ET.SubElement(
            suite,
            "testcase",
            classname=f"golden.{o.file.parent.name or 'goldens'}",
            name=o.name,
            file=str(o.file),
            time=f"{o.seconds:.6f}",
        )
        if o.status != "passed":
            tag = "failure" if o.status == "failed" else "error"
            node = ET.SubElement(case, tag, message=o.problems[0].splitlines()[0])
            node.text = "\n".join(o.problems)
    root = ET.Element("testsuites")
    root.append(suite)
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def golden_command(
    file: Annotated[Path, typer.Argument(help="Definition file.", show_default=False)],
    golden_dir: Annotated[
        Path, typer.Argument(help="Folder of golden carts (*.json).", show_default=False)
    ],
    junit: Annotated[
        Path | None,
        typer.Option("--junit-xml", help="Also write a JUnit XML report here.", show_default=False),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Check golden carts: exit 1 with a diff when a total or an applied campaign moved.

    Exit 2 when a golden file cannot be used (it is reported too).
    """
    engine = load_engine(file)
    if not golden_dir.is_dir():
        fail(f"{golden_dir}: not a folder of golden carts")
    paths = sorted(golden_dir.glob("*.json"))
    if not paths:
        fail(f"{golden_dir}: no golden carts (*.json) in it")
    outcomes = []
    with Progress(console=err, transient=True, disable=not err.is_terminal) as progress:
        task = progress.add_task("golden carts", total=len(paths))
        for path in paths:
            outcomes.append(check(engine, path))
            progress.advance(task)
    if junit is not None:
        junit.write_text(junit_xml(outcomes, file), encoding="utf-8")
    counts = {s: sum(o.status == s for o in outcomes) for s in ("passed", "failed", "error")}
    if as_json:
        print(
            dumps(
                {
                    **counts,
                    "cases": [
                        {"file": str(o.file), "status": o.status, "problems": o.problems}
                        for o in outcomes
                    ],
                }
            )
        )
    else:
        for o in outcomes:
            if o.status == "passed":
                out.print(f"[green]PASS[/green] {o.file}", highlight=False)
                continue
            label = "[red]FAIL[/red]" if o.status == "failed" else "[yellow]ERROR[/yellow]"
            out.print(f"{label} {o.file}")
            for problem in o.problems:
                for line in problem.splitlines():
                    out.print(f"  {line}", markup=False)
        out.print(
            f"{counts['passed']} passed, {counts['failed']} failed"
            + (f", {counts['error']} errors" if counts["error"] else ""),
            markup=False,
        )
    if counts["error"]:
        raise typer.Exit(USAGE)
    raise typer.Exit(FAILED if counts["failed"] else OK)


def register(app: typer.Typer) -> None:
    """Adds `test` to the `promotor` command."""
    app.command("test")(golden_command)
