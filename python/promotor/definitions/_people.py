"""The people form of a definition file, read into engine arguments and written from the IR.

Nothing here knows an effect, a target or a campaign field by name. What a file may say is read
from the signatures of the builders and the annotations of the models:

- a mapping with ``type: NAME`` is a call of the builder ``promotor.NAME`` (a lower-case
  function exported by ``promotor`` whose return annotation is an IR model), its other keys
  that function's keyword arguments;
- where a parameter or field accepts what a builder returns, a mapping without ``type`` whose
  one key names such a builder is the short form ``{items: "<pred>", cheapest: 1}`` (the key's
  value is the builder's first argument), and a bare name (``order``, ``shipping``, ``items``)
  is the constant ``promotor.NAME.upper()`` or the builder called without arguments;
- where an ``Expr`` is accepted, text is rule text (a decimal literal stays a number where
  numbers are accepted too);
- a mapping where a pydantic model is expected is that model's fields, each read by its own
  annotation; ``dict`` annotations (metadata) take the value as plain JSON.

So a new effect, target, campaign field or engine parameter needs no change here.
"""

from __future__ import annotations

import collections.abc
import contextlib
import functools
import inspect
import re
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel

from promotor import ir
from promotor._text import did_you_mean
from promotor.errors import RuleError

__all__ = ["Builder", "builders", "read_engine", "register_builder", "write_engine"]

Loc = tuple[str | int, ...]

#: Tags of rule-expression IR nodes, which pass through as they are.
EXPR_TAGS = frozenset(
    ("null", "bool", "num", "str", "list", "field", "unary", "binary", "cond", "call", "macro")
)
_DECIMAL = re.compile(r"^[-+]?[0-9]+(\.[0-9]+)?$")


@dataclass(frozen=True)
class Builder:
    """A function that a file calls as ``{type: name, ...}``."""

    name: str
    fn: Callable[..., Any]
    params: dict[str, inspect.Parameter]
    hints: dict[str, Any]
    returns: tuple[type[BaseModel], ...]

    @property
    def first(self) -> str | None:
        return next(iter(self.params), None)


_EXTRA: dict[str, Callable[..., Any]] = {}


def register_builder(name: str, fn: Callable[..., Any]) -> None:
    """Make ``{type: name, ...}`` in definition files call ``fn`` (for builders that are not
    lower-case functions exported by ``promotor``, such as classes)."""
    _EXTRA[name] = fn
    builders.cache_clear()


def alternatives(tp: Any) -> list[Any]:
    """The alternatives of an annotation, with ``Annotated``, unions and ``None`` removed."""
    if typing.get_origin(tp) is Annotated:
        return alternatives(typing.get_args(tp)[0])
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        out: list[Any] = []
        for arg in typing.get_args(tp):
            out.extend(alternatives(arg))
        return out
    if tp is type(None) or tp is None:
        return []
    return [tp]


def _models(tp: Any) -> list[type[BaseModel]]:
    return [t for t in alternatives(tp) if isinstance(t, type) and issubclass(t, BaseModel)]


@functools.cache
def builders() -> dict[str, Builder]:
    """Every builder a definition file may name, by name."""
    import promotor

    found: dict[str, Callable[..., Any]] = {}
    for name in promotor.__all__:
        fn = getattr(promotor, name, None)
        if name.islower() and inspect.isfunction(fn):
            found[name] = fn
    # Programmes and their parts are classes: named by their IR ``type`` (or snake_case).
    found.update(
        loyalty=promotor.Loyalty,
        referral=promotor.Referral,
        loyalty_tier=promotor.LoyaltyTier,
        reward=promotor.Reward,
    )
    found.update(_EXTRA)
    out: dict[str, Builder] = {}
    for name, fn in found.items():
        try:
            hints = typing.get_type_hints(fn.__init__ if inspect.isclass(fn) else fn)
            if inspect.isclass(fn) and issubclass(fn, BaseModel):
                # A model's keyword arguments are its fields: convert each by its annotation.
                hints = {**typing.get_type_hints(fn), **hints}
        except Exception:  # pragma: no cover - an unresolvable annotation: not a builder
            continue
        returns = tuple(_models(fn if inspect.isclass(fn) else hints.get("return")))
        if not returns or not all(issubclass(r, ir.IRModel) for r in returns):
            continue
        params = {
            p.name: p
            for p in inspect.signature(fn).parameters.values()
            if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD) and p.name != "self"
        }
        out[name] = Builder(name, fn, params, hints, returns)
    return out


