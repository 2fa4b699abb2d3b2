"""stepInTargets: calls of the current line in evaluation order; goto targets."""

from __future__ import annotations

import ast
import sys

from dapper.core.jumps import goto_targets
from dapper.core.step_targets import (
    Target,
    _calls_in_order,
    _parse_line,
    step_in_targets,
    target_name,
)


def _labels(text: str) -> list[str]:
    tree = _parse_line(text)
    assert tree is not None
    return [ast.unparse(call.func) for call in _calls_in_order(tree)]


def test_calls_run_innermost_first():
    assert _labels("value = outer(inner(1), other(2))") == ["inner", "other", "outer"]
    assert _labels("a.b().c(d())") == ["a.b", "d", "a.b().c"]


def test_compound_headers_parse():
    assert _labels("for item in produce(size()):") == ["size", "produce"]
    assert _labels("    if check(x) and verify(y):") == ["check", "verify"]
    assert _labels("elif ready(x):") == ["ready"]
    assert _parse_line("else:") is None  # no calls: no targets


def test_lambdas_and_nested_definitions_are_not_targets():
    assert _labels("handler = register(lambda: fire())") == ["register"]


def test_targets_of_a_live_frame():
    targets = step_in_targets(sys._getframe())  # the calls of this very line
    assert [t.label for t in targets] == ["sys._getframe", "step_in_targets"]
    assert [t.id for t in targets] == [1, 2]


def test_target_name_is_the_function_name():
    assert target_name("a.b().c") == "c"
    assert target_name("outer") == "outer"


def test_goto_targets_only_on_code_lines():
    assert goto_targets(frozenset({3, 4}), 4) == [Target(4, "Line 4", 4)]
    assert goto_targets(frozenset({3, 4}), 5) == []
