"""Compare an instrumented twin with its traced original (shared by the corpus
and property tests): same results and exceptions, and the check called exactly
as often, and on the same line, as the traced path reports that line."""

from __future__ import annotations

import sys
from collections.abc import Callable
from types import FunctionType
from typing import Any

from dapper._frame_eval.instrumentation.builder import CannotInstrumentError, build_twin


def outcome(call: Callable[[], Any]) -> tuple[str, Any]:
    try:
        return "returned", call()
    except Exception as exc:  # the same exception, with the same arguments
        return "raised", (type(exc).__name__, exc.args)


def traced_run(function: FunctionType, call: Callable[[FunctionType], Any], line: int):
    """(outcome, how many line events ``line`` got) under ``sys.settrace``."""
    code = function.__code__
    count = 0

    def local(frame, event, arg):
        nonlocal count
        if event == "line" and frame.f_lineno == line:
            count += 1
        return local

    def global_trace(frame, event, arg):
        return local if frame.f_code is code else None

    previous = sys.gettrace()
    sys.settrace(global_trace)
    try:
        result = outcome(lambda: call(function))
    finally:
        sys.settrace(previous)
    return result, count


def instrumented_run(
    function: FunctionType,
    call: Callable[[FunctionType], Any],
    lines: dict[int, str | None],
):
    """(outcome, [(line, hook argument)] per check call) with the twin swapped in.

    Raises ``CannotInstrumentError`` when the builder refuses.
    """
    calls: list[tuple[int, Any]] = []

    def hook(condition):
        calls.append((sys._getframe(1).f_lineno, condition))

    original = function.__code__
    twin, done = build_twin(original, lines, hook)
    if done != frozenset(lines):
        raise CannotInstrumentError(f"only {sorted(done)} of {sorted(lines)}")
    function.__code__ = twin
    try:
        result = outcome(lambda: call(function))
    finally:
        function.__code__ = original
    return result, calls


def compare_line(function: FunctionType, calls, line: int) -> bool:
    """Assert twin == traced original for a plain breakpoint on ``line`` over
    every call in ``calls``; False when the builder refused the line."""
    for call in calls:
        try:
            got, checks = instrumented_run(function, call, {line: None})
        except CannotInstrumentError:
            return False
        expected, count = traced_run(function, call, line)
        assert got == expected, f"{function.__qualname__} line {line}: {got} != {expected}"
        assert checks == [(line, None)] * count, (
            f"{function.__qualname__} line {line}: {len(checks)} checks, traced {count} events"
        )
    return True
