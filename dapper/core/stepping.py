"""Per-thread step state machines: when does a step (in/over/out) end?

Pure logic over frames; the debugger feeds it the events a backend delivers
for one thread and stops the thread when ``on_line`` says so.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import FrameType
from typing import Protocol

from dapper._frame_eval.debug_state import StepRequest
from dapper.core.async_tasks import awaiting_frame
from dapper.core.frame_kinds import (
    is_coroutine_frame,
    is_debugger_frame,
    is_returning,
    is_suspending,
    is_user_frame,
)


@dataclass
class Step:
    """One thread's step in progress.

    ``kind``: ``in`` stops at the next line anywhere (user code only with
    justMyCode); ``over`` stops at the next line of ``frame`` or of a caller;
    ``out`` stops at the next line of a caller. After the stepped frame returns,
    the step continues as ``over`` in the caller (or ``in`` when the caller is
    library code and justMyCode is on: the next user line wins).
    """

    kind: str
    frame: FrameType | None
    just_my_code: bool = True
    #: stepIn to a chosen call of the line: the name of the function to enter
    target: str | None = None
    #: stop only in code of the module running as ``__main__`` (the entry stop:
    #: not in a package's ``__init__`` or code that imports generate on the way)
    main_only: bool = False
    #: the coroutine of the task awaiting the stepped task's coroutine, once
    #: that returns: a step over or out of it continues there
    awaiter: FrameType | None = None
    #: pdb's ``--Call--`` / ``--Return--`` stops: a step in also stops at the
    #: entry of a function it enters, and every step at the return of the
    #: stepped frame (of any user frame for a step in), in that frame
    call_and_return: bool = False

    def request(self) -> StepRequest:
        if self.main_only:
            # Trace every new frame, library or not: ``-m json.tool`` runs
            # library code as __main__, and its first line is the entry.
            return StepRequest("pause")
        return StepRequest(self.kind if self.kind != "return_to" else "over", self.frame)

    def should_stop_at_line(self, frame: FrameType) -> bool:
        if self.kind == "in":
            if self.target is not None and frame is not self.frame:
                if frame.f_code.co_name != self.target:
                    return False  # another call of the line: run through it
            if self.main_only:
                return frame.f_globals.get("__name__") == "__main__"
            return not self.just_my_code or is_user_frame(frame)
        if self.kind == "over":
            return frame is self.frame
        return False  # "out": only after the frame returns

    def stops_at_call(self, frame: FrameType) -> bool:
        """Whether the start of ``frame`` ends the step (pdb's ``--Call--``)."""
        return (
            self.call_and_return
            and self.kind == "in"
            and frame is not self.frame
            and self.should_stop_at_line(frame)
        )

    def stops_at_return(self, frame: FrameType) -> bool:
        """Whether ``frame``'s return ends the step, in ``frame`` (pdb's
        ``--Return--``); a yield or an exception unwinding it does not."""
        if not self.call_and_return or is_suspending(frame) or not is_returning(frame):
            return False
        if self.kind == "in":
            return self.should_stop_at_line(frame)
        return frame is self.frame

    def caller_to_stop_in(self, frame: FrameType) -> FrameType | None:
        """The user frame to stop in now that ``frame`` returns, if the step ends
        there: a step over or out of a frame ends in its caller at the call's
        line (as debugpy shows it), even when the caller has no further line to
        run, e.g. ``sys.exit(main())`` in the program's module frame."""
        if self.kind not in ("over", "out") or frame is not self.frame:
            return None
        if is_suspending(frame) or not is_returning(frame):
            return None  # a yield or await resumes later; an unwind ends elsewhere
        if is_coroutine_frame(frame):
            self.awaiter = awaiting_frame(frame)
            if self.awaiter is not None:
                return None  # the task ends: on_return moves the step to its awaiter
        caller = frame.f_back
        while caller is not None and is_debugger_frame(caller):
            caller = caller.f_back
        if caller is None or (self.just_my_code and not is_user_frame(caller)):
            return None
        return caller

    def on_return(self, frame: FrameType) -> bool:
        """Update after ``frame`` returned or yielded; True if the backend's view changed."""
        if self.kind == "in" and frame is self.frame:
            self.target = None  # the line ended without entering the target
        if self.kind == "in" or frame is not self.frame:
            return False
        if is_suspending(frame) and is_coroutine_frame(frame):
            return False  # an awaiting coroutine resumes later: stay on it (over or out)
        if self.awaiter is not None:
            # The task's coroutine ended: the awaiting task resumes there later.
            self.kind, self.frame, self.awaiter = "over", self.awaiter, None
            return True
        caller = frame.f_back
        while caller is not None and is_debugger_frame(caller):
            caller = caller.f_back
        if caller is None or (self.just_my_code and not is_user_frame(caller)):
            self.kind, self.frame = "in", None
        else:
            self.kind, self.frame = "over", caller
        return True


class ThreadSteps:
    """Which threads are stepping, why their step will stop, and the one path
    by which core tells the backend what a thread needs (``set_stepping``)."""

    def __init__(self) -> None:
        #: the backend events come from; None before it is installed and after a fork
        self.backend: SteppingBackend | None = None
        #: thread -> its step (a plain dict: line events test membership)
        self.active: dict[int, Step] = {}
        #: stop reason (and breakpoint ids) to report instead of "step"
        self._reasons: dict[int, tuple[str, list[int]]] = {}
        #: threads whose first step stop is reported as "entry" (stopOnEntry)
        self._entry: set[int] = set()

    def __contains__(self, ident: int) -> bool:
        return ident in self.active

    def get(self, ident: int) -> Step | None:
        return self.active.get(ident)

    def request(self, ident: int, request: StepRequest | None) -> None:
        """What thread ``ident`` needs from the backend (None: nothing more)."""
        self.request_all({ident: request})

    def request_all(self, requests: Mapping[int, StepRequest | None]) -> None:
        """What several threads need, told to the backend at once. Each telling
        makes a tracing backend walk every thread's frames: one per thread made
        each stop and resume of N threads cost N² (200 threads on one breakpoint
        took minutes a stop on settrace)."""
        if self.backend is not None and requests:
            self.backend.set_stepping_all(requests)

    def start(self, ident: int, step: Step) -> None:
        self.active[ident] = step
        self.request(ident, step.request())

    def start_entry(self, ident: int, step: Step) -> None:
        """A step whose stop is reported as ``entry``."""
        self._entry.add(ident)
        self.start(ident, step)

    def start_with_reason(self, ident: int, step: Step, reason: str, ids: list[int]) -> None:
        """A step whose stop is reported with ``reason`` (a function breakpoint's)."""
        self._reasons[ident] = (reason, ids)
        self.start(ident, step)

    def publish(self, ident: int, step: Step) -> None:
        """The step changed (its frame returned): tell the backend."""
        self.request(ident, step.request())

    def clear(self, ident: int) -> None:
        """The thread stopped: its step is over (and any stop ends the entry
        stop, so a later step reports ``step``)."""
        self.active.pop(ident, None)
        self._reasons.pop(ident, None)
        self._entry.discard(ident)
        self.request(ident, None)

    def forget(self, ident: int) -> None:
        """The thread exited."""
        self.active.pop(ident, None)
        self._reasons.pop(ident, None)

    def forget_all(self) -> None:
        self.active.clear()
        self._reasons.clear()
        self._entry.clear()

    def take_reason(self, ident: int) -> tuple[str, list[int]]:
        """The reason the thread's step ends with (``step`` unless it was started
        with another, or is the entry stop)."""
        reason, ids = self._reasons.pop(ident, ("step", []))
        if ident in self._entry:
            self._entry.discard(ident)
            reason = "entry"
        return reason, ids

    def stop_reason(self, ident: int, frame: FrameType) -> tuple[str | None, list[int]]:
        """Whether this line ends the thread's step: (reason, breakpoint ids)."""
        step = self.active.get(ident)
        if step is not None and step.should_stop_at_line(frame):
            return self.take_reason(ident)
        return None, []


class SteppingBackend(Protocol):
    """The part of ``FrameEvalBackend`` stepping uses."""

    def set_stepping_all(self, requests: Mapping[int, StepRequest | None]) -> None: ...
