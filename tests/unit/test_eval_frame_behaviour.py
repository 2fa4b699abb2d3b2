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
    test_code_the_program_keeps_generating_is_not_kept_alive,
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


@pytest.mark.skipif(not EvalFrameBackend().uses_trace_function, reason="3.11 C trace function")
def test_lines_without_breakpoint_stay_in_c_while_nobody_steps(backend):
    """3.11: a selected frame's hot loop does not call into Python per line; once
    the breakpoint moves into the loop, every iteration reaches core."""
    from tests.unit import frame_eval_targets as t
    from tests.unit.frame_eval_helpers import line_of

    after = line_of(t.loop_then_bp, "after-loop")
    backend.set_line_breakpoints(t.__file__, [after])
    assert t.loop_then_bp(1000) >= 0
    assert backend.cb.of("line") == []
    assert backend.get_stats()["dispatched_events"] < 10  # not one per iteration

    body = line_of(t.loop_then_bp, "loop-body")
    backend.set_line_breakpoints(t.__file__, [body])
    t.loop_then_bp(50)
    assert [e[2] for e in backend.cb.of("line", "loop_then_bp")] == [body] * 50
