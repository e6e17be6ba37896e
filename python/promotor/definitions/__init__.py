"""Definition files: an engine in YAML or JSON, written for people.

```yaml
currency: USD
campaigns:
  - id: coffee-lovers
    rules: cart.items.filter(i, i.category == "coffee").sum(i, i.quantity) >= 2
    effect: {type: percent_off, percent: 15, on: {items: 'item.category == "coffee"'}, cap: 50}
```

Each effect's ``type`` is the name of its builder function (``pm.percent_off``) and its other
fields are that function's parameters; rules are rule text; numbers are plain (and exact: a
``19.99`` in the file is the decimal 19.99). The IR that :meth:`Engine.to_json` writes (it has
a ``version``) is read too. See docs/definition-files.md for the format and
:func:`file_schema` for its JSON Schema.

Errors are one :class:`~promotor.errors.RuleError` listing every problem, each with its
``loc`` (the path in the file), and ``file``, ``line`` and ``column`` where known.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from promotor.errors import RuleError

from ._people import builders, plain_json, read_engine, register_builder, write_engine
from ._yaml import Positions, compose
from ._yaml import dump as yaml_dump
from .schema import file_schema

if TYPE_CHECKING:
    from promotor.engine import Engine

__all__ = [
    "builders",
    "dumps",
    "file_schema",
    "load",
    "loads",
    "register_builder",
    "save",
]

Format = Literal["yaml", "json"]


def format_of(path: str | os.PathLike[str]) -> Format:
    """``"yaml"`` for ``.yaml``/``.yml``, ``"json"`` for ``.json``; anything else is an error."""
    suffix = Path(path).suffix.lower()
    if suffix in (".yaml", ".yml"):
        return "yaml"
    if suffix == ".json":
        return "json"
    raise ValueError(f"{path}: a definition file ends in .yaml, .yml or .json, not {suffix!r}")


def load(path: str | os.PathLike[str]) -> Engine:
    """The engine a definition file defines (YAML or JSON by the suffix).

    Raises :class:`RuleError` for any problem in the file, ``OSError`` when it cannot be read.
    """
    fmt = format_of(path)
    text = Path(path).read_text(encoding="utf-8")
    return loads(text, fmt, file=str(path))


def loads(text: str, format: Format = "yaml", *, file: str | None = None) -> Engine:
    """The engine that definition text defines; ``file`` names it in errors.

    >>> from promotor.definitions import loads
    >>> engine = loads('''
    ... campaigns:
    ...   - id: ten
    ...     rules: cart.subtotal >= 50
    ...     effect: {type: percent_off, percent: 10}
    ... ''')
    >>> engine.evaluate({"items": [{"sku": "A", "price": "30.00", "quantity": 2}]}).total
    Decimal('54.00')
    >>> loads('campaigns: [{id: x, effect: {type: percent_of, percent: 10}}]', file="a.yaml")
    Traceback (most recent call last):
    ...
    promotor.errors.RuleError: a.yaml:1:36: campaigns.0.effect.type: unknown type 'percent_of'; \
did you mean 'percent_off'?
    """
    positions: Positions | None = None
    if format == "yaml":
        data, positions = compose(text, file)
    else:
        data = _json(text, file)
    try:
        if isinstance(data, Mapping) and "version" in data:
            from promotor.engine import Engine

            return Engine.from_ir(plain_json(data))
        engine: Engine = read_engine(data)
        return engine
    except RuleError as err:
        if positions is None and format == "json":
            positions = _json_positions(text, file)
        raise _located(err, positions, file) from None


def dumps(engine: Engine, format: Format = "yaml") -> str:
    """The engine as definition text that :func:`loads` reads back to the same engine: the
    people form where it says everything the IR says, the IR otherwise.

    >>> import promotor as pm
    >>> from promotor.definitions import dumps
    >>> print(dumps(pm.Engine([pm.Campaign(id="ten", rules="cart.subtotal >= 50",
    ...                                    effect=pm.percent_off(10))])), end="")
    currency: USD
    campaigns:
    - id: ten
      rules: cart.subtotal >= 50
      effect:
        type: percent_off
        percent: 10
    """
    engine_ir = engine.to_ir()
    people = write_engine(engine_ir)
    text = _text(people, format)
    try:
        same = loads(text, format).to_ir() == engine_ir
    except RuleError:
        same = False
    if not same:
        return _text(engine_ir, format)
    return text


def save(engine: Engine, path: str | os.PathLike[str]) -> None:
    """Write ``engine`` to a definition file, YAML or JSON by the suffix."""
    Path(path).write_text(dumps(engine, format_of(path)), encoding="utf-8")


def _text(data: Any, format: Format) -> str:
    if format == "yaml":
        return yaml_dump(data)
    return json_dumps(data, indent=2) + "\n"


_RAW = re.compile(r'"\\u0000D:([^"\\]+)\\u0000"')


def json_dumps(data: Any, indent: int | None = None) -> str:
    """JSON with each ``Decimal`` written as the exact number it is (``12.50``)."""

    def default(value: Any) -> Any:
        if isinstance(value, Decimal):
            return f"\x00D:{value}\x00"
        raise TypeError(f"{type(value).__name__} is not JSON serializable")

    text = json.dumps(_marked(data), indent=indent, default=default, ensure_ascii=False)
    return _RAW.sub(r"\1", text)


def _marked(value: Any) -> Any:
    if isinstance(value, Decimal):
        return f"\x00D:{value}\x00"
    if isinstance(value, Mapping):
        return {k: _marked(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_marked(v) for v in value]
    return value


def _json(text: str, file: str | None) -> Any:
    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in items:
            if key in out:
                raise ValueError(f"duplicate key {key!r}")
            out[key] = value
        return out

    def constant(name: str) -> Any:
        raise ValueError(f"{name} is not a number")

    where = {"file": file} if file else {}
    try:
        return json.loads(
            text, parse_float=Decimal, object_pairs_hook=pairs, parse_constant=constant
        )
    except json.JSONDecodeError as err:
        raise RuleError(
            [
                {
                    "type": "json_syntax",
                    "loc": (),
                    "msg": f"invalid JSON: {err.msg}",
                    "line": err.lineno,
                    "column": err.colno,
                    **where,
                }
            ]
        ) from None
    except ValueError as err:
        positions = _json_positions(text, file)
        raise _located(
            RuleError([{"type": "json_syntax", "loc": (), "msg": str(err)}]), positions, file
        ) from None


def _json_positions(text: str, file: str | None) -> Positions | None:
    """Positions in JSON text, from the YAML composer (JSON is YAML); None without PyYAML or
    when the text is JSON that PyYAML cannot read."""
    try:
        return compose(text, file)[1]
    except (ImportError, RuleError):
        return None


def _located(err: RuleError, positions: Positions | None, file: str | None) -> RuleError:
    """``err`` with ``file``, and ``line`` and ``column`` in the file, on every entry."""
    out = []
    for e in err.errors():
        e = dict(e)
        if file and "file" not in e:
            e["file"] = file
        if positions is not None:
            loc = tuple(e["loc"])
            inside = None
            if "line" in e and "column" in e:
                inside = positions.inside(loc, e["line"], e["column"])
                if inside is None:
                    e["msg"] = f"{e['msg']} (line {e['line']}, column {e['column']} of the rule)"
            unknown = e.get("type") == "unknown_field" or str(e["msg"]).startswith("unknown field")
            where = inside or positions.locate(loc, key=unknown)
            if where is not None:
                e["line"], e["column"] = where
            else:
                e.pop("line", None)
                e.pop("column", None)
        out.append(e)
    return RuleError(out)
