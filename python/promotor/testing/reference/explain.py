"""Explaining a failure (docs/semantics.md, "Explaining a failure")."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from promotor.testing.reference.expr import Node, RuleEvaluator, Value, report, truthy

__all__ = ["Failure", "explain_failure"]

_COMPARISONS = {"eq", "ne", "lt", "le", "gt", "ge", "in"}
_RECEIVER_TESTS = {"contains", "startsWith", "endsWith", "matches"}


@dataclass(frozen=True)
class Failure:
    """The failing leaf of a false rule, printed, with its reported ``actual``/``expected``."""

    condition: str
    actual: Any
    expected: Any


def failing_leaf(evaluator: RuleEvaluator, node: Node, env: Mapping[str, Value]) -> Node:
    """Walk down from a false rule: through ``&&`` to its first false operand, through ``||``
    (both false) to its first operand; anything else is the leaf."""
    while node["type"] == "binary" and node["op"] in ("and", "or"):
        if node["op"] == "and" and truthy(evaluator.eval(node["left"], env)):
            node = node["right"]
        else:
            node = node["left"]
    return node


def explain_failure(
    evaluator: RuleEvaluator,
    rule: Node,
    env: Mapping[str, Value],
    printer: Callable[[Node], str],
) -> Failure:
    """The :class:`Failure` of a rule that did not hold."""
    leaf = failing_leaf(evaluator, rule, env)
    if leaf["type"] == "binary" and leaf["op"] in _COMPARISONS:
        actual = evaluator.eval(leaf["left"], env)
        expected = evaluator.eval(leaf["right"], env)
    elif leaf["type"] == "call" and leaf["fn"] in _RECEIVER_TESTS and len(leaf["args"]) == 2:
        actual = evaluator.eval(leaf["args"][0], env)
        expected = evaluator.eval(leaf["args"][1], env)
    else:
        actual = evaluator.eval(leaf, env)
        expected = True
    return Failure(printer(leaf), report(actual), report(expected))
