"""Hand-computed cases through both evaluators: the reference computes the answer the test
checks, and the Rust core must give the same outcome on the same definition and input.

A definition the core refuses to compile (a literal mistake the reference evaluates as
``no_effect``, say ``gift(quantity=0)``) has no Rust answer to compare; the refusal itself is
tested in tests/test_robustness.py.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

from hypothesis import assume, note
from hypothesis import strategies as st

import promotor as pm
from promotor import _native
from promotor.errors import RuleError
from promotor.reference import evaluate

from .strategies import canonical_inputs

T = TypeVar("T")


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


def built_or_skip(build: Callable[[str], T], engine_ir: dict[str, Any]) -> T:
    """``build`` of a generated engine's JSON (noted for a failing example); hypothesis skips
    an engine the core refuses."""
    text = json.dumps(engine_ir)
    note(json.dumps(engine_ir, indent=1))
    try:
        return build(text)
    except RuleError as err:
        note(str(err))
        assume(False)
        raise


def compile_or_skip(engine_ir: dict[str, Any]) -> _native.Program:
    return built_or_skip(_native.Program, engine_ir)


def engine_or_skip(engine_ir: dict[str, Any]) -> pm.Engine:
    return built_or_skip(pm.Engine.from_json, engine_ir)


def compiled_case(
    engine_ir: dict[str, Any], data: st.DataObject
) -> tuple[_native.Program, dict[str, Any]]:
    """A generated engine's program and a canonical input drawn for its campaigns."""
    program = compile_or_skip(engine_ir)
    return program, data.draw(canonical_inputs(len(engine_ir["campaigns"])))
