"""The eval-frame backend passes the same behaviour tests as the tracing backends
(breakpoints from top level and three levels deep, running frames in other
threads, step in/over/out, pause, exceptions, generators, ignored threads)."""

from __future__ import annotations

import pytest

from dapper._frame_eval.debug_state import DebugState
from dapper._frame_eval.eval_frame_backend import EvalFrameBackend
from tests.unit.frame_eval_helpers import RecordingCallbacks
from tests.unit.test_frame_eval_tracing_backends import (  # noqa: F401  (collected here)
    test_breakpoint_added_while_function_runs_in_another_thread,
    test_breakpoint_in_body_hit_from_top_level_and_three_levels_deep,
    test_breakpoint_removed_stops_events,
    test_callbacks_are_not_reentered_on_the_same_thread,
    test_exception_events_follow_exception_mode,
    test_function_breakpoint_gets_on_call,
    test_function_without_breakpoint_produces_no_callbacks,
    test_generator_breakpoint_hit_on_every_resume,
    test_ignored_thread_gets_no_events,
    test_pause_reaches_thread_spinning_in_tight_loop,
    test_shutdown_leaves_no_tracing_and_clears_frame_trace,
    test_step_in_reports_callee_lines,
    test_step_out_reports_return_and_caller_lines,
    test_step_over_reports_following_lines_and_caller_after_return,
    test_stepping_thread_does_not_give_other_threads_line_events,
)


@pytest.fixture
def backend():
    """Overrides the tracing-backend fixture: the same tests run on the hook."""
    be = EvalFrameBackend()
    cb = RecordingCallbacks()
    be.install(cb, DebugState())
    be.cb = cb
    assert be.hook_installed
    try:
        yield be
    finally:
        be.shutdown()
    assert not be.hook_installed