def _builders_for(tp: Any) -> dict[str, Builder]:
    """The builders whose result a value of annotation ``tp`` accepts."""
    wanted = tuple(_models(tp))
    if not wanted:
        return {}
    return {n: b for n, b in builders().items() if any(issubclass(r, wanted) for r in b.returns)}


def _accepts(tp: Any, kind: type) -> bool:
    return any(t is kind for t in alternatives(tp))


def _element(tp: Any) -> Any | None:
    """The element annotation of a list-like annotation, else None."""
    for t in alternatives(tp):
        origin = typing.get_origin(t)
        if origin in (
            tuple,
            list,
            collections.abc.Sequence,
            collections.abc.Iterable,
        ):
            args = [a for a in typing.get_args(t) if a is not Ellipsis]
            return args[0] if args else Any
    return None


def _is_plain_mapping(tp: Any) -> bool:
    return any(
        typing.get_origin(t) in (dict, collections.abc.Mapping) or t is dict
        for t in alternatives(tp)
    )


def plain_json(value: Any) -> Any:
    """Data as pydantic's ``JsonValue`` takes it: exact decimals become floats."""
    if isinstance(value, Decimal):
        return (
            int(value)
            if value == value.to_integral_value() and "." not in str(value)
            else float(value)
        )
    if isinstance(value, Mapping):
        return {k: plain_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain_json(v) for v in value]
    return value


class _Failed(Exception):
    """Conversion of one value failed; its errors are already recorded."""


