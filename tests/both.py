"""Hand-computed cases through both evaluators: :func:`both` prices a cart with the engine
(Rust) and checks that the pure-Python reference decides exactly the same."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import promotor as pm
from promotor import reference
from promotor.inputs import canonical_input

NOW = datetime(2026, 11, 27, 10, tzinfo=UTC)


def both(engine: pm.Engine, cart: Any, **kwargs: Any) -> pm.Result:
    """The engine's result for ``cart``, once the reference's outcome equals the core's."""
    kwargs.setdefault("now", NOW)
    canonical = canonical_input(cart, **kwargs)
    native = engine._program.evaluate(canonical)
    assert reference.evaluate(engine.to_ir(), canonical) == native
    return engine.evaluate(cart, **kwargs)
