"""The ``sys.settrace`` backend: works on every supported interpreter.

The global trace function sees each frame entry once and returns ``None`` for
frames that need nothing (the decision is cached per code object), so those
frames produce no further Python-level events. Selected frames get a local
trace function that forwards only what core needs: breakpoint lines, every line
while the thread steps, returns while it steps, and exceptions while an
exception filter is on.

On 3.11, threads that already run when the backend is installed cannot be given
a trace function from Python; threads started afterwards (and every thread on
3.12+, through ``threading.settrace_all_threads``) are covered. Nor can a
thread's trace function be removed by another thread there: at shutdown each
thread that got one is made to drop it itself, at its next event.
"""

from __future__ import annotations

import _thread
import sys
import threading
from types import FrameType
from typing import Any

from dapper import os_threads
from dapper._frame_eval.backend_base import BackendBase
from dapper._frame_eval.decision import FrameDecision, decide_frame
from dapper.paths import is_debugger_file

_HAS_ALL_THREADS = hasattr(threading, "settrace_all_threads")
_SKIP = FrameDecision.SKIP
_TRACE = FrameDecision.TRACE
_TRACE_EXCEPTIONS = FrameDecision.TRACE_EXCEPTIONS
_get_ident = os_threads.get_ident
_START_NEW_THREAD = _thread.start_new_thread


