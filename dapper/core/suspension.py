"""Blocking a stopped thread, and running jobs on it while it is stopped.

Requests that run user code (evaluate, repr, setVariable) must run on the
stopped thread itself so thread-locals and context variables are right; the
engine thread posts them here and waits with a time limit. A job that hangs is
interrupted with an asynchronous exception and the session goes on.
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable
from dataclasses import dataclass, field
from types import FrameType
from typing import Any, TypeVar

from dapper import os_threads
from dapper.core.errors import DebuggerError, EvaluationTimeoutError
from dapper.core.shown_frame import ShownFrame

T = TypeVar("T")


class EvaluationTimeout(BaseException):
    """Raised asynchronously into a stopped thread whose job ran too long."""


@dataclass
class _Job:
    fn: Callable[[], Any]
    done: os_threads.Event = field(default_factory=os_threads.Event)
    result: Any = None
    error: BaseException | None = None


_RESUME = object()


class Suspension:
    """A thread stopped at ``frame``: it sits in ``wait()`` until resumed."""

    def __init__(self, ident: int, frame: FrameType | None, frames: list[ShownFrame] | None = None):
        self.ident = ident
        self.frame = frame
        #: explicit frame list (innermost first), e.g. from an uncaught exception's traceback
        self.frames = frames
        #: exact line per frame id(), for frames that are no longer running
        self.lines: dict[int, int] = {}
        #: text shown before a frame (by id()): 'awaited by task …'
        self.labels: dict[int, str] = {}
        # real OS waits: under gevent a stop blocks the whole hub, not one greenlet
        self._queue: os_threads.SimpleQueue = os_threads.SimpleQueue()
        self._busy = os_threads.allocate_lock()
        self.resumed = False
        #: stopped inside a line event of ``frame`` (where a jump is possible)
        self.at_line = False

    def wait(self) -> None:
        """Run posted jobs until resumed. Called on the stopped thread."""
        while True:
            try:
                item = self._queue.get()
                if item is _RESUME:
                    return
                self._run(item)
            except EvaluationTimeout:
                # An interruption meant for a job that finished just before it
                # arrived: it must never reach the program.
                continue

    def _run(self, job: _Job) -> None:
        try:
            job.result = job.fn()
        except EvaluationTimeout:
            job.error = EvaluationTimeoutError("evaluation timed out and was interrupted")
        except BaseException as exc:  # noqa: BLE001 - reported to the client, never kills the thread
            job.error = exc
        finally:
            job.done.set()

    def resume(self) -> None:
        self.resumed = True
        self._queue.put(_RESUME)

    def post(self, fn: Callable[[], Any]) -> None:
        """Run ``fn`` on the stopped thread without waiting for it (a nested
        debug: it ends by reporting, not by answering); what it raises is dropped."""
        if self.resumed:
            raise DebuggerError("thread is not stopped")
        self._queue.put(_Job(fn))

    def run(self, fn: Callable[[], T], timeout: float) -> T:
        """Run ``fn`` on the stopped thread; raise ``EvaluationTimeoutError`` past ``timeout``."""
        if self.resumed:
            raise DebuggerError("thread is not stopped")
        if not self._busy.acquire(timeout=timeout):
            raise EvaluationTimeoutError("thread is still busy with an earlier evaluation")
        try:
            job = _Job(fn)
            self._queue.put(job)
            if not job.done.wait(timeout):
                _raise_in_thread(self.ident, EvaluationTimeout)
                if not job.done.wait(1.0):
                    # Blocked in C (time.sleep, a lock, I/O): the interruption
                    # takes effect, inside the job, when that call returns.
                    raise EvaluationTimeoutError(
                        f"evaluation did not finish within {timeout:g}s and is blocked in a "
                        "call that cannot be interrupted (C code such as time.sleep or a "
                        "lock); the thread stays in it until it returns, and resuming takes "
                        "effect then"
                    )
                if not isinstance(job.error, EvaluationTimeoutError):
                    # It finished on its own just as it was interrupted: take the
                    # interruption back before it can reach the program.
                    _raise_in_thread(self.ident, None)
                raise EvaluationTimeoutError(f"evaluation did not finish within {timeout:g}s")
            if job.error is not None:
                raise job.error
            return job.result
        finally:
            self._busy.release()


def _raise_in_thread(ident: int, exc_type: type[BaseException] | None) -> None:
    """Raise ``exc_type`` in thread ``ident`` at its next bytecode; None takes
    back one that has not been raised yet."""
    exc = ctypes.py_object(exc_type) if exc_type is not None else None
    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(ident), exc)
