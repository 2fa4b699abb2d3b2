"""The interface between core and the backends.

Core calls a backend through ``FrameEvalBackend``; a backend calls back into
core only through ``DebuggerCallbacks``. Callbacks run on the debuggee thread
that produced the event and may block it (a stop) until the client resumes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from types import FrameType
from typing import Any, Protocol, runtime_checkable

from dapper._frame_eval.debug_state import CountedHit, DebugState, StepRequest


class LeaveNestedRun(BaseException):
    """Raised by a callback to end the code a thread runs under the backend's
    ``with_events`` (a nested debug the user quits): every backend lets it
    reach the program's frame, which it unwinds up to that call."""


@runtime_checkable
class DebuggerCallbacks(Protocol):
    """What core offers a backend. The backend filters; core decides to stop.

    - ``on_call``: a selected frame was entered (function breakpoints, step-in).
    - ``on_line``: a selected frame reached a line that holds a breakpoint, or
      any line while its thread is stepping or pausing. Instrumented code that
      already evaluated the breakpoint's condition in the frame passes its
      result as ``condition`` (True, or the exception it raised); one that
      also counted the hit itself, and it matched the hit condition, passes a
      ``CountedHit``.
    - ``on_return``: a selected frame returns (or yields) while its thread steps.
    - ``on_exception``: an exception was raised in, or propagated into, a frame
      (only while an exception filter needs it).
    - ``on_unwind``: a frame exits because of an exception (same condition).
    """

    def on_call(self, frame: FrameType) -> None: ...

    def on_line(
        self, frame: FrameType, condition: bool | BaseException | CountedHit | None = None
    ) -> None: ...

    def on_return(self, frame: FrameType, value: Any) -> None: ...

    def on_exception(self, frame: FrameType, exc: BaseException) -> None: ...

    def on_unwind(self, frame: FrameType, exc: BaseException) -> None: ...


@runtime_checkable
class FrameEvalBackend(Protocol):
    """What every backend implements. Setters update the shared ``DebugState``,
    bump its version and make the change effective at once, including in frames
    already running on any thread."""

    name: str

    def install(self, callbacks: DebuggerCallbacks, state: DebugState) -> None:
        """Start delivering events for the frames ``state`` selects."""

    def shutdown(self) -> None:
        """Stop delivering events and leave no trace function, tool or hook behind."""

    def set_line_breakpoints(self, filename: str, lines: Iterable[int]) -> None:
        """Replace the breakpoint lines of one canonical file name."""

    def set_function_breakpoints(self, names: Iterable[str]) -> None: ...

    def set_exception_mode(self, mode: int) -> None:
        """EXC_* flags from ``debug_state``."""

    def set_stepping(self, thread_id: int, step: StepRequest | None) -> None:
        """Start (or clear, with None) a step or pause for one thread."""

    def set_stepping_all(self, requests: Mapping[int, StepRequest | None]) -> None:
        """``set_stepping`` for several threads, applied at once."""

    def ignore_thread(self, thread_id: int) -> None:
        """Never trace or stop this (debugger-internal) thread."""

    def deliver(self, method: Callable[..., Any], *args: Any) -> None:
        """Call a ``DebuggerCallbacks`` method with this thread's events held
        off meanwhile; an exception it raises is logged, never passed on."""

    def renew_locks_after_fork(self) -> None:
        """In a forked child, before ``shutdown``: replace locks a vanished thread may hold."""

    def get_stats(self) -> dict[str, int]:
        """Counters; see ``FrameEvalRuntime.get_stats``."""
