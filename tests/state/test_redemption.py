"""The redemption lifecycle on every store: what a checkout relies on. Each test runs on
memory, SQLite, PostgreSQL and Redis (tests/state/conftest.py)."""

from __future__ import annotations

import csv
import pickle
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

import promotor as pm
from promotor.errors import IdempotencyError, InputError, NotFoundError, StoreError

NOW = datetime(2026, 11, 27, 10, tzinfo=UTC)
CART = {"items": [{"sku": "A", "price": "40.00", "quantity": 1}]}


def engine(store: pm.Store, *limits: pm.UsageLimit | pm.Budget, **campaign: object) -> pm.Engine:
    c = pm.Campaign(id="bf", code="BF", effect=pm.amount_off(10), limits=list(limits), **campaign)
    return pm.Engine([c], store=store)


def test_a_limit_counts_redemptions_and_rollback_gives_them_back(store: pm.Store) -> None:
    e = engine(store, pm.limit(2))
    first = e.redeem(CART, codes=["bf"], now=NOW, order_id="o1")
    second = e.redeem(CART, codes=["BF "], now=NOW, order_id="o2")
    third = e.redeem(CART, codes=["bf"], now=NOW, order_id="o3")
    assert [r.result.discount for r in (first, second, third)] == [
        Decimal("10.00"),
        Decimal("10.00"),
        Decimal("0.00"),
    ]
    (rejected,) = third.result.rejected
    assert (rejected.reason, rejected.detail, rejected.actual, rejected.expected) == (
        "limit_reached",
        "total",
        Decimal(2),
        Decimal(2),
    )
    back = e.rollback(first.id, reason="refund", now=NOW)
    assert (back.status, back.reason) == ("rolled_back", "refund")
    assert e.rollback(first.id, now=NOW).status == "rolled_back"  # idempotent
    assert e.redeem(CART, codes=["bf"], now=NOW).result.discount == Decimal("10.00")
    assert store.usage("bf") == pm.Usage(redemptions=2, discount=Decimal("20.00"), reserved=0)
    store.verify()


def test_redeem_records_even_when_nothing_applied(store: pm.Store) -> None:
    e = engine(store, pm.limit(5))
    red = e.redeem(CART, customer={"id": "c9"}, now=NOW, order_id="o-none")
    assert red.result.applied == []
    assert red.status == "redeemed"
    (row,) = store.redemptions(customer_id="c9")
    assert (row.id, row.order_id, row.result.total) == (red.id, "o-none", Decimal("40.00"))
    assert store.redemptions(campaign_id="bf") == []


def test_per_customer_limits_need_a_customer(store: pm.Store) -> None:
    e = engine(store, pm.limit(1, per="customer"))
    assert e.redeem(CART, {"id": "c1"}, ["bf"], now=NOW).result.discount == Decimal("10.00")
    again = e.redeem(CART, {"id": "c1"}, ["bf"], now=NOW).result.rejected[0]
    assert (again.reason, again.detail) == ("limit_reached", "per_customer")
    assert e.redeem(CART, {"id": "c2"}, ["bf"], now=NOW).result.discount == Decimal("10.00")
    anonymous = e.redeem(CART, None, ["bf"], now=NOW).result.rejected[0]
    assert (anonymous.reason, anonymous.detail) == ("limit_reached", "customer required")
    assert "no customer id" in anonymous.message
    assert store.usage("bf", customer_id="c1").redemptions == 1


def test_a_budget_shrinks_the_last_discount_and_then_refuses(store: pm.Store) -> None:
    e = engine(store, pm.budget("25.00"))
    amounts = [e.redeem(CART, codes=["bf"], now=NOW).result for _ in range(4)]
    assert [r.discount for r in amounts] == [Decimal(x) for x in ("10.00", "10.00", "5.00", "0")]
    assert amounts[2].applied[0].limited_by == "budget"
    assert "limited by its budget" in amounts[2].explain()
    refused = amounts[3].rejected[0]
    assert (refused.reason, refused.actual, refused.expected) == (
        "budget_exhausted",
        Decimal("25.00"),
        Decimal("25.00"),
    )
    assert store.usage("bf").discount == Decimal("25.00")
    store.verify()


def test_evaluate_reads_the_counters_and_never_writes(store: pm.Store) -> None:
    e = engine(store, pm.limit(1))
    for _ in range(3):
        assert e.evaluate(CART, codes=["bf"], now=NOW).discount == Decimal("10.00")
    assert store.redemptions() == []
    assert store.audit() == []
    e.redeem(CART, codes=["bf"], now=NOW)
    assert e.evaluate(CART, codes=["bf"], now=NOW).rejected[0].reason == "limit_reached"


