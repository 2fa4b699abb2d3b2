"""The debugger core: turns backend events into stops, and serves requests
about stopped threads.

It implements ``DebuggerCallbacks`` for the active backend and never calls
``sys.settrace`` or ``sys.monitoring`` itself; like ``bdb`` it knows nothing
of any front end. What it has to say goes out as plain values (``core.events``)
through ``report``, and it fails with its own errors (``core.errors``). The
jobs around it have their own objects: ``BreakpointSync`` (breakpoints to the
backend), ``ModuleLoadWatcher`` (the audit hook), ``ThreadSteps`` (who steps),
``StopCoordinator`` (the all-threads stop) and ``ThreadLifecycle`` (thread
start/exit).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from types import FrameType, TracebackType
from typing import TYPE_CHECKING, Any, TypeVar

from dapper import os_threads
from dapper._frame_eval.backend import FrameEvalBackend, LeaveNestedRun
from dapper._frame_eval.debug_state import CountedHit, DebugState
from dapper.core.async_tasks import running_loop, with_awaiting_chain
from dapper.core.breakpoint_sync import BreakpointSync
from dapper.core.code_runner import EvaluationError, error_message, run_in_frame
from dapper.core.errors import DebuggerError, NotStoppedError
from dapper.core.events import (
    FUNCTION_ENTRY,
    FUNCTION_RETURN,
    NESTED_DEBUG_ENDED,
    BreakpointChanged,
    ConditionError,
    LogMessage,
    NestedDebugEnded,
    Report,
    Stopped,
)
from dapper.core.exception_breakpoints import ExceptionFilters
from dapper.core.exception_info import exception_text
from dapper.core.frame_kinds import is_debugger_frame, is_suspending
from dapper.core.frame_label import FrameFormat, frame_label
from dapper.core.load_watcher import ModuleLoadWatcher
from dapper.core.logical_threads import LogicalThread, collect
from dapper.core.nested_debug import NestedRun, compile_debug_code
from dapper.core.safe_repr import safe_repr
from dapper.core.shown_frame import Presenter, ShownFrame
from dapper.core.sources import SourceRegistry
from dapper.core.stack import (
    HIDDEN_LIBRARY,
    FrameRegistry,
    StackPage,
    shown_frames,
    stack_frames,
    visible_frames,
)
from dapper.core.stepping import Step, ThreadSteps
from dapper.core.stop_coordinator import StopCoordinator
from dapper.core.suspension import Suspension
from dapper.core.thread_events import ThreadLifecycle
from dapper.core.thread_registry import ThreadRegistry
from dapper.core.variables import VariableStore
from dapper.paths import canonical_path

if TYPE_CHECKING:
    from dapper.core.breakpoints import (
        BreakpointRegistry,
        BreakpointSpec,
        BreakpointStatus,
        HitDecision,
    )

_get_ident = os_threads.get_ident

T = TypeVar("T")


class Debugger:
    """Core state of one debuggee process, and the backend's callbacks."""

    def __init__(self, report: Report, *, eval_timeout: float | None = None) -> None:
        self.report = report
        self.eval_timeout = eval_timeout if eval_timeout is not None else _eval_timeout_from_env()
        self.state = DebugState()
        self.threads = ThreadRegistry()
        self.frames = FrameRegistry()
        self.sources = SourceRegistry()
        self.variables = VariableStore()
        self.backend: FrameEvalBackend | None = None
        self.sync = BreakpointSync(self.state)
        self.steps = ThreadSteps()
        self.stops = StopCoordinator(self.threads, self.steps, report)
        self.loads = ModuleLoadWatcher(
            self.sources, lambda: self.breakpoints.pending_files(), self._file_loaded
        )
        self.lifecycle = ThreadLifecycle(self.threads, self.steps, self.stops.lock, report)
        self._exceptions: dict[int, tuple[BaseException, str]] = {}
        self._return_values: dict[int, tuple[str, Any]] = {}
        #: show some frames as others (a template's line for the engine code
        #: rendering it): each takes a frame and returns the frame-like objects
        #: shown in its place, or None to leave it alone (``present_frames``)
        self.presenters: list[Presenter] = []
        #: ``showReturnValue``: a step out of a function shows what it returned
        self.show_return_value: bool = True
        #: list greenlets while stopped: None follows gevent's monkey-patching
        self.gevent: bool | None = None
        #: greenlets and tasks listed at this stop, by DAP id (None: not looked yet)
        self._logical: dict[int, LogicalThread] | None = None
        #: thread -> its nested debugs (``debug_code``), innermost last
        self._nested: dict[int, list[NestedRun]] = {}

    @property
    def breakpoints(self) -> BreakpointRegistry:
        return self.sync.registry

    @property
    def exceptions(self) -> ExceptionFilters:
        return self.sync.exceptions

    # ------------------------------------------------------------ setup

    def attach_backend(self, backend: FrameEvalBackend) -> None:
        """Use ``backend`` (already installed with ``self`` and ``self.state``)."""
        self.backend = backend
        self.steps.backend = backend
        for ident in self.threads.ignored:
            backend.ignore_thread(ident)
        self.sync.attach(backend)
        self.loads.install()

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
        with self.stops.lock:
            self.steps.start_entry(ident, Step("in", None, just_my_code=True, main_only=True))

    def request_stop_in(self, ident: int, frame: FrameType) -> None:
        """Stop the thread at the next line ``frame`` runs, reported as a
        breakpoint (``dapper.breakpoint()`` in the program)."""
        with self.stops.lock:
            self.steps.start_with_reason(
                ident, Step("over", frame, just_my_code=False), "breakpoint", []
            )

    # ------------------------------------------------------------ breakpoints

    def set_breakpoints(
        self, path: str, specs: list[BreakpointSpec], source: object = None
    ) -> list[BreakpointStatus]:
        """Replace the breakpoints of the file ``path`` (their statuses carry
        ``source``); the backend sees the verified lines."""
        result = self.sync.set_breakpoints(path, specs, source)
        self.loads.watch_loads()
        return result

    def set_function_breakpoints(self, specs: list[BreakpointSpec]) -> list[BreakpointStatus]:
        return self.sync.set_function_breakpoints(specs)

    def set_exception_breakpoints(self, requested: list[tuple[str, str]]) -> list[str]:
        """Turn on these ``(filter name, type condition)`` pairs, the rest off."""
        return self.sync.set_exception_breakpoints(requested)

    def _file_loaded(self, canonical: str) -> None:
        for bp in self.sync.file_loaded(canonical):
            self.report(BreakpointChanged(bp))

    def file_loaded(self, canonical: str) -> None:
        """A file with no Python code of its own (a template) was loaded by the
        program: verify its pending breakpoints."""
        if canonical in self.breakpoints.pending_files():
            self._file_loaded(canonical)

    def has_breakpoints_in(self, canonical: str) -> bool:
        """Whether line breakpoints wait in ``canonical`` (cheap: read on hot paths)."""
        return canonical in self.state.line_breakpoints

    def on_thread_event(self, reason: str, ident: int) -> None:
        """A user thread started or exited (from ``thread_events``)."""
        self.lifecycle.on_thread_event(reason, ident)

    # ------------------------------------------------------------ callbacks

    def on_call(self, frame: FrameType) -> None:
        if self.steps.active:
            ident = _get_ident()
            step = self.steps.get(ident)
            if step is not None and ident not in self.threads.ignored and step.stops_at_call(frame):
                reason, ids = self.steps.take_reason(ident)
                self._stop(ident, frame, reason, hit_ids=ids, text=FUNCTION_ENTRY)
                return
        if not self.state.function_breakpoints:
            return
        decision = self.breakpoints.check_call(frame)
        self._report_logs(decision, frame)
        if decision.stop:
            ident = _get_ident()
            with self.stops.lock:
                self.steps.start_with_reason(
                    ident,
                    Step("over", frame, self.state.just_my_code),
                    "function breakpoint",
                    decision.breakpoint_ids,
                )

    def on_line(
        self, frame: FrameType, condition: bool | BaseException | CountedHit | None = None
    ) -> None:
        """A line event; ``condition`` is the breakpoint condition's result when
        instrumented code already evaluated it in the frame (True or the error),
        or a ``CountedHit`` when it also counted a hit that matched."""
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
                shown = self._shown(frame) if self.presenters else frame
                decision = self.sync.registry.check_line_at(shown, canonical, line, condition)
                if decision.stop or decision.log_messages or decision.condition_errors:
                    reason, ids = self._report_hit(decision, shown)
        if reason is None and ident in self.steps.active:
            reason, ids = self.steps.stop_reason(ident, frame)
        if self.stops.suspending:
            if not self.stops.claim_pause():
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

    def line_reached(self, frame: FrameType, shown: ShownFrame, canonical: str, line: int) -> None:
        """A line of a file with no code of its own runs (a template line
        rendering, seen by a framework hook running in ``frame``); ``shown`` is
        the frame-like object that stands for it (``f_locals`` are the
        template's variables). Stops like a line breakpoint in ``shown``."""
        ident = _get_ident()
        if ident in self.threads.ignored:
            return
        lines = self.state.line_breakpoints.get(canonical)
        if not lines or line not in lines:
            return
        decision = self.sync.registry.check_line_at(shown, canonical, line, None)
        for bp in decision.verified_now:
            self.report(BreakpointChanged(bp))
        if not (decision.stop or decision.log_messages or decision.condition_errors):
            return
        reason, ids = self._report_hit(decision, shown)
        if reason is not None:
            frames = [shown, *self.present_frames(visible_frames(frame))]
            self._stop(ident, frame, reason, hit_ids=ids, frames=frames)

    def _shown(self, frame: FrameType) -> ShownFrame:
        """The frame-like object shown for ``frame`` (itself unless presented)."""
        for present in self.presenters:
            shown = present(frame)
            if shown:
                return shown[0]
        return frame

    def present_frames(self, frames: list[FrameType]) -> list[ShownFrame]:
        """``frames`` as the user sees them: each presenter may show a frame as
        others (a template frame above the engine's rendering frame). A
        presenter that fails leaves the frame as it is."""
        if not self.presenters:
            return list(frames)
        shown: list[ShownFrame] = []
        for frame in frames:
            replaced = None
            for present in self.presenters:
                try:
                    replaced = present(frame)
                except Exception:  # noqa: BLE001 - a stack must still be shown
                    replaced = None
                if replaced:
                    break
            shown.extend(replaced or (frame,))
        return shown

    def _still_due(self, ident: int, frame: FrameType, reason: str, *, at_line: bool) -> bool:
        """Whether a stop held back while another thread's stop was shown
        should still be reported now that the client resumed."""
        if ident in self.steps:
            return False  # the client stepped this thread meanwhile
        if (
            reason == "breakpoint"
            and at_line
            and not self.sync.has_line_breakpoint(
                canonical_path(frame.f_code.co_filename), frame.f_lineno
            )
        ):
            return False  # the breakpoint was removed meanwhile
        if reason == "exception":
            pending = self._exceptions.get(ident)
            if pending is not None and not self.exceptions.still_wanted(pending[1], pending[0]):
                self._exceptions.pop(ident, None)
                return False  # its exception filter was turned off meanwhile
        return True

    def _report_hit(
        self, decision: HitDecision, frame: ShownFrame
    ) -> tuple[str | None, Sequence[int]]:
        """Send a breakpoint hit's log output and condition errors; stop if it asks to."""
        self._report_logs(decision, frame)
        for error in decision.condition_errors:
            self.report(ConditionError(error))
        if decision.stop:
            return "breakpoint", decision.breakpoint_ids
        return None, ()

    def _report_logs(self, decision: HitDecision, frame: ShownFrame) -> None:
        if not decision.log_messages:
            return
        # Where the logpoint is, so a client can link its output to the line.
        source = self.sources.source_for(frame.f_code, frame.f_globals)
        for message in decision.log_messages:
            self.report(LogMessage(message, source, frame.f_lineno))

    def on_return(self, frame: FrameType, value: Any) -> None:
        ident = _get_ident()
        step = self.steps.get(ident)
        if step is None:
            return
        if frame is step.frame and self.show_return_value and not is_suspending(frame):
            self._return_values[ident] = (frame.f_code.co_name, value)
        if step.stops_at_return(frame):
            if self.show_return_value:
                self._return_values[ident] = (frame.f_code.co_name, value)
            reason, ids = self.steps.take_reason(ident)
            self._stop(ident, frame, reason, hit_ids=ids, text=FUNCTION_RETURN)
            # Resumed inside the return: any step from here (in, over, out, as
            # pdb's s, n, r and until) ends at the caller's next line, not back
            # on the call's line.
            step = self.steps.get(ident)
            if step is not None and step.on_return(frame):
                self.steps.publish(ident, step)
            return
        caller = step.caller_to_stop_in(frame)
        if caller is not None:
            reason, ids = self.steps.take_reason(ident)
            self._stop(ident, caller, reason, hit_ids=ids)
            return
        if step.on_return(frame):
            self.steps.publish(ident, step)

    def on_exception(self, frame: FrameType, exc: BaseException) -> None:
        ident = _get_ident()
        if ident in self.threads.ignored:
            return
        if self.exceptions.stop_on_raise(frame, exc, self.state.just_my_code):
            self._exceptions[ident] = (exc, "always")
            self._stop(ident, frame, "exception", text=_describe(exc))

    def on_unwind(self, frame: FrameType, exc: BaseException) -> None:
        ident = _get_ident()
        if ident in self.threads.ignored:
            return
        if self.exceptions.stop_on_unwind(frame, exc):
            self._exceptions[ident] = (exc, "userUnhandled")
            self._stop(ident, frame, "exception", text=_describe(exc))
        step = self.steps.get(ident)
        if step is not None and step.on_return(frame):
            self.steps.publish(ident, step)

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

    def without_events(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Call ``fn`` (debugger work on a user thread) where no breakpoint or
        pause can stop this thread, nested or not."""
        backend = self.backend
        quiet = getattr(backend, "without_events", None)
        return fn(*args) if quiet is None else quiet(fn, *args)

    def _on_uncaught(self, exc: BaseException, ident: int | None) -> None:
        ident = _get_ident() if ident is None else ident
        if ident in self.threads.ignored:
            return
        if not self.exceptions.stop_on_uncaught(exc):
            return
        frames, lines = _traceback_frames(exc.__traceback__)
        if not frames:
            return
        self._exceptions[ident] = (exc, "unhandled")
        shown = self.present_frames(frames)
        self._stop(ident, frames[0], "exception", text=_describe(exc), frames=shown, lines=lines)

    # ------------------------------------------------------------ stopping

    def _stop(
        self,
        ident: int,
        frame: FrameType,
        reason: str | None,
        *,
        hit_ids: Sequence[int] | None = None,
        text: str | None = None,
        frames: list[ShownFrame] | None = None,
        lines: dict[int, int] | None = None,
        at_line: bool = False,
    ) -> None:
        """Block this thread until resumed; ``reason`` None stops silently
        (a thread caught up in another thread's stop). A stop held back behind
        another thread's is reported after the resume, if still due."""
        run = self._nested_run(ident) if self._nested else None
        if run is not None and (run.quitting or not run.holds(frame)):
            # Quitting, or a step that left the nested code for the frames it
            # was started from (which are parked): nothing stops.
            return
        labels: dict[int, str] = {}
        if frames is None:
            frames = self.present_frames(visible_frames(frame))
            if running_loop() is not None:
                frames, labels = with_awaiting_chain(frames, self.state.just_my_code)
        while True:
            suspension = Suspension(ident, frame, frames)
            suspension.lines = lines or {}
            suspension.labels = labels
            suspension.at_line = at_line
            deferred = self.stops.park(suspension, reason, hit_ids, text)
            if run is not None and run.quitting:
                raise LeaveNestedRun  # unwinds the nested code to ``_run_nested``
            if not deferred:
                self._exceptions.pop(ident, None)
                return
            if reason is None or not self._still_due(ident, frame, reason, at_line=at_line):
                return

    # ------------------------------------------------------------ nested debug

    def prepare_debug_code(self, frame_id: int, source: str) -> NestedRun:
        """Check that ``source`` can run under a nested debug in the frame
        ``frame_id`` (pdb's ``debug CODE``); ``start_debug_code`` starts it."""
        suspension, frame = self.frame(frame_id)
        entry = self.frames.get(frame_id)
        if entry is None or entry[0] != suspension.ident or suspension.frame is None:
            raise DebuggerError("debug needs a frame of the thread that stopped")
        if getattr(self.backend, "with_events", None) is None:
            raise DebuggerError("this backend cannot run a nested debug")
        try:
            code, is_expression = compile_debug_code(source)
        except EvaluationError as exc:
            raise DebuggerError(str(exc)) from None
        # Its frames are shown with their source (a pseudo file, as exec'd code).
        self.sources.remember_compiled(code.co_filename, source)
        return NestedRun(suspension, frame, code, is_expression)

    def start_debug_code(self, run: NestedRun) -> None:
        """Run the code of ``run`` on its stopped thread with events on: it
        stops at its first line, reported as a step; the other threads stay
        stopped. When it ends (``NestedDebugEnded``), the thread is stopped
        where it was again, reported with ``NESTED_DEBUG_ENDED``."""
        ident = run.ident
        with self.stops.lock:
            self.stops.enter_nested(run.outer)
            self._nested.setdefault(ident, []).append(run)
            for name, table in (("exception", self._exceptions), ("return", self._return_values)):
                if ident in table:
                    run.saved[name] = table.pop(ident)
            self.steps.start(ident, Step("in", None, self.state.just_my_code))
            self._forget_stop()
        run.outer.post(lambda: self._run_nested(run))

    def _nested_run(self, ident: int) -> NestedRun | None:
        runs = self._nested.get(ident)
        return runs[-1] if runs else None

    def _run_nested(self, run: NestedRun) -> None:
        """On the stopped thread: the nested debug itself."""
        run.base = sys._getframe()
        outcome, text = "finished", ""
        try:
            value = self.backend.with_events(run_in_frame, run.frame, run.code)  # type: ignore[union-attr]
            if run.is_expression:
                outcome, text = "returned", safe_repr(value)
        except LeaveNestedRun:
            outcome = "quit"
        except EvaluationError as exc:
            outcome, text = "raised", str(exc)
        except BaseException as exc:  # noqa: BLE001 - SystemExit, KeyboardInterrupt in the code
            outcome, text = "raised", error_message(exc)
        finally:
            run.base = None
        self._leave_nested(run, outcome, text)

    def _leave_nested(self, run: NestedRun, outcome: str, text: str) -> None:
        ident = run.ident
        with self.stops.lock:
            runs = self._nested.get(ident, [])
            if run in runs:
                runs.remove(run)
            if not runs:
                self._nested.pop(ident, None)
            self._forget_stop()
            self._exceptions.pop(ident, None)
            if "exception" in run.saved:
                self._exceptions[ident] = run.saved["exception"]
            if "return" in run.saved:
                self._return_values[ident] = run.saved["return"]
            self.stops.leave_nested(run.outer, release=run.released)
        if run.released:
            return
        dap_id = self.threads.dap_id(ident)
        self.report(NestedDebugEnded(dap_id, outcome, text))
        self.report(Stopped(dap_id, "step", (), NESTED_DEBUG_ENDED))

    def quit_debug_code(self, dap_thread_id: int) -> None:
        """End the innermost nested debug of a stopped thread (pdb's ``q``
        inside ``debug``): its code is unwound, nothing in it stops; the
        thread is back at the stop the nested debug left."""
        self.nested_debug_of(dap_thread_id).quitting = True
        self.resume_all()

    def nested_debug_of(self, dap_thread_id: int) -> NestedRun:
        """The innermost nested debug of a stopped thread."""
        suspension = self.suspension_for(dap_thread_id)
        run = self._nested_run(suspension.ident)
        if run is None:
            raise DebuggerError(f"thread {dap_thread_id} is not in a nested debug")
        return run

    # ------------------------------------------------------------ resume

    def resume_all(
        self,
        step_ident: int | None = None,
        step_kind: str | None = None,
        target: str | None = None,
        *,
        call_and_return: bool = False,
    ) -> None:
        """Resume every stopped thread; optionally start a step on one of them
        (``call_and_return``: one that also stops where pdb shows ``--Call--``
        and ``--Return--``)."""
        make_step = None
        if step_ident is not None and step_kind is not None:

            def make_step(frame: FrameType | None) -> Step:
                return Step(
                    step_kind,
                    frame,
                    self.state.just_my_code,
                    target,
                    call_and_return=call_and_return,
                )

        self.stops.resume_all(step_ident, make_step, self._forget_stop)

    def _forget_stop(self) -> None:
        """What is valid only while stopped: return values, frame and variable ids."""
        self._return_values.clear()  # shown only at the stop right after the return
        self._logical = None
        self.frames.clear()
        self.variables.clear()

    def goto(self, dap_thread_id: int, line: int) -> None:
        """Move the stopped thread's top frame to ``line`` (it stays stopped)."""
        from dapper.core.jumps import jump

        suspension = self.suspension_for(dap_thread_id)
        if not suspension.at_line or suspension.frame is None:
            raise DebuggerError(
                "goto needs a thread stopped at a line (not at an exception or a function entry)"
            )
        frame = suspension.frame
        self.run_on(suspension, lambda: jump(frame, line))
        self.variables.clear()

    def pause(self) -> None:
        self.stops.pause()

    def detach(self) -> None:
        """The client went away: forget its breakpoints and let everything run."""
        with self.stops.lock:
            self.sync.clear()
            self.steps.forget_all()
            for runs in self._nested.values():
                for run in runs:
                    run.released = True
                    run.quitting = True
        self.stops.resume_all(on_resume=self._forget_stop, everything=True)

    def forget_after_fork(self) -> None:
        """In a forked child: only the forking thread exists and no client can
        resume a stop, so drop all stop state and stop listening for events.

        Locks are replaced, not taken: a thread that no longer exists may have
        held one at the moment of the fork.
        """
        self.stops.forget_after_fork()
        self.lifecycle.lock = self.stops.lock
        self.state.lock = os_threads.RLock()
        self.steps.forget_all()
        self._exceptions.clear()
        self._nested.clear()
        self.backend = None
        self.steps.backend = None
        self.sync.backend = None
        self.loads.forget_after_fork()

    # ------------------------------------------------------------ queries

    @property
    def is_stopped(self) -> bool:
        return self.stops.is_stopped

    def stopped_threads(self) -> list[Suspension]:
        return self.stops.stopped_threads()

    def suspension_for(self, dap_thread_id: int, catch_up: float = 2.0) -> Suspension:
        """The stop of a thread (see ``StopCoordinator.suspension_for``)."""
        if self._logical and dap_thread_id in self._logical:
            raise DebuggerError(
                f"{self._logical[dap_thread_id].name} is not running: step the thread "
                "that is stopped, or continue"
            )
        return self.stops.suspension_for(dap_thread_id, catch_up)

    def gevent_on(self) -> bool:
        return self.gevent if self.gevent is not None else os_threads.threading_patched()

    def logical_threads(self) -> list[LogicalThread]:
        """While stopped: the suspended greenlets (gevent) and pending asyncio
        tasks of each stopped thread, gathered on that thread once per stop."""
        if self._logical is not None:
            return list(self._logical.values())
        found: dict[int, LogicalThread] = {}
        gevent = self.gevent_on()
        if gevent or "asyncio" in sys.modules:
            just_my_code = self.state.just_my_code
            for suspension in self.stopped_threads():
                try:
                    entries = self.run_on(suspension, lambda: collect(gevent, just_my_code))
                except Exception:  # noqa: BLE001 - a thread that cannot say lists nothing
                    continue
                for obj, name, frames in entries:
                    tid = self.threads.logical_id(obj)
                    found[tid] = LogicalThread(tid, name, suspension.ident, frames)
        if self.is_stopped:
            self._logical = found
        return list(found.values())

    def describe_threads(self) -> list[tuple[int, str]]:
        """(id, name) of each user thread, then, while stopped, of each greenlet and task."""
        threads = self.threads.describe()
        if self.is_stopped:
            threads += [(entry.dap_id, entry.name) for entry in self.logical_threads()]
        return threads

    def stack_trace(
        self, dap_thread_id: int, start: int = 0, levels: int = 0, fmt: FrameFormat | None = None
    ) -> StackPage:
        """A stopped thread's stack; while all threads stop, a thread still on its
        way to its next line gets time to park first (its stack must not move
        under the client). A running thread gives a snapshot. ``fmt`` adds
        parameters, module and line to the names;
        parameter values of a stopped thread are rendered on that thread."""
        ident = self.threads.ident(dap_thread_id)
        if ident is None and self.is_stopped:
            logical = {entry.dap_id: entry for entry in self.logical_threads()}.get(dap_thread_id)
            if logical is not None:
                return stack_frames(
                    logical.frames, logical.owner, self.frames, self.sources, start, levels
                )
        try:
            suspension: Suspension | None = self.suspension_for(dap_thread_id)
        except NotStoppedError:
            suspension = None
        if suspension is not None:
            frames, lines = suspension.frames or [], suspension.lines
            labels = suspension.labels
            ident = suspension.ident
        else:
            top = sys._current_frames().get(ident) if ident is not None else None
            if top is None or ident is None:
                raise DebuggerError(f"unknown thread {dap_thread_id}")
            frames, lines, labels = list[ShownFrame](visible_frames(top)), {}, {}
        page = stack_frames(frames, ident, self.frames, self.sources, start, levels, lines, labels)
        if fmt is not None:
            # the frames behind the shown entries ('awaited by' label entries have none)
            shown = shown_frames(frames, labels, start, levels)
            entries = [entry for entry in page.entries if entry.source is not None]

            def names_for() -> list[str]:
                # No user code (repr) runs for a thread that is not stopped.
                return [
                    frame_label(frame, entry.line, fmt, values=suspension is not None)
                    for frame, entry in zip(shown, entries, strict=True)
                ]

            names = iter(names_for() if suspension is None else self.run_on(suspension, names_for))
            page = page._replace(
                entries=[
                    entry if entry.source is None else entry._replace(name=next(names))
                    for entry in page.entries
                ]
            )
        return page

    def frame(self, frame_id: int) -> tuple[Suspension, ShownFrame]:
        """The stopped thread and frame behind a ``frameId``."""
        entry = self.frames.get(frame_id)
        if entry is None:
            raise DebuggerError(f"unknown or stale frameId {frame_id}")
        ident, frame = entry
        suspension = self.stops.get(ident)
        if suspension is None:
            # A thread blocked outside Python (join, a lock, I/O) while the
            # program is stopped cannot park, yet its frames do not move:
            # they are inspected on a thread that is stopped.
            stopped = self.stops.stopped_threads() if self.stops.suspending else []
            if not stopped or not _waits_outside_python(ident, frame):
                raise NotStoppedError("that frame's thread is running")
            suspension = stopped[0]
        return suspension, frame

    def run_on(self, suspension: Suspension, fn: Callable[[], T]) -> T:
        """Run ``fn`` on a stopped thread, within the evaluation time limit."""
        return suspension.run(fn, self.eval_timeout)

    def current_exception(self, dap_thread_id: int) -> tuple[BaseException, str]:
        ident = self.threads.ident(dap_thread_id)
        entry = self._exceptions.get(ident) if ident is not None else None
        if entry is None:
            raise DebuggerError(f"thread {dap_thread_id} is not stopped on an exception")
        return entry

    def exception_chain(self, dap_thread_id: int) -> list[BaseException]:
        """The stop's exception chain, the first raised first (``exceptions``)."""
        from dapper.core.exception_info import exception_chain

        return exception_chain(self.current_exception(dap_thread_id)[0])

    def show_exception(self, dap_thread_id: int, index: int) -> None:
        """Make exception ``index`` of the chain the stack shown for the
        stopped thread: its traceback's frames, at the lines they were at (as
        pdb's ``exceptions N``). The thread itself stays where it stopped."""
        chain = self.exception_chain(dap_thread_id)
        if not 0 <= index < len(chain):
            raise DebuggerError(f"no exception {index}: the chain has 0 to {len(chain) - 1}")
        suspension = self.suspension_for(dap_thread_id)
        frames, lines = _traceback_frames(chain[index].__traceback__)
        if not frames:
            raise DebuggerError(f"exception {index} has no traceback to show")
        suspension.frames = self.present_frames(frames)
        suspension.lines = lines
        suspension.labels = {}
        self._logical = None
        self.frames.clear()
        self.variables.clear()

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


def _waits_outside_python(ident: int, frame: ShownFrame) -> bool:
    """Whether thread ``ident`` still has ``frame`` on its stack (it has not
    moved on since the stack was read)."""
    top = sys._current_frames().get(ident)
    while top is not None:
        if top is frame:
            return True
        top = top.f_back
    return False
