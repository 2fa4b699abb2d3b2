"""FrameEvalManager, FrameEvalRuntime and doctor: selection, fallback, logging, lifetime."""

from __future__ import annotations

import contextlib
import gc
import importlib
import io
import logging
import sys
import threading
import tracemalloc
import weakref

import pytest

from dapper._frame_eval.config import FrameEvalConfig
from dapper._frame_eval.debug_state import DebugState
from dapper._frame_eval.doctor import run_doctor
from dapper._frame_eval.frame_eval_main import BackendUnavailableError, FrameEvalManager
from dapper._frame_eval.instrumentation import instrumenter
from dapper._frame_eval.settrace_backend import SettraceBackend
from tests.unit import frame_eval_targets as t
from tests.unit.conftest import tracing_left_behind
from tests.unit.frame_eval_helpers import RecordingCallbacks, line_of

MODERN = sys.version_info >= (3, 12)


def eval_frame_available() -> bool:
    try:
        importlib.import_module("dapper._frame_eval._frame_evaluator")
        importlib.import_module("dapper._frame_eval.eval_frame_backend")
    except ImportError:
        return False
    return True


@contextlib.contextmanager
def monitoring_unavailable(holder: str = "otherdbg"):
    """Make sys.monitoring really unusable: it is missing below 3.12, else occupy its slot."""
    if not MODERN:
        yield
        return
    mon = sys.monitoring
    mon.use_tool_id(mon.DEBUGGER_ID, holder)
    try:
        yield
    finally:
        mon.free_tool_id(mon.DEBUGGER_ID)


def start(manager):
    return manager.start(RecordingCallbacks(), DebugState())


def test_auto_choice_matches_interpreter():
    manager = FrameEvalManager(FrameEvalConfig())
    backend = start(manager)
    try:
        status = manager.runtime.get_status()
        if MODERN:
            assert backend.name == "sys.monitoring"
            # The reason quotes the measured comparison with eval_frame.
            assert "eval_frame" in status["reason"] and "x plain" in status["reason"]
        elif eval_frame_available():
            assert backend.name == "eval_frame"
            assert "settrace" in status["reason"] and "x plain" in status["reason"]
        else:
            assert backend.name == "settrace"
            assert "_frame_evaluator" in status["reason"]
        assert status["active"] and status["backend"] == backend.name
        assert status["requested"]["backend"] == "auto"
        assert status["interpreter"].startswith(sys.implementation.name)
    finally:
        manager.shutdown()
    assert manager.runtime.get_status()["active"] is False


def test_requested_monitoring_falls_back_and_logs_once_per_reason(caplog):
    caplog.set_level(logging.WARNING, logger="dapper.frame_eval")
    manager = FrameEvalManager(FrameEvalConfig.from_backend_name("sys.monitoring"))
    with monitoring_unavailable("otherdbg"):
        for _ in range(3):
            backend = start(manager)
            assert backend.name == "settrace"
            assert manager.runtime.get_status()["fallback_from"] == "tracing"
            manager.shutdown()
    warnings = [r for r in caplog.records if r.name == "dapper.frame_eval"]
    assert len(warnings) == 1
    assert "sys.monitoring" in warnings[0].getMessage()
    if MODERN:
        with monitoring_unavailable("yetanother"):
            start(manager)
            manager.shutdown()
        warnings = [r for r in caplog.records if r.name == "dapper.frame_eval"]
        assert len(warnings) == 2 and "'yetanother'" in warnings[1].getMessage()


def test_requested_monitoring_without_fallback_raises_with_reason():
    cfg = FrameEvalConfig(
        backend="tracing", tracing_backend="sys.monitoring", fallback_to_tracing=False
    )
    manager = FrameEvalManager(cfg)
    with monitoring_unavailable("otherdbg"), pytest.raises(BackendUnavailableError) as info:
        start(manager)
    assert ("otherdbg" if MODERN else "3.12+") in str(info.value)
    assert manager.backend is None
    assert tracing_left_behind() == []


def test_requested_eval_frame_falls_back_or_raises():
    if eval_frame_available():
        manager = FrameEvalManager(FrameEvalConfig(backend="eval_frame"))
        assert start(manager).name == "eval_frame"
        manager.shutdown()
        return
    manager = FrameEvalManager(FrameEvalConfig(backend="eval_frame"))
    backend = start(manager)
    try:
        assert backend.name == ("sys.monitoring" if MODERN else "settrace")
        assert "_frame_evaluator" in manager.runtime.get_status()["reason"]
    finally:
        manager.shutdown()
    strict = FrameEvalManager(FrameEvalConfig(backend="eval_frame", fallback_to_tracing=False))
    with pytest.raises(BackendUnavailableError, match="eval_frame backend unavailable"):
        start(strict)


