"""Code pools on every store: bulk inserts that add all or nothing, lookups by any spelling,
import and export, generation against the pool, atomic assignment, unique codes at checkout
(`not_assigned_to_customer`, `unknown_code`, one-time codes) and wallets."""

from __future__ import annotations

import csv
import sqlite3
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

import promotor as pm
from promotor.errors import InputError, PoolExhaustedError, RuleError, StoreError

NOW = datetime(2026, 11, 27, 10, tzinfo=UTC)
CART = {"items": [{"sku": "A", "price": "30.00", "quantity": 1}]}


def sorry_engine(store: pm.Store, **extra: object) -> pm.Engine:
    """One-time "sorry" coupons from support: 10.00 off, each code once."""
    return pm.Engine(
        [
            pm.Campaign(
                id="sorry",
                unique_codes=True,
                effect=pm.amount_off(10),
                limits=[pm.limit(1, per="code")],
                **extra,  # type: ignore[arg-type]
            ),
            pm.Campaign(id="bf", code="BLCKFRDY", effect=pm.amount_off(1)),
        ],
        store=store,
    )


def test_add_codes_is_one_bulk_insert_all_or_nothing(store: pm.Store) -> None:
    assert store.add_codes("sorry", ["SRY-1", "SRY-2", "SRY-3"]) == 3
    with pytest.raises(InputError) as within:
        store.add_codes("sorry", ["NEW-1", "new-2", "ＮＥＷ-1"])
    assert [(e["loc"], e["type"]) for e in within.value.errors()] == [(("codes", 2), "duplicate")]
    with pytest.raises(InputError) as against:
        store.add_codes("other", ["NEW-9", " sry-2 "])
    (error,) = against.value.errors()
    assert error["loc"] == ("codes", 1)
    assert "already in the pool of campaign 'sorry'" in error["msg"]
    # Nothing of either call was added.
    assert store.pool("sorry") == pm.pools.Pool("sorry", 3, 0)
    assert store.pool("other").codes == 0
    assert store.lookup_code("new-9") is None
    store.verify()


def test_bad_codes_and_customers_are_located(store: pm.Store) -> None:
    with pytest.raises(InputError) as bad:
        store.add_codes("sorry", ["OK", "  ", "A\u200bB"])
    assert [e["loc"] for e in bad.value.errors()] == [("codes", 1), ("codes", 2)]
    with pytest.raises(InputError, match="expected 2 customers"):
        store.add_codes("sorry", ["A", "B"], customers=["c1"])
    assert store.pools() == []


def test_lookup_by_any_spelling_keeps_the_display_form(store: pm.Store) -> None:
    store.add_codes("vip", ["VIP-Straße", "VIP-2"], customers=["c1", None])
    assert store.lookup_code("  vip-STRASSE ") == ("vip", "VIP-Straße", "c1")
    assert store.lookup_code("vip-2") == ("vip", "VIP-2", None)
    assert store.lookup_code("vip-3") is None
    assert store.pool("vip") == pm.pools.Pool("vip", 2, 1)
    assert store.pool("vip").free == 1


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_import_and_export(store: pm.Store, tmp_path: Path, suffix: str) -> None:
    source = tmp_path / "in.csv"
    source.write_text("code,customer_id\nANN-1,c1\nANN-2,\nANN-3,c2\n", encoding="utf-8")
    assert store.import_codes("anniversary", source) == 3
    engine = pm.Engine(
        [pm.Campaign(id="anniversary", unique_codes=True, effect=pm.percent_off(15))], store=store
    )
    assert engine.assign_code("anniversary", customer="c3", now=NOW) == "ANN-2"
    out = tmp_path / f"out{suffix}"
    assert store.export_codes("anniversary", out) == 3
    if suffix == ".csv":
        rows = list(csv.DictReader(out.open(encoding="utf-8")))
        got = [(r["code"], r["customer_id"] or None, r["assigned_at"] or None) for r in rows]
    else:
        import pyarrow.parquet as pq

        table = pq.read_table(out).to_pylist()
        got = [
            (r["code"], r["customer_id"], r["assigned_at"] and r["assigned_at"].isoformat())
            for r in table
        ]
    assert got == [
        ("ANN-1", "c1", None),
        ("ANN-2", "c3", NOW.isoformat()),
        ("ANN-3", "c2", None),
    ]
    # The export reads back into another store's pool as it was (assignments included).
    with pm.store("memory://") as other:
        assert other.import_codes("anniversary", out) == 3
        assert other.pool("anniversary") == pm.pools.Pool("anniversary", 3, 3)


