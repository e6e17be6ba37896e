"""pydantic's ``ValidationError`` as promotor's errors: each problem a kind the core knows
(``{"type", "loc", "msg", "ctx"}``), worded as the core words it and located in the document
the user wrote (union tags and wrapper models left out of the location). Used by the IR models
(:mod:`promotor.ir`), the builder and definition files."""

from __future__ import annotations

import json
import re
import types
import typing
from typing import Annotated, Any

from pydantic import BaseModel, ValidationError

from promotor import _native
from promotor._text import suggest
from promotor.errors import PromotorError, RuleError, detail

__all__ = ["convert_errors", "rule_error"]


def _unwrap(tp: Any) -> list[Any]:
    """The concrete alternatives of an annotation (Annotated, unions and Optional removed)."""
    if typing.get_origin(tp) is Annotated:
        return _unwrap(typing.get_args(tp)[0])
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        out: list[Any] = []
        for arg in typing.get_args(tp):
            out.extend(_unwrap(arg))
        return out
    if tp is type(None):
        return []
    # Wrapper types (such as ``promotor.expr.Expr``) name the model they validate as.
    substitute = getattr(tp, "__promotor_model__", None)
    if substitute is not None:
        return _unwrap(substitute)
    return [tp]


def _field_names(model: type[BaseModel]) -> list[str]:
    names: list[str] = []
    for name, info in model.model_fields.items():
        names.append(info.alias or name)
    return names


def _walk(root: Any, loc: tuple[Any, ...]) -> tuple[list[type[BaseModel]], tuple[Any, ...]]:
    """The models the container at a pydantic error ``loc`` may be, and the loc as the user
    sees it: without the union tags pydantic inserts (``("effect", "percent")``, not
    ``("effect", "percent_off", "percent")``)."""
    current = _unwrap(root)
    clean: list[Any] = []
    for part in loc:
        nxt: list[Any] = []
        as_field = False
        for tp in current:
            if isinstance(tp, type) and issubclass(tp, BaseModel):
                for name, info in tp.model_fields.items():
                    if part in (name, info.alias):
                        nxt.extend(_unwrap(info.annotation))
                        as_field = True
                type_field = tp.model_fields.get("type")
                if type_field is not None and type_field.default == part:
                    nxt.append(tp)
            elif isinstance(part, int) and typing.get_origin(tp) in (tuple, list):
                as_field = True
                for arg in typing.get_args(tp):
                    if arg is not Ellipsis:
                        nxt.extend(_unwrap(arg))
        if as_field or not nxt:
            clean.append(part)
        current = nxt or current
    models = [tp for tp in current if isinstance(tp, type) and issubclass(tp, BaseModel)]
    return models, tuple(clean)


_FRIENDLY = {
    "string_type": "a str",
    "int_type": "an integer",
    "int_parsing": "an integer",
    "bool_type": "a bool",
    "bool_parsing": "a bool",
    "float_type": "a number",
    "decimal_type": "a number",
    "dict_type": "an object",
    "model_type": "an object",
    "model_attributes_type": "an object",
    "tuple_type": "a list",
    "list_type": "a list",
    "datetime_type": "a datetime",
    "datetime_parsing": "a datetime",
    "datetime_from_date_parsing": "a datetime",
    "is_instance_of": "an instance of the expected class",
}


def _choices(text: str) -> list[str]:
    return re.findall(r"'([^']*)'", text)


