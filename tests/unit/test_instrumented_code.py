"""Instrumented twins: same behaviour as the traced original on every corpus
function and line, nothing observable changes, refusals are clean."""

from __future__ import annotations

import functools
import inspect
import linecache
import pickle
import sys
import traceback

import pytest

from dapper._frame_eval.decision import code_lines
from dapper._frame_eval.instrumentation.builder import CannotInstrumentError, build_twin
from tests.unit import instrumentation_corpus as corpus
from tests.unit.instrumentation_support import compare_line, instrumented_run, outcome

pytestmark = pytest.mark.skipif(sys.version_info < (3, 11), reason="3.11+ only")

METHODS = {
    corpus.Shapes.area: [lambda f: f(corpus.Shapes(), 2, 3)],
    corpus.Shapes.static: [lambda f: f(4)],
    corpus.Shapes.prop.fget: [lambda f: f(corpus.Shapes())],
    corpus.decorated_factory(1): [lambda f: f(5)],
}
CASES = {**corpus.CALLS, **METHODS}


def _line_of(function, text: str) -> int:
    lines, start = inspect.getsourcelines(function)
    for offset, source in enumerate(lines):
        if text in source:
            return start + offset
    raise AssertionError(f"{text!r} not in {function.__qualname__}")


@pytest.mark.parametrize("function", list(CASES), ids=lambda f: f.__qualname__)
def test_every_line_behaves_like_the_traced_original(function):
    instrumented = [
        line
        for line in sorted(code_lines(function.__code__))
        if compare_line(function, CASES[function], line)
    ]
    if function is corpus.lam:
        assert instrumented == [], "a lambda's body is an expression: nothing to insert into"
    else:
        assert instrumented, f"no line of {function.__qualname__} could be instrumented"


@pytest.mark.parametrize(
    ("function", "text", "taken"),
    [
        (corpus.loops, "total += i", True),
        (corpus.loops, "for i in range(n):", False),  # the header runs once per iteration
        (corpus.loops, "while j < n:", False),  # one piece on 3.14+, still once per iteration
        (corpus.several, "a = x; b = a + 1", True),  # several statements: one check
        (corpus.tries, "y = 10 // x", True),
        (corpus.tries, "except ZeroDivisionError:", False),  # a handler starts there
        (corpus.gen, "got = yield i", True),
        (corpus.coro, "total += value", True),
        (corpus.matcher, "r = a + b", True),
        (corpus.multiline, "b)", False),  # a continuation line
        (corpus.long_function, "v += 19", True),  # the last line before return
        (corpus.long_function, "v = x", True),  # the first line after the docstring
    ],
)
def test_lines_taken_and_refused(function, text, taken):
    line = _line_of(function, text)
    assert compare_line(function, CASES[function], line) is taken


def test_a_condition_is_evaluated_in_the_frame_once_and_its_errors_reach_the_hook():
    line = _line_of(corpus.loops, "total += i")
    result, checks = instrumented_run(
        corpus.loops, lambda f: f(10), {line: "i in (4, 7) or 1 // (i - 8) > 0"}
    )
    assert result == outcome(lambda: corpus.loops(10))
    # i runs 1, 2, 4, 5, 7, 8 there: true at 4 and 7, ZeroDivisionError at 8
    assert checks == [(line, True), (line, True), (line, False)]


def test_a_hit_counted_line_calls_its_counting_hook_only_where_the_condition_holds():
    line = _line_of(corpus.loops, "total += i")
    original = corpus.loops.__code__
    hooked, counted = [], []

    def count():
        counted.append(sys._getframe(1).f_locals["i"])

    twin, done = build_twin(
        original, {line: "i % 2 == 0 or 1 // (i - 5) > 0"}, hooked.append, {line: count}
    )
    assert done == {line}
    corpus.loops.__code__ = twin
    try:
        result = outcome(lambda: corpus.loops(10))
    finally:
        corpus.loops.__code__ = original
    assert result == outcome(lambda: corpus.loops(10))
    # i runs 1, 2, 4, 5, 7, 8 there: holds at 2, 4 and 8, raises at 5
    assert counted == [2, 4, 8]
    assert hooked == [False]


