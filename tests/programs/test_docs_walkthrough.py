"""The migration walk-through of docs/loyalty.md on generated files of 100,000 customers
(``make test`` runs the page on 2,000 through tests/test_docs.py)."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest

from tests.test_docs import blocks


@pytest.mark.slow
def test_the_migration_walk_through_on_100000_customers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PROMOTOR_DOCS_CUSTOMERS", "100000")
    namespace: dict[str, object] = {"__name__": "__docs__"}
    with contextlib.redirect_stdout(io.StringIO()):
        for name, line, body in blocks("python"):
            if name == "loyalty.md":
                exec(compile("\n" * (line - 1) + body, f"docs/{name}", "exec"), namespace)
    assert namespace["report"].sent > 200_000  # type: ignore[attr-defined]
