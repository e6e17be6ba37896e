"""YAML (and JSON) text to plain data, with the position of every value and key.

PyYAML composes a node tree whose nodes carry marks (line and column); the values are built
here from those nodes rather than by PyYAML's constructors, for three reasons: every value's
position is kept for error messages, plain scalars resolve by YAML 1.2's core schema (so the
key ``on`` stays the text ``"on"`` and ``NO`` is not ``False``), and numbers with a fraction are
read as exact ``Decimal`` from their text (``19.99`` means 19.99). Duplicate keys are errors.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from promotor.errors import RuleError

__all__ = ["Positions", "compose", "dump", "yaml_module"]

Loc = tuple[str | int, ...]

_NULL = re.compile(r"^(~|null|Null|NULL|)$")
_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_INT = re.compile(r"^[-+]?[0-9]+$")
_INT_OCT = re.compile(r"^0o[0-7]+$")
_INT_HEX = re.compile(r"^0x[0-9a-fA-F]+$")
_FLOAT = re.compile(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")
_SPECIAL_FLOAT = re.compile(r"^([-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN))$")

_PLAIN = "!promotor/plain"


def yaml_module() -> Any:
    """PyYAML, or an ImportError that says how to install it."""
    try:
        import yaml
    except ImportError:
        raise ImportError(
            "YAML definition files need PyYAML: pip install 'promotor[cli]' (or pyyaml)"
        ) from None
    return yaml


@dataclass
class Positions:
    """Where each value (and each mapping key) of a document starts: 1-based line and column.

    ``scalars`` keeps the node of each string, so positions inside rule text can be mapped to
    the file (see :meth:`inside`)."""

    values: dict[Loc, tuple[int, int]] = field(default_factory=dict)
    keys: dict[Loc, tuple[int, int]] = field(default_factory=dict)
    scalars: dict[Loc, Any] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)

    def locate(self, loc: Loc, *, key: bool = False) -> tuple[int, int] | None:
        """The position of ``loc``, or of its nearest enclosing value that has one."""
        loc = tuple(loc)
        if key and loc in self.keys:
            return self.keys[loc]
        while True:
            if loc in self.values:
                return self.values[loc]
            if not loc:
                return None
            loc = loc[:-1]

    def inside(self, loc: Loc, line: int, column: int) -> tuple[int, int] | None:
        """The file position of ``line``/``column`` (1-based) inside the string at ``loc``,
        where the string's style lets it be known exactly (one-line plain or quoted scalars,
        and literal blocks ``|``)."""
        node = self.scalars.get(tuple(loc))
        if node is None:
            return None
        start = node.start_mark
        if node.style in (None, '"', "'") and start.line == node.end_mark.line and line == 1:
            return start.line + 1, start.column + column + (0 if node.style is None else 1)
        if node.style == "|":
            physical = start.line + line  # the header line, then one text line per line
            content = [t for t in self.lines[start.line + 1 : node.end_mark.line + 1] if t.strip()]
            if physical < len(self.lines) and content:
                indent = len(content[0]) - len(content[0].lstrip(" "))
                return physical + 1, indent + column
        return None


class _Error(Exception):
    def __init__(self, detail: dict[str, Any]) -> None:
        self.detail = detail


def compose(text: str, file: str | None = None) -> tuple[Any, Positions]:
    """The data of one YAML document and the positions of its values.

    Raises :class:`RuleError` (with ``file``, ``line`` and ``column``) for YAML syntax errors,
    duplicate keys, tags it cannot read, and an empty document.
    """
    yaml = yaml_module()

    class Loader(yaml.SafeLoader):  # type: ignore[misc,name-defined]
        yaml_implicit_resolvers: dict[str, Any] = {}  # noqa: RUF012

        def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
            if kind is yaml.ScalarNode and implicit[0]:
                return _PLAIN
            return super().resolve(kind, value, implicit)

    positions = Positions(lines=text.splitlines())
    where = {"file": file} if file else {}
    try:
        root = yaml.compose(text, Loader=Loader)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        detail: dict[str, Any] = {
            "type": "yaml_syntax",
            "loc": (),
            "msg": f"invalid YAML: {err.problem or err.context}",
            **where,
        }
        if mark is not None:
            detail.update(line=mark.line + 1, column=mark.column + 1)
        raise RuleError([detail]) from None
    except yaml.YAMLError as err:
        raise RuleError([{"type": "yaml_syntax", "loc": (), "msg": str(err), **where}]) from None
    if root is None:
        raise RuleError([{"type": "empty_file", "loc": (), "msg": "the file is empty", **where}])
    try:
        value = _build(yaml, root, (), positions, 0)
    except _Error as err:
        raise RuleError([{**err.detail, **where}]) from None
    return value, positions


def _mark(node: Any) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _build(yaml: Any, node: Any, loc: Loc, positions: Positions, depth: int) -> Any:
    if depth > 200:
        raise _Error({"type": "too_deep", "loc": loc, "msg": "nested too deeply"})
    positions.values[loc] = _mark(node)
    if isinstance(node, yaml.MappingNode):
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                line, column = _mark(key_node)
                raise _Error(
                    {
                        "type": "invalid_key",
                        "loc": loc,
                        "msg": "a key must be text",
                        "line": line,
                        "column": column,
                    }
                )
            key = key_node.value
            if key in out:
                line, column = _mark(key_node)
                raise _Error(
                    {
                        "type": "duplicate_key",
                        "loc": (*loc, key),
                        "msg": f"duplicate key {key!r}",
                        "line": line,
                        "column": column,
                    }
                )
            positions.keys[(*loc, key)] = _mark(key_node)
            out[key] = _build(yaml, value_node, (*loc, key), positions, depth + 1)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [
            _build(yaml, child, (*loc, i), positions, depth + 1)
            for i, child in enumerate(node.value)
        ]
    value = _scalar(node)
    if isinstance(value, str):
        positions.scalars[loc] = node
    return value


def _scalar(node: Any) -> Any:
    text: str = node.value
    tag: str = node.tag
    if tag == _PLAIN:
        return _plain(text)
    if tag == "tag:yaml.org,2002:str":
        return text
    if tag == "tag:yaml.org,2002:null":
        return None
    if tag == "tag:yaml.org,2002:bool" and text in _BOOL:
        return _BOOL[text]
    if tag == "tag:yaml.org,2002:int" and _INT.match(text):
        return int(text)
    if tag == "tag:yaml.org,2002:float" and _FLOAT.match(text):
        return Decimal(text)
    line, column = _mark(node)
    raise _Error(
        {
            "type": "invalid_tag",
            "loc": (),
            "msg": f"cannot read {text!r} tagged {tag}",
            "line": line,
            "column": column,
        }
    )


def _plain(text: str) -> Any:
    """A plain scalar by the YAML 1.2 core schema; numbers with a fraction as Decimal."""
    if _NULL.match(text):
        return None
    if text in _BOOL:
        return _BOOL[text]
    if _INT.match(text):
        return int(text)
    if _INT_OCT.match(text):
        return int(text[2:], 8)
    if _INT_HEX.match(text):
        return int(text[2:], 16)
    if _FLOAT.match(text):
        return Decimal(text)
    if _SPECIAL_FLOAT.match(text):
        return Decimal(text.replace(".", "").replace("inf", "Infinity").replace("INF", "Infinity"))
    return text


def dump(data: Any) -> str:
    """Plain data as block-style YAML that :func:`compose` reads back to the same data:
    ``Decimal`` as exact numbers, strings quoted whenever they would read as something else,
    multi-line strings as literal blocks."""
    yaml = yaml_module()

    class Dumper(yaml.SafeDumper):  # type: ignore[misc,name-defined]
        def ignore_aliases(self, data: Any) -> bool:
            return True

    # Only YAML 1.2's booleans, so the key `on` is written plain, as people write it.
    Dumper.yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in entries if tag != "tag:yaml.org,2002:bool"]
        for first, entries in yaml.SafeDumper.yaml_implicit_resolvers.items()
    }
    Dumper.add_implicit_resolver(
        "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), "tTfF"
    )

    def decimal(dumper: Any, value: Decimal) -> Any:
        text = str(value)
        if _INT.match(text):
            return dumper.represent_scalar("tag:yaml.org,2002:int", text)
        if not _FLOAT.match(text):
            text = format(value, "f")
        return dumper.represent_scalar("tag:yaml.org,2002:float", text)

    def string(dumper: Any, value: str) -> Any:
        if "\n" in value and value == value.strip("\n") + "\n" * value.endswith("\n"):
            return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
        style = '"' if not isinstance(_plain(value), str) else None
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)

    Dumper.add_representer(Decimal, decimal)
    Dumper.add_representer(str, string)
    text: str = yaml.dump(
        data, Dumper=Dumper, sort_keys=False, allow_unicode=True, width=96, indent=2
    )
    return text
