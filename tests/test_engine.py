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
