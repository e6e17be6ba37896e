"""Stateful simulation over order history (DESIGN section 11): :func:`simulate` replays orders
in ``created_at`` order through limits and budgets held in memory in Rust, exactly as
``engine.redeem`` would decide them one by one, and returns a :class:`Report`.
"""

from ._replay import simulate
from ._report import Forecast, Report

__all__ = ["Forecast", "Report", "simulate"]