def test_import_refuses_duplicates_by_file_row(store: pm.Store, tmp_path: Path) -> None:
    store.add_codes("x", ["TAKEN"])
    source = tmp_path / "dup.csv"
    source.write_text("code\nA-1\nB-1\na-1\ntaken\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        store.import_codes("y", source)
    assert [e["loc"] for e in err.value.errors()] == [("rows", 3), ("rows", 4)]
    assert store.pool("y").codes == 0
    bad = tmp_path / "bad.csv"
    bad.write_text("coupon\nA\n", encoding="utf-8")
    with pytest.raises(InputError, match="'code' column"):
        store.import_codes("y", bad)
    with pytest.raises(InputError, match=r"\.csv or \.parquet"):
        store.import_codes("y", tmp_path / "codes.txt")


def test_generate_codes_into_the_pool(store: pm.Store) -> None:
    first = store.generate_codes("spring", "SP-######", 500, seed=1)
    second = store.generate_codes("spring", "SP-######", 500, seed=1)
    assert len(set(first) | set(second)) == 1000  # the same seed, yet none repeats the pool
    assert store.pool("spring").codes == 1000
    # The guessability check counts the pool after the generation: 6 characters of 32 make
    # 2**30 codes, which hold 1,024 live ones at 20 bits.
    with pytest.raises(RuleError, match="for 1,100 live codes"):
        store.generate_codes("spring", "SP-######", 100)
    store.generate_codes("spring", "SP-######", 100, min_guess_bits=19)
    assert store.pool("spring").codes == 1100
    store.verify()


def test_assign_code(store: pm.Store) -> None:
    engine = sorry_engine(store)
    store.add_codes("sorry", ["S-1", "S-2", "S-3"], customers=[None, "c9", None])
    assert engine.assign_code("sorry", customer="c1", now=NOW) == "S-1"
    assert engine.assign_code("sorry", customer={"id": "c1"}, now=NOW) == "S-1"
    assert engine.assign_code("sorry", customer="c9", now=NOW) == "S-2"  # imported with it
    assert engine.assign_code("sorry", customer="c2", now=NOW) == "S-3"
    with pytest.raises(PoolExhaustedError, match="no free code"):
        engine.assign_code("sorry", customer="c3", now=NOW)
    assert store.pool("sorry") == pm.pools.Pool("sorry", 3, 3)
    with pytest.raises(InputError, match="unique_codes=True"):
        engine.assign_code("bf", customer="c1")
    with pytest.raises(InputError):
        engine.assign_code("sorry", customer={"email": "x@example.com"})
    assert [e.action for e in store.audit()] == ["assign", "assign"]
    store.verify()


def test_unique_codes_at_checkout(store: pm.Store) -> None:
    engine = sorry_engine(store)
    store.add_codes("sorry", ["SRY-AAAA", "SRY-BBBB"])
    code = engine.assign_code("sorry", customer="c1", now=NOW)
    assert code == "SRY-AAAA"
    r = engine.evaluate(CART, customer={"id": "c1"}, codes=["sry-aaaa"], now=NOW)
    assert [(a.campaign_id, a.code, a.amount) for a in r.applied] == [
        ("sorry", "SRY-AAAA", Decimal("10.00"))
    ]
    # Someone else, or nobody: refused, and the campaign is named.
    for customer in ({"id": "c2"}, None):
        (x,) = engine.evaluate(CART, customer=customer, codes=[code], now=NOW).rejected
        assert (x.campaign_id, x.code, x.reason) == ("sorry", code, "not_assigned_to_customer")
    # A free code is anyone's; one of no pool is unknown, answered like any unknown code.
    assert engine.evaluate(CART, codes=["SRY-BBBB"], now=NOW).discount == Decimal("10.00")
    answers = {
        guess: [
            (x.campaign_id, x.reason, x.detail)
            for x in engine.evaluate(CART, codes=[guess], now=NOW).rejected
        ]
        for guess in ("SRY-AAAB", "SRY-ZZZZ", "nothing-like-it")
    }
    assert set(map(tuple, answers.values())) == {((None, "unknown_code", None),)}
    # Once per code: the first redemption uses it up.
    assert engine.redeem(CART, {"id": "c1"}, [code], now=NOW).result.discount == Decimal("10.00")
    (x,) = engine.evaluate(CART, customer={"id": "c1"}, codes=[code], now=NOW).rejected
    assert (x.reason, x.detail) == ("limit_reached", "per_code")
    store.verify()


def test_unique_codes_when_a_gift_card_pays_too(store: pm.Store) -> None:
    """A redeem with programmes (here a gift card paying the rest) decides on the pool rows
    as a plain redeem does: the holder's code applies, anyone else's is refused."""
    engine = sorry_engine(store)
    store.add_codes("sorry", ["SRY-AAAA"], customers=["c1"])
    engine.issue_gift_card("100.00", code="GC-1", now=NOW)
    other = engine.redeem(CART, {"id": "c2"}, ["SRY-AAAA"], now=NOW, gift_cards=["GC-1"])
    assert [x.reason for x in other.result.rejected] == ["not_assigned_to_customer"]
    assert other.result.discount == Decimal("0.00")
    red = engine.redeem(CART, {"id": "c1"}, ["sry-aaaa"], now=NOW, gift_cards=["GC-1"])
    assert [(a.campaign_id, a.code) for a in red.result.applied] == [("sorry", "SRY-AAAA")]
    assert [(p.kind, p.amount) for p in red.result.payments] == [("gift_card", Decimal("20.00"))]
    assert engine.gift_card("GC-1").balance == Decimal("50.00")
    store.verify()


def test_wallet(store: pm.Store) -> None:
    ends = NOW + timedelta(days=30)
    engine = pm.Engine(
        [
            pm.Campaign(id="sorry", unique_codes=True, effect=pm.amount_off(10),
                        limits=[pm.limit(1, per="code")]),
            pm.Campaign(id="anniversary", unique_codes=True, effect=pm.percent_off(15),
                        rules="cart.subtotal >= 50", ends_at=ends),
        ],
        store=store,
    )  # fmt: skip
    store.add_codes("sorry", ["S-1", "S-2"], customers=["c1", "c1"])
    store.add_codes("anniversary", ["A-1"], customers=["c1"])
    engine.redeem(CART, {"id": "c1"}, ["S-1"], now=NOW)
    wallet = engine.wallet("c1", cart=CART, now=NOW)
    assert [(w.code, w.campaign_id, w.status, w.expires_at, w.value) for w in wallet] == [
        ("S-1", "sorry", "used", None, Decimal("0.00")),
        ("S-2", "sorry", "available", None, Decimal("10.00")),
        ("A-1", "anniversary", "available", ends, Decimal("0.00")),  # cart under 50
    ]
    big = {"items": [{"sku": "A", "price": "60.00", "quantity": 1}]}
    assert [w.value for w in engine.wallet({"id": "c1"}, cart=big, now=NOW)] == [
        Decimal("0.00"), Decimal("10.00"), Decimal("9.00"),
    ]  # fmt: skip
    later = engine.wallet("c1", now=ends)
    assert [(w.status, w.value) for w in later] == [
        ("used", None), ("available", None), ("expired", None),
    ]  # fmt: skip
    assert (later.points, later.gift_cards, len(later)) == ({}, (), 3)
    assert list(engine.wallet("nobody", now=NOW)) == []


def test_verify_names_a_pool_whose_counts_differ(tmp_path: Path) -> None:
    path = tmp_path / "p.db"
    with pm.store(f"sqlite:///{path}") as store:
        store.add_codes("sorry", ["S-1", "S-2"])
        store.verify()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE promotor_pools SET assigned = 1")
    with pm.store(f"sqlite:///{path}") as store, pytest.raises(StoreError, match="pool 'sorry'"):
        store.verify()


@pytest.mark.parametrize("version", [1, 2])
def test_a_database_without_pools_gains_them(tmp_path: Path, version: int) -> None:
    """A database written before pools (schema 1, or 2 with the programmes; no recorded
    steps) migrates in place."""
    from promotor.stores._sql import MIGRATIONS

    path = tmp_path / "old.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE promotor_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)")
        for step in range(1, version + 1):
            for statement in MIGRATIONS[step]:
                conn.execute(
                    statement.format(
                        big="INTEGER", serial="INTEGER PRIMARY KEY AUTOINCREMENT",
                        without_rowid=" WITHOUT ROWID",
                    )
                )  # fmt: skip
        conn.execute("INSERT INTO promotor_meta VALUES ('schema_version', ?)", (str(version),))
    with pm.store(f"sqlite:///{path}") as store:
        store.add_codes("sorry", ["S-1"])
        store.verify()
    with sqlite3.connect(path) as conn:
        steps = {n for (n,) in conn.execute("SELECT name FROM promotor_meta")}
    assert {f"step:{n}" for n in MIGRATIONS} <= steps
