"""The eval-frame backend: the compiled PEP 523 hook routes every frame entry.

Frames that need nothing run on the default evaluator after one cached C
comparison. A code object's decision is computed once per state version by
``decide_code`` (through ``BackendBase.code_info``) and cached in its
code-extra slot by the hook; while a thread steps or pauses, frames also go
through ``decide_frame``. Selected frames get scoped events:

- 3.12+ (``MonitoringEvalFrameBackend``): per-code ``sys.monitoring`` local
  events (``LocalEventsTracer``), plus ``PY_START``/``PY_RESUME`` for ``on_call``;
- 3.11 (``TraceFunctionEvalFrameBackend``): the hook's C trace function, on only
  while a selected frame runs on the thread, forwards that frame's events to
  ``_dispatch``. While no thread steps, it drops lines without a breakpoint in
  C: every selected code object's breakpoint lines are handed to the hook
  (``set_line_map``).

``EvalFrameBackend()`` builds the one of the two that this interpreter's hook
was compiled for.

Frames already running when a breakpoint or step appears are found through
``sys._current_frames()`` and traced the same way.
"""

from __future__ import annotations

import sys
from abc import abstractmethod
from collections.abc import Callable
from types import CodeType, FrameType
from typing import Any

from dapper import os_threads
from dapper._frame_eval import _frame_evaluator as _hook
from dapper._frame_eval.backend import LeaveNestedRun
from dapper._frame_eval.backend_base import BackendBase
from dapper._frame_eval.decision import FrameDecision, decide_frame
from dapper.paths import is_debugger_file

_get_ident = os_threads.get_ident
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
    "twin_first_entries",
)


def _hook_decision(decision: FrameDecision) -> int:
    """The hook knows SKIP, TRACE_EXCEPTIONS and TRACE; INSTRUMENTED runs traced."""
    return int(_TRACE if decision == FrameDecision.INSTRUMENTED else decision)


class EvalFrameBackend(BackendBase):
    """``FrameEvalBackend`` on the compiled eval-frame hook (CPython 3.11-3.15).

    What the two event sources share: installing the hook, the decisions it
    asks for, and the state it is told about. ``EvalFrameBackend()`` returns
    the subclass for this interpreter.
    """

    name = "eval_frame"
    #: True when the hook forwards events through its C trace function (3.11)
    uses_trace_function: bool = bool(_hook.USES_TRACE_FUNCTION)

    def __new__(cls, *args: Any, **kwargs: Any) -> EvalFrameBackend:
        if cls is EvalFrameBackend:
            cls = (
                TraceFunctionEvalFrameBackend
                if _hook.USES_TRACE_FUNCTION
                else MonitoringEvalFrameBackend
            )
        return super().__new__(cls)

    @property
    def hook_installed(self) -> bool:
        """True while the compiled hook is the interpreter's eval-frame function."""
        return bool(_hook.is_installed())

    # -- install / shutdown ------------------------------------------------------------
    def _install(self) -> None:
        _hook.reset_stats()
        _hook.install(
            self._decide_code_for_hook,
            self._decide_frame_for_hook,
            self._trace_dispatch(),
            self._twin_entry if self.instrumenter is not None else None,
        )

    def _trace_dispatch(self) -> Any:
        """What the hook's C trace function calls with events (None: no trace function)."""
        return None

    def _remove_hook(self) -> None:
        _hook.uninstall()

    def _clear_thread_state(self) -> None:
        _hook.disable_tracing_all_threads()

    def get_stats(self) -> dict[str, int]:
        stats = super().get_stats()
        hook_stats = _hook.get_stats()
        for key in _HOOK_STATS:
            stats[key] = hook_stats[key]
        stats["scoped_trace_installs"] += hook_stats["scoped_trace_installs"]
        return stats

    # -- decisions the hook asks for (slow path only) -------------------------------------
    def _decide_code_for_hook(self, code: CodeType) -> int:
        """Once per code object per state version: what its frames need."""
        if is_debugger_file(code.co_filename):
            return _hook.NEVER
        if self.callbacks is None:
            return int(_SKIP)
        decision, bp_lines = self.code_info(code)
        hook_decision = _hook_decision(decision)
        if hook_decision == _TRACE:
            self._select_code(code, bp_lines)
        return hook_decision

    def _twin_entry(self, code: CodeType, function_code: CodeType) -> bool:
        """3.11, at a call of ``code`` whose function's ``__code__`` became
        ``function_code`` during the hook's decision: is that the twin published
        for ``code``? The hook then runs the call in the twin (decision 009,
        "The first entry"), as every later call of the function does."""
        twin = self.state.instrumented_originals.get(id(code))
        return (
            self.callbacks is not None
            and twin is not None
            and twin.original is code
            and twin.code is function_code
        )

    def _decide_frame_for_hook(self, code: CodeType, code_decision: int) -> int:
        """While a thread steps or pauses: the code decision with its stepping on top."""
        tid = _get_ident()
        state = self.state
        if tid in self._busy or tid in state.ignored_threads or self.callbacks is None:
            return int(_SKIP)
        decision = _hook_decision(decide_frame(code, state, tid, FrameDecision(code_decision)))
        if decision == _TRACE and code_decision != _TRACE:
            self._select_stepped_code(code)
        return decision

    def _select_code(self, code: CodeType, bp_lines: frozenset[int]) -> None:
        """A code object whose frames need events (breakpoint lines: ``bp_lines``)."""

    def _select_stepped_code(self, code: CodeType) -> None:
        """A code object whose frames need events only because a thread steps."""

    # -- making state changes effective -------------------------------------------------
    def _refresh(self) -> None:
        if not self.installed:
            return
        state = self.state
        with state.lock:
            _hook.set_ignored_threads(tuple(state.ignored_threads))
            _hook.set_stepping_active(bool(state.stepping))
            self._refresh_hook_locked()
            _hook.set_version(state.version)
        self._refresh_running_frames()

    def _refresh_hook_locked(self) -> None:
        """Under the state lock, before the hook's version moves: per-source hook state."""

    @abstractmethod
    def _refresh_running_frames(self) -> None:
        """Give frames that are already running the events the new state asks for."""

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


