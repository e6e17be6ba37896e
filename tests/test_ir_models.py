"""The pydantic IR against a table copied by hand from rust/promotor-core/src/ir.rs.

The integrator's drift test compares with the native module; this one catches edits to ir.py.
"""

from __future__ import annotations

import typing

import pytest
from pydantic import BaseModel

from promotor import ir
from promotor.errors import RuleError

# tag -> JSON field names (serde names), per variant, from ir.rs.
EXPR_VARIANTS = {
    "null": set(),
    "bool": {"value"},
    "num": {"value"},
    "str": {"value"},
    "list": {"items"},
    "field": {"path"},
    "unary": {"op", "arg"},
    "binary": {"op", "left", "right"},
    "cond": {"if", "then", "else"},
    "call": {"fn", "args"},
    "macro": {"op", "list", "var", "body"},
}
EFFECT_VARIANTS = {
    "percent_off": {"percent", "on", "cap"},
    "amount_off": {"amount", "on", "allocation"},
    "fixed_price": {"price", "on"},
    "shipping_off": {"amount", "percent", "on"},
    "buy_x_get_y": {
        "buy",
        "buy_quantity",
        "get",
        "get_quantity",
        "percent",
        "max_applications",
        "amount",
        "fixed_price",
        "get_from",
    },
    "gift": {"sku", "quantity", "price", "per", "of"},
}
TARGET_VARIANTS = {
    "order": set(),
    "shipping": {"pred", "allocation"},
    "items": {"pred", "cheapest", "most_expensive", "max_quantity", "groups_of"},
}
STRUCTS = {
    ir.EngineDef: {
        "version",
        "currency",
        "rounding",
        "stacking",
        "bounds",
        "campaigns",
        "programs",
        "codes_case_sensitive",
        "prices_include_tax",
    },
    ir.Stacking: {"mode", "base", "max_applied", "max_discount"},
    ir.RuleBounds: {"max_depth", "max_nodes", "max_cost", "max_text_len"},
    ir.CampaignDef: {
        "id",
        "name",
        "rules",
        "effect",
        "effects",
        "tiers",
        "code",
        "codes",
        "unique_codes",
        "starts_at",
        "ends_at",
        "schedule",
        "priority",
        "exclusive",
        "group",
        "stop_after",
        "active",
        "metadata",
        "limits",
        "rules_on",
    },
    ir.Schedule: {"weekdays", "hours", "timezone"},
    ir.TierDef: {"rules", "effect", "effects"},
}
UNARY_OPS = {"not", "neg"}
BINARY_OPS = {
    "and",
    "or",
    "eq",
    "ne",
    "lt",
    "le",
    "gt",
    "ge",
    "in",
    "add",
    "sub",
    "mul",
    "div",
    "mod",
}
LIMIT_VARIANTS = {
    "limit": {"max", "per", "every", "timezone", "key"},
    "budget": {"amount", "every", "timezone", "key", "partial"},
}
MACRO_OPS = {"all", "exists", "exists_one", "filter", "map", "count", "sum", "min", "max"}


def _json_fields(model: type[BaseModel]) -> set[str]:
    return {info.alias or name for name, info in model.model_fields.items()} - {"type"}


def _variants(union: object) -> dict[str, type[BaseModel]]:
    inner = typing.get_args(union)[0]
    return {m.model_fields["type"].default: m for m in typing.get_args(inner)}


@pytest.mark.parametrize(
    ("union", "table"),
    [
        (ir.ExprNode, EXPR_VARIANTS),
        (ir.Effect, EFFECT_VARIANTS),
        (ir.Target, TARGET_VARIANTS),
        (ir.CampaignLimit, LIMIT_VARIANTS),
    ],
)
def test_variants_match_rust(union: object, table: dict[str, set[str]]) -> None:
    variants = _variants(union)
    assert set(variants) == set(table)
    for tag, model in variants.items():
        assert _json_fields(model) == table[tag], tag


@pytest.mark.parametrize(("model", "fields"), list(STRUCTS.items()))
def test_structs_match_rust(model: type[BaseModel], fields: set[str]) -> None:
    assert _json_fields(model) == fields


def test_operator_sets() -> None:
    assert set(typing.get_args(ir.UnaryOp)) == UNARY_OPS
    assert set(typing.get_args(ir.BinaryOp)) == BINARY_OPS
    assert set(typing.get_args(ir.MacroOp)) == MACRO_OPS


def test_defaults_match_rust() -> None:
    engine = ir.EngineDef(campaigns=())
    assert ir.dump(engine) == {
        "version": ir.IR_VERSION,
        "currency": "USD",
        "rounding": "half_even",
        "stacking": {"mode": "sequential", "base": "discounted"},
        "bounds": {
            "max_depth": 64,
            "max_nodes": 10_000,
            "max_cost": 50_000_000,
            "max_text_len": 100_000,
        },
        "campaigns": [],
    }
    campaign = ir.CampaignDef(id="c", effect=ir.Gift(sku="s", price=ir.Num(value="0")))
    assert campaign.active is True
    assert campaign.priority == 0
    assert ir.dump(campaign)["effect"] == {
        "type": "gift",
        "sku": "s",
        "quantity": 1,
        "price": {"type": "num", "value": "0"},
    }
    assert ir.Schedule().timezone == "UTC"
    assert ir.AmountOff(amount=ir.Num(value="1")).on == ir.OrderTarget()


def test_aliases_dump_and_load() -> None:
    node = ir.Cond(cond=ir.Bool(value=True), then=ir.Null(), otherwise=ir.Null())
    data = ir.dump(node)
    assert set(data) == {"type", "if", "then", "else"}
    assert ir.Cond.model_validate(data) == node
    call = ir.Call(func="size", args=(ir.Str(value="x"),))
    assert ir.dump(call)["fn"] == "size"
    assert ir.Call.model_validate_json(call.model_dump_json()) == call


@pytest.mark.parametrize("value", ["1", "-1", "0.50", "12345678901234.123456789012"])
def test_num_accepts(value: str) -> None:
    assert ir.Num(value=value).value == value


@pytest.mark.parametrize("value", ["", "1.", ".5", "+1", "1e3", "1_000", " 1", "--1"])
def test_num_rejects(value: str) -> None:
    with pytest.raises(RuleError) as info:
        ir.Num(value=value)
    assert info.value.errors()[0]["loc"] == ("value",)


def test_unknown_field_has_did_you_mean_and_no_union_tags_in_loc() -> None:
    with pytest.raises(RuleError) as info:
        ir.CampaignDef.model_validate(
            {"id": "x", "effect": {"type": "percent_off", "percnt": {"type": "num", "value": "1"}}}
        )
    errors = [(e["type"], e["loc"], e["msg"]) for e in info.value.errors()]
    assert (
        "unknown_field",
        ("effect", "percnt"),
        "unknown field 'percnt'; did you mean 'percent'?",
    ) in errors
    assert ("required", ("effect", "percent"), "required") in errors


def test_frozen() -> None:
    node = ir.Num(value="1")
    with pytest.raises(Exception, match="frozen"):
        node.value = "2"  # type: ignore[misc]


def test_none_fields_left_out_of_dump_but_accepted_as_null() -> None:
    target = ir.ItemsTarget()
    assert ir.dump(target) == {"type": "items"}
    assert ir.ItemsTarget.model_validate({"type": "items", "pred": None}) == target


def test_stacking_max_discount_takes_numbers() -> None:
    assert ir.Stacking(max_discount=30).max_discount == "30"
    assert ir.Stacking(max_discount=12.5).max_discount == "12.5"
