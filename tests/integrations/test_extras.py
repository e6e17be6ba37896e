"""Each integration needs its framework, an optional extra: without it, the error says which
extra to install (whether or not the framework is installed here)."""

from __future__ import annotations

import importlib
import sys

import pytest

import promotor as pm


@pytest.mark.parametrize(
    ("integration", "blocked", "extra"),
    [
        ("dask", "dask.dataframe", "dask"),
        ("ray", "ray.data", "ray"),
        ("spark", "pyspark.sql", "spark"),
    ],
)
def test_missing_framework_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch, engine: pm.Engine, integration: str, blocked: str, extra: str
) -> None:
    module = importlib.import_module(f"promotor.integrations.{integration}")
    monkeypatch.setitem(sys.modules, blocked, None)
    with pytest.raises(ImportError, match=rf"pip install 'promotor\[{extra}\]'"):
        module.evaluate(engine, None)