class Reader:
    """Reads the people form into :class:`~promotor.Engine` arguments, collecting every
    problem (each with its ``loc`` in the file) before raising one :class:`RuleError`."""

    def __init__(self) -> None:
        self.errors: list[dict[str, Any]] = []

    def fail(self, loc: Loc, msg: str, kind: str, **extra: Any) -> _Failed:
        self.errors.append({"type": kind, "loc": loc, "msg": msg, **extra})
        return _Failed()

    def relocated(self, err: RuleError, loc: Loc) -> _Failed:
        for e in err.errors():
            self.errors.append({**e, "loc": (*loc, *e["loc"])})
        return _Failed()

    # -- values by annotation -------------------------------------------------------------

    def value(self, value: Any, tp: Any, loc: Loc) -> Any:
        models = _models(tp)
        plain = _is_plain_mapping(tp)
        if isinstance(value, Mapping) and "type" in value and (models or not plain):
            return self.call(value, tp, loc)
        targets = _builders_for(tp)
        if targets and isinstance(value, str) and " " not in value.strip():
            found = self.named(value, tp, targets)
            if found is not None:
                return found
            if value in targets:
                needs = [n for n, p in targets[value].params.items() if p.default is p.empty]
                raise self.fail(
                    loc,
                    f"{value} needs {', '.join(repr(n) for n in needs)}: "
                    f"write {{type: {value}, {needs[0]}: ...}}",
                    "missing_field",
                )
            if not _accepts_expr(tp):
                raise self.fail(
                    loc,
                    f"unknown {value!r}; expected one of: "
                    + ", ".join(sorted(_names(tp, targets))),
                    "unknown_type",
                )
        if targets and isinstance(value, Mapping):
            short = [k for k in value if k in targets and targets[k].first == "pred"]
            if len(short) == 1:
                return self.short(value, short[0], targets[short[0]], loc)
            if len(models) == 1 and not short:
                # A part with one model (an earning rule, a reward tier): its fields, no type.
                return self.model(value, models[0], loc)
            raise self.fail(
                loc,
                "expected one of: " + ", ".join(sorted(_names(tp, targets))),
                "unknown_type",
            )
        if isinstance(value, str) and _accepts_expr(tp):
            if _accepts(tp, Decimal) and _DECIMAL.match(value.strip()):
                return Decimal(value.strip())
            return self.rule(value, loc)
        if isinstance(value, Mapping) and len(models) == 1:
            return self.model(value, models[0], loc)
        if plain:
            return plain_json(value)
        element = _element(tp)
        if element is not None and isinstance(value, list):
            return self.each(value, element, loc)
        return value

    def each(self, values: list[Any], tp: Any, loc: Loc) -> list[Any]:
        out, failed = [], False
        for i, v in enumerate(values):
            try:
                out.append(self.value(v, tp, (*loc, i)))
            except _Failed:
                failed = True
        if failed:
            raise _Failed()
        return out

    def rule(self, text: str, loc: Loc) -> Any:
        from promotor.expr import parse

        try:
            return parse(text)
        except RuleError as err:
            raise self.relocated(err, loc) from None

    def named(self, name: str, tp: Any, targets: dict[str, Builder]) -> Any:
        import promotor

        constant = getattr(promotor, name.upper(), None)
        if isinstance(constant, tuple(_models(tp))) and name.islower():
            return constant
        builder = targets.get(name)
        if builder is not None and all(p.default is not p.empty for p in builder.params.values()):
            return builder.fn()
        return None

    def call(self, value: Mapping[str, Any], tp: Any, loc: Loc) -> Any:
        name = value["type"]
        if isinstance(name, str) and name in EXPR_TAGS:
            return value
        candidates = _builders_for(tp) or builders()
        builder = candidates.get(name) if isinstance(name, str) else None
        if builder is None and isinstance(name, str) and len(value) == 1:
            constant = self.named(name, tp, {})
            if constant is not None:
                return constant
        if builder is None:
            raise self.fail(
                (*loc, "type"),
                f"unknown type {name!r}" + did_you_mean(str(name), list(candidates)),
                "unknown_type",
            )
        return self.invoke(builder, {k: v for k, v in value.items() if k != "type"}, loc)

    def short(self, value: Mapping[str, Any], key: str, builder: Builder, loc: Loc) -> Any:
        args = {k: v for k, v in value.items() if k != key}
        first = builder.first
        if first is None or first in args:
            raise self.fail((*loc, key), f"{key} takes no value here", "invalid_value")
        if value[key] is not None:
            args[first] = value[key]
            return self.invoke(builder, args, loc, {first: key})
        return self.invoke(builder, args, loc)

    def invoke(
        self,
        builder: Builder,
        args: Mapping[str, Any],
        loc: Loc,
        renamed: Mapping[str, str] | None = None,
    ) -> Any:
        renamed = renamed or {}
        kwargs: dict[str, Any] = {}
        failed = False
        for key, raw in args.items():
            where = (*loc, renamed.get(key, key))
            if key not in builder.params:
                self.fail(
                    where,
                    f"unknown field {key!r} of {builder.name}"
                    + did_you_mean(key, list(builder.params)),
                    "unknown_field",
                )
                failed = True
                continue
            try:
                kwargs[key] = self.value(raw, builder.hints.get(key, Any), where)
            except _Failed:
                failed = True
        for name, param in builder.params.items():
            if param.default is param.empty and name not in args:
                if _accepts_none(builder.hints.get(name)):
                    kwargs[name] = None  # written as absent, like the IR's null
                    continue
                self.fail((*loc, name), f"{builder.name} needs {name!r}", "missing_field")
                failed = True
        if failed:
            raise _Failed()
        try:
            return builder.fn(**kwargs)
        except RuleError as err:
            relocated = [
                {**e, "loc": (renamed.get(str(e["loc"][0]), e["loc"][0]), *e["loc"][1:])}
                if e["loc"]
                else e
                for e in err.errors()
            ]
            raise self.relocated(RuleError(relocated), loc) from None
        except (TypeError, ValueError) as err:
            raise self.fail(loc, str(err), "invalid_value") from None

    def model(self, value: Mapping[str, Any], model: type[BaseModel], loc: Loc) -> Any:
        fields = {info.alias or name: info for name, info in model.model_fields.items()}
        fields.update(model.model_fields)
        data: dict[str, Any] = {}
        failed = False
        for key, raw in value.items():
            info = fields.get(key)
            if info is None:
                self.fail(
                    (*loc, key),
                    f"unknown field {key!r}" + did_you_mean(key, list(model.model_fields)),
                    "unknown_field",
                )
                failed = True
                continue
            try:
                data[key] = self.value(raw, info.annotation, (*loc, key))
            except _Failed:
                failed = True
        if failed:
            raise _Failed()
        try:
            return model.model_validate(data)
        except RuleError as err:
            raise self.relocated(err, loc) from None

    def engine(self, data: Any) -> dict[str, Any]:
        """Keyword arguments of :class:`~promotor.Engine` from the file's top level."""

        if not isinstance(data, Mapping):
            raise RuleError(
                [{"type": "invalid_value", "loc": (), "msg": "expected a mapping at the top"}]
            )
        hints, signature = engine_parameters()
        params = list(signature)
        kwargs: dict[str, Any] = {}
        for key, raw in data.items():
            if key not in params:
                self.fail(
                    (key,), f"unknown field {key!r}" + did_you_mean(key, params), "unknown_field"
                )
                continue
            with contextlib.suppress(_Failed):
                kwargs[key] = self.value(raw, hints.get(key, Any), (key,))
        if "campaigns" not in data:
            self.fail(("campaigns",), "a definition needs 'campaigns'", "missing_field")
        if self.errors:
            raise RuleError(self.errors)
        return kwargs


