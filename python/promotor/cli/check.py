"""``promotor validate`` and ``promotor schema``: definition files checked, and their schema."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from promotor.errors import RuleError

from ._common import FAILED, USAGE, JsonOpt, dumps, err, out, print_errors


def validate(
    files: Annotated[list[Path], typer.Argument(help="Definition files (.yaml, .yml or .json).")],
    as_json: JsonOpt = False,
) -> None:
    """Check definition files: every problem with its file, line, column and path.

    Exit 1 when a file has problems, 2 when one cannot be read.
    """
    from promotor import definitions

    report = []
    code = 0
    for path in files:
        entry: dict[str, object] = {"file": str(path)}
        try:
            engine = definitions.load(path)
        except RuleError as error:
            entry.update(ok=False, errors=error.errors())
            code = max(code, FAILED)
            if not as_json:
                print_errors(error)
        except (OSError, ValueError) as error:
            message = error.strerror if isinstance(error, OSError) else str(error)
            entry.update(ok=False, errors=[{"loc": (), "msg": f"cannot read: {message}"}])
            code = USAGE
            if not as_json:
                err.print(f"promotor: {path}: cannot read: {message}", markup=False)
        else:
            entry.update(ok=True, campaigns=len(engine.campaigns))
            if not as_json:
                out.print(f"{path}: ok, {len(engine.campaigns)} campaigns", markup=False)
        report.append(entry)
    if as_json:
        print(dumps(report))
    raise typer.Exit(code)


def schema(
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write to this file instead of standard output."),
    ] = None,
) -> None:
    """Print the JSON Schema of definition files (for editors and validators)."""
    from promotor.definitions import file_schema

    text = json.dumps(file_schema(), indent=2) + "\n"
    if output is None:
        print(text, end="")
    else:
        output.write_text(text, encoding="utf-8")


def register(app: typer.Typer) -> None:
    """Adds `validate` and `schema` to the `promotor` command."""
    app.command("validate")(validate)
    app.command("schema")(schema)
