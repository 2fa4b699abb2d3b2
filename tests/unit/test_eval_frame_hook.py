"""The compiled hook itself: present, cheap on the fast path, leak-free, removable,
safe at interpreter exit, and correct for coroutines and exception-only tracing."""

from __future__ import annotations

import asyncio
import os
import platform
import subprocess
import sys
import textwrap
import threading

import pytest

from dapper._frame_eval import _frame_evaluator as fe  # ImportError fails the module
from dapper._frame_eval.debug_state import EXC_RAISED, DebugState
from dapper._frame_eval.decision import FrameDecision
from dapper._frame_eval.eval_frame_backend import EvalFrameBackend
from dapper.interpreters import FIRST_SUPPORTED, LAST_TESTED
from tests.unit import frame_eval_targets as t
from tests.unit.frame_eval_helpers import RecordingCallbacks, line_of

SUPPORTED = (
    platform.python_implementation() == "CPython"
    and FIRST_SUPPORTED <= sys.version_info[:2] <= LAST_TESTED
)
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_compiled_hook_is_importable_on_supported_interpreters():
    """Fails (never skips) when the extension was not built for this interpreter."""
    assert SUPPORTED, "the eval-frame hook targets CPython 3.11-3.15"
    from dapper._frame_eval import _frame_evaluator  # noqa: F401


@pytest.fixture
def backend():
    be = EvalFrameBackend()
    cb = RecordingCallbacks()
    be.install(cb, DebugState())
    be.cb = cb
    try:
        yield be
    finally:
        be.shutdown()


def async_target():
    async def coro():
        await asyncio.sleep(0)
        first = 1  # coro-first
        await asyncio.sleep(0)
        second = first + 1  # coro-second
        return second

    return coro


def test_fast_path_for_program_without_breakpoints(backend):
    for i in range(2000):
        t.calls_plain(i)
    stats = backend.get_stats()
    assert stats["slow_path_activations"] == 0
    assert stats["scoped_trace_installs"] == 0
    assert stats["fast_path_frames"] >= 6000
    assert stats["decision_cache_hits"] >= 6000
    # one decision per code object, not per call
    assert stats["decision_cache_misses"] < 200
    assert backend.cb.events == []
    assert fe.get_code_extra(t.plain.__code__)[1:] == (int(FrameDecision.SKIP), False)


def test_breakpoint_in_unrelated_function_keeps_others_on_fast_path(backend):
    backend.set_line_breakpoints(t.__file__, [line_of(t.body_bp, "bp-body")])
    for i in range(1000):
        t.calls_plain(i)
    assert backend.get_stats()["slow_path_activations"] == 0
    t.level1(1)
    assert backend.get_stats()["slow_path_activations"] == 1
    assert [e[1] for e in backend.cb.of("line")] == ["body_bp"]


def test_code_extra_reads_take_no_reference(backend):
    code = t.plain.__code__
    t.plain(1)
    before = sys.getrefcount(code)
    for i in range(100_000):
        t.plain(i)
    for _ in range(10_000):
        fe.get_code_extra(code)
    assert sys.getrefcount(code) == before
    version, decision, never = fe.get_code_extra(code)
    assert version == fe.current_version() and decision == 0 and not never


def test_debugger_code_is_marked_never_traced(backend):
    from dapper import paths

    paths.is_user_file(__file__)
    assert fe.get_code_extra(paths.is_user_file.__code__)[2] is True


def test_coroutine_breakpoints_hit_after_each_resume(backend):
    coro = async_target()
    first, second = line_of(coro, "coro-first"), line_of(coro, "coro-second")
    backend.set_line_breakpoints(__file__, [first, second])
    assert asyncio.run(coro()) == 2
    assert [e[2] for e in backend.cb.of("line", "coro")] == [first, second]


def test_exception_mode_alone_gives_exception_events_without_line_events(backend):
    backend.set_exception_mode(EXC_RAISED)
    assert t.catches() == "caught"
    assert fe.get_code_extra(t.raises_inner.__code__)[1] == int(FrameDecision.TRACE_EXCEPTIONS)
    kinds = {e[0] for e in backend.cb.events}
    assert kinds == {"exception", "unwind"}
    assert backend.cb.of("line") == [] and backend.cb.of("call") == []


def test_failing_decision_falls_back_to_default_evaluator(backend):
    def broken(code):
        raise RuntimeError("decision failed")

    backend.set_line_breakpoints(t.__file__, [line_of(t.body_bp, "bp-body")])
    fe.install(broken, backend._decide_frame_for_hook, None)
    try:
        assert t.level1(1) == 7  # still runs, untraced
    finally:
        fe.install(
            backend._decide_code_for_hook,
            backend._decide_frame_for_hook,
            backend._dispatch if backend.uses_trace_function else None,
        )
    assert backend.get_stats()["hook_fallbacks"] >= 1


def test_shutdown_restores_default_evaluator(backend):
    assert fe.is_installed() and not fe.eval_frame_is_default()
    backend.shutdown()
    assert not fe.is_installed()
    assert fe.eval_frame_is_default()


def test_hundred_install_shutdown_cycles():
    bp = line_of(t.body_bp, "bp-body")
    for _ in range(100):
        be = EvalFrameBackend()
        cb = RecordingCallbacks()
        be.install(cb, DebugState())
        be.set_line_breakpoints(t.__file__, [bp])
        t.level1(1)
        be.shutdown()
        assert fe.eval_frame_is_default()
        assert [e[2] for e in cb.of("line")] == [bp]
    assert sys.gettrace() is None


def test_running_without_callbacks_runs_frames_normally():
    fe.install(lambda code: 0, lambda code, d: d, None)
    try:
        assert t.level1(1) == 7
        assert fe.is_installed()
    finally:
        fe.uninstall()
    assert fe.eval_frame_is_default()


@pytest.mark.slow
def test_process_exits_cleanly_with_hook_installed():
    script = textwrap.dedent(
        """
        import threading
        from dapper._frame_eval.debug_state import DebugState
        from dapper._frame_eval.eval_frame_backend import EvalFrameBackend
        from tests.unit import frame_eval_targets as t
        from tests.unit.frame_eval_helpers import RecordingCallbacks, line_of

        be = EvalFrameBackend()
        be.install(RecordingCallbacks(), DebugState())
        be.set_line_breakpoints(t.__file__, [line_of(t.body_bp, "bp-body")])
        stop = threading.Event()
        worker = threading.Thread(target=t.running_worker, args=(threading.Event(), stop, [0]),
                                  daemon=True)
        worker.start()
        t.level1(1)
        print("ran", be.hook_installed)
        """
    )
    env = dict(os.environ, PYTHONPATH=ROOT)
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    assert proc.stdout.strip() == "ran True"


def test_breakpoint_in_thread_started_after_install(backend):
    bp = line_of(t.body_bp, "bp-body")
    backend.set_line_breakpoints(t.__file__, [bp])
    worker = threading.Thread(target=t.level1, args=(1,))
    worker.start()
    worker.join(10)
    assert [e[3] for e in backend.cb.of("line")] == [worker.ident]
