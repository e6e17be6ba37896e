"""Code generation through Python (docs/codes.md): `pm.codes.generate` as a list of str and as an
Arrow array, in batches of 200,000. benches/report.py turns the medians into codes per second
next to the pure-Rust figure (criterion, rust/promotor-core/benches/codes.rs)."""

from __future__ import annotations

from typing import Any

import pytest

import promotor as pm

N_CODES = 200_000


@pytest.mark.benchmark(group="codes", max_time=2.0)
def test_codes_generate_list(benchmark: Any) -> None:
    codes = benchmark(pm.codes.generate, "BF-####-####", count=N_CODES)
    assert len(codes) == N_CODES


@pytest.mark.benchmark(group="codes", max_time=2.0)
def test_codes_generate_arrow(benchmark: Any) -> None:
    codes = benchmark(pm.codes.generate, "BF-####-####", count=N_CODES, arrow=True)
    assert len(codes) == N_CODES


@pytest.mark.benchmark(group="codes", max_time=2.0)
def test_codes_normalize(benchmark: Any) -> None:
    assert benchmark(pm.codes.normalize, " BF-7K2M-Q9XA ") == "bf-7k2m-q9xa"