def test_idempotency_keys(store: pm.Store) -> None:
    e = engine(store, pm.limit(10))
    first = e.redeem(CART, {"id": "c1"}, ["bf"], now=NOW, order_id="o1", idempotency_key="k")
    later = e.redeem(
        CART, {"id": "c1"}, ["bf"], now=NOW + timedelta(hours=2), order_id="o1",
        idempotency_key="k",
    )  # fmt: skip
    assert later.id == first.id
    assert later.created_at == NOW
    with pytest.raises(IdempotencyError) as err:
        e.redeem(CART, {"id": "c2"}, ["bf"], now=NOW, order_id="o1", idempotency_key="k")
    assert err.value.errors()[0]["loc"] == ("idempotency_key",)
    assert len(store.redemptions()) == 1
    assert store.usage("bf").redemptions == 1


def test_reservations_hold_capacity_until_confirmed_released_or_expired(store: pm.Store) -> None:
    e = engine(store, pm.limit(1))
    held = e.reserve(CART, codes=["bf"], now=NOW, ttl=timedelta(minutes=15))
    assert held.result.discount == Decimal("10.00")
    assert held.status == "held"
    assert held.expires_at == NOW + timedelta(minutes=15)
    assert store.usage("bf", now=NOW).reserved == 1
    blocked = e.evaluate(CART, codes=["bf"], now=NOW + timedelta(minutes=1))
    assert blocked.rejected[0].reason == "limit_reached"
    # Released: the capacity is back at once; releasing again does nothing.
    e.release(held.id, now=NOW + timedelta(minutes=2))
    e.release(held.id, now=NOW + timedelta(minutes=2))
    assert store.reservation(held.id).status == "released"
    assert e.evaluate(CART, codes=["bf"], now=NOW + timedelta(minutes=2)).discount == Decimal(
        "10.00"
    )
    # Expired: the capacity comes back by itself at its expiry.
    again = e.reserve(CART, codes=["bf"], now=NOW + timedelta(minutes=3), ttl=timedelta(minutes=5))
    assert e.evaluate(CART, codes=["bf"], now=NOW + timedelta(minutes=7)).discount == 0
    assert e.evaluate(CART, codes=["bf"], now=NOW + timedelta(minutes=8)).discount == Decimal(
        "10.00"
    )
    e.release(again.id, now=NOW + timedelta(minutes=9))  # expired: nothing to give back
    assert store.reservation(again.id).status == "expired"
    store.verify()


def test_confirm_turns_a_reservation_into_a_redemption_once(store: pm.Store) -> None:
    e = engine(store, pm.limit(1))
    held = e.reserve(CART, {"id": "c1"}, ["bf"], now=NOW)
    red = e.confirm(held.id, order_id="o1", now=NOW + timedelta(minutes=1))
    assert (red.status, red.order_id, red.reservation_id) == ("redeemed", "o1", held.id)
    assert red.result.discount == Decimal("10.00")
    assert red.customer_id == "c1"
    assert e.confirm(held.id, now=NOW + timedelta(minutes=2)).id == red.id
    assert store.reservation(held.id).redemption_id == red.id
    assert store.usage("bf") == pm.Usage(redemptions=1, discount=Decimal("10.00"), reserved=0)
    e.release(held.id, now=NOW)  # confirmed: releasing does nothing
    assert store.usage("bf").redemptions == 1
    store.verify()


def test_confirming_an_expired_reservation_decides_again(store: pm.Store) -> None:
    e = engine(store, pm.limit(1))
    held = e.reserve(CART, {"id": "c1"}, ["bf"], now=NOW, ttl=timedelta(minutes=1))
    other = e.redeem(CART, {"id": "c2"}, ["bf"], now=NOW + timedelta(minutes=2))
    assert other.result.discount == Decimal("10.00")
    late = e.confirm(held.id, order_id="o1", now=NOW + timedelta(minutes=3))
    assert late.result.discount == 0
    assert late.result.rejected[0].reason == "limit_reached"
    assert late.reservation_id == held.id
    assert late.created_at == NOW + timedelta(minutes=3)
    assert e.confirm(held.id).id == late.id
    store.verify()


def test_unknown_ids_and_bad_arguments_are_typed_errors(store: pm.Store) -> None:
    e = engine(store, pm.limit(1))
    with pytest.raises(NotFoundError) as err:
        e.rollback("rd_nope")
    assert err.value.errors()[0]["loc"] == ("redemption_id",)
    for call in (e.confirm, e.release):
        with pytest.raises(NotFoundError):
            call("rs_nope")
    with pytest.raises(InputError) as bad:
        e.reserve(CART, codes=["bf"], now=NOW, ttl=timedelta(seconds=-1))
    assert bad.value.errors()[0]["loc"] == ("ttl",)
    with pytest.raises(InputError) as bad:
        e.redeem(CART, customer={"id": 7}, now=NOW)
    assert bad.value.errors()[0]["loc"] == ("customer", "id")
    with pytest.raises(InputError) as bad:
        e.rollback(42)  # type: ignore[arg-type]
    assert bad.value.errors()[0]["loc"] == ("redemption_id",)
    with pytest.raises(InputError):
        e.release("rs_x", now=datetime(2026, 1, 1))  # naive
    assert store.redemptions() == []


