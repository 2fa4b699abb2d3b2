"""The debugger core: turns backend events into stops, and serves requests
about stopped threads.

It implements ``DebuggerCallbacks`` for the active backend and never calls
``sys.settrace`` or ``sys.monitoring`` itself. Events go out through ``emit``
(event name, body); the engine session turns them into DAP events.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable, Sequence
from types import FrameType, TracebackType
from typing import TYPE_CHECKING, Any

from dapper._frame_eval.backend import FrameEvalBackend
from dapper._frame_eval.debug_state import DebugState, StepRequest
from dapper.core.exception_breakpoints import ExceptionFilters
from dapper.core.exception_info import exception_text
from dapper.core.frame_kinds import is_debugger_frame, is_suspending
from dapper.core.sources import SourceRegistry
from dapper.core.stack import HIDDEN_LIBRARY, FrameRegistry, stack_frames, visible_frames
from dapper.core.stepping import Step
from dapper.core.suspension import Suspension
from dapper.core.thread_registry import ThreadRegistry
from dapper.paths import canonical_path
from dapper.protocol.messages import ERR_NOT_STOPPED, RequestError

if TYPE_CHECKING:
    from dapper.core.breakpoints import HitDecision

Emit = Callable[[str, dict], None]
_get_ident = threading.get_ident
_PAUSE = StepRequest("pause")


class Debugger:
    """Core state and stop/resume coordination for one debuggee process."""

    def __init__(self, emit: Emit, *, eval_timeout: float | None = None) -> None:
        from dapper.core.breakpoints import BreakpointRegistry
        from dapper.core.variables import VariableStore

        self.emit = emit
        self.eval_timeout = eval_timeout if eval_timeout is not None else _eval_timeout_from_env()
        self.state = DebugState()
        self.threads = ThreadRegistry()
        self.frames = FrameRegistry()
        self.sources = SourceRegistry()
        self.breakpoints = BreakpointRegistry()
        self.exceptions = ExceptionFilters()
        self.variables = VariableStore()
        self.backend: FrameEvalBackend | None = None
        self._lock = threading.RLock()
        #: notified whenever a thread parks in a stop
        self._parked = threading.Condition(self._lock)
        self._steps: dict[int, Step] = {}
        self._step_reasons: dict[int, tuple[str, list[int]]] = {}
        self._suspended: dict[int, Suspension] = {}
        self._exceptions: dict[int, tuple[BaseException, str]] = {}
        self._return_values: dict[int, tuple[str, Any]] = {}
        self._suspend_all = False
        self._pause_requested = False
        self._entry_threads: set[int] = set()
        self._audit_installed = False
        self._stop_reported = False  # a stopped event is out and not yet resumed
        self._audit_filter: Any = None
        self._watching_loads = False

    # ------------------------------------------------------------ setup

    def attach_backend(self, backend: FrameEvalBackend) -> None:
        """Use ``backend`` (already installed with ``self`` and ``self.state``)."""
        self.backend = backend
        for ident in self.threads.ignored:
            backend.ignore_thread(ident)
        backend.set_exception_mode(self.exceptions.mode)
        self._install_audit_hook()

    def _install_audit_hook(self) -> None:
        """One audit hook (they cannot be removed): module loads and compiled strings.

        The compiled filter wakes Python only for ``exec``/``compile`` events; a
        plain Python hook would run for every ``id()`` call in the program.
        """
        if self._audit_installed:
            if self._audit_filter is not None:
                # "exec" also fires for every eval() of a breakpoint condition.
                self._audit_filter.set_events(exec_events=self._watching_loads, compile_events=True)
            return
        self._audit_installed = True
        try:
            from dapper import _audit_filter
        except ImportError:
            sys.addaudithook(self._on_audit)
        else:
            self._audit_filter = _audit_filter
            _audit_filter.install(self._on_audit, exec_events=self._watching_loads)

    def ignore_thread(self, ident: int) -> None:
        self.threads.ignored.add(ident)
        self.state.ignored_threads.add(ident)
        if self.backend is not None:
            self.backend.ignore_thread(ident)

    def set_just_my_code(self, value: bool) -> None:
        self.state.just_my_code = bool(value)
        self.state.bump()

    def request_entry_stop(self, ident: int) -> None:
        """Stop at the first user line the thread runs (``stopOnEntry``)."""
        with self._lock:
            self._entry_threads.add(ident)
            self._set_step(ident, Step("in", None, just_my_code=True))

    # ------------------------------------------------------------ breakpoints

    def set_breakpoints(self, source: dict, specs: list[dict]) -> list[dict]:
        """``setBreakpoints`` for one file; the backend sees the verified lines."""
        result = self.breakpoints.set_breakpoints(source, specs)
        self._sync_lines(canonical_path(source["path"]))
        self._watch_module_loads()
        return result

    def set_function_breakpoints(self, specs: list[dict]) -> list[dict]:
        result = self.breakpoints.set_function_breakpoints(specs)
        names = self.breakpoints.function_names()
        with self.state.lock:
            if self.backend is not None:
                self.backend.set_function_breakpoints(names)
            else:
                self.state.function_breakpoints = frozenset(names)
                self.state.bump()
        return result

    def set_exception_breakpoints(self, arguments: dict) -> list[dict]:
        result = self.exceptions.configure(arguments)
        with self.state.lock:
            if self.backend is not None:
                self.backend.set_exception_mode(self.exceptions.mode)
            else:
                self.state.exception_mode = self.exceptions.mode
                self.state.bump()
        return result

    def _sync_lines(self, canonical: str) -> None:
        lines = frozenset(self.breakpoints.lines_for(canonical))
        with self.state.lock:
            if self.backend is not None:
                self.backend.set_line_breakpoints(canonical, lines)
            elif lines:
                self.state.line_breakpoints[canonical] = lines
                self.state.bump()
            else:
                self.state.line_breakpoints.pop(canonical, None)
                self.state.bump()

    def _watch_module_loads(self) -> None:
        """Verify breakpoints of files not imported yet when their code first runs."""
        if self._watching_loads or not self.breakpoints.pending_files():
            return
        self._watching_loads = True
        self._install_audit_hook()

    def _on_audit(self, event: str, args: tuple) -> None:
        # Called for every audit event in the process: keep the common case tiny.
        if event == "compile":
            if len(args) == 2 and isinstance(args[1], str) and args[1].startswith("<"):
                caller = sys._getframe(1)
                if not is_debugger_frame(caller):
                    self.sources.remember_compiled(args[1], args[0])
            return
        if event != "exec" or not self._watching_loads:
            return
        code = args[0] if args else None
        filename = getattr(code, "co_filename", None)
        if not isinstance(filename, str):
            return
        pending = self.breakpoints.pending_files()
        if not pending:
            return
        canonical = canonical_path(filename)
        if canonical not in pending:
            return
        changed = self.breakpoints.mark_loaded(canonical)
        self._sync_lines(canonical)
        for bp in changed:
            self.emit("breakpoint", {"reason": "changed", "breakpoint": bp})

    def on_thread_event(self, reason: str, ident: int) -> None:
        """A user thread started or exited (from ``thread_events``)."""
        if ident in self.threads.ignored:
            return
        self.emit("thread", {"reason": reason, "threadId": self.threads.dap_id(ident)})
        if reason == "exited":
            with self._lock:
                self._steps.pop(ident, None)
                self._step_reasons.pop(ident, None)
            self._request(ident, None)
            # The OS reuses idents: a later thread must not inherit this one's id.
            self.threads.forget(ident)

    # ------------------------------------------------------------ callbacks

    def on_call(self, frame: FrameType) -> None:
        if not self.state.function_breakpoints:
            return
        decision = self.breakpoints.check_call(frame)
        self._emit_logs(decision)
        if decision.stop:
            ident = threading.get_ident()
            with self._lock:
                self._step_reasons[ident] = ("function breakpoint", decision.breakpoint_ids)
                self._set_step(ident, Step("over", frame, self.state.just_my_code))

    def on_line(self, frame: FrameType) -> None:
        ident = _get_ident()
        if ident in self.threads.ignored:
            return
        reason: str | None = None
        ids: Sequence[int] = ()
        # Breakpoints first, inline: a false condition on a hot line is the hot path.
        canonical = canonical_path(frame.f_code.co_filename)
        lines = self.state.line_breakpoints.get(canonical)
        if lines:
            line = frame.f_lineno
            if line in lines:
                decision = self.breakpoints.check_line_at(frame, canonical, line)
                if decision.stop or decision.log_messages or decision.condition_errors:
                    reason, ids = self._report_hit(decision)
        if reason is None and ident in self._steps:
            reason, ids = self._step_stop_reason(ident, frame)
        if self._suspend_all:
            with self._lock:
                claim = self._pause_requested
                self._pause_requested = False
            if not claim:
                # Caught up in another thread's stop: park silently. A breakpoint
                # or step end on this line is reported once the others resume,
                # so clients see one stop at a time and no hit is lost.
                self._stop(ident, frame, None, at_line=True)
                if reason is None or not self._still_due(ident, frame, reason, at_line=True):
                    return
            elif reason is None:
                reason = "pause"
        if reason is not None:
            self._stop(ident, frame, reason, hit_ids=ids, at_line=True)

    def _still_due(self, ident: int, frame: FrameType, reason: str, *, at_line: bool) -> bool:
        """Whether a stop held back while another thread's stop was shown
        should still be reported now that the client resumed."""
        if ident in self._steps:
            return False  # the client stepped this thread meanwhile
        if reason == "breakpoint" and at_line and not self._has_line_breakpoint(frame):
            return False  # the breakpoint was removed meanwhile
        if reason == "exception":
            pending = self._exceptions.get(ident)
            if pending is not None and not self.exceptions.still_wanted(pending[1], pending[0]):
                self._exceptions.pop(ident, None)
                return False  # its exception filter was turned off meanwhile
        return True

    def _has_line_breakpoint(self, frame: FrameType) -> bool:
        lines = self.state.line_breakpoints.get(canonical_path(frame.f_code.co_filename))
        return bool(lines) and frame.f_lineno in lines

    def _report_hit(self, decision: HitDecision) -> tuple[str | None, Sequence[int]]:
        """Send a breakpoint hit's log output and condition errors; stop if it asks to."""
        self._emit_logs(decision)
        for error in decision.condition_errors:
            self.emit(
                "output",
                {"category": "stderr", "output": f"Breakpoint condition error: {error}\n"},
            )
        if decision.stop:
            return "breakpoint", decision.breakpoint_ids
        return None, ()

    def _step_stop_reason(self, ident: int, frame: FrameType) -> tuple[str | None, Sequence[int]]:
        """Whether this line ends the thread's step (reason step, entry, ...)."""
        step = self._steps.get(ident)
        if step is not None and step.should_stop_at_line(frame):
            reason, ids = self._step_reasons.pop(ident, ("step", []))
            if ident in self._entry_threads:
                self._entry_threads.discard(ident)
                reason = "entry"
            return reason, ids
        return None, ()

    def on_return(self, frame: FrameType, value: Any) -> None:
        ident = threading.get_ident()
        step = self._steps.get(ident)
        if step is None:
            return
        if frame is step.frame and not is_suspending(frame):
            self._return_values[ident] = (frame.f_code.co_name, value)
        if step.on_return(frame):
            self._publish_step(ident, step)

    def on_exception(self, frame: FrameType, exc: BaseException) -> None:
        ident = threading.get_ident()
        if ident in self.threads.ignored:
            return
        if self.exceptions.stop_on_raise(frame, exc, self.state.just_my_code):
            self._exceptions[ident] = (exc, "always")
            self._stop(ident, frame, "exception", text=_describe(exc))

    def on_unwind(self, frame: FrameType, exc: BaseException) -> None:
        ident = threading.get_ident()
        if ident in self.threads.ignored:
            return
        if self.exceptions.stop_on_unwind(frame, exc):
            self._exceptions[ident] = (exc, "userUnhandled")
            self._stop(ident, frame, "exception", text=_describe(exc))
        step = self._steps.get(ident)
        if step is not None and step.on_return(frame):
            self._publish_step(ident, step)

    def on_uncaught(self, exc: BaseException, ident: int | None = None) -> None:
        """An exception is about to end the program or a thread; stop if asked.

        Called by the launcher, not by a backend: it goes through the backend's
        ``deliver`` like every event, so user code it runs (the exception's
        ``__str__``, evaluations while stopped) triggers no events of its own.
        """
        backend = self.backend
        if backend is not None:
            backend.deliver(self._on_uncaught, exc, ident)

    def quietly(self, fn: Callable[..., Any], *args: Any) -> None:
        """Run launcher work that calls user code (printing an exception calls
        its ``__str__``) with no debugger events on this thread."""
        backend = self.backend
        if backend is None:
            fn(*args)
        else:
            backend.deliver(fn, *args)

    def _on_uncaught(self, exc: BaseException, ident: int | None) -> None:
        ident = threading.get_ident() if ident is None else ident
        if ident in self.threads.ignored:
            return
        if not self.exceptions.stop_on_uncaught(exc):
            return
        frames, lines = _traceback_frames(exc.__traceback__)
        if not frames:
            return
        self._exceptions[ident] = (exc, "unhandled")
        self._stop(ident, frames[0], "exception", text=_describe(exc), frames=frames, lines=lines)

    # ------------------------------------------------------------ stopping

    def _stop(
        self,
        ident: int,
        frame: FrameType,
        reason: str | None,
        *,
        hit_ids: Sequence[int] | None = None,
        text: str | None = None,
        frames: list[FrameType] | None = None,
        lines: dict[int, int] | None = None,
        at_line: bool = False,
    ) -> None:
        """Block this thread until resumed; ``reason`` None stops silently
        (a thread caught up in another thread's stop)."""
        suspension = Suspension(
            ident, frame, frames if frames is not None else visible_frames(frame)
        )
        suspension.lines = lines or {}
        suspension.at_line = at_line
        with self._lock:
            # Another thread's stop is already reported: this one parks silently
            # and reports after the next resume (one stop at a time, no stale event).
            deferred = reason is not None and self._stop_reported
            if deferred:
                reason_now = None
            else:
                reason_now = reason
                if reason is not None:
                    self._stop_reported = True
            self._clear_step(ident)
            self._suspended[ident] = suspension
            self._parked.notify_all()
            if not self._suspend_all or reason_now is not None:
                self._suspend_all = True
                for other in self.threads.live_idents():
                    if other != ident and other not in self._suspended:
                        self._request(other, _PAUSE)
        if reason_now is not None:
            body: dict[str, Any] = {
                "reason": reason,
                "threadId": self.threads.dap_id(ident),
                "allThreadsStopped": True,
            }
            if hit_ids:
                body["hitBreakpointIds"] = list(hit_ids)
            if text:
                body["text"] = text
                body["description"] = text
            self.emit("stopped", body)
        try:
            suspension.wait()
        finally:
            with self._lock:
                self._suspended.pop(ident, None)
                if not deferred:
                    self._exceptions.pop(ident, None)
        if deferred and self._still_due(ident, frame, reason, at_line=at_line):
            self._stop(
                ident,
                frame,
                reason,
                hit_ids=hit_ids,
                text=text,
                frames=frames,
                lines=lines,
                at_line=at_line,
            )

    def _emit_logs(self, decision: Any) -> None:
        for message in decision.log_messages:
            self.emit("output", {"category": "console", "output": message + "\n"})

    def _request(self, ident: int, request: StepRequest | None) -> None:
        if self.backend is not None:
            self.backend.set_stepping(ident, request)

    def _set_step(self, ident: int, step: Step) -> None:
        self._steps[ident] = step
        self._request(ident, step.request())

    def _publish_step(self, ident: int, step: Step) -> None:
        self._request(ident, step.request())

    def _clear_step(self, ident: int) -> None:
        self._steps.pop(ident, None)
        self._step_reasons.pop(ident, None)
        self._request(ident, None)

    # ------------------------------------------------------------ resume

    def resume_all(
        self, step_ident: int | None = None, step_kind: str | None = None, target: str | None = None
    ) -> None:
        """Resume every stopped thread; optionally start a step on one of them."""
        with self._lock:
            if step_ident is not None and step_kind is not None:
                suspension = self._suspended.get(step_ident)
                if suspension is None:
                    raise RequestError("thread is not stopped", error_id=ERR_NOT_STOPPED)
                frame = suspension.frame
            self._return_values.clear()  # shown only at the stop right after the return
            self._stop_reported = False
            self._suspend_all = False
            self._parked.notify_all()
            self._pause_requested = False
            for ident in list(self._suspended) + self.threads.live_idents():
                if ident not in self._steps:
                    self._request(ident, None)
            if step_ident is not None and step_kind is not None:
                self._set_step(step_ident, Step(step_kind, frame, self.state.just_my_code, target))
            self.frames.clear()
            self.variables.clear()
            suspended = list(self._suspended.values())
        for suspension in suspended:
            suspension.resume()

    def goto(self, dap_thread_id: int, line: int) -> None:
        """Move the stopped thread's top frame to ``line`` (it stays stopped)."""
        from dapper.core.jumps import jump

        suspension = self.suspension_for(dap_thread_id)
        if not suspension.at_line or suspension.frame is None:
            raise RequestError(
                "goto needs a thread stopped at a line (not at an exception or a function entry)"
            )
        frame = suspension.frame
        self.run_on(suspension, lambda: jump(frame, line))
        self.variables.clear()

    def pause(self) -> None:
        with self._lock:
            if self._suspended:
                return
            self._suspend_all = True
            self._pause_requested = True
            for ident in self.threads.live_idents():
                self._request(ident, _PAUSE)

    def detach(self) -> None:
        """The client went away: forget its breakpoints and let everything run."""
        with self._lock:
            for canonical in list(self.state.line_breakpoints):
                if self.backend is not None:
                    self.backend.set_line_breakpoints(canonical, ())
            if self.backend is not None:
                self.backend.set_function_breakpoints(())
            from dapper.core.breakpoints import BreakpointRegistry

            self.breakpoints = BreakpointRegistry()
            self.exceptions.enabled = {"uncaught": ()}
            if self.backend is not None:
                self.backend.set_exception_mode(self.exceptions.mode)
            self._steps.clear()
            self._step_reasons.clear()
            self._entry_threads.clear()
        self.resume_all()

    def forget_after_fork(self) -> None:
        """In a forked child: only the forking thread exists and no client can
        resume a stop, so drop all stop state and stop listening for events.

        Locks are replaced, not taken: a thread that no longer exists may have
        held one at the moment of the fork.
        """
        self._lock = threading.RLock()
        self._parked = threading.Condition(self._lock)
        self.state.lock = threading.RLock()
        self._suspended.clear()
        self._steps.clear()
        self._step_reasons.clear()
        self._entry_threads.clear()
        self._exceptions.clear()
        self._suspend_all = self._stop_reported = self._pause_requested = False
        self.backend = None
        if self._audit_filter is not None:
            self._audit_filter.uninstall()

    # ------------------------------------------------------------ queries

    @property
    def is_stopped(self) -> bool:
        return bool(self._suspended)

    def stopped_threads(self) -> list[Suspension]:
        return list(self._suspended.values())

    def suspension_for(self, dap_thread_id: int, catch_up: float = 2.0) -> Suspension:
        """The stop of a thread. While all threads are stopping, a thread that
        was told to stop but has not reached its next line yet gets ``catch_up``
        seconds to park (the client was already told every thread stopped)."""
        ident = self.threads.ident(dap_thread_id)
        with self._lock:
            if ident is not None and self._suspend_all and ident not in self._suspended:
                self._parked.wait_for(
                    lambda: ident in self._suspended or not self._suspend_all, catch_up
                )
            suspension = self._suspended.get(ident) if ident is not None else None
        if suspension is None:
            raise RequestError(f"thread {dap_thread_id} is not stopped", error_id=ERR_NOT_STOPPED)
        return suspension

    def stack_trace(self, dap_thread_id: int, start: int = 0, levels: int = 0) -> dict:
        """A stopped thread's stack; while all threads stop, a thread still on its
        way to its next line gets time to park first (its stack must not move
        under the client). A running thread gives a snapshot."""
        ident = self.threads.ident(dap_thread_id)
        try:
            suspension: Suspension | None = self.suspension_for(dap_thread_id)
        except RequestError:
            suspension = None
        if suspension is not None:
            frames, lines = suspension.frames or [], suspension.lines
        else:
            top = sys._current_frames().get(ident) if ident is not None else None
            if top is None:
                raise RequestError(f"unknown thread {dap_thread_id}")
            frames, lines = visible_frames(top), {}
        return stack_frames(frames, ident, self.frames, self.sources, start, levels, lines)

    def frame(self, frame_id: int) -> tuple[Suspension, FrameType]:
        """The stopped thread and frame behind a ``frameId``."""
        entry = self.frames.get(frame_id)
        if entry is None:
            raise RequestError(f"unknown or stale frameId {frame_id}")
        ident, frame = entry
        suspension = self._suspended.get(ident)
        if suspension is None:
            raise RequestError("that frame's thread is running", error_id=ERR_NOT_STOPPED)
        return suspension, frame

    def run_on(self, suspension: Suspension, fn: Callable[[], Any]) -> Any:
        """Run ``fn`` on a stopped thread, within the evaluation time limit."""
        return suspension.run(fn, self.eval_timeout)

    def current_exception(self, dap_thread_id: int) -> tuple[BaseException, str]:
        ident = self.threads.ident(dap_thread_id)
        entry = self._exceptions.get(ident) if ident is not None else None
        if entry is None:
            raise RequestError(f"thread {dap_thread_id} is not stopped on an exception")
        return entry

    def return_value(self, ident: int) -> tuple[str, Any] | None:
        """(function name, value) a step just returned from on thread ``ident``."""
        return self._return_values.get(ident)


def _eval_timeout_from_env(default: float = 5.0) -> float:
    """``DAPPER_EVAL_TIMEOUT`` (seconds) bounds user code run for a request."""
    try:
        value = float(os.environ.get("DAPPER_EVAL_TIMEOUT", default))
    except ValueError:
        return default
    return value if value > 0 else default


def _describe(exc: BaseException) -> str:
    name = type(exc).__qualname__
    text = exception_text(exc)
    return f"{name}: {text}" if text else name


def _traceback_frames(tb: TracebackType | None) -> tuple[list[FrameType], dict[int, int]]:
    """Visible frames of a traceback, innermost first, with their exact lines."""
    outermost_first: list[FrameType] = []
    lines: dict[int, int] = {}
    while tb is not None:
        if not is_debugger_frame(tb.tb_frame):
            outermost_first.append(tb.tb_frame)
            lines[id(tb.tb_frame)] = tb.tb_lineno
        tb = tb.tb_next
    while outermost_first and outermost_first[0].f_code.co_filename.endswith(HIDDEN_LIBRARY):
        outermost_first.pop(0)
    return outermost_first[::-1], lines