def test_foreign_trace_function_blocks_settrace():
    def foreign(frame, event, arg):
        return None

    sys.settrace(foreign)
    try:
        manager = FrameEvalManager(FrameEvalConfig.from_backend_name("settrace"))
        with pytest.raises(BackendUnavailableError, match="another trace function"):
            start(manager)
        assert sys.gettrace() is foreign
    finally:
        sys.settrace(None)


def test_runtime_stats_have_required_counters_and_count_events():
    # Traced events are what this counts: on 3.11's eval_frame the breakpoint
    # would be reached through instrumented code even on the first call.
    manager = FrameEvalManager(FrameEvalConfig(instrumented_code=False))
    backend = start(manager)
    try:
        backend.set_line_breakpoints(t.__file__, [line_of(t.body_bp, "bp-body")])
        t.level1(1)
        stats = manager.runtime.get_stats()
    finally:
        manager.shutdown()
    for key in (
        "slow_path_attempts",
        "slow_path_activations",
        "scoped_trace_installs",
        "return_events",
        "exception_events",
        "line_events",
        "call_events",
        "decision_cache_hits",
        "decision_cache_misses",
    ):
        assert isinstance(stats[key], int), key
    assert stats["line_events"] == 1
    assert stats["slow_path_activations"] >= 1
    assert manager.runtime.get_stats()["line_events"] == 0  # no backend after shutdown


def test_shutdown_order_hook_then_thread_state_then_bookkeeping_then_manager():
    order = []

    class Recording(SettraceBackend):
        def _remove_hook(self):
            order.append(("hook", sys.gettrace() is not None))
            super()._remove_hook()

        def _clear_thread_state(self):
            order.append(("thread_state", sys.gettrace() is not None))
            super()._clear_thread_state()

        def _clear_bookkeeping(self):
            order.append(("bookkeeping", manager.runtime.get_status()["active"]))
            super()._clear_bookkeeping()

    class Manager(FrameEvalManager):
        def _make_backend(self, name):
            return Recording()

    manager = Manager(FrameEvalConfig.from_backend_name("settrace"))
    start(manager)
    manager.shutdown()
    # the hook goes first (while still set), thread state after it is gone,
    # bookkeeping while the manager still reports the backend, then the manager resets
    assert order == [("hook", True), ("thread_state", False), ("bookkeeping", True)]
    assert manager.runtime.get_status()["active"] is False


@pytest.mark.parametrize("name", ["auto", "settrace"] + (["sys.monitoring"] if MODERN else []))
def test_hundred_enable_disable_cycles_leave_nothing_behind(name):
    manager = FrameEvalManager(FrameEvalConfig.from_backend_name(name))
    bp = line_of(t.body_bp, "bp-body")
    hits = [0]
    refs = [None, None]  # the first and the latest backend, no per-cycle growth

    class Counting(RecordingCallbacks):
        def on_line(self, frame, condition=None):
            if frame.f_lineno == bp:
                hits[0] += 1

    def cycle():
        backend = manager.start(Counting(), DebugState())
        backend.set_line_breakpoints(t.__file__, [bp])
        t.level1(1)
        refs[0 if refs[0] is None else 1] = weakref.ref(backend)
        del backend
        manager.shutdown()
        assert tracing_left_behind() == []

    for _ in range(10):
        cycle()
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.take_snapshot()
        objects_before = len(gc.get_objects())
        for _ in range(90):
            cycle()
        gc.collect()
        objects_grown = len(gc.get_objects()) - objects_before
        after = tracemalloc.take_snapshot()
    finally:
        tracemalloc.stop()
    # Count live blocks, not bytes: a one-off resize of an interpreter table is one
    # block, while anything kept per cycle would add at least 90.
    blocks_grown = sum(stat.count_diff for stat in after.compare_to(before, "filename"))
    assert hits == [100]
    assert refs[0]() is None and refs[1]() is None, "a shut-down backend is still referenced"
    assert blocks_grown < 90, f"{blocks_grown} more live memory blocks after 90 cycles"
    assert objects_grown < 90, f"{objects_grown} more gc-tracked objects after 90 cycles"
    assert threading.gettrace() is None


def test_doctor_lists_every_backend_and_auto_choice():
    out = io.StringIO()
    assert run_doctor(out) == 0
    text = out.getvalue()
    for name in ("eval_frame", "sys.monitoring", "settrace"):
        assert name in text
    assert "auto would choose: " + ("sys.monitoring" if MODERN else "") in text
    assert ("instrumented code: available" in text) is instrumenter.SUPPORTED
