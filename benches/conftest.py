"""Polars sizes its thread pool once, at import: the polars peer (benches/peers/polars_w20.py)
is compared with promotor on one thread, so it gets one thread too, unless the caller set
POLARS_MAX_THREADS. It takes effect only when nothing imported polars before (`pytest
benches`, as `make bench` runs it); the benchmark records the pool's size either way."""

import os
import sys

if "polars" not in sys.modules:
    os.environ.setdefault("POLARS_MAX_THREADS", "1")
