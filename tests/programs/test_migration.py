"""Migration: imports stream, are idempotent per (file content, row), report rejected rows
and match customers by normalised email."""

from __future__ import annotations

import sys
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

import pytest

import promotor as pm

NOW = datetime(2026, 11, 27, 10, tzinfo=UTC)
POINTS = pm.Loyalty(
    id="points", earn=[pm.earn(points=1)], tiers=[pm.LoyaltyTier("vip", points=100)]
)


@pytest.fixture(params=["memory", "sqlite"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> pm.Engine:
    url = "memory://" if request.param == "memory" else f"sqlite:///{tmp_path}/m.db"
    return pm.Engine([], programs=[POINTS], store=url)


def test_import_by_id_add_then_replace(engine: pm.Engine, tmp_path: Path) -> None:
    f = tmp_path / "b.csv"
    f.write_text("customer_id,points\nc1,100\nc2,abc\nc3,-1\n,5\nc1,20\n")
    report = engine.import_points("points", f, now=NOW)
    assert report == pm.ImportReport(rows=5, imported=2, skipped=0, errors=[
        (2, "points must be a whole number, got 'abc'"),
        (3, "points must not be negative, got -1"),
        (4, "missing customer_id"),
    ])  # fmt: skip
    assert engine.balance("c1", now=NOW).available == 120
    # Imported balances do not count toward tiers.
    assert engine.balance("c1", now=NOW).tier is None
    g = tmp_path / "r.csv"
    g.write_text("customer_id,points\nc1,7\n")
    assert engine.import_points("points", g, mode="replace", now=NOW).imported == 1
    assert engine.balance("c1", now=NOW).available == 7
    engine.store.verify()


def test_emails_match_known_customers_once_normalised(engine: pm.Engine, tmp_path: Path) -> None:
    engine.redeem({"items": []}, customer={"id": "c9", "email": "Ana@Shop.com"}, now=NOW)
    f = tmp_path / "e.csv"
    f.write_text("email,points\n  ANA@shop.COM ,40\nbob@shop.com,5\nnot-an-email,1\n")
    report = engine.import_points("points", f, now=NOW)
    assert report.errors == [
        (2, "unknown customer 'bob@shop.com'"),
        (3, "invalid email 'not-an-email'"),
    ]
    assert engine.balance("c9", now=NOW).available == 40
    again = engine.import_points("points", f, now=NOW, create_missing=True)
    assert (again.imported, again.skipped) == (1, 1)  # bob is created; Ana's row was done
    assert engine.balance("bob@shop.com", now=NOW).available == 5


def test_retroactive_points_count_toward_tiers(engine: pm.Engine, tmp_path: Path) -> None:
    f = tmp_path / "s.csv"
    f.write_text("customer_id,total_spent\nc1,1234.56\nc2,-3\n")
    report = engine.award_retroactive("points", f, per=10, now=NOW)
    assert report.errors == [(2, "total_spent must not be negative, got -3")]
    b = engine.balance("c1", now=NOW)
    assert (b.available, b.tier) == (123, "vip")
    assert [e.type for e in engine.store.events()] == ["points_earned", "tier_changed"]


def test_progress_shows_a_bar_with_tqdm_and_nothing_without_it(
    engine: pm.Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    f = tmp_path / "p.csv"
    f.write_text("customer_id,points\nc1,10\n")
    assert engine.import_points("points", f, now=NOW, progress=True).imported == 1
    assert "importing p.csv" in capsys.readouterr().err
    # tqdm is an extra (promotor[progress]): without it the import runs, without a bar.
    monkeypatch.setitem(sys.modules, "tqdm", None)
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)
    g = tmp_path / "q.csv"
    g.write_text("customer_id,points\nc2,10\n")
    assert engine.import_points("points", g, now=NOW, progress=True).imported == 1
    assert capsys.readouterr().err == ""
    assert engine.balance("c2", now=NOW).available == 10


@pytest.mark.slow
def test_a_million_rows_stream_in_constant_memory(tmp_path: Path) -> None:
    f = tmp_path / "big.csv"
    with f.open("w") as out:
        out.write("customer_id,points\n")
        for i in range(1_000_000):
            out.write(f"c{i},{i % 500}\n")
    engine = pm.Engine([], programs=[POINTS], store=f"sqlite:///{tmp_path}/big.db")
    tracemalloc.start()
    report = engine.import_points("points", f, now=NOW, progress=True)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert report.imported == 1_000_000
    assert peak < 200 * 2**20  # batches of 5,000 rows, whatever the file's size
