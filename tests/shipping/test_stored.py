"""Stored redemptions keep the per-method discounts and the amounts both ways: a result read
back from a store equals the one priced."""

from __future__ import annotations

from decimal import Decimal

import promotor as pm
from promotor import method, reference
from promotor.inputs import canonical_input
from promotor.stores.codec import decode_outcome, encode_outcome
from tests.both import NOW

CART = {
    "items": [{"sku": "A", "price": "120.00", "tax_rate": 20}],
    "shipping_methods": [
        {"id": "s", "code": "standard", "price": "4.99", "tax_rate": 20},
        {"id": "e", "code": "express", "price": "12.00", "tax_rate": 20},
    ],
}


def engine(store: object = None) -> pm.Engine:
    return pm.Engine(
        [
            pm.Campaign(
                id="free-express", effect=pm.free_shipping(on=pm.shipping(method.code == "express"))
            )
        ],
        prices_include_tax=True,
        store=store,  # type: ignore[arg-type]
    )


def test_a_redemption_reads_back_its_methods_and_taxes() -> None:
    store = pm.store("memory://")
    eng = engine(store)
    redemption = eng.redeem(CART, now=NOW, order_id="o1")
    stored = store.redemption(redemption.id).result
    priced = eng.evaluate(CART, now=NOW)
    assert stored.shipping_methods == priced.shipping_methods
    assert stored.taxes == priced.taxes
    assert stored.applied[0].shipping_allocations == {1: Decimal("12.00")}


def test_the_codec_round_trips_the_reference_outcome() -> None:
    outcome = reference.evaluate(engine().to_ir(), canonical_input(CART, now=NOW))
    assert decode_outcome(encode_outcome(outcome)) == outcome
