"""The IR as pydantic models: the exact mirror of ``rust/promotor-core/src/ir.rs``.

Every union is tagged by ``"type"`` with snake_case tags and every model forbids unknown
fields, like serde's ``deny_unknown_fields``. Numbers are decimal strings. Dump with
:func:`dump` (or ``model_dump(mode="json", exclude_none=True)``; aliases such as ``"if"`` and
``"fn"`` are used by default) to get JSON that the Rust side reads.

>>> node = Binary(op="ge", left=Field_(path=("cart", "subtotal")), right=Num(value="100"))
>>> dump(node)["right"]
{'type': 'num', 'value': '100'}
>>> Cond.model_validate({"type": "cond", "if": {"type": "bool", "value": True},
...                      "then": {"type": "null"}, "else": {"type": "null"}}).cond
Bool(type='bool', value=True)
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Annotated, Any, ClassVar, Literal, Self, TypeAlias

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    JsonValue,
    StrictBool,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from promotor import _native
from promotor._text import decimal_text
from promotor.errors import PromotorError, RuleError, detail
from promotor.ir_errors import convert_errors

__all__ = [
    "IR_VERSION",
    "AmountOff",
    "Binary",
    "Bool",
    "Budget",
    "BuyXGetY",
    "Call",
    "CampaignDef",
    "Cond",
    "Effect",
    "EngineDef",
    "ExprNode",
    "Field_",
    "FixedPrice",
    "Gift",
    "IRModel",
    "ItemsTarget",
    "List",
    "Macro",
    "Null",
    "Num",
    "OrderTarget",
    "PercentOff",
    "RuleBounds",
    "Schedule",
    "ShippingOff",
    "ShippingTarget",
    "Stacking",
    "Str",
    "Target",
    "TierDef",
    "Unary",
    "UsageLimit",
    "dump",
]

#: The IR version this build writes (the native module's; it also reads version 1).
IR_VERSION: int = _native.IR_VERSION

NUM_PATTERN = r"^-?[0-9]+(\.[0-9]+)?$"

NumStr = Annotated[str, StringConstraints(pattern=NUM_PATTERN)]
U8 = Annotated[int, Field(ge=0, le=255)]
U32 = Annotated[int, Field(ge=0, le=2**32 - 1)]
U64 = Annotated[int, Field(ge=0, le=2**64 - 1)]
I32 = Annotated[int, Field(ge=-(2**31), le=2**31 - 1)]


def _decimal_text(value: Any) -> Any:
    """Numbers given where the IR wants a decimal string become that string."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float | Decimal):
        return decimal_text(value)
    return value


#: A decimal string that also accepts ``int``, ``Decimal`` and ``float`` on the way in.
DecimalStr = Annotated[NumStr, BeforeValidator(_decimal_text)]


