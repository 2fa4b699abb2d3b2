"""The all-threads stop: when one thread stops, every other thread is asked
to stop at its next line, the client hears of one stop at a time, and a resume
lets them all go together (docs/decisions/004-all-threads-stop.md).

Knows nothing of why a thread stops (the debugger decides that) nor of the
wire: a stop is reported as a ``Stopped`` value.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from types import FrameType

from dapper import os_threads
from dapper._frame_eval.debug_state import StepRequest
from dapper.core.errors import NotStoppedError
from dapper.core.events import Report, Stopped
from dapper.core.stepping import Step, ThreadSteps
from dapper.core.suspension import Suspension
from dapper.core.thread_registry import ThreadRegistry

_PAUSE = StepRequest("pause")


class StopCoordinator:
    """Parks stopping threads and resumes them all at once."""

    def __init__(self, threads: ThreadRegistry, steps: ThreadSteps, report: Report) -> None:
        self.threads = threads
        self.steps = steps
        self.report = report
        self._lock = os_threads.RLock()
        #: notified whenever a thread parks or everything resumes
        self._parked = os_threads.Condition(self._lock)
        self._suspended: dict[int, Suspension] = {}
        #: True while every thread is asked to stop (one has, or a pause is on);
        #: a plain attribute: every breakpoint-line event reads it
        self.suspending = False
        self._pause_requested = False
        self._stop_reported = False  # a stopped event is out and not yet resumed
        #: thread -> the stops it left to run code under a nested debug
        #: (innermost last); while any is on, a resume lets only those threads go
        self._nested: dict[int, list[Suspension]] = {}

    @property
    def lock(self) -> os_threads.RLock:
        """Held while stop state changes (also guards the debugger's step changes)."""
        return self._lock

    # ------------------------------------------------------------ stopping

    def claim_pause(self) -> bool:
        """While suspending: True for the one thread that reports a pause."""
        with self._lock:
            claim = self._pause_requested
            self._pause_requested = False
        return claim

    def park(
        self,
        suspension: Suspension,
        reason: str | None,
        hit_ids: Sequence[int] | None = None,
        text: str | None = None,
    ) -> bool:
        """Block the calling thread in ``suspension`` until resumed.

        ``reason`` None parks silently (caught up in another thread's stop).
        Returns True when the stop was held back because another thread's stop
        was already reported: the caller reports it again if still due.
        """
        ident = suspension.ident
        with self._lock:
            if reason is None and not self.suspending:
                # The stop this thread was caught up in ended between its check
                # and now: parking would start an all-threads stop nobody reports.
                return False
            deferred = reason is not None and self._stop_reported
            reason_now = None if deferred else reason
            if reason_now is not None:
                self._stop_reported = True
            self.steps.clear(ident)
            self._suspended[ident] = suspension
            self._parked.notify_all()
            if not self.suspending or reason_now is not None:
                self.suspending = True
                self.steps.request_all(
                    {
                        other: _PAUSE
                        for other in self.threads.live_idents()
                        if other != ident and other not in self._suspended
                    }
                )
        if reason_now is not None:
            self.report(
                Stopped(self.threads.dap_id(ident), reason_now, tuple(hit_ids or ()), text or None)
            )
        try:
            suspension.wait()
        finally:
            with self._lock:
                self._suspended.pop(ident, None)
        return deferred

    def pause(self) -> None:
        """Ask every thread to stop at its next line; the first one reports."""
        with self._lock:
            if self._suspended and self.suspending:
                return  # already stopped
            # Threads resumed a moment ago may not have left ``_suspended`` yet
            # (each leaves when it wakes): a pause right after a resume must
            # still stop them at their next line, not be dropped.
            self.suspending = True
            self._pause_requested = True
            self.steps.request_all(dict.fromkeys(self.threads.live_idents(), _PAUSE))

    # ------------------------------------------------------------ nested debug

    def enter_nested(self, suspension: Suspension) -> None:
        """The stopped thread of ``suspension`` runs code under a nested debug:
        it counts as running (its stops are reported again), the other
        threads stay parked where they are."""
        with self._lock:
            ident = suspension.ident
            if self._suspended.get(ident) is not suspension:
                raise NotStoppedError("thread is not stopped")
            del self._suspended[ident]
            self._nested.setdefault(ident, []).append(suspension)
            self._stop_reported = False
            self.suspending = False
            self._pause_requested = False
            self._parked.notify_all()

    def leave_nested(self, suspension: Suspension, *, release: bool = False) -> None:
        """The nested debug of ``suspension``'s thread ended: it is stopped
        there again (the caller reports it), or, with ``release``, runs on."""
        with self._lock:
            ident = suspension.ident
            outer = self._nested.get(ident, [])
            if suspension in outer:
                outer.remove(suspension)
            if not outer:
                self._nested.pop(ident, None)
            if release:
                suspension.resume()
                return
            self.steps.clear(ident)
            self._suspended[ident] = suspension
            self._stop_reported = True
            self._pause_requested = False
            self.suspending = True
            self._parked.notify_all()

    def nested_threads(self) -> list[int]:
        return list(self._nested)

    # ------------------------------------------------------------ resume

    def resume_all(
        self,
        step_ident: int | None = None,
        make_step: Callable[[FrameType | None], Step] | None = None,
        on_resume: Callable[[], None] | None = None,
        *,
        everything: bool = False,
    ) -> None:
        """Resume every stopped thread; with ``make_step``, thread ``step_ident``
        steps from its stopped frame. ``on_resume`` runs under the lock, before
        any thread runs (stop-scoped state is dropped there). While a nested
        debug runs, only its threads resume, unless ``everything``."""
        with self._lock:
            frame: FrameType | None = None
            if step_ident is not None and make_step is not None:
                suspension = self._suspended.get(step_ident)
                if suspension is None:
                    raise NotStoppedError("thread is not stopped")
                frame = suspension.frame
            self._stop_reported = False
            self.suspending = False
            self._parked.notify_all()
            self._pause_requested = False
            self.steps.request_all(
                {
                    ident: None
                    for ident in list(self._suspended) + self.threads.live_idents()
                    if ident not in self.steps
                }
            )
            if step_ident is not None and make_step is not None:
                self.steps.start(step_ident, make_step(frame))
            if on_resume is not None:
                on_resume()
            suspended = list(self._suspended.values())
            if self._nested and not everything:
                # A nested debug runs its thread alone: the others stay where
                # they stopped until it ends.
                suspended = [s for s in suspended if s.ident in self._nested]
        for suspension in suspended:
            suspension.resume()

    # ------------------------------------------------------------ queries

    @property
    def is_stopped(self) -> bool:
        return bool(self._suspended)

    def stopped_threads(self) -> list[Suspension]:
        return list(self._suspended.values())

    def get(self, ident: int) -> Suspension | None:
        return self._suspended.get(ident)

    def suspension_for(self, dap_thread_id: int, catch_up: float = 2.0) -> Suspension:
        """The stop of a thread. While all threads are stopping, a thread that
        was told to stop but has not reached its next line yet gets ``catch_up``
        seconds to park (the client was already told every thread stopped)."""
        ident = self.threads.ident(dap_thread_id)
        with self._lock:
            if ident is not None and self.suspending and ident not in self._suspended:
                self._parked.wait_for(
                    lambda: ident in self._suspended or not self.suspending, catch_up
                )
            suspension = self._suspended.get(ident) if ident is not None else None
        if suspension is None:
            raise NotStoppedError(f"thread {dap_thread_id} is not stopped")
        return suspension

    def forget_after_fork(self) -> None:
        """In a forked child nobody can resume a stop: drop all stop state.
        Locks are replaced, not taken: a vanished thread may have held one."""
        self._lock = os_threads.RLock()
        self._parked = os_threads.Condition(self._lock)
        self._suspended.clear()
        self._nested.clear()
        self.suspending = self._stop_reported = self._pause_requested = False
