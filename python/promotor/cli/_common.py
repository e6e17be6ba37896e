"""What every command shares: exit codes, reading inputs, printing errors and JSON."""

from __future__ import annotations

import dataclasses
import json
import sys
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from rich.console import Console

from promotor.errors import PromotorError, RuleError

if TYPE_CHECKING:
    from promotor.engine import Engine
    from promotor.result import Result

#: Exit codes: all is well; a check failed (a definition error, a failing golden cart);
#: bad usage or input that cannot be read.
OK, FAILED, USAGE = 0, 1, 2

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

#: ``--json``, which every command that prints a report takes.
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON for machines.")]


def fail(message: str, code: int = USAGE) -> NoReturn:
    """Print ``promotor: message`` to stderr and exit with ``code``."""
    err.print(f"promotor: {message}", markup=False)
    raise typer.Exit(code)


def print_errors(error: PromotorError) -> None:
    """Each problem on its own line: ``file:line:column: loc: message``."""
    for line in str(error).splitlines():
        err.print(line, markup=False)


def load_engine(path: Path) -> Engine:
    """The engine of a definition file; exit 1 with located errors when it is invalid, 2 when
    it cannot be read."""
    from promotor import definitions

    try:
        return definitions.load(path)
    except RuleError as error:
        print_errors(error)
        raise typer.Exit(FAILED) from None
    except OSError as error:
        fail(f"{path}: cannot read: {error.strerror or error}")
    except ValueError as error:
        fail(str(error))


def read_text(source: str) -> str:
    """The text of a file, or of standard input for ``-``."""
    if source == "-":
        return sys.stdin.read()
    try:
        return Path(source).read_text(encoding="utf-8")
    except OSError as error:
        fail(f"{source}: cannot read: {error.strerror or error}")


def read_json(source: str) -> Any:
    """JSON from a file or ``-``, numbers with a fraction as exact ``Decimal``; exit 2 with the
    line and column of a syntax error."""
    text = read_text(source)
    name = "<stdin>" if source == "-" else source
    try:
        return json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as error:
        fail(f"{name}:{error.lineno}:{error.colno}: invalid JSON: {error.msg}")


def parse_now(text: str | None, where: str = "--now") -> datetime | None:
    """An ISO 8601 instant with an offset (``2026-11-27T10:00:00+01:00`` or ``...Z``)."""
    if text is None:
        return None
    if isinstance(text, datetime):
        value = text
    else:
        try:
            value = datetime.fromisoformat(str(text))
        except ValueError:
            fail(f"{where}: {text!r} is not an ISO 8601 time such as 2026-11-27T10:00:00Z")
    if value.tzinfo is None or value.utcoffset() is None:
        fail(f"{where}: {text!r} has no offset: add Z or +HH:MM")
    return value


def jsonable(value: Any) -> Any:
    """Results as JSON data: money as exact decimal strings, times in ISO 8601."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat().replace("+00:00", "Z")
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return jsonable(dataclasses.asdict(value))
    if hasattr(value, "_asdict"):
        return jsonable(value._asdict())
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


def result_json(result: Result) -> str:
    """A result as JSON: ``Result.to_json()`` where it exists, else ``to_dict()`` encoded here."""
    to_json = getattr(result, "to_json", None)
    if callable(to_json):
        return str(to_json())
    return json.dumps(jsonable(result.to_dict()))


def dumps(data: Any) -> str:
    """Pretty JSON of :func:`jsonable` data (anything else as its text)."""
    return json.dumps(jsonable(data), indent=2, default=str)


def located(name: str, error: PromotorError) -> str:
    """An input error with the file it came from: ``cart.json: cart.items.0.price: ...``."""
    return "\n".join(f"{name}: {line}" for line in str(error).splitlines())
