"""Behaviour of each tracing backend available here, with real functions and threads."""

from __future__ import annotations

import sys
import threading

import pytest

from dapper._frame_eval.debug_state import EXC_NONE, EXC_RAISED, DebugState, StepRequest
from dapper._frame_eval.tracing_backend import HAS_MONITORING, TracingBackend
from tests.unit import frame_eval_targets as t
from tests.unit.frame_eval_helpers import RecordingCallbacks, line_of

KINDS = ["settrace"] + (["sys.monitoring"] if HAS_MONITORING else [])
TARGETS = t.__file__


@pytest.fixture(params=KINDS)
def backend(request):
    be = TracingBackend(request.param)
    cb = RecordingCallbacks()
    be.install(cb, DebugState())
    be.cb = cb
    try:
        yield be
    finally:
        be.shutdown()


def lines_seen(cb, func, tid=None):
    return [e[2] for e in cb.of("line", func, tid)]


def test_breakpoint_in_body_hit_from_top_level_and_three_levels_deep(backend):
    bp = line_of(t.body_bp, "bp-body")
    backend.set_line_breakpoints(TARGETS, [bp])
    assert t.body_bp(1) == 4
    assert t.level1(1) == 7
    assert lines_seen(backend.cb, "body_bp") == [bp, bp]
    # Only the breakpoint line: nothing from the callers, nothing else in body_bp.
    assert backend.cb.of("line") == backend.cb.of("line", "body_bp")


def test_function_without_breakpoint_produces_no_callbacks(backend):
    backend.set_line_breakpoints(TARGETS, [line_of(t.body_bp, "bp-body")])
    assert t.calls_plain(1) == 10
    assert backend.cb.events == []
    stats = backend.get_stats()
    assert stats["slow_path_attempts"] >= 1
    assert stats["slow_path_activations"] == 0


def test_breakpoint_removed_stops_events(backend):
    bp = line_of(t.body_bp, "bp-body")
    backend.set_line_breakpoints(TARGETS, [bp])
    t.body_bp(1)
    backend.set_line_breakpoints(TARGETS, [])
    t.body_bp(1)
    t.level1(1)
    assert lines_seen(backend.cb, "body_bp") == [bp]


def test_function_breakpoint_gets_on_call(backend):
    backend.set_function_breakpoints(["func_bp_target"])
    assert t.func_bp_target(2) == 6
    t.plain(1)
    calls = backend.cb.of("call")
    assert [c[1] for c in calls] == ["func_bp_target"]
    assert backend.cb.of("line") == []


def test_breakpoint_added_while_function_runs_in_another_thread(backend):
    started, stop, counter = threading.Event(), threading.Event(), [0]
    worker = threading.Thread(target=t.running_worker, args=(started, stop, counter))
    worker.start()
    try:
        assert started.wait(10)
        line = line_of(t.running_worker, "worker-loop")
        backend.set_line_breakpoints(TARGETS, [line])
        hit = backend.cb.wait_for(lambda: backend.cb.of("line", "running_worker"))
    finally:
        stop.set()
        worker.join(10)
    assert hit, "breakpoint added to a running frame was never reported"
    assert {e[3] for e in backend.cb.of("line")} == {worker.ident}
    assert {e[2] for e in backend.cb.of("line")} == {line}


def _step_from_breakpoint(backend, kind):
    """Stop at middle-bp, then step ``kind`` like core would; return the events."""
    cb = backend.cb
    tid = threading.get_ident()

    def start_step(frame):
        if frame.f_code.co_name == "step_middle" and tid not in backend.state.stepping:
            backend.set_stepping(tid, StepRequest(kind, frame))

    cb.on_line_hook = start_step
    backend.set_line_breakpoints(TARGETS, [line_of(t.step_middle, "middle-bp")])
    result = t.step_outer(1)
    backend.set_stepping(tid, None)
    cb.on_line_hook = None
    assert result == 6
    return cb


def test_step_over_reports_following_lines_and_caller_after_return(backend):
    cb = _step_from_breakpoint(backend, "over")
    middle = lines_seen(cb, "step_middle")
    assert middle[:4] == [
        line_of(t.step_middle, "middle-bp"),
        line_of(t.step_middle, "middle-call"),
        line_of(t.step_middle, "middle-after"),
        line_of(t.step_middle, "middle-return"),
    ]
    assert [e[1] for e in cb.of("return")][:1] == ["step_middle"]
    assert cb.values[cb.events.index(cb.of("return", "step_middle")[0])] == 5
    assert line_of(t.step_outer, "outer-after") in lines_seen(cb, "step_outer")
    # step over does not descend into step_leaf
    assert lines_seen(cb, "step_leaf") == []


def test_step_in_reports_callee_lines(backend):
    cb = _step_from_breakpoint(backend, "in")
    assert line_of(t.step_leaf, "leaf-first") in lines_seen(cb, "step_leaf")
    assert cb.of("call", "step_leaf")
    assert line_of(t.step_middle, "middle-after") in lines_seen(cb, "step_middle")