def engine_parameters() -> tuple[dict[str, Any], dict[str, inspect.Parameter]]:
    """The type hints and parameters of :class:`~promotor.Engine` that a file may set.

    A store is where an engine keeps its state, not part of what it defines: deployment
    configuration stays out of definition files.
    """
    from promotor.engine import Engine
    from promotor.stores.base import Store

    hints = typing.get_type_hints(Engine.__init__, localns={"Store": Store})
    params = {
        name: p
        for name, p in inspect.signature(Engine.__init__).parameters.items()
        if name not in ("self", "store")
    }
    return hints, params


def _accepts_none(tp: Any) -> bool:
    if typing.get_origin(tp) is Annotated:
        return _accepts_none(typing.get_args(tp)[0])
    return tp is None or type(None) in typing.get_args(tp)


def _accepts_expr(tp: Any) -> bool:
    from promotor.expr import Expr

    return any(t is Expr for t in alternatives(tp))


def _names(tp: Any, targets: dict[str, Builder]) -> list[str]:
    import promotor

    names = list(targets)
    for t in _models(tp):
        for name in dir(promotor):
            if name.isupper() and isinstance(getattr(promotor, name), t):
                names.append(name.lower())
    return names


def read_engine(data: Any) -> Any:
    """An :class:`~promotor.Engine` from the people form (errors: one :class:`RuleError`
    whose entries have their ``loc`` in the file)."""
    from promotor.engine import Engine

    kwargs = Reader().engine(data)
    return Engine(**kwargs)


# -- writing ------------------------------------------------------------------------------------


def _native_print(node: Mapping[str, Any]) -> str:
    from promotor.expr import Expr

    return str(Expr.from_ir(dict(node)))


def _model_for(tag: str) -> type[BaseModel] | None:
    for builder in builders().values():
        for model in builder.returns:
            field = model.model_fields.get("type")
            if field is not None and field.default == tag:
                return model
    return None


def _default_dump(info: Any) -> Any:
    if info.is_required():
        return _MISSING
    default = info.get_default(call_default_factory=True)
    if isinstance(default, BaseModel):
        return ir.dump(default)
    return default


_MISSING = object()