class IRModel(BaseModel):
    """Base of every IR and definition model.

    Frozen, forbids unknown fields, dumps by alias, and raises :class:`RuleError` (with
    did-you-mean hints for misspelt fields) instead of pydantic's ``ValidationError``.
    """

    #: What validation problems are raised as.
    __error_class__: ClassVar[type[PromotorError]] = RuleError

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        serialize_by_alias=True,
        validate_by_name=True,
        validate_by_alias=True,
    )

    def __init__(self, /, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as exc:
            raise type(self).__error_class__(convert_errors(exc, type(self))) from None

    # Validation of nested models must not go through this wrapper: mark it as pydantic's own.
    __init__.__pydantic_base_init__ = True  # type: ignore[attr-defined]

    @classmethod
    def model_validate(cls, *args: Any, **kwargs: Any) -> Self:
        try:
            return super().model_validate(*args, **kwargs)
        except ValidationError as exc:
            raise cls.__error_class__(convert_errors(exc, cls)) from None

    @classmethod
    def model_validate_json(cls, *args: Any, **kwargs: Any) -> Self:
        try:
            return super().model_validate_json(*args, **kwargs)
        except ValidationError as exc:
            raise cls.__error_class__(convert_errors(exc, cls)) from None


class Checked(IRModel):
    """A part of a definition the core checks as it is built (its structure and literal values,
    ``promotor_core::check_part``), so a mistake such as ``percent_off(150)`` is reported at
    once, in the same words the engine's compile uses."""

    #: The part's name for ``_native.check_definition``; empty for parts the core checks only
    #: when an engine compiles them (programmes and their rules).
    __part__: ClassVar[str] = ""

    @model_validator(mode="after")
    def _check_in_core(self) -> Self:
        if type(self).__part__:
            _native.check_definition(type(self).__part__, json.dumps(dump(self)))
        return self


def dump(model: BaseModel) -> dict[str, Any]:
    """The IR dict of a model, as serde in ``ir.rs`` reads it (``None`` fields left out)."""
    return model.model_dump(mode="json", by_alias=True, exclude_none=True)


# ---------------------------------------------------------------------------------------------
# Expressions

UnaryOp = Literal["not", "neg"]
BinaryOp = Literal[
    "and", "or", "eq", "ne", "lt", "le", "gt", "ge", "in", "add", "sub", "mul", "div", "mod"
]
MacroOp = Literal["all", "exists", "exists_one", "filter", "map", "count", "sum", "min", "max"]


class Null(IRModel):
    type: Literal["null"] = "null"


class Bool(IRModel):
    type: Literal["bool"] = "bool"
    value: StrictBool


class Num(IRModel):
    """A decimal literal, ``-?[0-9]+(\\.[0-9]+)?``, scale kept as written."""

    type: Literal["num"] = "num"
    value: NumStr


class Str(IRModel):
    type: Literal["str"] = "str"
    value: str


class List(IRModel):
    type: Literal["list"] = "list"
    items: tuple[ExprNode, ...]


class Field_(IRModel):
    """A field path: a root or bound variable, then field names, then metadata keys."""

    type: Literal["field"] = "field"
    path: tuple[str, ...]


class Unary(IRModel):
    type: Literal["unary"] = "unary"
    op: UnaryOp
    arg: ExprNode


class Binary(IRModel):
    type: Literal["binary"] = "binary"
    op: BinaryOp
    left: ExprNode
    right: ExprNode


class Cond(IRModel):
    """``if ? then : else`` (JSON keys ``"if"``, ``"then"``, ``"else"``)."""

    type: Literal["cond"] = "cond"
    cond: ExprNode = Field(alias="if")
    then: ExprNode
    otherwise: ExprNode = Field(alias="else")


class Call(IRModel):
    """A function call (JSON key ``"fn"``); methods take their receiver as ``args[0]``."""

    type: Literal["call"] = "call"
    func: str = Field(alias="fn")
    args: tuple[ExprNode, ...]


class Macro(IRModel):
    """``list.op(var, body)``; ``count``, ``sum``, ``min``, ``max`` also without var and body."""

    type: Literal["macro"] = "macro"
    op: MacroOp
    list: ExprNode
    var: str | None = None
    body: ExprNode | None = None


ExprNode: TypeAlias = Annotated[
    Null | Bool | Num | Str | List | Field_ | Unary | Binary | Cond | Call | Macro,
    Field(discriminator="type"),
]

# ---------------------------------------------------------------------------------------------
# Effects and targets


class OrderTarget(IRModel):
    type: Literal["order"] = "order"


class ShippingTarget(Checked):
    """Shipping methods: those ``pred`` (about ``method``) selects, all without one; each
    alone (``allocation="each"``) or their sum (``None``: ``"across"``)."""

    __part__ = "target"

    type: Literal["shipping"] = "shipping"
    pred: ExprNode | None = None
    allocation: Literal["across", "each"] | None = None

    @field_validator("allocation")
    @classmethod
    def _default_left_out(cls, value: str | None) -> str | None:
        # "across" is the default: one IR for one meaning, as the core writes it
        return None if value == "across" else value


class ItemsTarget(Checked):
    __part__ = "target"

    type: Literal["items"] = "items"
    pred: ExprNode | None = None
    cheapest: U32 | None = None
    most_expensive: U32 | None = None
    max_quantity: U32 | None = None
    groups_of: U32 | None = None


Target: TypeAlias = Annotated[
    OrderTarget | ShippingTarget | ItemsTarget, Field(discriminator="type")
]


class PercentOff(Checked):
    __part__ = "effect"

    type: Literal["percent_off"] = "percent_off"
    percent: ExprNode
    on: Target = OrderTarget()
    cap: ExprNode | None = None


class AmountOff(Checked):
    __part__ = "effect"

    type: Literal["amount_off"] = "amount_off"
    amount: ExprNode
    on: Target = OrderTarget()
    allocation: Literal["across", "each"] = "across"


class FixedPrice(Checked):
    __part__ = "effect"

    type: Literal["fixed_price"] = "fixed_price"
    price: ExprNode
    on: Target = OrderTarget()


class ShippingOff(Checked):
    __part__ = "effect"

    type: Literal["shipping_off"] = "shipping_off"
    amount: ExprNode
    percent: StrictBool = False
    on: Target | None = None

    @field_validator("on")
    @classmethod
    def _all_methods_left_out(cls, value: Any) -> Any:
        # every method, across, is the default (`None`): one IR for one meaning
        plain = isinstance(value, ShippingTarget) and value.pred is None
        return None if plain and value.allocation is None else value


class BuyXGetY(Checked):
    __part__ = "effect"

    type: Literal["buy_x_get_y"] = "buy_x_get_y"
    buy: ExprNode | None = None
    buy_quantity: ExprNode
    get: ExprNode | None = None
    get_quantity: ExprNode
    percent: ExprNode
    max_applications: ExprNode | None = None
    amount: ExprNode | None = None
    fixed_price: ExprNode | None = None
    # "cheapest" (the default) is held as absent, so an IR reads back the same either way
    get_from: Literal["cheapest", "most_expensive"] | None = None

    @field_validator("get_from")
    @classmethod
    def _default_get_from(cls, value: str | None) -> str | None:
        return None if value == "cheapest" else value


class Gift(Checked):
    __part__ = "effect"

    type: Literal["gift"] = "gift"
    sku: str
    quantity: U32 = 1
    price: ExprNode
    per: U32 | None = None
    of: ExprNode | None = None


Effect: TypeAlias = Annotated[
    PercentOff | AmountOff | FixedPrice | ShippingOff | BuyXGetY | Gift,
    Field(discriminator="type"),
]

# ---------------------------------------------------------------------------------------------
# Campaigns and engines


class Schedule(Checked):
    """ISO weekdays (1 = Monday .. 7 = Sunday) and half-open local hours ``[start, end)`` in an
    IANA timezone; ``start > end`` is the night that starts on each listed day (``(22, 2)`` on
    Friday: Friday 22:00 to Saturday 02:00)."""

    __part__ = "schedule"

    weekdays: tuple[int, ...] | None = None
    hours: tuple[int, int] | None = None
    timezone: str = "UTC"


class TierDef(IRModel):
    """A tier as the IR holds it (``promotor.Tier`` is the builder's)."""

    rules: ExprNode | None = None
    effect: Effect | None = None
    #: Several effects applied in order (instead of ``effect``).
    effects: tuple[Effect, ...] | None = None


class UsageLimit(IRModel):
    """At most ``max`` redemptions, in total or ``per`` customer or code, for ``every``
    calendar period in ``timezone``; ``key`` shares one counter between campaigns."""

    type: Literal["limit"] = "limit"
    max: U64
    per: Literal["customer", "code"] | None = None
    every: Literal["day", "week", "month"] | None = None
    timezone: Annotated[str, Field(min_length=1)] = "UTC"
    key: Annotated[str, Field(min_length=1)] | None = None


class Budget(IRModel):
    """At most ``amount`` of discount given (in the engine's currency), for ``every`` period;
    ``partial=False`` refuses a discount that does not fit whole."""

    type: Literal["budget"] = "budget"
    amount: DecimalStr
    every: Literal["day", "week", "month"] | None = None
    timezone: Annotated[str, Field(min_length=1)] = "UTC"
    key: Annotated[str, Field(min_length=1)] | None = None
    partial: StrictBool = True


CampaignLimit: TypeAlias = Annotated[UsageLimit | Budget, Field(discriminator="type")]


class CampaignDef(IRModel):
    """A campaign as the IR holds it (``promotor.Campaign`` is the builder's)."""

    id: str
    name: str = ""
    rules: ExprNode | None = None
    effect: Effect | None = None
    #: Several effects applied in order and explained together (instead of ``effect``).
    effects: tuple[Effect, ...] | None = None
    tiers: tuple[TierDef, ...] | None = None
    code: str | None = None
    codes: tuple[str, ...] | None = None
    unique_codes: StrictBool | None = None
    starts_at: str | None = None
    ends_at: str | None = None
    schedule: Schedule | None = None
    priority: I32 = 0
    exclusive: StrictBool = False
    group: str | None = None
    stop_after: StrictBool = False
    active: StrictBool = True
    metadata: dict[str, JsonValue] = Field(default_factory=dict)
    limits: tuple[CampaignLimit, ...] | None = None
    rules_on: Literal["original", "discounted"] | None = None


class Stacking(Checked):
    """How campaigns combine. ``max_discount`` is a percent of the subtotal."""

    __part__ = "stacking"

    mode: Literal["sequential", "best_deal"] = "sequential"
    base: Literal["discounted", "original"] = "discounted"
    max_applied: U32 | None = None
    max_discount: DecimalStr | None = None


class RuleBounds(Checked):
    """The compile-time bounds of every rule (docs/semantics.md, "Rule bounds"): nesting depth
    (at most 100), nodes, worst-case cost, and printed length.

    serde requires all four fields when ``bounds`` is given; :func:`dump` always writes them.
    """

    __part__ = "bounds"

    max_depth: U32 = 64
    max_nodes: U32 = 10_000
    max_cost: U64 = 50_000_000
    max_text_len: U32 = 100_000


class EngineDef(IRModel):
    """A whole engine definition, in the current IR version (:func:`read_engine` reads older
    ones)."""

    version: int = IR_VERSION
    currency: str = "USD"
    rounding: Literal["half_even", "half_up", "down"] = "half_even"
    stacking: Stacking = Stacking()
    bounds: RuleBounds = RuleBounds()
    campaigns: tuple[CampaignDef, ...]
    programs: tuple[Program, ...] | None = None
    codes_case_sensitive: StrictBool | None = None
    prices_include_tax: StrictBool | None = None

    @model_validator(mode="after")
    def _current(self) -> Self:
        if self.version != IR_VERSION:
            raise PydanticCustomError(
                "unsupported_version",
                detail("unsupported_version", got=self.version, supported=IR_VERSION)["msg"],
                {"got": str(self.version), "supported": str(IR_VERSION)},
            )
        return self


def too_deep(data: Any) -> tuple[Any, ...] | None:
    """Where plain data nests deeper than the core reads (``_native.MAX_JSON_DEPTH``), cut
    at the expression or metadata it is in, as the core reports it; ``None`` when it does not.
    Iterative, so any depth is walked without recursion."""
    roots = set(_native.DEEP_ROOTS)
    stack: list[tuple[Any, tuple[Any, ...]]] = [(data, ())]
    while stack:
        value, loc = stack.pop()
        if len(loc) >= _native.MAX_JSON_DEPTH:
            for i, part in enumerate(loc):
                if part in roots:
                    return loc[: i + 1]
            return loc
        if isinstance(value, dict):
            stack.extend((v, (*loc, k)) for k, v in value.items() if isinstance(v, dict | list))
        elif isinstance(value, list):
            stack.extend((v, (*loc, i)) for i, v in enumerate(value) if isinstance(v, dict | list))
    return None


def read_engine(text: str | bytes) -> dict[str, Any]:
    """An engine definition as stored (IR JSON of any version this build reads) as current IR
    data: read by the core, every problem a located :class:`RuleError`."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="surrogateescape")
    data: dict[str, Any] = json.loads(_native.normalize_ir(text))
    return data


class EarnRule(IRModel):
    """An earning rule of a loyalty programme (``rust/promotor-core/src/programs/mod.rs``)."""

    points: DecimalStr | None = None
    per: DecimalStr = "1"
    multiplier: DecimalStr | None = None
    on: Annotated[str, Field(min_length=1)] | None = None
    rules: ExprNode | None = None
    schedule: Schedule | None = None
    starts_at: str | None = None
    ends_at: str | None = None


class LoyaltyTier(IRModel):
    name: Annotated[str, Field(min_length=1)]
    points: U64
    multiplier: DecimalStr | None = None


class Reward(IRModel):
    id: Annotated[str, Field(min_length=1)]
    name: str = ""
    cost: U64
    effect: Effect


class Loyalty(IRModel):
    type: Literal["loyalty"] = "loyalty"
    id: Annotated[str, Field(min_length=1)]
    name: str = ""
    earn: tuple[EarnRule, ...] = ()
    pending_days: U32 = 0
    expire_after_days: U32 | None = None
    tiers: tuple[LoyaltyTier, ...] = ()
    tier_window_days: U32 | None = None
    rewards: tuple[Reward, ...] = ()
    point_value: DecimalStr | None = None
    timezone: Annotated[str, Field(min_length=1)] = "UTC"
    expiring_notice_days: U32 = 14


class ReferralReward(IRModel):
    """A reward tier of a referral programme: exactly one of ``effect`` (a code into the
    advocate's wallet), ``points`` (in loyalty programme ``program``) or ``gift_card``."""

    referrals: Annotated[int, Field(ge=1, le=2**32 - 1)]
    effect: Effect | None = None
    points: Annotated[int, Field(ge=1, le=2**64 - 1)] | None = None
    program: Annotated[str, Field(min_length=1)] | None = None
    gift_card: DecimalStr | None = None


class Referral(IRModel):
    type: Literal["referral"] = "referral"
    id: Annotated[str, Field(min_length=1)]
    name: str = ""
    friend_effect: Effect | None = None
    friend_rules: ExprNode | None = None
    advocate_rules: ExprNode | None = None
    conversion: ExprNode | None = None
    on: Annotated[str, Field(min_length=1)] | None = None
    rewards: tuple[ReferralReward, ...] = ()
    starts_at: str | None = None
    ends_at: str | None = None
    limits: tuple[CampaignLimit, ...] = ()
    code_pattern: Annotated[str, Field(min_length=1)] = "REF-####-####"


#: A programme of an engine.
Program: TypeAlias = Annotated[Loyalty | Referral, Field(discriminator="type")]


for _model in (
    List,
    Unary,
    Binary,
    Cond,
    Call,
    Macro,
    ItemsTarget,
    PercentOff,
    AmountOff,
    FixedPrice,
    ShippingOff,
    BuyXGetY,
    Gift,
    TierDef,
    CampaignDef,
    EarnRule,
    Reward,
    Loyalty,
    ReferralReward,
    Referral,
    EngineDef,
):
    _model.model_rebuild()
