import os
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

# `fast` runs on every `make test`; `slow` (make test-slow) is the 100,000-case run.
settings.register_profile(
    "fast", max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "slow",
    max_examples=100_000,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
settings.register_profile("dev", max_examples=50, deadline=None)
# A middle ground for checking a change: HYPOTHESIS_PROFILE=check (5,000 cases per property).
settings.register_profile(
    "check", max_examples=5_000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "fast"))


@pytest.fixture
def run() -> Callable[..., dict[str, Any]]:
    """The reference evaluator with the small stand-ins of tests/test_reference.py, shared by
    the reference test modules; every case is also priced by the Rust core, which must agree
    (tests/twin.py)."""
    from promotor.reference import evaluate

    from .test_reference import EXPONENTS, fake_print, fake_regex
    from .twin import rust_agrees

    def run(engine_ir: dict[str, Any], canonical_input: dict[str, Any]) -> dict[str, Any]:
        rust_agrees(engine_ir, canonical_input)
        return evaluate(
            engine_ir,
            canonical_input,
            printer=fake_print,
            regex_search=fake_regex,
            currency_exponent=EXPONENTS.get,
        )

    return run


def pytest_report_header() -> list[str]:
    """Which real servers the store tests use (tests/state/conftest.py)."""
    found = []
    for name, var in (
        ("PostgreSQL", "PROMOTOR_TEST_POSTGRES_URL"),
        ("Redis", "PROMOTOR_TEST_REDIS_URL"),
    ):
        url = os.environ.get(var)
        found.append(f"store tests: {name} " + (f"at {url}" if url else f"SKIPPED ({var} not set)"))
    return found


def pytest_terminal_summary(terminalreporter: Any) -> None:
    for name, var in (
        ("PostgreSQL", "PROMOTOR_TEST_POSTGRES_URL"),
        ("Redis", "PROMOTOR_TEST_REDIS_URL"),
    ):
        if not os.environ.get(var):
            terminalreporter.write_line(
                f"NOTE: the {name} store tests were skipped: {var} is not set "
                "(`make test` starts a server when it is installed; `make system-deps`)",
                yellow=True,
            )
