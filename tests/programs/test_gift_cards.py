"""Gift cards, hand-checked: balances pay after discounts, in the order given, partly, and
refuse with a reason when expired, inactive or empty (DESIGN section 10, "Gift cards")."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

import promotor as pm

NOW = datetime(2026, 11, 27, 10, tzinfo=UTC)
CART = {"items": [{"sku": "A", "price": "40.00", "quantity": 1}], "shipping": "5.00"}


@pytest.fixture(params=["memory", "sqlite"])
def engine(request: pytest.FixtureRequest, tmp_path: object) -> pm.Engine:
    url = "memory://" if request.param == "memory" else f"sqlite:///{tmp_path}/g.db"
    return pm.Engine([pm.Campaign(id="ten", effect=pm.percent_off(10))], store=url)


def test_cards_pay_after_discounts_in_the_order_given(engine: pm.Engine) -> None:
    a = engine.issue_gift_card("30.00", code="GC-A", now=NOW)
    b = engine.issue_gift_card("50.00", code="GC-B", customer={"id": "c1"}, now=NOW)
    assert (a.balance, a.currency, a.active, b.customer_id) == (Decimal("30.00"), "USD", True, "c1")
    red = engine.redeem(CART, gift_cards=["gc-a", "GC-B"], now=NOW)
    # 40.00 - 4.00 + 5.00 shipping = 41.00: 30.00 from A, 11.00 from B.
    assert red.result.total == Decimal("41.00")
    assert [(p.kind, p.ref, p.amount) for p in red.result.payments] == [
        ("gift_card", "gc-a", Decimal("30.00")),
        ("gift_card", "GC-B", Decimal("11.00")),
    ]
    assert red.result.amount_due == Decimal("0.00")
    assert engine.gift_card("GC-B").balance == Decimal("39.00")
    # What was committed reads back with its payments.
    stored = engine.store.redemption(red.id).result
    assert stored.payments == red.result.payments
    assert stored.amount_due == Decimal("0.00")
    engine.rollback(red.id, now=NOW)
    assert engine.gift_card("GC-A").balance == Decimal("30.00")
    engine.store.verify()


def test_refusals_say_why(engine: pm.Engine) -> None:
    engine.issue_gift_card("10.00", code="OLD", expires_at=NOW + timedelta(days=1), now=NOW)
    engine.issue_gift_card("10.00", code="OFF", now=NOW)
    engine.deactivate_gift_card("OFF", now=NOW)
    engine.deactivate_gift_card("OFF", now=NOW)  # idempotent
    engine.issue_gift_card("0", code="ZERO", now=NOW)
    later = NOW + timedelta(days=1)
    red = engine.redeem(CART, gift_cards=["OLD", "OFF", "ZERO", "NOPE"], now=later)
    assert [(r.reason, r.code) for r in red.result.rejected] == [
        ("gift_card_expired", "OLD"),
        ("gift_card_inactive", "OFF"),
        ("gift_card_empty", "ZERO"),
        ("unknown_code", "NOPE"),
    ]
    assert red.result.payments == []
    assert red.result.amount_due == red.result.total
    assert red.result.rejected[1].message == "gift card 'OFF' is inactive"
    with pytest.raises(pm.InputError, match="inactive"):
        engine.top_up("OFF", "5.00", now=NOW)
    with pytest.raises(pm.InputError, match="already exists"):
        engine.issue_gift_card("1.00", code="old", now=NOW)
    with pytest.raises(pm.NotFoundError):
        engine.gift_card("NOPE")
    assert engine.top_up("ZERO", "2.50", now=NOW).balance == Decimal("2.50")
    engine.store.verify()


def test_issued_cards_get_random_codes_and_an_event(engine: pm.Engine) -> None:
    card = engine.issue_gift_card(Decimal("25"), now=NOW)
    assert card.code.startswith("GC-")
    assert len(card.code) == 17
    (event,) = engine.store.events()
    assert (event.type, event.payload["amount"], event.payload["code"]) == (
        "gift_card_issued",
        "25.00",
        card.code,
    )


def test_a_card_of_another_currency_pays_nothing(tmp_path: object) -> None:
    store = pm.store(f"sqlite:///{tmp_path}/c.db")
    pm.Engine([], currency="EUR", store=store).issue_gift_card("10.00", code="EU", now=NOW)
    red = pm.Engine([], store=store).redeem(CART, gift_cards=["EU"], now=NOW)
    assert [(r.reason, r.detail) for r in red.result.rejected] == [
        ("currency_mismatch", "gift_card")
    ]


def test_card_codes_read_through_the_one_code_normalisation(engine: pm.Engine) -> None:
    engine.issue_gift_card("30.00", code="GC-ANNA", now=NOW)
    # Full-width forms and case fold to the issued code (promotor.codes.normalize) ...
    red = engine.redeem(CART, gift_cards=["ｇｃ－ａｎｎａ"], now=NOW)
    assert [(p.ref, p.amount) for p in red.result.payments] == [
        ("ｇｃ－ａｎｎａ", Decimal("30.00"))
    ]
    # ... a pasted zero-width space matches no card, and no card can be issued with one.
    r = engine.redeem(CART, gift_cards=["GC-\u200bANNA"], now=NOW).result
    assert [(x.reason, x.detail) for x in r.rejected] == [("unknown_code", "gift_card")]
    with pytest.raises(pm.errors.InputError) as err:
        engine.issue_gift_card("30.00", code="GC-\u200bBOB", now=NOW)
    assert err.value.errors()[0]["loc"] == ("code",)
    assert "zero width space" in str(err.value)
    engine.store.verify()