class SettraceBackend(BackendBase):
    """Scoped tracing through ``sys.settrace`` / ``threading.settrace``."""

    name = "settrace"
    # _refresh only gives running frames a trace function or line events; a
    # step's end needs neither (the trace function reads the state it runs in).
    refresh_on_step_end = False

    def __init__(self) -> None:
        super().__init__()
        #: frame -> exception seen in it with no line event since (unwind heuristic)
        self._pending_exc: dict[FrameType, BaseException] = {}
        #: 3.11: the threads given our trace function (each must drop it itself)
        self._traced_threads: set[int] = set()

    # -- install / shutdown ---------------------------------------------------------
    def _install(self) -> None:
        if _HAS_ALL_THREADS:
            threading.settrace_all_threads(self._global_trace)
        else:
            threading.settrace(self._first_trace)
            sys.settrace(self._global_trace)
            self._traced_threads.add(_get_ident())
        _thread.start_new_thread = self._start_new_thread

    def _first_trace(self, frame: FrameType, event: str, arg: Any) -> Any:
        """3.11, a ``threading.Thread`` started while installed: note the thread
        (see ``_clear_thread_state``), then the usual global trace function."""
        self._traced_threads.add(_get_ident())
        sys.settrace(self._global_trace)
        return self._global_trace(frame, event, arg)

    def _start_new_thread(self, function: Any, args: Any, kwargs: Any = None) -> int:
        """``_thread.start_new_thread`` while installed: ``threading.settrace``
        reaches only ``threading.Thread``s, so raw threads set the trace function
        themselves before running the program's function."""
        trace = self._global_trace

        def traced(*a: Any, **k: Any) -> Any:
            if not _HAS_ALL_THREADS:
                self._traced_threads.add(_get_ident())
            sys.settrace(trace)
            return function(*a, **k)

        return _START_NEW_THREAD(traced, args, {} if kwargs is None else kwargs)

    def _remove_hook(self) -> None:
        if _thread.start_new_thread == self._start_new_thread:
            _thread.start_new_thread = _START_NEW_THREAD
        if _HAS_ALL_THREADS:
            threading.settrace_all_threads(None)
        else:
            # Other threads drop the function themselves at their next event
            # (see _global_trace), since 3.11 offers no way to reach them.
            threading.settrace(None)
            sys.settrace(None)

    def _clear_thread_state(self) -> None:
        for _tid, top in sys._current_frames().items():
            frame: FrameType | None = top
            while frame is not None:
                trace = frame.f_trace
                if trace is not None and getattr(trace, "__self__", None) is self:
                    frame.f_trace = None
                frame = frame.f_back
        self._pending_exc.clear()
        if not _HAS_ALL_THREADS:
            # 3.11: a thread still holding our (now inert) trace function drops
            # it at its next event in the program's newest frame: below the
            # debugger's own frames, where a paused thread waits (they and what
            # they call produce no events).
            current = _get_ident()
            frames = sys._current_frames()
            for tid in self._traced_threads:
                walk = frames.get(tid) if tid != current else None
                newest = walk
                while walk is not None:
                    if is_debugger_file(walk.f_code.co_filename):
                        newest = walk.f_back
                    walk = walk.f_back
                if newest is not None and newest.f_trace is None:
                    newest.f_trace = _drop_trace_function
            self._traced_threads.clear()

    # -- making state changes effective --------------------------------------------
    def _refresh(self) -> None:
        """Give running frames that are now selected their local trace function."""
        if not self.installed:
            return
        state = self.state
        if not _HAS_ALL_THREADS:
            # 3.11: a thread that asks to stop itself (breakpoint()) may have
            # run before the backend was installed: it can trace itself.
            tid = _get_ident()
            if tid in state.stepping and sys.gettrace() is None:
                sys.settrace(self._global_trace)
                self._traced_threads.add(tid)
        for tid, frame in self.live_user_frames():
            code = frame.f_code
            decision = decide_frame(code, state, tid, self.code_info(code)[0])
            if decision == _TRACE:
                self._trace_frame(frame)
                step = state.stepping.get(tid)
                if (
                    step is not None
                    and step.kind == "out"
                    and frame is step.frame
                    and not self.code_info(code)[1]
                ):
                    # Stepping out waits for the return: the frame's lines run untraced.
                    frame.f_trace_lines = False
            elif decision == _TRACE_EXCEPTIONS and frame.f_trace is None:
                frame.f_trace_lines = False
                frame.f_trace = self._local_trace

    def _trace_frame(self, frame: FrameType) -> None:
        frame.f_trace_lines = True
        if frame.f_trace is None:
            frame.f_trace = self._local_trace
            self.stats["scoped_trace_installs"] += 1

    # -- trace functions (hot path) -----------------------------------------------------
    def _global_trace(self, frame: FrameType, event: str, arg: Any) -> Any:
        if not self.installed:
            sys.settrace(None)
            return None
        tid = _get_ident()
        state = self.state
        if tid in self._busy or tid in state.ignored_threads:
            return None
        stats = self.stats
        stats["slow_path_attempts"] += 1
        code = frame.f_code
        decision = self.code_info(code)[0]
        if state.stepping:
            decision = decide_frame(code, state, tid, decision)
        if decision == _SKIP:
            return None
        stats["slow_path_activations"] += 1
        stats["scoped_trace_installs"] += 1
        if decision == _TRACE_EXCEPTIONS:
            frame.f_trace_lines = False
            return self._local_trace
        stats["call_events"] += 1
        self.deliver(self.callbacks.on_call, frame)  # type: ignore[union-attr]  # installed
        return self._local_trace

    def _local_trace(self, frame: FrameType, event: str, arg: Any) -> Any:
        if not self.installed:
            if not _HAS_ALL_THREADS:  # 3.11: see _clear_thread_state
                frame.f_trace = None
                _drop_ours()
            return None
        tid = _get_ident()
        if tid in self._busy:
            return self._local_trace
        if event == "line":
            if self._pending_exc:
                self._exception_handled(frame)
            step = self.state.stepping.get(tid)
            if (
                step is not None and (step.kind != "out" or frame is not step.frame)
            ) or frame.f_lineno in self.code_info(frame.f_code)[1]:
                # A step out waits for the return: its own frame's lines need nothing.
                self.deliver_line(tid, frame)
            elif self._seen_lines:
                self.forget_seen_line(tid)
        elif event == "return":
            self._on_return(frame, arg, tid)
        elif event == "exception":
            if _TB_LAGS and arg[2] is not None:
                # 3.11 attaches the traceback only once the exception is caught;
                # core reads where it was raised from ``__traceback__``.
                arg[1].__traceback__ = arg[2]
            self._on_exception(frame, arg[1])
        return self._local_trace

    # -- event handling ----------------------------------------------------------------
    def _on_return(self, frame: FrameType, value: Any, tid: int) -> None:
        exc = self._pending_exc.pop(frame, None) if self._pending_exc else None
        if exc is not None:
            self.stats["unwind_events"] += 1
            self.deliver(self.callbacks.on_unwind, frame, exc)  # type: ignore[union-attr]  # installed
        state = self.state
        if tid in state.stepping and tid not in state.ignored_threads:
            self.stats["return_events"] += 1
            self.deliver(self.callbacks.on_return, frame, value)  # type: ignore[union-attr]  # installed
            caller = frame.f_back
            if caller is not None and not _is_debugger_code(caller):
                self._trace_frame(caller)

    def _on_exception(self, frame: FrameType, exc: BaseException) -> None:
        if not self.exceptions_wanted():
            return
        self.stats["exception_events"] += 1
        self._pending_exc[frame] = exc
        # Watch the next line: one means the exception was handled in this frame.
        frame.f_trace_lines = True
        self.deliver(self.callbacks.on_exception, frame, exc)  # type: ignore[union-attr]  # installed

    def _exception_handled(self, frame: FrameType) -> None:
        if self._pending_exc.pop(frame, None) is not None:
            decision = self.code_info(frame.f_code)[0]
            tid = _get_ident()
            if decide_frame(frame.f_code, self.state, tid, decision) != _TRACE:
                frame.f_trace_lines = False


_TB_LAGS = sys.version_info < (3, 12)


def _is_debugger_code(frame: FrameType) -> bool:
    return is_debugger_file(frame.f_code.co_filename)


def _drop_trace_function(frame: FrameType, event: str, arg: Any) -> None:
    """3.11: in a thread the backend traced, at its first event after shutdown:
    remove the thread's trace function, as another thread cannot."""
    frame.f_trace = None
    _drop_ours()


def _drop_ours() -> None:
    """Remove this thread's trace function if it is ours (not one the program
    set since)."""
    if getattr(sys.gettrace(), "__func__", None) is SettraceBackend._global_trace:
        sys.settrace(None)
