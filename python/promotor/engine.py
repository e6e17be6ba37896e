"""The engine: campaigns compiled once into a native program, evaluated many times."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, Literal, TypeVar

from pydantic import ValidationError

from . import _native, ir
from .campaign import Campaign, RuleBounds, Stacking
from .describe import describe_effect, describe_rule
from .errors import RuleError, detail
from .expr import Expr
from .inputs import canonical_input
from .qualify import Qualifications, qualifications
from .result import CampaignInfo, Result

__all__ = ["Engine", "json_schema"]

Rounding = Literal["half_even", "half_up", "down"]


class Engine:
    """Campaigns compiled into a Rust evaluator.

    Compile once (at start-up, or when the campaigns change), then call :meth:`evaluate` on
    every cart change. An engine is immutable and thread-safe, and it pickles (by its IR), so it
    travels to worker processes.

    >>> import promotor as pm
    >>> engine = pm.Engine([pm.Campaign(id="ten", rules="cart.subtotal >= 50",
    ...                                 effect=pm.percent_off(10))])
    >>> result = engine.evaluate({"items": [{"sku": "A", "price": "30.00", "quantity": 2}]})
    >>> result.discount, result.total
    (Decimal('6.00'), Decimal('54.00'))
    """

    __slots__ = (
        "_bounds",
        "_campaigns",
        "_currency",
        "_info",
        "_ir",
        "_program",
        "_rounding",
        "_stacking",
    )

    def __init__(
        self,
        campaigns: Iterable[Campaign | Mapping[str, Any]],
        currency: str = "USD",
        rounding: Rounding = "half_even",
        stacking: Stacking | Mapping[str, Any] | None = None,
        bounds: RuleBounds | Mapping[str, Any] | None = None,
    ) -> None:
        if isinstance(campaigns, str | bytes | Mapping) or not isinstance(campaigns, Iterable):
            raise RuleError(
                [
                    detail(
                        "type_mismatch",
                        ("campaigns",),
                        expected="a list of campaigns",
                        got=type(campaigns).__name__,
                    )
                ]
            )
        self._campaigns = tuple(_campaign(c, i) for i, c in enumerate(campaigns))
        if not isinstance(currency, str):
            raise RuleError(
                [
                    detail(
                        "type_mismatch",
                        ("currency",),
                        expected="a currency code",
                        got=type(currency).__name__,
                    )
                ]
            )
        self._currency = currency.strip().upper()
        if rounding not in ("half_even", "half_up", "down"):
            choices = ["half_even", "half_up", "down"]
            raise RuleError(
                [
                    detail(
                        "unknown_choice",
                        ("rounding",),
                        got=str(rounding),
                        expected=", ".join(f"'{c}'" for c in choices),
                        suggestion=_native.did_you_mean(str(rounding), choices),
                    )
                ]
            )
        self._rounding: Rounding = rounding
        self._stacking = _setting(Stacking, stacking, "stacking")
        self._bounds = _setting(RuleBounds, bounds, "bounds")
        self._ir: dict[str, Any] = {
            "version": ir.IR_VERSION,
            "currency": self._currency,
            "rounding": self._rounding,
            "stacking": self._stacking.model_dump(mode="json"),
            "bounds": self._bounds.model_dump(mode="json"),
            "campaigns": [c.to_ir() for c in self._campaigns],
        }
        text = json.dumps(self._ir)
        try:
            self._program = _native.Program(text)
        except RuleError:
            # Compile again with the rule texts, so errors inside them get a line and column.
            self._program = _native.Program(text, self._sources())
        self._info: dict[str, CampaignInfo] | None = None

    def _sources(self) -> list[tuple[tuple[Any, ...], str]]:
        """Where the campaigns' expressions written as rule text are, with their text."""
        found: list[tuple[tuple[Any, ...], str]] = []

        def walk(value: Any, loc: tuple[Any, ...]) -> None:
            if isinstance(value, Expr):
                if value._text is not None:
                    found.append((loc, value._text))
            elif isinstance(value, ir.IRModel):
                for name, info in type(value).model_fields.items():
                    walk(getattr(value, name), (*loc, info.alias or name))
            elif isinstance(value, tuple):
                for i, v in enumerate(value):
                    walk(v, (*loc, i))

        for i, c in enumerate(self._campaigns):
            walk(c, ("campaigns", i))
        return found

    @property
    def campaigns(self) -> tuple[Campaign, ...]:
        return self._campaigns

    @property
    def currency(self) -> str:
        return self._currency

    @property
    def rounding(self) -> Rounding:
        return self._rounding

    @property
    def stacking(self) -> Stacking:
        return self._stacking

    @property
    def bounds(self) -> RuleBounds:
        return self._bounds

    def evaluate(
        self,
        cart: Any,
        customer: Any = None,
        codes: Sequence[str] = (),
        now: datetime | None = None,
        context: Any = None,
    ) -> Result:
        """Price a cart: apply the campaigns that qualify and explain the others.

        ``cart``, ``customer`` and ``context`` may be models or plain dicts; ``now`` must be
        timezone-aware (default: the current time in UTC). Raises :class:`InputError` naming
        the offending field for bad input; nothing is applied then.

        Plain dicts (prices as ``str``, ``int``, ``float`` or ``Decimal``) are read in Rust;
        the :class:`Result` converts its parts to Python objects when they are first read, and
        works out the explanations in ``rejected`` only if they are read, so reading
        ``result.total`` costs no more than it needs to.
        """
        program = self._program
        # Plain dicts in the usual shapes are read in Rust; anything else (models, unusual
        # values, mistakes) goes through canonical_input, which also names what is wrong.
        priced = program.price_fast(cart, customer, codes, now, context)
        if priced is None:
            canonical = canonical_input(
                cart,
                customer=customer,
                codes=codes,
                now=now,
                context=context,
                currency=self._currency,
            )
            priced = program.price(canonical)
        return Result._from_native(priced, self._describe())

    def evaluate_batch(
        self,
        orders: Any,
        lines: Any = None,
        detail: bool = False,
        threads: int | None = None,
        money: Literal["decimal", "minor", "float"] = "decimal",
    ) -> Any:
        """Price a whole table of orders in Rust, on all cores, with the GIL released.

        ``orders`` (and ``lines``) may be a pyarrow Table or RecordBatch, a polars or pandas
        DataFrame, or any object with ``__arrow_c_stream__`` / ``__arrow_c_array__``; the
        result has the caller's type (pyarrow for anything else). Columns: ``order_id``,
        optional ``customer_id``, ``segments``, ``orders_count``, ``codes``, ``created_at``
        (``now`` of that order; naive means UTC), ``shipping`` (or ``shipping_minor``),
        ``currency``, ``channel``, ``country``, and either ``items`` (list of structs with
        ``sku, price, quantity, category, product, tags``) or a ``lines`` table keyed by
        ``order_id``. Money may be decimal128, float64 (read like a Python float) or integer
        minor units of the engine's currency in ``*_minor`` columns.

        Returns ``order_id, subtotal, discount, shipping_discount, total, applied`` (money as
        ``decimal128(18, exponent)``, ``int64`` ``*_minor`` columns, or ``float64``, by
        ``money``); with ``detail=True`` a tuple ``(summary, detail)`` where detail has one row
        per applied campaign: ``order_id, campaign_id, amount``. Bad input raises
        :class:`InputError` with a ``loc`` such as ``("orders", 3, "items", 1, "price")``.
        """
        from ._batch import evaluate_batch

        return evaluate_batch(
            self._program, orders, lines, detail=detail, threads=threads, money=money
        )

    def _describe(self) -> dict[str, CampaignInfo]:
        """What explanations say about each campaign, printed once, on first use."""
        if self._info is None:
            info = {}
            for c in self._ir["campaigns"]:
                tiers = c.get("tiers") or []
                effects = [describe_effect(t["effect"]) for t in tiers] or [
                    describe_effect(c["effect"])
                ]
                info[c["id"]] = CampaignInfo(
                    name=c.get("name", ""),
                    rules=describe_rule(c.get("rules")),
                    effects=effects,
                    tier_rules=[describe_rule(t.get("rules")) for t in tiers],
                )
            self._info = info
        return self._info

    def qualifications(
        self,
        cart: Any,
        customer: Any = None,
        now: datetime | None = None,
        context: Any = None,
        codes: Sequence[str] = (),
    ) -> Qualifications:
        """What applies to the cart now (best first), and the campaigns it is close to, with
        hints such as ``Hint("cart.subtotal", Decimal("12.40"), "add 12.40 to the cart")``.

        >>> import promotor as pm
        >>> from promotor import cart
        >>> engine = pm.Engine([pm.Campaign(id="ship", rules=cart.subtotal >= 60,
        ...                                 effect=pm.free_shipping())])
        >>> q = engine.qualifications({"items": [{"sku": "A", "price": "47.60", "quantity": 1}],
        ...                            "shipping": "4.99"})
        >>> q.near[0].hints[0].message
        'add 12.40 to the cart'
        """
        return qualifications(
            self, cart=cart, customer=customer, now=now, context=context, codes=codes
        )

    def to_ir(self) -> dict[str, Any]:
        """The engine's IR as plain data (a deep copy)."""
        return json.loads(json.dumps(self._ir))  # type: ignore[no-any-return]

    def to_json(self, *, indent: int | None = None) -> str:
        """The engine's IR as JSON: the storable, versioned form. See :meth:`from_json`."""
        return json.dumps(self._ir, indent=indent)

    @classmethod
    def from_json(cls, text: str | bytes) -> Engine:
        """Rebuild an engine from :meth:`to_json` output (of this version or an older one,
        such as IR version 1). The core reads it first, so any mistake, however deep, is a
        located :class:`RuleError`."""
        return cls._from_current(ir.read_engine(text))

    @classmethod
    def from_ir(cls, data: Mapping[str, Any]) -> Engine:
        """Rebuild an engine from :meth:`to_ir` data (of this version or an older one)."""
        if not isinstance(data, Mapping):
            raise RuleError(
                [
                    detail(
                        "type_mismatch",
                        expected="an engine definition (an object)",
                        got=type(data).__name__,
                    )
                ]
            )
        deep = ir.too_deep(data)
        if deep is not None:
            raise RuleError([detail("too_deep", deep, max=_native.MAX_JSON_DEPTH)])
        return cls._from_current(ir.read_engine(json.dumps(data)))

    @classmethod
    def _from_current(cls, data: dict[str, Any]) -> Engine:
        try:
            definition = ir.EngineDef.model_validate(data)
        except ValidationError as err:
            raise ir.rule_error(err, data) from None
        return cls(
            data["campaigns"],
            currency=definition.currency,
            rounding=definition.rounding,
            stacking=definition.stacking,
            bounds=definition.bounds,
        )

    def __reduce__(self) -> tuple[Any, ...]:
        return (Engine.from_json, (self.to_json(),))

    def __repr__(self) -> str:
        return f"<Engine {len(self._campaigns)} campaigns, {self._currency}>"


