"""The JSON Schema of definition files, built from the same signatures and annotations the
reader follows (so a new effect or campaign field appears in it by itself).

Editors use it to complete and check files: with the YAML language server, a first line
``# yaml-language-server: $schema=promotor.schema.json`` after ``promotor schema >
promotor.schema.json``.
"""

from __future__ import annotations

import inspect
import json
import typing
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from pydantic import BaseModel

from ._people import Builder, _element, _is_plain_mapping, _models, alternatives, builders

__all__ = ["file_schema"]

SCHEMA_ID = "urn:promotor:definition-file"


_RULE = {"type": "string", "description": "rule text"}


def _adapted(tp: Any) -> dict[str, Any]:
    """The pydantic schema of a type this module has no rule for (such as ``AwareDatetime``)."""
    from pydantic import TypeAdapter

    try:
        schema: dict[str, Any] = TypeAdapter(tp).json_schema()
    except Exception:
        return {}
    return {k: v for k, v in schema.items() if k in ("type", "format", "enum", "pattern")}


class _Gen:
    def __init__(self) -> None:
        self.defs: dict[str, Any] = {}

    def of(self, tp: Any) -> dict[str, Any]:
        from promotor.expr import Expr

        alts = alternatives(tp)
        options: list[dict[str, Any]] = []
        if tp is None or type(None) in typing.get_args(tp) or _optional(tp):
            options.append({"type": "null"})
        models = _models(tp)
        made = (
            {n: b for n, b in builders().items() if issubclass(b.returns[0], tuple(models))}
            if models
            else {}
        )
        if _coerced_text(tp):
            # A decimal string that also takes numbers (``DecimalStr``).
            options.extend([{"type": "number"}, {"type": "string"}])
            alts = []
        for alt in alts:
            if alt is Any:
                return {}
            if alt is Expr:
                options.append(_RULE)
            elif alt is bool:
                options.append({"type": "boolean"})
            elif alt is int:
                options.append({"type": "integer"})
            elif alt in (float, Decimal):
                options.append({"type": "number"})
            elif alt is str:
                options.append({"type": "string"})
            elif alt in (datetime, date):
                options.append({"type": "string", "format": "date-time"})
            elif alt is timedelta:
                options.append({"type": "string"})
            elif typing.get_origin(alt) is typing.Literal:
                options.append({"enum": list(typing.get_args(alt))})
            elif isinstance(alt, type) and issubclass(alt, BaseModel):
                if made and (len(models) > 1 or "type" in alt.model_fields):
                    continue  # written as builder calls, below
                # A part of one model without a type tag (an earning rule, a reward tier)
                # is also written as its fields, as the reader takes it.
                options.append(self.model(alt))
            elif _element(alt) is not None:
                options.append({"type": "array", "items": self.of(_element(alt))})
            elif _is_plain_mapping(alt):
                if not models:
                    options.append({"type": "object"})
            else:
                options.append(_adapted(alt))
        if made:
            options.extend(self.calls(made, models))
        unique: list[dict[str, Any]] = []
        for option in options:
            if option not in unique:
                unique.append(option)
        # A number is also an integer, and rule text is also a string: keep the wider.
        if {"type": "number"} in unique and {"type": "integer"} in unique:
            unique.remove({"type": "integer"})
        if _RULE in unique and {"type": "string"} in unique:
            unique.remove({"type": "string"})
        if len(unique) == 1:
            return unique[0]
        return {"anyOf": unique}

    def calls(self, made: dict[str, Builder], models: list[type[BaseModel]]) -> list[Any]:
        import promotor

        out: list[Any] = []
        names = [
            n for n, b in made.items() if all(p.default is not p.empty for p in b.params.values())
        ]
        for name in dir(promotor):
            if name.isupper() and isinstance(getattr(promotor, name), tuple(models)):
                names.append(name.lower())
        if names:
            out.append({"enum": sorted(set(names))})
        for name, builder in made.items():
            out.append({"$ref": f"#/$defs/{self.builder(name, builder)}"})
        return out

    def builder(self, name: str, builder: Builder) -> str:
        key = f"call_{name}"
        if key in self.defs:
            return key
        self.defs[key] = {}  # recursion guard
        props: dict[str, Any] = {"type": {"const": name}}
        required = ["type"]
        for pname, param in builder.params.items():
            props[pname] = self.of(builder.hints.get(pname, Any))
            if param.default is param.empty:
                required.append(pname)
        doc = inspect.getdoc(builder.fn) or ""
        call = {
            "type": "object",
            "description": doc.split("\n\n")[0],
            "properties": props,
            "required": required,
            "additionalProperties": False,
        }
        if builder.first == "pred":
            short_props = {k: v for k, v in props.items() if k not in ("type", "pred")}
            short_props = {name: props["pred"], **short_props}
            short = {
                "type": "object",
                "properties": short_props,
                "required": [name],
                "additionalProperties": False,
            }
            self.defs[key] = {"anyOf": [call, short], "description": call["description"]}
        else:
            self.defs[key] = call
        return key

    def model(self, model: type[BaseModel]) -> dict[str, Any]:
        key = model.__name__
        if key not in self.defs:
            self.defs[key] = {}
            props = {}
            required = []
            for name, info in model.model_fields.items():
                props[info.alias or name] = self.of(info.rebuild_annotation())
                if info.is_required():
                    required.append(info.alias or name)
            body: dict[str, Any] = {
                "type": "object",
                "properties": props,
                "additionalProperties": False,
            }
            if required:
                body["required"] = required
            if model.__doc__:
                body["description"] = inspect.cleandoc(model.__doc__).split("\n\n")[0]
            self.defs[key] = body
        return {"$ref": f"#/$defs/{key}"}


