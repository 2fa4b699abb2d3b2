"""Property test: for generated functions (loops, break/continue, try/except,
with, nested blocks, several statements on a line, raises), a plain breakpoint
on any line the builder accepts behaves exactly like the traced original:
same return values and exceptions, one check per traced line event."""

from __future__ import annotations

import importlib.util
import itertools
import sys

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from dapper._frame_eval.decision import code_lines  # noqa: E402
from tests.unit.instrumentation_support import compare_line  # noqa: E402

VARS = ("a", "b", "c")
_modules = itertools.count()
_loop_names = (f"w{n}" for n in itertools.count())

expr = st.one_of(
    st.sampled_from(VARS + ("x",)),
    st.integers(-3, 9).map(str),
    st.tuples(st.sampled_from(VARS + ("x",)), st.sampled_from("+-*"), st.integers(0, 4)).map(
        lambda t: f"{t[0]} {t[1]} {t[2]}"
    ),
    st.tuples(st.sampled_from(VARS), st.integers(-2, 3)).map(lambda t: f"1 // ({t[0]} - {t[1]})"),
)
condition = st.tuples(st.sampled_from(VARS + ("x",)), st.sampled_from(["<", ">", "=="]), expr).map(
    " ".join
)
assign = st.tuples(st.sampled_from(VARS), expr).map(lambda t: [f"{t[0]} = {t[1]}"])
several = st.lists(assign, min_size=2, max_size=3).map(lambda a: ["; ".join(s[0] for s in a)])
simple = st.one_of(
    assign,
    assign,
    several,
    condition.map(lambda c: [f"if {c}: raise ValueError({c!r})"]),
    st.tuples(condition, assign).map(lambda t: [f"if {t[0]}: {t[1][0]}"]),
)


def _indent(lines: list[str]) -> list[str]:
    return ["    " + line for line in lines]


def _blocks(inner):
    body = st.lists(inner, min_size=1, max_size=3).map(lambda b: [ln for s in b for ln in s])
    return st.one_of(
        st.tuples(condition, body, body).map(
            lambda t: [f"if {t[0]}:", *_indent(t[1]), "else:", *_indent(t[2])]
        ),
        st.tuples(
            st.integers(0, 4), body, st.sampled_from(["", "break", "continue"]), condition
        ).map(
            lambda t: [
                f"for i{len(t[1])} in range({t[0]}):",
                *_indent(t[1]),
                *([f"    if {t[3]}:", f"        {t[2]}"] if t[2] else []),
            ]
        ),
        # Each while loop counts with a variable of its own: a nested loop
        # resetting a shared counter would never end.
        st.tuples(st.integers(0, 3), body, st.builds(lambda: next(_loop_names))).map(
            lambda t: [
                f"{t[2]} = 0",
                f"while {t[2]} < {t[0]}:",
                f"    {t[2]} += 1",
                *_indent(t[1]),
            ]
        ),
        st.tuples(body, body).map(
            lambda t: [
                "try:",
                *_indent(t[0]),
                "except (ZeroDivisionError, ValueError):",
                *_indent(t[1]),
            ]
        ),
        st.tuples(body, body).map(lambda t: ["try:", *_indent(t[0]), "finally:", *_indent(t[1])]),
        body.map(lambda b: ["with nullcontext():", *_indent(b)]),
    )


statements = st.recursive(simple, _blocks, max_leaves=8)
function_bodies = st.lists(statements, min_size=1, max_size=4).map(
    lambda b: [ln for s in b for ln in s]
)


def _load(body: list[str], tmp_dir) -> object:
    name = f"generated_{next(_modules)}"
    source = "\n".join(
        [
            "from contextlib import nullcontext",
            "",
            "",
            "def generated(x):",
            "    a = b = c = 1",
            *_indent(body),
            "    return a, b, c",
            "",
        ]
    )
    path = tmp_dir / f"{name}.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.generated


CALLS = [lambda f, x=x: f(x) for x in (0, 1, 2, 3)]


@pytest.mark.skipif(sys.version_info < (3, 11), reason="3.11+ only")
@settings(
    max_examples=40,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(body=function_bodies)
def test_generated_functions_behave_like_the_traced_original(body, tmp_path):
    function = _load(body, tmp_path)
    taken = [
        line
        for line in sorted(code_lines(function.__code__))
        if compare_line(function, CALLS, line)
    ]
    first_statement = function.__code__.co_firstlineno + 1
    assert first_statement in taken, "a plain assignment must always take a check"
