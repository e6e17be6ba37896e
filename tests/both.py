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


class Twin:
    """An engine whose every evaluation is made by both evaluators: the reference decides, and
    the core must agree exactly. For what prices carts in Python on top of ``evaluate``
    (``engine.price``, ``engine.qualifications``): passed as their pricer, it runs each of their
    core decisions through both evaluators."""

    def __init__(self, engine: pm.Engine) -> None:
        self.engine = engine

    def evaluate(
        self,
        cart: Any,
        customer: Any = None,
        codes: Any = (),
        now: Any = None,
        context: Any = None,
    ) -> pm.Result:
        canonical = canonical_input(
            cart, customer=customer, codes=codes, now=now or NOW, context=context
        )
        expected = reference.evaluate(self.engine.to_ir(), canonical)
        assert self.engine._program.evaluate(canonical) == expected
        return pm.Result.from_outcome(expected)

    def to_ir(self) -> dict[str, Any]:
        return self.engine.to_ir()

    def _probe(self, campaign: dict[str, Any]) -> Twin:
        return Twin(self.engine._probe(campaign))