def _write(value: Any, key: str | None = None) -> Any:
    if key == "metadata":
        return value
    if isinstance(value, Mapping) and "type" in value:
        tag = value["type"]
        if tag in EXPR_TAGS:
            if tag == "num":
                return Decimal(value["value"])
            return _native_print(value)
        return _write_call(value)
    if isinstance(value, Mapping):
        return {k: _write(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_write(v, key) for v in value]
    return value


def _constant(value: Mapping[str, Any]) -> str | None:
    """The name of the ``promotor`` constant (``ORDER``, ``SHIPPING``) whose IR ``value`` is."""
    import promotor

    for name in dir(promotor):
        obj = getattr(promotor, name)
        if name.isupper() and isinstance(obj, ir.IRModel) and ir.dump(obj) == value:
            return name.lower()
    return None


def _write_call(value: Mapping[str, Any]) -> Any:
    import promotor

    tag = value["type"]
    constant_name = _constant(value)
    if constant_name is not None:
        return constant_name
    model = _model_for(tag)
    if model is None:
        return dict(value)
    fields = {}
    for k, v in value.items():
        info = model.model_fields.get(k)
        if k == "type" or (info is not None and _same(_default_dump(info), v)):
            continue
        fields[k] = _write(v, k)
    # The IR holds the implied 100 percent beside a buy-x-get-y amount or fixed price; the
    # builder refuses a percent given with them, so the people form leaves it out.
    implied = value.get("percent") == {"type": "num", "value": "100"}
    if tag == "buy_x_get_y" and implied and ("amount" in fields or "fixed_price" in fields):
        fields.pop("percent", None)
    constant = getattr(promotor, str(tag).upper(), None)
    if not fields and isinstance(constant, model):
        return tag
    builder = builders().get(tag)
    if builder is not None and builder.first == "pred":
        return {tag: fields.pop("pred", None), **fields}
    return {"type": tag, **fields}


def write_engine(engine_ir: Mapping[str, Any]) -> dict[str, Any]:
    """The people form of an engine's IR: defaults left out, rules as text, numbers plain."""
    out: dict[str, Any] = {}
    for key, value in engine_ir.items():
        if key == "version":
            continue
        if key == "campaigns":
            out[key] = [_write_campaign(c) for c in value]
            continue
        if key == "programs":
            out[key] = [_write_program(p) for p in value or ()]
            continue
        info = ir.EngineDef.model_fields.get(key)
        if key != "currency" and info is not None and _default_dump(info) == value:
            continue
        models = _models(info.annotation) if info is not None else []
        written = _write_fields(value, models[0] if models else None)
        if written != {}:
            out[key] = written
    return out


def _write_fields(value: Any, model: type[BaseModel] | None) -> Any:
    if not isinstance(value, Mapping) or model is None:
        return _write(value)
    out = {}
    for k, v in value.items():
        info = model.model_fields.get(k)
        if info is not None and _default_dump(info) == v:
            continue
        out[k] = _write(v, k)
    return out


def _write_program(program: Mapping[str, Any]) -> dict[str, Any]:
    """A loyalty or referral programme: its ``type``, then its fields with defaults left
    out, numbers plain, its parts (earning rules, tiers, rewards) field by field."""
    model = ir.Referral if program.get("type") == "referral" else ir.Loyalty
    return {"type": program.get("type", "loyalty"), **_write_model(program, model)}


def _decimal_text(info: Any) -> bool:
    """Whether a field holds a decimal as text (``ir.DecimalStr``): written as a number."""
    metadata = list(info.metadata)
    for t in typing.get_args(info.annotation):
        if typing.get_origin(t) is Annotated:
            metadata.extend(typing.get_args(t)[1:])
    return any(getattr(m, "func", None) is ir._decimal_text for m in metadata)


def _write_model(value: Mapping[str, Any], model: type[BaseModel]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in value.items():
        info = model.model_fields.get(k)
        if k == "type" or (info is not None and _same(_default_dump(info), v)):
            continue
        if info is None:
            out[k] = _write(v, k)
            continue
        element = _element(info.annotation)
        parts = _models(element) if element is not None else []
        whole = _models(info.annotation)
        if isinstance(v, list) and len(parts) == 1 and "type" not in parts[0].model_fields:
            out[k] = [_write_model(x, parts[0]) for x in v]
        elif isinstance(v, Mapping) and len(whole) == 1 and "type" not in whole[0].model_fields:
            out[k] = _write_model(v, whole[0])
        elif isinstance(v, str) and _decimal_text(info) and _DECIMAL.match(v):
            out[k] = Decimal(v)
        else:
            out[k] = _write(v, k)
    return out


def _same(default: Any, value: Any) -> bool:
    """A dumped default equals a value read from IR JSON (where tuples are lists)."""
    if isinstance(default, tuple):
        default = list(default)
    return bool(default == value)


def _write_campaign(campaign: Mapping[str, Any]) -> dict[str, Any]:
    out = _write_fields(campaign, ir.CampaignDef)
    assert isinstance(out, dict)
    return out
