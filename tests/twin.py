"""Hand-computed cases through both evaluators: the reference computes the answer the test
checks, and the Rust core must give the same outcome on the same definition and input.

A definition the core refuses to compile (a literal mistake the reference evaluates as
``no_effect``, say ``gift(quantity=0)``) has no Rust answer to compare; the refusal itself is
tested in tests/test_robustness.py.
"""

from __future__ import annotations

import json
from typing import Any

from promotor import _native
from promotor.errors import RuleError
from promotor.reference import evaluate


def rust_agrees(engine_ir: dict[str, Any], canonical_input: dict[str, Any]) -> bool:
    """Asserts that the core's outcome equals the reference's (both with the native printer,
    regex search and currency table); ``False`` when the core does not compile the definition."""
    try:
        program = _native.Program(json.dumps(engine_ir))
    except RuleError:
        return False
    expected = evaluate(engine_ir, canonical_input)
    assert program.evaluate(canonical_input) == expected
    return True
