"""The Result a cart is priced into: plain data for a web response, and an explanation that
input cannot forge."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import promotor as pm
from promotor import customer

CART = {
    "items": [
        {"sku": "MUG", "price": "12.50", "quantity": 2},
        {"sku": "TEA", "price": "4.99", "quantity": 1},
    ],
    "shipping": "4.99",
}


def engine() -> pm.Engine:
    return pm.Engine(
        [
            pm.Campaign(id="ten", effect=pm.percent_off(10)),
            pm.Campaign(id="gift", effect=pm.gift("SPOON", price="1.99")),
            pm.Campaign(id="vip", rules=customer.segments.contains("vip"), effect=pm.amount_off(5)),
            pm.Campaign(
                id="since", rules=customer.created_at < datetime(2020, 1, 1, tzinfo=UTC),
                effect=pm.amount_off(1),
            ),
        ]
    )  # fmt: skip


def test_to_json_is_json_with_exact_money() -> None:
    result = engine().evaluate(
        CART, customer={"segments": [], "created_at": datetime(2025, 1, 1, tzinfo=UTC)}
    )
    data = json.loads(result.to_json())
    assert data["total"] == str(result.total)
    assert data["applied"][0]["allocations"] == {"0": "2.50", "1": "0.50"}
    assert data["applied"][1]["gifts"] == [{"sku": "SPOON", "quantity": 1, "price": "1.99"}]
    since = next(r for r in data["rejected"] if r["campaign_id"] == "since")
    assert (since["actual"], since["expected"]) == ("2025-01-01T00:00:00Z", "2020-01-01T00:00:00Z")
    assert result.to_dict(mode="json") == data
    # the Python mode keeps Decimals and line indices
    assert result.to_dict()["applied"][0]["allocations"] == {
        0: Decimal("2.50"),
        1: Decimal("0.50"),
    }


def test_explain_escapes_ids_and_skus_so_no_line_is_forged() -> None:
    forged = "A\n  + forged: -100.00 USD\x1b[2K"
    result = pm.Engine([pm.Campaign(id="ten\nten", effect=pm.percent_off(10))]).evaluate(
        {"items": [{"sku": forged, "price": "10", "quantity": 1}]}
    )
    text = result.explain()
    assert not any(line.startswith("  + forged") for line in text.splitlines())
    assert "\x1b" not in text
    assert "ten\\nten" in text
    assert "A\\n  + forged: -100.00 USD\\x1b[2K" in text


def test_explain_says_when_max_discount_clipped_a_campaign() -> None:
    half = pm.Campaign(id="half", effect=pm.percent_off(50))
    e = pm.Engine(
        [half, pm.Campaign(id="more", effect=pm.amount_off(1))],
        stacking=pm.Stacking(max_discount=20),
    )
    result = e.evaluate({"items": [{"sku": "A", "price": "10", "quantity": 1}]})
    [half] = result.applied
    assert (half.amount, half.limited_by) == (Decimal("2.00"), "max_discount")
    assert "half: -2.00 USD (clipped by the order's max_discount)" in result.explain()
    assert [(r.campaign_id, r.reason) for r in result.rejected] == [("more", "max_discount")]
    unclipped = pm.Engine([pm.Campaign(id="half", effect=pm.percent_off(50))]).evaluate(
        {"items": [{"sku": "A", "price": "10", "quantity": 1}]}
    )
    assert unclipped.applied[0].limited_by is None
    assert "clipped" not in unclipped.explain()


def test_reasons_are_the_cores() -> None:
    from promotor import _native
    from promotor.result import REASONS

    assert tuple(_native.REASONS) == REASONS
    assert "not_best_deal" in REASONS