def test_step_out_reports_return_and_caller_lines(backend):
    cb = _step_from_breakpoint(backend, "out")
    assert cb.of("return", "step_middle")
    assert line_of(t.step_outer, "outer-after") in lines_seen(cb, "step_outer")


def test_pause_reaches_thread_spinning_in_tight_loop(backend):
    started, flag = threading.Event(), [False]
    worker = threading.Thread(target=t.spin, args=(started, flag))
    worker.start()
    try:
        assert started.wait(10)
        backend.set_stepping(worker.ident, StepRequest("pause"))
        paused = backend.cb.wait_for(lambda: backend.cb.of("line", "spin", worker.ident))
    finally:
        flag[0] = True
        worker.join(10)
        backend.set_stepping(worker.ident, None)
    assert paused, "pause request never reached the spinning thread"
    assert (
        line_of(t.spin, "spin") - 1
        <= backend.cb.of("line", "spin")[0][2]
        <= line_of(t.spin, "spin")
    )


def test_exception_events_follow_exception_mode(backend):
    assert t.catches() == "caught"
    assert backend.cb.events == []
    backend.set_exception_mode(EXC_RAISED)
    assert t.catches() == "caught"
    exc_funcs = [e[1] for e in backend.cb.of("exception")]
    assert exc_funcs == ["raises_inner", "propagates", "catches"]
    assert all(isinstance(v, ValueError) for v in backend.cb.values)
    assert [e[1] for e in backend.cb.of("unwind")] == ["raises_inner", "propagates"]
    backend.set_exception_mode(EXC_NONE)
    before = len(backend.cb.events)
    t.catches()
    assert len(backend.cb.events) == before


def test_stepping_thread_does_not_give_other_threads_line_events(backend):
    tid = threading.get_ident()
    backend.set_stepping(tid, StepRequest("in"))
    t.shared_work(3)
    worker = threading.Thread(target=t.shared_work, args=(50,))
    worker.start()
    worker.join(10)
    backend.set_stepping(tid, None)
    assert lines_seen(backend.cb, "shared_work", tid)
    assert backend.cb.of(tid=worker.ident) == []


def test_generator_breakpoint_hit_on_every_resume(backend):
    bp = line_of(t.counting_gen, "gen-bp")
    backend.set_line_breakpoints(TARGETS, [bp])
    assert list(t.counting_gen(3)) == [0, 10, 20]
    assert lines_seen(backend.cb, "counting_gen") == [bp, bp, bp]


def test_callbacks_are_not_reentered_on_the_same_thread(backend):
    bp = line_of(t.body_bp, "bp-body")
    backend.set_line_breakpoints(TARGETS, [bp])
    nested = []
    backend.cb.on_line_hook = lambda frame: nested.append(t.body_bp(5))  # core "evaluates"
    t.body_bp(1)
    assert nested == [12]
    assert lines_seen(backend.cb, "body_bp") == [bp]


def test_ignored_thread_gets_no_events(backend):
    backend.set_line_breakpoints(TARGETS, [line_of(t.body_bp, "bp-body")])
    ready = threading.Event()
    go = threading.Event()

    def engine():
        ready.set()
        go.wait(10)
        t.level1(1)

    thread = threading.Thread(target=engine)
    thread.start()
    assert ready.wait(10)
    backend.ignore_thread(thread.ident)
    go.set()
    thread.join(10)
    t.body_bp(1)
    assert {e[3] for e in backend.cb.events} == {threading.get_ident()}


def test_shutdown_leaves_no_tracing_and_clears_frame_trace(backend):
    backend.set_line_breakpoints(TARGETS, [line_of(t.body_bp, "bp-body")])
    frame = sys._getframe()
    backend.set_stepping(threading.get_ident(), StepRequest("pause"))
    backend.shutdown()
    assert frame.f_trace is None
    assert sys.gettrace() is None
    monitoring = getattr(sys, "monitoring", None)
    if monitoring is not None:
        assert monitoring.get_tool(monitoring.DEBUGGER_ID) is None
    before = len(backend.cb.events)
    t.body_bp(1)
    assert len(backend.cb.events) == before


def test_code_the_program_keeps_generating_is_not_kept_alive(backend):
    # Decisions are cached per code object; a program that generates code
    # (exec, templates) must be able to free it as it would without a debugger.
    import gc
    import weakref

    from dapper._frame_eval.backend_base import CODE_CACHE_LIMIT

    backend.set_line_breakpoints(TARGETS, [line_of(t.body_bp, "bp-body")])
    first = None
    for i in range(CODE_CACHE_LIMIT):  # two code objects each: module and function
        namespace: dict = {}
        exec(f"def generated(x):\n    return x + {i}\n", namespace)
        assert namespace["generated"](1) == i + 1
        if first is None:
            first = weakref.ref(namespace["generated"].__code__)
    del namespace
    gc.collect()
    assert first() is None
    assert backend.get_stats()["cached_codes"] <= CODE_CACHE_LIMIT
    assert t.body_bp(1) == 4  # and breakpoints still work
    assert lines_seen(backend.cb, "body_bp") == [line_of(t.body_bp, "bp-body")]