def json_schema() -> dict[str, Any]:
    """The JSON Schema of an engine definition (what :meth:`Engine.to_json` writes), for
    editors, validators and code generators.

    >>> import promotor as pm
    >>> pm.json_schema()["title"]
    'EngineDef'
    """
    return ir.EngineDef.model_json_schema(by_alias=True)


_Setting = TypeVar("_Setting", Stacking, RuleBounds)

#: The default settings, made once (they are immutable).
_DEFAULTS: dict[type[Any], Any] = {}


def _under(name: str | int, err: RuleError, *more: str | int) -> RuleError:
    """``err`` with every location under ``(name, *more)``."""
    return RuleError([{**e, "loc": (name, *more, *e["loc"])} for e in err.errors()])


def _setting(
    model: type[_Setting], value: _Setting | Mapping[str, Any] | None, name: str
) -> _Setting:
    """An engine setting given as its model, a dict of its fields, or ``None`` (defaults)."""
    if value is None:
        default = _DEFAULTS.get(model)
        if default is None:
            default = _DEFAULTS[model] = model()
        return default
    if isinstance(value, model):
        return value
    if isinstance(value, Mapping):
        try:
            return model.model_validate(dict(value))
        except RuleError as err:
            raise _under(name, err) from None
    raise RuleError(
        [
            detail(
                "type_mismatch",
                (name,),
                expected=f"pm.{model.__name__}(...) or a dict",
                got=type(value).__name__,
            )
        ]
    )


def _campaign(value: Campaign | Mapping[str, Any], index: int) -> Campaign:
    if isinstance(value, Campaign):
        return value
    if isinstance(value, Mapping):
        try:
            return Campaign.model_validate(value)
        except RuleError as err:
            raise _under("campaigns", err, index) from None
    raise RuleError(
        [
            detail(
                "type_mismatch",
                ("campaigns", index),
                expected="a Campaign or a dict",
                got=type(value).__name__,
            )
        ]
    )
