"""Stores under test. Memory and SQLite always; PostgreSQL and Redis when their URLs are set
(``make test`` starts throwaway servers with .ci/servers and sets them). Each test gets a
fresh, isolated store: a new SQLite file, PostgreSQL schema or Redis key prefix."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

import promotor as pm

POSTGRES = os.environ.get("PROMOTOR_TEST_POSTGRES_URL")
REDIS = os.environ.get("PROMOTOR_TEST_REDIS_URL")
HOW = "(`make test` starts a server when it is installed; `make system-deps` installs it)"
SKIP_POSTGRES = f"PostgreSQL store not tested: PROMOTOR_TEST_POSTGRES_URL is not set {HOW}"
SKIP_REDIS = f"Redis store not tested: PROMOTOR_TEST_REDIS_URL is not set {HOW}"

#: Every backend; `shared` are those that several processes can share.
ALL = ["memory", "sqlite", "postgres", "redis"]
SHARED = ["sqlite", "postgres", "redis"]


def fresh_url(kind: str, tmp_path: Path) -> str:
    tag = uuid.uuid4().hex[:12]
    if kind == "memory":
        return "memory://"
    if kind == "sqlite":
        return f"sqlite:///{tmp_path / f'{tag}.db'}"
    if kind == "postgres":
        if not POSTGRES:
            pytest.skip(SKIP_POSTGRES)
        return f"{POSTGRES}{'&' if '?' in POSTGRES else '?'}schema=t_{tag}"
    if not REDIS:
        pytest.skip(SKIP_REDIS)
    return f"{REDIS}{'&' if '?' in REDIS else '?'}prefix=t{tag}"


@pytest.fixture(params=ALL)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return fresh_url(request.param, tmp_path)


@pytest.fixture(params=SHARED)
def shared_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return fresh_url(request.param, tmp_path)


@pytest.fixture
def store(store_url: str) -> Iterator[pm.stores.Store]:
    with pm.store(store_url) as s:
        yield s
