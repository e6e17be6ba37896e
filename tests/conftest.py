import os

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
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "fast"))


def _reference_without_native() -> None:
    """Without the native module (not built), ``import promotor`` fails in its ``__init__``.
    Register the package bare then, so the pure-Python reference evaluator (which needs only
    ``promotor._reference``) can still be imported and tested; tests of the native module
    skip or fail on their own imports as before."""
    import sys
    import types
    from pathlib import Path

    package_dir = Path(__file__).resolve().parent.parent / "python" / "promotor"
    if str(package_dir.parent) not in sys.path:
        sys.path.insert(0, str(package_dir.parent))
    try:
        import promotor  # noqa: F401
    except ImportError:
        bare = types.ModuleType("promotor")
        bare.__path__ = [str(package_dir)]
        sys.modules["promotor"] = bare


_reference_without_native()