def _kind(error: Any, models: list[type[BaseModel]], loc: tuple[Any, ...]) -> dict[str, Any]:
    """A pydantic error as a promotor problem: the kind of the core's error types it is (so
    it reads as the core would word it), with extra location steps."""
    kind = error["type"]
    ctx = error.get("ctx") or {}
    given = error.get("input")
    if kind == "missing":
        return detail("required")
    if kind == "extra_forbidden":
        names: list[str] = []
        for model in models:
            names.extend(_field_names(model))
        name = str(loc[-1]) if loc else ""
        return detail("unknown_field", name=name, suggestion=suggest(name, names))
    if kind in ("literal_error", "enum"):
        choices = _choices(str(ctx.get("expected", "")))
        got = str(given)
        return detail(
            "unknown_choice",
            got=got,
            expected=", ".join(f"'{c}'" for c in choices),
            suggestion=suggest(got, choices),
        )
    if kind == "union_tag_invalid":
        choices = _choices(str(ctx.get("expected_tags", "")))
        got = str(ctx.get("tag", ""))
        if got in _EXPR_TAGS and "items" in choices:
            return detail("not_a_target", got="an expression")
        found = detail(
            "unknown_choice",
            got=got,
            expected=", ".join(f"'{c}'" for c in choices),
            suggestion=suggest(got, choices),
        )
        found["loc"] = ("type",)
        return found
    if kind == "union_tag_not_found":
        expr_cls = getattr(given, "__promotor_model__", None)
        if expr_cls is not None or (isinstance(given, dict) and given.get("type") in _EXPR_TAGS):
            return detail("not_a_target", got="a condition")
        found = detail("required")
        found["loc"] = ("type",)
        return found
    if kind in ("less_than_equal", "less_than"):
        return detail("too_large", max=ctx.get("le", ctx.get("lt")))
    if kind in ("greater_than_equal", "greater_than"):
        return detail("too_small", min=ctx.get("ge", ctx.get("gt")))
    if kind in ("string_too_short", "too_short"):
        return detail("empty")
    if kind == "int_from_float":
        return detail("not_integer")
    if kind == "string_pattern_mismatch":
        return detail("invalid", message=f"invalid number {json.dumps(given)}")
    if kind == "timezone_aware":
        return detail("naive_datetime")
    if kind == "recursion_loop":
        return detail("too_deep", max=_native.MAX_DEPTH)
    if kind in _FRIENDLY:
        return detail("type_mismatch", expected=_FRIENDLY[kind], got=type(given).__name__)
    message = str(error["msg"])
    if message.startswith("Value error, "):
        message = message[len("Value error, ") :]
    return detail("invalid", message=message)


_EXPR_TAGS = ("null", "bool", "num", "str", "list", "field", "unary", "binary", "cond", "call",
              "macro")  # fmt: skip


def convert_errors(
    exc: ValidationError, root: Any, prefix: tuple[Any, ...] = ()
) -> list[dict[str, Any]]:
    """pydantic's errors as promotor's: ``{"type", "loc", "msg", "ctx"}``, each problem of a
    kind the core knows and worded as the core words it (one wording for every check)."""
    out: list[dict[str, Any]] = []
    for error in exc.errors(include_url=False):
        ctx = error.get("ctx") or {}
        cause = ctx.get("error")
        if isinstance(cause, PromotorError):
            # Raised by a model's own check: the location is the model's (union tags dropped).
            _, where = _walk(root, tuple(error["loc"]))
            for inner in cause.errors():
                out.append({**inner, "loc": prefix + where + tuple(inner["loc"])})
            continue
        models, loc = _walk(root, tuple(error["loc"])[:-1])
        loc = (*loc, *tuple(error["loc"])[-1:])
        if error["type"] in _OWN:
            # Raised by promotor's own validators: already a core kind, worded by the core.
            own_ctx = {k: v for k, v in ctx.items() if k not in ("line", "column")}
            own = {"type": error["type"], "msg": str(error["msg"]), "ctx": own_ctx}
            for key in ("line", "column"):
                if key in ctx:
                    own[key] = ctx[key]
            out.append({**own, "loc": prefix + loc})
            continue
        found = _kind(error, models, loc)
        found["loc"] = prefix + loc + tuple(found.get("loc", ()))
        out.append(found)
    return out


#: The error types promotor's own validators raise through pydantic (PydanticCustomError).
_OWN = frozenset(
    {
        "syntax_error",
        "type_mismatch",
        "too_deep",
        "naive_datetime",
        "unsupported_version",
        "not_a_target",
    }
)


def rule_error(exc: ValidationError, root: Any, prefix: tuple[Any, ...] = ()) -> RuleError:
    """A :class:`RuleError` carrying every problem of a pydantic ``ValidationError``."""
    return RuleError(convert_errors(exc, root, prefix))
