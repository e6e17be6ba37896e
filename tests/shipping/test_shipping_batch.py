"""Shipping methods from every input source: an Arrow ``shipping_methods`` column (a list of
structs) and JSON price the same as dicts."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

import promotor as pm
from promotor import cart, method
from promotor.inputs import canonical_input, canonical_input_json
from tests.both import NOW

pa = pytest.importorskip("pyarrow")

ENGINE = pm.Engine(
    [
        pm.Campaign(
            id="free-express",
            rules=(cart.subtotal >= 100) & cart.shipping_methods.any(method.code == "express"),
            effect=pm.free_shipping(on=pm.shipping(method.code == "express")),
        ),
        pm.Campaign(
            id="half-each",
            effect=pm.shipping_off(50, percent=True, on=pm.shipping(allocation="each")),
        ),
    ]
)

ORDERS = [
    {
        "items": [{"sku": "A", "price": "120.00", "quantity": 1}],
        "shipping_methods": [
            {"id": "s", "code": "standard", "price": "4.99", "metadata": {"carrier": "ups"}},
            {"id": "e", "code": "express", "price": "12.00", "metadata": {"carrier": "dhl"}},
        ],
    },
    {
        "items": [{"sku": "B", "price": "20.00", "quantity": 2}],
        "shipping_methods": [{"price": "3.00"}],
    },
    {"items": [{"sku": "C", "price": "5.00", "quantity": 1}], "shipping": "4.00"},
]


def methods_table() -> object:
    return pa.table(
        {
            "order_id": pa.array([1, 2, 3]),
            "created_at": pa.array([NOW] * 3, pa.timestamp("us", tz="UTC")),
            "items": pa.array(
                [[{**i, "price": Decimal(i["price"])} for i in o["items"]] for o in ORDERS],
                pa.list_(
                    pa.struct(
                        [
                            ("sku", pa.string()),
                            ("price", pa.decimal128(10, 2)),
                            ("quantity", pa.int64()),
                        ]
                    )
                ),
            ),
            "shipping_methods": pa.array(
                [
                    [
                        {
                            "id": m.get("id"),
                            "code": m.get("code"),
                            "price": Decimal(m["price"]),
                            "metadata": json.dumps(m.get("metadata", {})),
                        }
                        for m in o.get("shipping_methods", [])
                    ]
                    or None
                    for o in ORDERS
                ]
            ),
            "shipping": pa.array([None, None, Decimal("4.00")], pa.decimal128(10, 2)),
        }
    )


def test_an_arrow_list_of_struct_column_prices_as_dicts() -> None:
    out = ENGINE.evaluate_batch(methods_table()).to_pylist()
    for row, order in zip(out, ORDERS, strict=True):
        result = ENGINE.evaluate(order, now=NOW)
        assert (row["discount"], row["shipping_discount"], row["total"]) == (
            result.discount,
            result.shipping_discount,
            result.total,
        )
    assert [row["shipping_discount"] for row in out] == [
        Decimal("14.50"),  # express free, then half of the standard 4.99: 2.50 (half even)
        Decimal("1.50"),
        Decimal("2.00"),
    ]


def test_json_reads_methods_as_dicts() -> None:
    for order in ORDERS:
        text = json.dumps({"cart": order, "context": {"now": NOW.isoformat()}})
        assert canonical_input_json(text) == canonical_input(order, now=NOW)


def test_orders_no_campaign_can_touch_still_total_their_methods() -> None:
    # Batch writes orders that columns rule out for every campaign without the interpreter
    # (docs/architecture.md, "Columnar pruning"); their totals still add each method's price.
    vip_only = pm.Engine(
        [
            pm.Campaign(
                id="vip",
                rules=pm.customer.segments.contains("vip"),
                effect=pm.free_shipping(),
            )
        ]
    )
    out = vip_only.evaluate_batch(methods_table()).to_pylist()
    assert [row["total"] for row in out] == [
        vip_only.evaluate(order, now=NOW).total for order in ORDERS
    ]
    assert [row["total"] for row in out] == [Decimal("136.99"), Decimal("43.00"), Decimal("9.00")]