def _coerced_text(tp: Any) -> bool:
    """Whether ``tp`` is text with a before-validator that turns numbers into it."""
    from pydantic.functional_validators import BeforeValidator

    for arg in typing.get_args(tp) or ():
        if typing.get_origin(arg) is typing.Annotated and _coerced_text(arg):
            return True
    if typing.get_origin(tp) is typing.Annotated:
        base, *meta = typing.get_args(tp)
        return any(isinstance(m, BeforeValidator) for m in meta) and str in alternatives(base)
    return False


def _optional(tp: Any) -> bool:
    if typing.get_origin(tp) is typing.Annotated:
        return _optional(typing.get_args(tp)[0])
    return type(None) in typing.get_args(tp)


def file_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a definition file: the people form, or the IR
    (a document with ``version``).

    >>> from promotor.definitions import file_schema
    >>> schema = file_schema()
    >>> sorted(schema["$defs"]["Engine"]["properties"])[:3]
    ['bounds', 'campaigns', 'codes_case_sensitive']
    >>> "prices_include_tax" in schema["$defs"]["Engine"]["properties"]
    True
    """
    from promotor import json_schema
    from promotor.definitions._people import engine_parameters

    gen = _Gen()
    hints, params = engine_parameters()
    props = {}
    for name, param in params.items():
        schema = gen.of(hints.get(name, Any))
        if param.default is not param.empty and param.default is not None:
            schema = {**schema, "default": param.default}
        props[name] = schema
    gen.defs["Engine"] = {
        "type": "object",
        "description": "An engine for people: rule text, plain numbers, "
        "effects as {type: <builder>, <parameter>: <value>}",
        "properties": props,
        "required": ["campaigns"],
        "additionalProperties": False,
    }
    ir_schema = json_schema()
    ir_defs = ir_schema.pop("$defs", {})
    text = json.dumps(ir_schema)
    for name in ir_defs:
        text = text.replace(f'"#/$defs/{name}"', f'"#/$defs/ir_{name}"')
    for name, body in ir_defs.items():
        body_text = json.dumps(body)
        for other in ir_defs:
            body_text = body_text.replace(f'"#/$defs/{other}"', f'"#/$defs/ir_{other}"')
        gen.defs[f"ir_{name}"] = json.loads(body_text)
    gen.defs["ir"] = json.loads(text)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "promotor definition file",
        "description": "An engine definition: the people form, or the IR of Engine.to_json() "
        "(a document with 'version').",
        "if": {"type": "object", "required": ["version"]},
        "then": {"$ref": "#/$defs/ir"},
        "else": {"$ref": "#/$defs/Engine"},
        "$defs": gen.defs,
    }
