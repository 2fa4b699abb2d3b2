"""The eval-frame backend: the compiled PEP 523 hook routes every frame entry
(DESIGN §2, §2b).

Frames that need nothing run on the default evaluator after one cached C
comparison. A code object's decision is computed once per state version by
``decide_code`` (through ``BackendBase.code_info``) and cached in its
code-extra slot by the hook; while a thread steps or pauses, frames also go
through ``decide_frame``. Selected frames get scoped events:

- 3.12+: per-code ``sys.monitoring`` local events (``LocalEventsTracer``), plus
  ``PY_START``/``PY_RESUME`` for ``on_call``;
- 3.11: the hook's C trace function, on only while a selected frame runs on the
  thread, forwards that frame's events to ``_dispatch`` below. While no thread
  steps, it drops lines without a breakpoint in C: every selected code object's
  breakpoint lines are handed to the hook (``set_line_map``).

Frames already running when a breakpoint or step appears are found through
``sys._current_frames()`` and traced the same way.
"""

from __future__ import annotations

import sys
import threading
from types import CodeType, FrameType
from typing import Any

from dapper._frame_eval import _frame_evaluator as _hook
from dapper._frame_eval.backend_base import BackendBase
from dapper._frame_eval.decision import FrameDecision, decide_frame
from dapper.paths import is_debugger_file

_get_ident = threading.get_ident
_SKIP = FrameDecision.SKIP
_TRACE_EXCEPTIONS = FrameDecision.TRACE_EXCEPTIONS
_TRACE = FrameDecision.TRACE

#: counters the compiled hook owns (they replace the Python-side values)
_HOOK_STATS = (
    "slow_path_attempts",
    "slow_path_activations",
    "fast_path_frames",
    "decision_cache_hits",
    "decision_cache_misses",
    "hook_fallbacks",
    "dispatch_errors",
)


def _hook_decision(decision: FrameDecision) -> int:
    """The hook knows SKIP, TRACE_EXCEPTIONS and TRACE; INSTRUMENTED runs traced."""
    return int(_TRACE if decision == FrameDecision.INSTRUMENTED else decision)


