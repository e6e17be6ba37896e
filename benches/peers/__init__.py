"""Peers of promotor on the W20 (and W100) workloads, measured beside it by `make bench`.

- ``zen_w20``: W20 as one expression of GoRules' zen-engine (Rust, Python bindings), the text
  in ``zen_w20.zen``; one cart at a time from the same plain dicts as ``engine.evaluate``.
- ``polars_w20``: W20 written by hand in polars over the same Arrow table as
  ``evaluate_batch``, the 20 campaigns stacked as column expressions.

Each computes the same totals and applied campaigns as promotor (tests/test_bench_peers.py).
"""
