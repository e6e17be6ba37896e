"""The Engine facade: storage round trips, pickling to worker processes, inputs as models or
dicts, and the Result API around the native evaluator."""

from __future__ import annotations

import multiprocessing
import pickle
from datetime import UTC, datetime
from decimal import Decimal

import pytest

import promotor as pm
from promotor import cart, customer, item

NOW = datetime(2026, 11, 27, 10, tzinfo=UTC)
CART = {
    "items": [
        {"sku": "A", "price": "12.50", "quantity": 4, "category": "coffee"},
        {"sku": "B", "price": "3.00", "quantity": 1, "category": "mugs"},
    ],
    "shipping": "4.99",
}


def make_engine() -> pm.Engine:
    return pm.Engine(
        [
            pm.Campaign(
                id="coffee",
                rules=cart.items.any(item.category == "coffee"),
                effect=pm.percent_off(10, on=pm.items(item.category == "coffee")),
            ),
            pm.Campaign(
                id="bf",
                code="BLCKFRDY",
                rules="cart.subtotal >= 50",
                effect=pm.amount_off(5),
                starts_at=NOW,
            ),
            pm.Campaign(
                id="vip",
                rules=customer.segments.contains("vip"),
                tiers=[
                    pm.Tier(rules=cart.subtotal >= 10, effect=pm.percent_off(1)),
                    pm.Tier(rules=cart.subtotal >= 50, effect=pm.percent_off(2)),
                ],
            ),
            pm.Campaign(id="ship", effect=pm.free_shipping(), priority=-1),
        ],
        currency="usd",
        rounding="half_up",
        stacking=pm.Stacking(max_applied=3),
    )


def price(engine: pm.Engine) -> pm.Result:
    return engine.evaluate(
        CART, customer={"id": "c", "segments": ["vip"]}, codes=[" blckfrdy"], now=NOW
    )


def test_json_round_trip_gives_the_same_engine_and_results() -> None:
    engine = make_engine()
    again = pm.Engine.from_json(engine.to_json())
    assert again.to_ir() == engine.to_ir()
    assert price(again) == price(engine)
    assert engine.currency == "USD"
    assert again.rounding == "half_up"


def test_the_priced_cart() -> None:
    result = price(make_engine())
    assert [(a.campaign_id, a.code, a.tier, a.amount) for a in result.applied] == [
        ("coffee", None, None, Decimal("5.00")),
        ("bf", "BLCKFRDY", None, Decimal("5.00")),
        ("vip", None, 1, Decimal("0.86")),
    ]
    assert [(r.campaign_id, r.reason) for r in result.rejected] == [("ship", "max_applied")]
    assert result.total == Decimal("53.00") - Decimal("10.86") + Decimal("4.99")
    assert sum(line.discount for line in result.lines) == result.discount
    data = result.to_dict()
    assert data["rejected"][0]["message"].startswith("the maximum number")
    assert "<table>" in result._repr_html_()


def _price_pickled(blob: bytes) -> Decimal:
    engine = pickle.loads(blob)
    return price(engine).total


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_engines_travel_to_worker_processes(method: str) -> None:
    engine = make_engine()
    expected = price(engine).total
    ctx = multiprocessing.get_context(method)
    with ctx.Pool(2) as pool:
        totals = pool.map(_price_pickled, [pickle.dumps(engine)] * 4)
    assert totals == [expected] * 4


def test_inputs_may_be_models() -> None:
    engine = make_engine()
    model_cart = pm.Cart(
        items=[
            pm.Item(sku="A", price=Decimal("12.50"), quantity=4, category="coffee"),
            pm.Item(sku="B", price=Decimal("3.00"), quantity=1, category="mugs"),
        ],
        shipping=Decimal("4.99"),
    )
    result = engine.evaluate(
        model_cart, customer=pm.Customer(id="c", segments=["vip"]), codes=["BLCKFRDY"], now=NOW
    )
    assert result == price(engine)


def test_currency_mismatch_discounts_nothing() -> None:
    result = make_engine().evaluate({**CART, "currency": "EUR"}, now=NOW)
    assert result.discount == 0
    assert {r.reason for r in result.rejected} == {"currency_mismatch"}


def test_engine_arguments_are_checked() -> None:
    with pytest.raises(pm.RuleError) as info:
        pm.Engine([], rounding="bankers")  # type: ignore[arg-type]
    assert info.value.errors()[0]["loc"] == ("rounding",)
    with pytest.raises(pm.RuleError) as info:
        pm.Engine([pm.Campaign(id="x", effect=pm.percent_off(1))], currency="XXQ")
    assert "currency" in str(info.value)
    with pytest.raises(pm.RuleError) as info:
        pm.Engine(
            [
                pm.Campaign(id="x", effect=pm.percent_off(1)),
                pm.Campaign(id="x", effect=pm.percent_off(2)),
            ]
        )
    assert info.value.errors()[0]["loc"][:2] == ("campaigns", 1)
    with pytest.raises(pm.RuleError):
        pm.Engine.from_json("{not json")


def test_ir_version_1_is_read_and_written_back_as_version_2() -> None:
    import json

    from promotor import _native

    v1 = {
        "version": 1,
        "limits": {"max_depth": 30, "max_nodes": 500, "max_cost": 10_000, "max_text_len": 900},
        "campaigns": [{"id": "a", "effect": {"type": "amount_off",
                                             "amount": {"type": "num", "value": "1"}}}],
    }  # fmt: skip
    engine = pm.Engine.from_json(json.dumps(v1))
    assert engine.bounds.max_depth == 30
    data = json.loads(engine.to_json())
    assert (data["version"], data["bounds"]["max_nodes"]) == (_native.IR_VERSION, 500)
    assert "limits" not in data
    assert pm.ir.IR_VERSION == _native.IR_VERSION == 2
    with pytest.raises(pm.RuleError) as info:
        pm.Engine.from_json(json.dumps({**v1, "version": 2}))
    assert info.value.errors()[0]["loc"] == ("limits",)
    assert "did you mean 'bounds'" in info.value.errors()[0]["msg"]
    with pytest.raises(pm.RuleError) as info:
        pm.Engine.from_json(json.dumps({"version": 3, "campaigns": []}))
    assert info.value.errors()[0]["type"] == "unsupported_version"
    with pytest.raises(pm.RuleError) as info:
        pm.Engine.from_json('{"version": 2,\n "campaigns": [}')
    error = info.value.errors()[0]
    assert (error["type"], error["line"], error["column"]) == ("syntax_error", 2, 16)


def test_a_schedule_that_wraps_is_the_night_that_starts_on_the_listed_day() -> None:
    from datetime import UTC, datetime

    friday_night = pm.Campaign(
        id="fri", effect=pm.percent_off(10), schedule=pm.Schedule(weekdays=[5], hours=(22, 2))
    )
    engine = pm.Engine([friday_night])
    cart = {"items": [{"sku": "A", "price": "10", "quantity": 1}]}
    # 2026-11-27 is a Friday
    for now, applies in [
        (datetime(2026, 11, 27, 23, tzinfo=UTC), True),
        (datetime(2026, 11, 28, 1, tzinfo=UTC), True),  # Saturday 01:00: still Friday's night
        (datetime(2026, 11, 28, 2, tzinfo=UTC), False),
        (datetime(2026, 11, 27, 1, tzinfo=UTC), False),  # Thursday's night
    ]:
        assert bool(engine.evaluate(cart, now=now).applied) is applies, now