class EvalFrameBackend(BackendBase):
    """``FrameEvalBackend`` on the compiled eval-frame hook (CPython 3.11-3.13)."""

    name = "eval_frame"

    def __init__(self) -> None:
        super().__init__()
        self.uses_trace_function: bool = bool(_hook.USES_TRACE_FUNCTION)
        self.tracer = None
        if not self.uses_trace_function:
            from dapper._frame_eval.local_events import LocalEventsTracer

            self.tracer = LocalEventsTracer(self)
            events = sys.monitoring.events
            self.tracer.local_events |= events.PY_START | events.PY_RESUME
        #: 3.11: frames already running that need events: id -> (frame, decision)
        self._live: dict[int, tuple[FrameType, int]] = {}
        #: 3.11: thread -> exception of its last exception event (for on_unwind)
        self._last_exc: dict[int, BaseException] = {}
        self._live_lock = threading.RLock()
        #: 3.11: events the C trace function passed up to ``_dispatch``
        self.stats["dispatched_events"] = 0

    @property
    def hook_installed(self) -> bool:
        """True while the compiled hook is the interpreter's eval-frame function."""
        return bool(_hook.is_installed())

    # -- install / shutdown ------------------------------------------------------------
    def _install(self) -> None:
        if self.tracer is not None:
            mon = sys.monitoring
            self.tracer.acquire()
            mon.register_callback(self.tracer.tool_id, mon.events.PY_START, self._on_start)
            mon.register_callback(self.tracer.tool_id, mon.events.PY_RESUME, self._on_start)
        _hook.reset_stats()
        try:
            _hook.install(
                self._decide_code_for_hook,
                self._decide_frame_for_hook,
                self._dispatch if self.uses_trace_function else None,
            )
        except BaseException:
            if self.tracer is not None:
                self._release_tracer()
            raise

    def renew_locks_after_fork(self) -> None:
        self._live_lock = threading.RLock()

    def _remove_hook(self) -> None:
        _hook.uninstall()
        if self.tracer is not None:
            self._release_tracer()

    def _release_tracer(self) -> None:
        assert self.tracer is not None
        if self.tracer.acquired:
            sys.monitoring.register_callback(
                self.tracer.tool_id, sys.monitoring.events.PY_RESUME, None
            )
        self.tracer.release()

    def _clear_thread_state(self) -> None:
        with self._live_lock:
            self._live.clear()
            _hook.set_live_frames(())
        _hook.disable_tracing_all_threads()
        self._last_exc.clear()

    def get_stats(self) -> dict[str, int]:
        stats = super().get_stats()
        hook_stats = _hook.get_stats()
        for key in _HOOK_STATS:
            stats[key] = hook_stats[key]
        stats["scoped_trace_installs"] += hook_stats["scoped_trace_installs"]
        stats["live_frames"] = len(self._live)
        return stats

    # -- decisions the hook asks for (slow path only) -------------------------------------
    def _decide_code_for_hook(self, code: CodeType) -> int:
        """Once per code object per state version: what its frames need."""
        if is_debugger_file(code.co_filename):
            return _hook.NEVER
        if self.callbacks is None:
            return int(_SKIP)
        decision, bp_lines = self.code_info(code)
        decision = _hook_decision(decision)
        if decision == _TRACE:
            if self.tracer is not None:
                self.tracer.activate(code)
            else:
                _hook.set_line_map(code, bp_lines)
        return decision

    def _decide_frame_for_hook(self, code: CodeType, code_decision: int) -> int:
        """While a thread steps or pauses: the code decision with its stepping on top."""
        tid = _get_ident()
        state = self.state
        if tid in self._busy or tid in state.ignored_threads or self.callbacks is None:
            return int(_SKIP)
        decision = _hook_decision(decide_frame(code, state, tid, FrameDecision(code_decision)))
        if decision == _TRACE and code_decision != _TRACE and self.tracer is not None:
            self.tracer.activate(code, stepping=True)
        return decision

    # -- making state changes effective -------------------------------------------------
    def _refresh(self) -> None:
        if not self.installed:
            return
        state = self.state
        with state.lock:
            _hook.set_ignored_threads(tuple(state.ignored_threads))
            _hook.set_stepping_active(bool(state.stepping))
            if self.uses_trace_function:
                _hook.clear_line_maps()
                _hook.set_call_events(bool(state.function_breakpoints))
            _hook.set_version(state.version)
        if self.tracer is not None:
            self._refresh_monitoring()
        else:
            self._refresh_live_frames()

    def _running_frames_needing_events(self) -> list[tuple[FrameType, int]]:
        """(frame, decision) for running frames of every thread that need events now."""
        state = self.state
        found: list[tuple[FrameType, int]] = []
        for tid, frame in self.live_user_frames():
            code = frame.f_code
            decision = self.code_info(code)[0]
            step = state.stepping.get(tid)
            if step is not None:
                decision = decide_frame(code, state, tid, decision)
                if step.kind == "pause" or frame is step.frame:
                    decision = _TRACE
            if decision != _SKIP:
                found.append((frame, _hook_decision(decision)))
        return found

    def _refresh_monitoring(self) -> None:
        tracer = self.tracer
        assert tracer is not None
        if not self.state.stepping:
            tracer.clear_stepping()
        tracer.sync_all()
        stepping = self.state.stepping
        for frame, decision in self._running_frames_needing_events():
            if decision == _TRACE:
                tracer.activate(frame.f_code, stepping=bool(stepping))
        tracer.update_global_events()
        tracer.restart()

    def _refresh_live_frames(self) -> None:
        with self._live_lock:
            self._live = {id(f): (f, d) for f, d in self._running_frames_needing_events()}
            for frame, decision in self._live.values():
                if decision == _TRACE:
                    _hook.set_line_map(frame.f_code, self.code_info(frame.f_code)[1])
            self._publish_live()
        if self._live:
            _hook.enable_tracing_all_threads()

    def _publish_live(self) -> None:
        _hook.set_live_frames(list(self._live.values()))

    def _add_live(self, frame: FrameType, decision: int) -> None:
        if is_debugger_file(frame.f_code.co_filename):
            return
        with self._live_lock:
            self._live[id(frame)] = (frame, decision)
            self._publish_live()

    def _forget_live(self, frame: FrameType) -> None:
        with self._live_lock:
            entry = self._live.get(id(frame))
            if entry is not None and entry[0] is frame:
                del self._live[id(frame)]
                self._publish_live()

    # -- 3.12+: on_call from PY_START / PY_RESUME local events ------------------------------
    def _on_start(self, code: CodeType, offset: int) -> Any:
        tid = _get_ident()
        state = self.state
        if tid in self._busy or tid in state.ignored_threads or self.callbacks is None:
            return None
        if not state.stepping and not state.function_breakpoints:
            # on_call serves function breakpoints and stepping only: until the
            # next change (restart_events), starts of this code need nothing.
            return sys.monitoring.DISABLE
        decision = self.code_info(code)[0]
        if decision != _TRACE and state.stepping:
            decision = decide_frame(code, state, tid, decision)
        if decision == _TRACE:
            self.stats["call_events"] += 1
            self.deliver(self.callbacks.on_call, sys._getframe(1))
        return None

    # -- 3.11: events of selected frames from the C trace function ---------------------------
    def _dispatch(self, frame: FrameType, event: int, arg: Any, mode: int, live: bool) -> None:
        tid = _get_ident()
        state = self.state
        callbacks = self.callbacks
        if callbacks is None or tid in self._busy or tid in state.ignored_threads:
            return
        step = state.stepping.get(tid)
        stats = self.stats
        stats["dispatched_events"] += 1
        if event == _hook.EVENT_LINE:
            bp_lines = self.code_info(frame.f_code)[1]
            if step is not None or frame.f_lineno in bp_lines:
                self.deliver_line(tid, frame)
            elif not state.stepping:
                # The hook did not know this code's lines yet: from now on it does.
                _hook.set_line_map(frame.f_code, bp_lines)
        elif event == _hook.EVENT_CALL:
            if mode == _TRACE:
                stats["call_events"] += 1
                self.deliver(callbacks.on_call, frame)
        elif event == _hook.EVENT_RETURN:
            if live:
                self._forget_live(frame)
            if step is not None and mode == _TRACE:
                stats["return_events"] += 1
                self.deliver(callbacks.on_return, frame, arg)
                self._trace_caller(frame)
        elif event == _hook.EVENT_EXCEPTION:
            exc = arg[1] if isinstance(arg, tuple) else arg
            if isinstance(arg, tuple) and arg[2] is not None:
                # 3.11 attaches the traceback only once the exception is caught;
                # core reads where it was raised from ``__traceback__``.
                exc.__traceback__ = arg[2]
            self._last_exc[tid] = exc
            if self.exceptions_wanted():
                stats["exception_events"] += 1
                self.deliver(callbacks.on_exception, frame, exc)
        elif event == _hook.EVENT_UNWIND:
            if live:
                self._forget_live(frame)
            exc = self._last_exc.pop(tid, None)
            if self.exceptions_wanted() and exc is not None:
                stats["unwind_events"] += 1
                self.deliver(callbacks.on_unwind, frame, exc)
            if step is not None and mode == _TRACE:
                stats["return_events"] += 1
                self.deliver(callbacks.on_return, frame, None)
                self._trace_caller(frame)

    def _trace_caller(self, frame: FrameType) -> None:
        """A stepped frame returns: its caller gets line events so the step lands there."""
        caller = frame.f_back
        if caller is not None:
            self._add_live(caller, int(_TRACE))