def test_records_audit_and_export(store: pm.Store, tmp_path: Path) -> None:
    e = engine(store, pm.limit(5), pm.budget("100.00"))
    a = e.redeem(CART, {"id": "c1"}, ["bf"], now=NOW, order_id="o1")
    e.redeem(CART, {"id": "c2"}, ["bf"], now=NOW + timedelta(days=1), order_id="o2")
    e.rollback(a.id, reason="cancelled", now=NOW + timedelta(days=2))
    assert [r.order_id for r in store.redemptions(since=NOW + timedelta(hours=1))] == ["o2"]
    assert [r.order_id for r in store.redemptions(until=NOW + timedelta(hours=1))] == ["o1"]
    assert [r.status for r in store.redemptions(campaign_id="bf")] == ["rolled_back", "redeemed"]
    log = store.audit()
    assert [x.action for x in log] == ["redeem", "redeem", "rollback"]
    assert {x.engine_version for x in log} == {e.version}
    assert log[0].detail["customer_id"] == "c1"
    assert log[2].detail["reason"] == "cancelled"
    assert [x.action for x in store.audit(since=NOW + timedelta(days=2))] == ["rollback"]
    store.export("redemptions", tmp_path / "r.csv")
    rows = list(csv.DictReader((tmp_path / "r.csv").open()))
    assert [(r["order_id"], r["status"], r["discount"]) for r in rows] == [
        ("o1", "rolled_back", "10.00"),
        ("o2", "redeemed", "10.00"),
    ]
    pq = pytest.importorskip("pyarrow.parquet")
    store.export("audit", tmp_path / "a.parquet")
    assert pq.read_table(tmp_path / "a.parquet").column("action").to_pylist() == [
        "redeem",
        "redeem",
        "rollback",
    ]
    with pytest.raises(InputError):
        store.export("audit", tmp_path / "a.txt")


def test_stored_results_read_back_exactly(store: pm.Store) -> None:
    e = pm.Engine(
        [
            pm.Campaign(id="big", rules="cart.subtotal >= 1000", effect=pm.percent_off(50)),
            pm.Campaign(id="bf", code="BF", effect=pm.percent_off(15), limits=[pm.limit(9)]),
        ],
        store=store,
    )
    cart = {
        "items": [
            {"sku": "A", "price": "19.99", "quantity": 3},
            {"sku": "B", "price": "5.01", "quantity": 1},
        ]
    }
    red = e.redeem(cart, codes=["bf", "nope"], now=NOW)
    (stored,) = store.redemptions()
    assert stored.result == red.result
    assert stored.result.rejected[0].actual == Decimal("64.98")


def test_engines_pickle_with_their_store(store_url: str) -> None:
    e = engine(pm.store(store_url), pm.limit(1))
    e.redeem(CART, codes=["bf"], now=NOW)
    back = pickle.loads(pickle.dumps(e))
    assert back.version == e.version
    assert back.store.url == store_url
    expected = 0 if store_url.startswith("memory") else 1  # memory unpickles empty
    assert len(back.store.redemptions()) == expected


def test_verify_names_the_first_difference(tmp_path: Path) -> None:
    import sqlite3

    url = f"sqlite:///{tmp_path / 'v.db'}"
    e = engine(pm.store(url), pm.limit(5))
    e.redeem(CART, codes=["bf"], now=NOW)
    e.store.verify()
    with sqlite3.connect(tmp_path / "v.db") as db:
        db.execute("UPDATE promotor_counters SET value = value + 1")
    with pytest.raises(StoreError, match=r"count\|campaign=bf.* is 2 but the ledger"):
        e.store.verify()


def test_store_urls_are_checked(tmp_path: Path) -> None:
    with pytest.raises(InputError):
        pm.store("sqlite://relative.db")
    with pytest.raises(InputError):
        pm.store(f"sqlite:///{tmp_path / 'x.db'}?busy=3")
    with pytest.raises(StoreError):
        pm.store(f"sqlite:///{tmp_path / 'missing' / 'x.db'}").redemptions()


def test_an_unreachable_server_is_a_store_error() -> None:
    pytest.importorskip("psycopg")
    s = pm.store("postgresql://nobody@127.0.0.1:1/none?timeout=1")
    with pytest.raises(StoreError, match="cannot connect"):
        s.redemptions()
    r = pm.store("redis://127.0.0.1:1/0")
    with pytest.raises(StoreError):
        r.redemptions()
