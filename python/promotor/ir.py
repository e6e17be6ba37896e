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

import types
import typing
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
)

from promotor._text import decimal_text, did_you_mean
from promotor.errors import PromotorError, RuleError

__all__ = [
    "IR_VERSION",
    "AmountOff",
    "Binary",
    "Bool",
    "Budget",
    "BuyXGetY",
    "Call",
    "Campaign",
    "Cond",
    "Effect",
    "EngineDef",
    "ExprNode",
    "Field_",
    "FixedPrice",
    "Gift",
    "IRModel",
    "ItemsTarget",
    "Limits",
    "List",
    "Macro",
    "Null",
    "Num",
    "OrderTarget",
    "PercentOff",
    "Schedule",
    "ShippingOff",
    "ShippingTarget",
    "Stacking",
    "Str",
    "Target",
    "Tier",
    "Unary",
    "UsageLimit",
    "dump",
]

IR_VERSION = 1

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


class ShippingTarget(IRModel):
    type: Literal["shipping"] = "shipping"


class ItemsTarget(IRModel):
    type: Literal["items"] = "items"
    pred: ExprNode | None = None
    cheapest: U32 | None = None
    most_expensive: U32 | None = None
    max_quantity: U32 | None = None


Target: TypeAlias = Annotated[
    OrderTarget | ShippingTarget | ItemsTarget, Field(discriminator="type")
]


class PercentOff(IRModel):
    type: Literal["percent_off"] = "percent_off"
    percent: ExprNode
    on: Target = OrderTarget()
    cap: ExprNode | None = None


class AmountOff(IRModel):
    type: Literal["amount_off"] = "amount_off"
    amount: ExprNode
    on: Target = OrderTarget()
    allocation: Literal["across", "each"] = "across"


class FixedPrice(IRModel):
    type: Literal["fixed_price"] = "fixed_price"
    price: ExprNode
    on: Target = OrderTarget()


class ShippingOff(IRModel):
    type: Literal["shipping_off"] = "shipping_off"
    amount: ExprNode
    percent: StrictBool = False


class BuyXGetY(IRModel):
    type: Literal["buy_x_get_y"] = "buy_x_get_y"
    buy: ExprNode | None = None
    buy_quantity: ExprNode
    get: ExprNode | None = None
    get_quantity: ExprNode
    percent: ExprNode
    max_applications: ExprNode | None = None


class Gift(IRModel):
    type: Literal["gift"] = "gift"
    sku: str
    quantity: U32 = 1
    price: ExprNode


Effect: TypeAlias = Annotated[
    PercentOff | AmountOff | FixedPrice | ShippingOff | BuyXGetY | Gift,
    Field(discriminator="type"),
]

# ---------------------------------------------------------------------------------------------
# Campaigns and engines


class Schedule(IRModel):
    """ISO weekdays (1 = Monday .. 7 = Sunday) and half-open hours in an IANA timezone."""

    weekdays: tuple[Annotated[int, Field(ge=1, le=7)], ...] | None = None
    hours: tuple[Annotated[int, Field(ge=0, le=24)], Annotated[int, Field(ge=0, le=24)]] | None = (
        None
    )
    timezone: Annotated[str, Field(min_length=1)] = "UTC"


class Tier(IRModel):
    rules: ExprNode | None = None
    effect: Effect


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


class Campaign(IRModel):
    id: str
    name: str = ""
    rules: ExprNode | None = None
    effect: Effect | None = None
    tiers: tuple[Tier, ...] | None = None
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


class Stacking(IRModel):
    """How campaigns combine. ``max_discount`` is a percent of the subtotal."""

    mode: Literal["sequential", "best_deal"] = "sequential"
    base: Literal["discounted", "original"] = "discounted"
    max_applied: U32 | None = None
    max_discount: DecimalStr | None = None


class Limits(IRModel):
    """Compile-time bounds of every rule (see docs/semantics.md, "Limits").

    serde requires all four fields when ``limits`` is given; :func:`dump` always writes them.
    """

    max_depth: U32 = 64
    max_nodes: U32 = 10_000
    max_cost: U64 = 50_000_000
    max_text_len: U32 = 100_000


class EngineDef(IRModel):
    version: Literal[1] = 1
    currency: str = "USD"
    rounding: Literal["half_even", "half_up", "down"] = "half_even"
    stacking: Stacking = Stacking()
    limits: Limits = Limits()
    campaigns: tuple[Campaign, ...]
    programs: tuple[Program, ...] | None = None


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
    Tier,
    Campaign,
    EarnRule,
    Reward,
    Loyalty,
    ReferralReward,
    Referral,
    EngineDef,
):
    _model.model_rebuild()


# ---------------------------------------------------------------------------------------------
# ValidationError -> RuleError / InputError


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


def convert_errors(
    exc: ValidationError, root: Any, prefix: tuple[Any, ...] = ()
) -> list[dict[str, Any]]:
    """pydantic's errors as promotor error dicts, with did-you-mean for unknown fields."""
    out: list[dict[str, Any]] = []
    for error in exc.errors(include_url=False):
        models, loc = _walk(root, tuple(error["loc"])[:-1])
        loc = (*loc, *tuple(error["loc"])[-1:])
        ctx = error.get("ctx") or {}
        cause = ctx.get("error")
        if isinstance(cause, PromotorError):
            for inner in cause.errors():
                out.append({**inner, "loc": prefix + loc + tuple(inner["loc"])})
            continue
        msg = str(error["msg"])
        if error["type"] == "extra_forbidden" and loc:
            names: list[str] = []
            for model in models:
                names.extend(_field_names(model))
            msg = f"unknown field '{loc[-1]}'" + did_you_mean(str(loc[-1]), names)
        elif error["type"] == "value_error" and msg.startswith("Value error, "):
            msg = msg[len("Value error, ") :]
        detail: dict[str, Any] = {"loc": prefix + loc, "msg": msg}
        for key in ("line", "column"):
            if key in ctx:
                detail[key] = ctx[key]
        out.append(detail)
    return out


def rule_error(exc: ValidationError, root: Any, prefix: tuple[Any, ...] = ()) -> RuleError:
    """A :class:`RuleError` carrying every problem of a pydantic ``ValidationError``."""
    return RuleError(convert_errors(exc, root, prefix))
