"""The call that builds a function's twin runs in that twin too (3.11
eval_frame: the hook re-binds the call's arguments to the swapped function;
decision 009, "The first entry"). Whatever the route, the first call returns
and raises what the plain function does, and each breakpoint line reaches the
debugger exactly as often as it runs."""

from __future__ import annotations

import sys
import traceback

import pytest

from dapper._frame_eval.debug_state import DebugState
from dapper._frame_eval.eval_frame_backend import EvalFrameBackend
from dapper._frame_eval.instrumentation.instrumenter import SUPPORTED
from tests.unit import first_entry_targets as t
from tests.unit.frame_eval_helpers import RecordingCallbacks
from tests.unit.instrumentation_support import outcome

pytestmark = pytest.mark.skipif(not SUPPORTED, reason="instrumented code not tested here")

#: 3.11: the hook routes the first entry; 3.12+ serves it with local events
ROUTED = EvalFrameBackend().uses_trace_function

BP_LINES = [n for n, text in enumerate(open(t.__file__), 1) if text.rstrip().endswith("# bp")]


@pytest.fixture
def backend():
    be = EvalFrameBackend()
    be.enable_instrumentation(True)
    cb = RecordingCallbacks()
    codes: list = []
    cb.on_line_hook = lambda frame: codes.append(frame.f_code)
    be.install(cb, DebugState())
    be.cb = cb
    be.codes = codes
    be.set_line_breakpoints(t.__file__, BP_LINES)
    try:
        yield be
    finally:
        be.shutdown()


CALLS = [
    ("signature", lambda: t.signature(1, 2, 3, c=5, z=9, y=1), 1),
    ("signature", lambda: t.signature(1, c=1), 1),
    ("signature", lambda: t.signature(*[1, 2, 3, 4], **{"c": 0, "d": 1, "e": 2}), 1),
    ("positional_only", lambda: t.positional_only(1, a=2), 1),
    ("with_cell", lambda: t.with_cell(3), 1),
    ("generator", lambda: list(t.generator(3)), 3),
    ("coroutine", lambda: t.drive(t.coroutine(4)), 1),
    ("async_generator", lambda: t.drive(t.collect(t.async_generator(3))), 3),
    ("recursive", lambda: t.recursive(3), 4),
    ("raising", lambda: t.raising(7), 1),
    ("method", lambda: t.Thing(2).method(extra=3), 1),
    ("signature", lambda: t.signature(1, 2, 3, 4, c=5, d=6, x=7), 1),
]


@pytest.mark.parametrize(("name", "call", "hits"), CALLS)
def test_first_call_behaves_like_the_plain_function(backend, name, call, hits):
    backend.shutdown()
    expected = outcome(call)  # plain, no debugger
    backend.install(backend.cb, DebugState())
    backend.set_line_breakpoints(t.__file__, BP_LINES)
    function = getattr(t.Thing if name == "method" else t, name)
    original = function.__code__
    got = outcome(call)
    assert got == expected
    lines = [e[2] for e in backend.cb.of("line", name)]
    assert len(lines) == hits and set(lines) <= set(BP_LINES)
    assert function.__code__ is not original, "later calls run the twin"
    if ROUTED:
        # Every hit, the first call's included, came from the twin's check.
        assert all(code is function.__code__ for code in backend.codes)
        assert backend.get_stats()["line_events"] == 0
        assert backend.get_stats()["twin_first_entries"] >= 1
    backend.shutdown()
    assert function.__code__ is original


def test_a_traceback_through_the_first_call_shows_one_frame(backend):
    with pytest.raises(ValueError) as caught:
        t.raising(7)
    names = [entry.name for entry in traceback.extract_tb(caught.value.__traceback__)]
    assert names.count("raising") == 1
    assert names[-1] == "raising"
    assert caught.value.__traceback__.tb_next.tb_frame.f_code.co_name == "raising"


def test_the_first_call_sees_its_caller_and_its_own_locals(backend):
    seen = {}

    def look(frame):
        seen["locals"] = dict(frame.f_locals)
        seen["caller"] = frame.f_back.f_code.co_name

    backend.cb.on_line_hook = look
    assert t.signature(1, c=2, q=3) == (12, (), {"q": 3})
    assert seen["caller"] == sys._getframe().f_code.co_name
    assert seen["locals"] == {"a": 1, "b": 2, "args": (), "c": 2, "d": 4, "kw": {"q": 3}}


def test_switched_off_the_first_call_is_traced():
    be = EvalFrameBackend()
    be.enable_instrumentation(False)
    cb = RecordingCallbacks()
    be.install(cb, DebugState())
    try:
        be.set_line_breakpoints(t.__file__, BP_LINES)
        assert t.with_cell(1) == 2
        assert [e[2] for e in cb.of("line", "with_cell")] == [BP_LINES[2]]
        assert be.get_stats().get("twin_first_entries", 0) == 0
    finally:
        be.shutdown()
