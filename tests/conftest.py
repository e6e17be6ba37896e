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