class MonitoringEvalFrameBackend(EvalFrameBackend):
    """3.12+: the hook selects frames; ``sys.monitoring`` local events deliver them."""

    uses_trace_function = False

    def __init__(self) -> None:
        super().__init__()
        from dapper._frame_eval.local_events import LocalEventsTracer

        self.tracer = LocalEventsTracer(self)
        events = sys.monitoring.events
        self.tracer.local_events |= events.PY_START | events.PY_RESUME

    def _install(self) -> None:
        mon = sys.monitoring
        self.tracer.acquire()
        mon.register_callback(self.tracer.tool_id, mon.events.PY_START, self._on_start)
        mon.register_callback(self.tracer.tool_id, mon.events.PY_RESUME, self._on_start)
        try:
            super()._install()
        except BaseException:
            self._release_tracer()
            raise

    def _remove_hook(self) -> None:
        super()._remove_hook()
        self._release_tracer()

    def _release_tracer(self) -> None:
        if self.tracer.acquired:
            sys.monitoring.register_callback(
                self.tracer.tool_id, sys.monitoring.events.PY_RESUME, None
            )
        self.tracer.release()

    def _clear_thread_state(self) -> None:
        _hook.set_live_frames(())
        super()._clear_thread_state()

    def get_stats(self) -> dict[str, int]:
        stats = super().get_stats()
        stats["live_frames"] = 0
        return stats

    def _select_code(self, code: CodeType, bp_lines: frozenset[int]) -> None:
        self.tracer.activate(code)

    def _select_stepped_code(self, code: CodeType) -> None:
        self.tracer.activate(code, stepping=True)

    def _refresh_running_frames(self) -> None:
        tracer = self.tracer
        if not self.state.stepping:
            tracer.clear_stepping()
        tracer.sync_all()
        stepping = self.state.stepping
        for frame, decision in self._running_frames_needing_events():
            if decision == _TRACE:
                tracer.activate(frame.f_code, stepping=bool(stepping))
        tracer.update_global_events()
        tracer.restart()

    # -- on_call from PY_START / PY_RESUME local events ------------------------------------
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


class TraceFunctionEvalFrameBackend(EvalFrameBackend):
    """3.11: the hook selects frames; its C trace function, on only while a
    selected frame runs, passes their events up to ``_dispatch``."""

    uses_trace_function = True

    def __init__(self) -> None:
        super().__init__()
        #: frames already running that need events: id -> (frame, decision)
        self._live: dict[int, tuple[FrameType, int]] = {}
        #: thread -> exception of its last exception event (for on_unwind)
        self._last_exc: dict[int, BaseException] = {}
        self._live_lock = os_threads.RLock()
        #: events the C trace function passed up to ``_dispatch``
        self.stats["dispatched_events"] = 0

    def _trace_dispatch(self) -> Any:
        return self._dispatch

    def _install(self) -> None:
        _hook.pass_on_exceptions(LeaveNestedRun)
        super()._install()

    def _call_with_events(self, fn: Callable[..., Any], args: tuple) -> Any:
        # The hook's C trace function holds this thread's events off while it
        # dispatches one: lift that too.
        return _hook.call_with_events(sys.call_tracing, fn, args)

    def renew_locks_after_fork(self) -> None:
        self._live_lock = os_threads.RLock()

    def _clear_thread_state(self) -> None:
        with self._live_lock:
            self._live.clear()
            _hook.set_live_frames(())
        super()._clear_thread_state()
        self._last_exc.clear()

    def get_stats(self) -> dict[str, int]:
        stats = super().get_stats()
        stats["live_frames"] = len(self._live)
        return stats

    def _select_code(self, code: CodeType, bp_lines: frozenset[int]) -> None:
        _hook.set_line_map(code, bp_lines)

    def _refresh_hook_locked(self) -> None:
        _hook.clear_line_maps()
        _hook.set_call_events(bool(self.state.function_breakpoints))

    def _refresh_running_frames(self) -> None:
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

    # -- events of selected frames from the C trace function ----------------------------------
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
                return
            if self._seen_lines:
                self.forget_seen_line(tid)
            if not state.stepping:
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