def test_a_hit_counted_line_whose_condition_core_evaluates_leaves_the_count_to_core():
    line = _line_of(corpus.loops, "total += i")
    hooked, counted = [], []
    twin, _ = build_twin(
        corpus.loops.__code__,
        {line: "(lambda: i > 3)()"},  # a lambda cannot run in the frame
        hooked.append,
        {line: lambda: counted.append(1)},
    )
    corpus.loops.__code__, original = twin, corpus.loops.__code__
    try:
        corpus.loops(10)
    finally:
        corpus.loops.__code__ = original
    assert counted == [] and hooked == [None] * 6


def test_a_condition_reading_an_enclosing_variable_is_left_to_core():
    # ``k`` is a local of ``outer``, not of ``inner``: compiling it into
    # ``inner`` would add a free variable, so the twin is refused.
    code = corpus.outer.__code__
    inner = next(c for c in code.co_consts if getattr(c, "co_name", "") == "inner")
    line = inner.co_firstlineno + 1
    with pytest.raises(CannotInstrumentError, match="co_freevars"):
        build_twin(inner, {line: "k > 1"}, print)


def test_nothing_observable_changes_and_identity_comes_back():
    function = corpus.raises
    original = function.__code__
    line = _line_of(function, "value = x + 1")
    twin, _ = build_twin(original, {line: None}, lambda condition: None)
    wrapped = functools.wraps(function)(lambda *a: function(*a))
    function.__code__ = twin
    try:
        assert inspect.getsource(function) == inspect.getsource(wrapped.__wrapped__)
        assert set(code_lines(original)) == set(code_lines(twin))
        assert [p for p in original.co_positions() if p[0] != line] == [
            p for p in twin.co_positions() if p[0] != line
        ]
        try:
            wrapped(5)
        except ValueError as exc:
            frames = traceback.extract_tb(exc.__traceback__)
        assert (frames[-1].name, frames[-1].lineno) == (
            "raises",
            _line_of(function, "raise ValueError"),
        )
        assert frames[-1].line == "raise ValueError(value)"
        assert pickle.loads(pickle.dumps(function)) is function
        assert wrapped.__wrapped__ is function
        assert (twin.co_varnames, twin.co_freevars, twin.co_cellvars) == (
            original.co_varnames,
            original.co_freevars,
            original.co_cellvars,
        )
        assert not set(twin.co_names) - set(original.co_names), "no new global names"
    finally:
        function.__code__ = original
    assert function.__code__ is original


def test_nested_code_objects_are_the_original_ones():
    code = corpus.outer.__code__
    line = _line_of(corpus.outer, "values = [inner(v)")
    twin, _ = build_twin(code, {line - 3: None}, lambda condition: None)  # cell = k * 2
    originals = [c for c in code.co_consts if hasattr(c, "co_code")]
    nested = [c for c in twin.co_consts if hasattr(c, "co_code")]
    assert nested and all(a is b for a, b in zip(nested, originals, strict=True))


def test_an_edited_source_file_is_refused(tmp_path, monkeypatch):
    module = tmp_path / "edited_mod.py"
    module.write_text("def f(x):\n    y = x + 1\n    return y\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    import edited_mod

    module.write_text("def f(x):\n    y = x + 2\n    return y\n")
    linecache.checkcache(str(module))
    with pytest.raises(CannotInstrumentError, match="changed"):
        build_twin(edited_mod.f.__code__, {2: None}, print)
    sys.modules.pop("edited_mod", None)


def test_code_without_source_is_refused():
    namespace: dict = {}
    exec(compile("def f(x):\n    return x\n", "<no file>", "exec"), namespace)
    with pytest.raises(CannotInstrumentError):
        build_twin(namespace["f"].__code__, {2: None}, print)
