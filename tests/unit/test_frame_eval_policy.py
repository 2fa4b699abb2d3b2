"""FrameEvalCompatibilityPolicy: real conflicts refuse, harmless surroundings do not."""

from __future__ import annotations

import importlib
import sys
import threading
import types

import pytest

from dapper._frame_eval.compatibility_policy import FrameEvalCompatibilityPolicy

needs_monitoring = pytest.mark.skipif(sys.version_info < (3, 12), reason="sys.monitoring is 3.12+")


def _extension_importable() -> bool:
    try:
        importlib.import_module("dapper._frame_eval._frame_evaluator")
    except ImportError:
        return False
    return True


def foreign_trace(frame, event, arg):
    return None


@pytest.fixture
def foreign_settrace():
    sys.settrace(foreign_trace)
    try:
        yield
    finally:
        sys.settrace(None)


def test_harmless_surroundings_do_not_refuse(monkeypatch):
    import pdb  # noqa: F401 - imported on purpose: it must not count as a conflict

    monkeypatch.setenv("VSCODE_PID", "1234")
    monkeypatch.setenv("PYCHARM_HOSTED", "1")
    monkeypatch.setenv("TERM_PROGRAM", "vscode")
    policy = FrameEvalCompatibilityPolicy()
    assert policy.can_use_settrace().ok
    if sys.version_info >= (3, 12):
        assert policy.can_use_monitoring().ok
    else:
        assert "3.12" in policy.can_use_monitoring().reason


def test_foreign_trace_function_refuses_settrace_and_eval_frame(foreign_settrace):
    policy = FrameEvalCompatibilityPolicy()
    answer = policy.can_use_settrace()
    assert not answer.ok and "foreign_trace" in answer.reason
    answer = policy.can_use_eval_frame()
    assert not answer.ok and "trace function" in answer.reason


def test_foreign_threading_trace_function_refuses_settrace():
    threading.settrace(foreign_trace)
    try:
        answer = FrameEvalCompatibilityPolicy().can_use_settrace()
    finally:
        threading.settrace(None)
    assert not answer.ok and "threading.gettrace()" in answer.reason


def test_coverage_trace_function_is_reported_as_coverage():
    namespace = {"__name__": "coverage.pytracer"}
    exec("def _trace(frame, event, arg):\n    return None\n", namespace)
    sys.settrace(namespace["_trace"])
    try:
        answer = FrameEvalCompatibilityPolicy().can_use_settrace()
    finally:
        sys.settrace(None)
    assert not answer.ok and "coverage" in answer.reason


def test_started_coverage_object_is_detected(monkeypatch):
    class Coverage:
        _current = None

        def __init__(self):
            self._started = False

        @classmethod
        def current(cls):
            return cls._current

    cov = Coverage()
    Coverage._current = cov
    monkeypatch.setitem(sys.modules, "coverage", types.SimpleNamespace(Coverage=Coverage))
    assert FrameEvalCompatibilityPolicy().can_use_settrace().ok  # created, not started
    cov._started = True
    answer = FrameEvalCompatibilityPolicy().can_use_settrace()
    assert not answer.ok and "coverage" in answer.reason


@needs_monitoring
def test_debugger_tool_slot_taken_refuses_monitoring():
    mon = sys.monitoring
    mon.use_tool_id(mon.DEBUGGER_ID, "otherdbg")
    try:
        answer = FrameEvalCompatibilityPolicy().can_use_monitoring()
        eval_answer = FrameEvalCompatibilityPolicy().can_use_eval_frame()
    finally:
        mon.free_tool_id(mon.DEBUGGER_ID)
    assert not answer.ok and "'otherdbg'" in answer.reason
    assert not eval_answer.ok


@needs_monitoring
def test_coverage_monitoring_tool_refuses_monitoring():
    mon = sys.monitoring
    mon.use_tool_id(mon.COVERAGE_ID, "coverage.py")
    try:
        answer = FrameEvalCompatibilityPolicy().can_use_monitoring()
    finally:
        mon.free_tool_id(mon.COVERAGE_ID)
    assert not answer.ok and "coverage" in answer.reason


def test_version_and_implementation_rules():
    assert "3.11-3.15" in FrameEvalCompatibilityPolicy(version=(3, 16)).can_use_eval_frame().reason
    old = FrameEvalCompatibilityPolicy(version=(3, 10))
    for answer in (old.can_use_eval_frame(), old.can_use_monitoring(), old.can_use_settrace()):
        assert not answer.ok and "needs CPython 3.11 or newer" in answer.reason
    assert "3.12+" in FrameEvalCompatibilityPolicy(version=(3, 11)).can_use_monitoring().reason
    answer = FrameEvalCompatibilityPolicy(implementation="pypy").can_use_eval_frame()
    assert not answer.ok and "not CPython" in answer.reason


def test_eval_frame_reports_missing_extension_when_it_is_missing():
    answer = FrameEvalCompatibilityPolicy().can_use_eval_frame()
    if _extension_importable():
        assert "_frame_evaluator" not in answer.reason
    else:
        assert not answer.ok and "_frame_evaluator" in answer.reason


def test_eval_frame_conflict_seam():
    policy = FrameEvalCompatibilityPolicy(eval_frame_conflict=lambda: "another hook: pydevd")
    answer = policy.can_use_eval_frame()
    assert not answer.ok
    if _extension_importable():
        assert answer.reason == "another hook: pydevd"


def test_free_threaded_build_refuses_eval_frame_but_not_tracing():
    """A free-threaded build is detected and eval_frame refused with the reason."""
    policy = FrameEvalCompatibilityPolicy(free_threaded=True)
    answer = policy.can_use_eval_frame()
    assert not answer.ok
    assert "free-threaded" in answer.reason and "GIL" in answer.reason
    assert policy.can_use_settrace().ok == FrameEvalCompatibilityPolicy().can_use_settrace().ok


def test_this_interpreter_is_not_reported_free_threaded_unless_it_is():
    import sysconfig

    built_without_gil = bool(sysconfig.get_config_var("Py_GIL_DISABLED"))
    assert FrameEvalCompatibilityPolicy().free_threaded == built_without_gil
