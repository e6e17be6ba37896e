"""Usage limits and budgets as a shopper and a merchant see them, through both evaluators;
and an engine without limits never reads its store."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

import promotor as pm
from promotor import reference
from promotor.inputs import canonical_input
from promotor.stores.memory import MemoryStore

NOW = datetime(2026, 11, 29, 23, 30, tzinfo=UTC)  # Monday 00:30 in Warsaw
CART = {
    "items": [
        {"sku": "A", "price": "10.00", "quantity": 1},
        {"sku": "B", "price": "20.00", "quantity": 1},
    ],
    "shipping": "5.00",
}


def both(engine: pm.Engine, snapshot: dict[str, int], **call: Any) -> dict[str, Any]:
    """The outcome of the Rust core and of the reference on one snapshot, checked equal."""
    request = engine._request(CART, call.get("customer"), call.get("codes", ()), NOW, None)
    rust = request.decide(snapshot)[0].explained()
    canonical = canonical_input(
        CART, customer=call.get("customer"), codes=call.get("codes", ()), now=NOW
    )
    assert reference.decide(engine.to_ir(), canonical, snapshot)[0] == rust
    return rust


def test_a_budget_reduces_the_discount_and_explain_says_so() -> None:
    engine = pm.Engine([pm.Campaign(id="thirty", effect=pm.percent_off(30),
                                    limits=[pm.budget("50.00")])])  # fmt: skip
    out = both(engine, {"budget|campaign=thirty": 4600})
    (applied,) = out["applied"]
    assert (applied["amount"], applied["limited_by"]) == (Decimal("4.00"), "budget")
    assert applied["allocations"] == {0: Decimal("1.33"), 1: Decimal("2.67")}
    result = pm.Result.from_outcome(out)
    assert "limited by its budget" in result.explain()


def test_max_discount_after_a_budget_names_the_last_reduction() -> None:
    # The budget leaves 4.00 of 9.00; the order's 10% maximum (3.00) then clips it further.
    engine = pm.Engine(
        [pm.Campaign(id="thirty", effect=pm.percent_off(30), limits=[pm.budget("50.00")])],
        stacking=pm.Stacking(max_discount=10),
    )
    out = both(engine, {"budget|campaign=thirty": 4600})
    (applied,) = out["applied"]
    assert (applied["amount"], applied["limited_by"]) == (Decimal("3.00"), "max_discount")
    assert "clipped by the order's max_discount" in pm.Result.from_outcome(out).explain()


def test_rejections_say_which_limit_with_used_and_maximum() -> None:
    engine = pm.Engine([
        pm.Campaign(id="weekly", effect=pm.amount_off(5),
                    limits=[pm.limit(2, per="customer", every="week", timezone="Europe/Warsaw")]),
        pm.Campaign(id="shared", effect=pm.amount_off(1), limits=[pm.budget("3.00", key="q4")]),
    ])  # fmt: skip
    snapshot = {
        "count|campaign=weekly|customer=c1|week@Europe/Warsaw=2026-W49": 2,
        "budget|key=q4": 300,
    }
    out = both(engine, snapshot, customer={"id": "c1"})
    rejected = [pm.Rejected(**r) for r in out["rejected"]]
    assert [(r.reason, r.detail, r.actual, r.expected) for r in rejected] == [
        ("limit_reached", "per_customer_period", Decimal(2), Decimal(2)),
        ("budget_exhausted", "q4", Decimal("3.00"), Decimal("3.00")),
    ]
    assert rejected[0].message == "usage limit reached (per_customer_period: 2 of 2 used)"
    assert "budget does not cover" in rejected[1].message
    # Last week's usage does not count this week (Sunday 23:30 UTC is Monday in Warsaw).
    assert both(engine, {"count|campaign=weekly|customer=c1|week@Europe/Warsaw=2026-W48": 2},
                customer={"id": "c1"})["discount"] == Decimal("6.00")  # fmt: skip


def test_shared_keys_count_every_application_in_best_deal_too() -> None:
    # Best deal weighs {a} against {a, b}, where b, sharing a's counter, can no longer apply:
    # {a} wins, and b is "not_best_deal"; sequential mode rejects b for its limit.
    for mode, reason in (("sequential", "limit_reached"), ("best_deal", "not_best_deal")):
        engine = pm.Engine(
            [
                pm.Campaign(id="a", effect=pm.amount_off(5), limits=[pm.limit(10, key="k")]),
                pm.Campaign(id="b", effect=pm.amount_off(3), limits=[pm.limit(5, key="k")]),
            ],
            stacking=pm.Stacking(mode=mode),
        )
        out = both(engine, {"count|key=k": 4})
        assert [a["campaign_id"] for a in out["applied"]] == ["a"], mode
        assert out["rejected"][0]["reason"] == reason, mode


class Unreadable(MemoryStore):
    def _read(self, *args: Any) -> Any:
        raise AssertionError("an engine without limits read its store")


def test_an_engine_without_limits_never_reads_its_store() -> None:
    engine = pm.Engine([pm.Campaign(id="ten", effect=pm.percent_off(10))], store=Unreadable())
    assert engine.evaluate(CART, now=NOW).discount == Decimal("3.00")
    with pytest.raises(AssertionError):
        engine.redeem(CART, now=NOW, idempotency_key="k")  # the key itself is looked up
    assert engine.redeem(CART, now=NOW).result.discount == Decimal("3.00")
