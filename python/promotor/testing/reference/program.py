"""The engine definition as the reference reads it (the core's ``compile/``): the IR with
serde's defaults filled in. Only what evaluation needs; the core's compile checks the rest."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from promotor.testing.reference import time
from promotor.testing.reference.codes import normalize_code
from promotor.testing.reference.effects import EFFECTS
from promotor.testing.reference.expr import Node

__all__ = ["CCampaign", "CSchedule", "CTier", "Program", "check_supported", "read_program"]


@dataclass(frozen=True)
class CSchedule:
    weekdays: list[int]  # empty: every day
    hours: tuple[int, int] | None
    timezone: str


class _Body:
    """What a tier or a campaign (without its tiers) applies."""

    effect: Node | None
    effects: list[Node] | None  # several effects, in order (instead of `effect`)

    @property
    def body(self) -> list[Node]:
        """Its effects: the one ``effect`` or the several ``effects``."""
        return self.effects if self.effects is not None else [self.effect] if self.effect else []


@dataclass(frozen=True)
class CTier(_Body):
    rules: Node | None
    effect: Node | None
    effects: list[Node] | None = None


@dataclass(frozen=True)
class CCampaign(_Body):
    """A campaign of the IR; the fields mirror ``ir.rs`` with their serde defaults."""

    position: int
    id: str
    rules: Node | None
    effect: Node | None
    tiers: list[CTier] | None
    codes: list[str]  # `code` first, then `codes`; empty (and not unique_codes): automatic
    unique_codes: bool  # accepts the codes of its pool (the pool rows a store found)
    starts_at: datetime | None
    ends_at: datetime | None
    schedule: CSchedule | None
    priority: int
    active: bool
    raw: Mapping[str, Any] = field(repr=False)
    rules_on: str = "original"  # "discounted": rules read the cart as left before its turn
    effects: list[Node] | None = None


@dataclass(frozen=True)
class Program:
    currency: str
    rounding: str
    stacking: Mapping[str, Any]
    campaigns: list[CCampaign]
    codes_case_sensitive: bool = False
    prices_include_tax: bool = False

    def code_key(self, code: str) -> str:
        """A code's key as this engine matches codes (case-sensitively or not)."""
        return normalize_code(code, self.codes_case_sensitive)


def _instant(text: str | None) -> datetime | None:
    if text is None:
        return None
    parsed = time.parse_timestamp(text)
    if parsed is None:
        raise ValueError(f"invalid timestamp in the engine definition: {text!r}")
    return parsed


def _effect_with_defaults(effect: Node) -> Node:
    defaults: dict[str, dict[str, Any]] = {
        "percent_off": {"on": {"type": "order"}, "cap": None},
        "amount_off": {"on": {"type": "order"}, "allocation": "across"},
        "fixed_price": {"on": {"type": "order"}},
        "shipping_off": {"percent": False},
        "buy_x_get_y": {"buy": None, "get": None, "max_applications": None},
        "gift": {"quantity": 1},
    }
    return {**defaults.get(effect["type"], {}), **effect}


def read_campaign(position: int, raw: Mapping[str, Any]) -> CCampaign:
    codes = ([raw["code"]] if raw.get("code") is not None else []) + list(raw.get("codes") or [])
    schedule = None
    if raw.get("schedule") is not None:
        s = raw["schedule"]
        hours = s.get("hours")
        schedule = CSchedule(
            weekdays=list(s.get("weekdays") or []),
            hours=None if hours is None else (int(hours[0]), int(hours[1])),
            timezone=s.get("timezone", "UTC"),
        )
    tiers = None
    if raw.get("tiers") is not None:
        tiers = [
            CTier(
                t.get("rules"),
                None if t.get("effect") is None else _effect_with_defaults(t["effect"]),
                None
                if t.get("effects") is None
                else [_effect_with_defaults(e) for e in t["effects"]],
            )
            for t in raw["tiers"]
        ]
    effect = raw.get("effect")
    several = raw.get("effects")
    return CCampaign(
        position=position,
        id=raw["id"],
        rules=raw.get("rules"),
        effect=None if effect is None else _effect_with_defaults(effect),
        tiers=tiers,
        codes=codes,
        unique_codes=bool(raw.get("unique_codes")),
        starts_at=_instant(raw.get("starts_at")),
        ends_at=_instant(raw.get("ends_at")),
        schedule=schedule,
        priority=int(raw.get("priority", 0)),
        active=bool(raw.get("active", True)),
        raw=raw,
        rules_on=str(raw.get("rules_on", "original")),
        effects=None if several is None else [_effect_with_defaults(e) for e in several],
    )


def read_program(engine_ir: Mapping[str, Any]) -> Program:
    stacking = {"mode": "sequential", "base": "discounted", "max_applied": None,
                "max_discount": None, **(engine_ir.get("stacking") or {})}  # fmt: skip
    return Program(
        currency=engine_ir.get("currency", "USD"),
        rounding=engine_ir.get("rounding", "half_even"),
        stacking=stacking,
        campaigns=[read_campaign(i, raw) for i, raw in enumerate(engine_ir["campaigns"])],
        codes_case_sensitive=bool(engine_ir.get("codes_case_sensitive", False)),
        prices_include_tax=bool(engine_ir.get("prices_include_tax", False)),
    )


def check_supported(engine: Program) -> None:
    """Raise ``NotImplementedError`` for what the compiler does not accept yet either."""
    problems = []
    for campaign in engine.campaigns:
        effects = campaign.body + [e for t in campaign.tiers or [] for e in t.body]
        for effect in effects:
            if effect["type"] not in EFFECTS:
                problems.append(f"campaign {campaign.id!r}: effect {effect['type']}")
    if problems:
        raise NotImplementedError(
            "the reference evaluator does not support yet: " + "; ".join(problems)
        )
