"""The all-threads stop protocol against a fake backend, with real threads.

Each test parks real threads in ``StopCoordinator.park`` (as backend callbacks
do) and checks what a client would see: one ``Stopped`` at a time, every other
thread asked to stop, a held-back stop coming back after the resume, and a
step started on the right thread with the right frame.
"""

from __future__ import annotations

import queue
import sys
import threading
from collections.abc import Callable, Mapping
from types import FrameType

import pytest

from dapper._frame_eval.debug_state import StepRequest
from dapper.core.errors import NotStoppedError
from dapper.core.events import CoreEvent, Stopped
from dapper.core.stepping import Step, ThreadSteps
from dapper.core.stop_coordinator import StopCoordinator
from dapper.core.suspension import Suspension
from dapper.core.thread_registry import ThreadRegistry

TIMEOUT = 30.0


class FakeBackend:
    """Records what core asks of each thread, as a real backend would receive it."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.stepping: dict[int, StepRequest | None] = {}

    def set_stepping_all(self, requests: Mapping[int, StepRequest | None]) -> None:
        with self.lock:
            self.stepping.update(requests)

    def kind(self, thread_id: int) -> str | None:
        with self.lock:
            request = self.stepping.get(thread_id)
        return None if request is None else request.kind


class Harness:
    def __init__(self) -> None:
        self.backend = FakeBackend()
        self.threads = ThreadRegistry()
        self.steps = ThreadSteps()
        self.steps.backend = self.backend
        self.events: queue.Queue[CoreEvent] = queue.Queue()
        self.stops = StopCoordinator(self.threads, self.steps, self.events.put)
        self.workers: list[Worker] = []

    def worker(self) -> Worker:
        worker = Worker(self)
        self.workers.append(worker)
        return worker

    def stopped(self) -> Stopped:
        event = self.events.get(timeout=TIMEOUT)
        assert isinstance(event, Stopped)
        return event

    def no_event(self) -> None:
        """Nothing reported so far (everything that could report has parked)."""
        assert self.events.empty(), self.events.get_nowait()

    def finish(self) -> None:
        self.stops.resume_all()
        for worker in self.workers:
            worker.release()


class Worker:
    """A thread that parks when told to, from a frame of its own."""

    def __init__(self, harness: Harness) -> None:
        self.harness = harness
        self.orders: queue.Queue[tuple[str | None, list[int]] | None] = queue.Queue()
        self.deferred: queue.Queue[bool] = queue.Queue()
        self.frame: FrameType | None = None
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        assert self.ready.wait(TIMEOUT)
        self.ident = self.thread.ident
        assert self.ident is not None
        self.dap_id = harness.threads.dap_id(self.ident)

    def _run(self) -> None:
        self.frame = sys._getframe()
        self.ready.set()
        while True:
            order = self.orders.get()
            if order is None:
                return
            reason, ids = order
            suspension = Suspension(threading.get_ident(), self.frame, [self.frame])
            self.deferred.put(self.harness.stops.park(suspension, reason, ids))

    def stop(self, reason: str | None, ids: list[int] | None = None) -> None:
        self.orders.put((reason, ids or []))

    def parked(self) -> Suspension:
        """Wait until this thread sits in its stop (all threads are stopping)."""
        return self.harness.stops.suspension_for(self.dap_id, catch_up=TIMEOUT)

    def was_deferred(self) -> bool:
        return self.deferred.get(timeout=TIMEOUT)

    def release(self) -> None:
        self.orders.put(None)
        self.thread.join(TIMEOUT)


@pytest.fixture
def harness():
    h = Harness()
    yield h
    h.finish()


def test_a_stop_is_reported_once_and_asks_every_other_thread_to_stop(harness: Harness) -> None:
    a, b = harness.worker(), harness.worker()
    a.stop("breakpoint", [7])
    event = harness.stopped()
    assert event == Stopped(a.dap_id, "breakpoint", (7,), None)
    a.parked()
    assert harness.stops.is_stopped
    # b (and the test's own thread) are asked to stop at their next line; a is not.
    assert harness.backend.kind(b.ident) == "pause"
    assert harness.backend.kind(threading.get_ident()) == "pause"
    assert harness.backend.kind(a.ident) is None
    # b arrives and parks silently: still one stop for the client.
    b.stop(None)
    b.parked()
    harness.no_event()
    harness.stops.resume_all()
    assert a.was_deferred() is False
    assert b.was_deferred() is False
    assert not harness.stops.is_stopped
    # Nobody is asked to stop any more.
    assert harness.backend.kind(a.ident) is None
    assert harness.backend.kind(b.ident) is None


def test_a_second_stop_is_held_back_until_the_resume(harness: Harness) -> None:
    a, b = harness.worker(), harness.worker()
    a.stop("breakpoint")
    assert harness.stopped().thread_id == a.dap_id
    b.stop("step")
    b.parked()
    harness.no_event()  # the client sees one stop at a time
    harness.stops.resume_all()
    assert a.was_deferred() is False
    # b learns its stop was held back, so the debugger can report it now.
    assert b.was_deferred() is True
    b.stop("step")
    assert harness.stopped() == Stopped(b.dap_id, "step")
    assert harness.backend.kind(a.ident) == "pause"


def test_resume_with_a_step_starts_it_on_that_thread_from_its_stopped_frame(
    harness: Harness,
) -> None:
    a, b = harness.worker(), harness.worker()
    a.stop("breakpoint")
    harness.stopped()
    b.stop(None)
    b.parked()
    made: list[FrameType | None] = []
    resumed: list[bool] = []

    def make_step(frame: FrameType | None) -> Step:
        made.append(frame)
        return Step("over", frame)

    harness.stops.resume_all(a.ident, make_step, lambda: resumed.append(True))
    assert made == [a.frame]
    assert resumed == [True]
    assert harness.backend.kind(a.ident) == "over"
    assert harness.backend.kind(b.ident) is None
    assert a.ident in harness.steps
    assert a.was_deferred() is False and b.was_deferred() is False


def test_stepping_a_thread_that_is_not_stopped_fails_and_resumes_nothing(
    harness: Harness,
) -> None:
    a, b = harness.worker(), harness.worker()
    a.stop("breakpoint")
    harness.stopped()
    a.parked()
    never: Callable[[FrameType | None], Step] = lambda frame: pytest.fail("no step")  # noqa: E731
    with pytest.raises(NotStoppedError):
        harness.stops.resume_all(b.ident, never)
    assert harness.stops.get(a.ident) is not None  # a is still stopped
    with pytest.raises(NotStoppedError):
        harness.stops.suspension_for(9999, catch_up=0)


def test_pause_asks_every_thread_and_exactly_one_reports_it(harness: Harness) -> None:
    a, b = harness.worker(), harness.worker()
    harness.stops.pause()
    assert harness.stops.suspending
    assert harness.backend.kind(a.ident) == "pause"
    assert harness.backend.kind(b.ident) == "pause"
    assert harness.stops.claim_pause() is True
    assert harness.stops.claim_pause() is False
    harness.stops.resume_all()
    assert not harness.stops.suspending
    assert harness.backend.kind(a.ident) is None


def test_a_pause_while_stopped_changes_nothing(harness: Harness) -> None:
    a = harness.worker()
    a.stop("breakpoint")
    harness.stopped()
    a.parked()
    harness.stops.pause()
    assert harness.stops.claim_pause() is False  # no second "pause" stop to report


def test_a_nested_run_resumes_alone_and_parks_again_where_it_was(harness: Harness) -> None:
    """``debug CODE``: the stopped thread runs code that stops again; a resume
    then lets only that thread go, and at the end it is stopped where it was."""
    a, b = harness.worker(), harness.worker()
    a.stop("breakpoint")
    harness.stopped()
    b.stop(None)
    outer, parked_b = a.parked(), b.parked()
    harness.stops.enter_nested(outer)
    assert harness.stops.get(a.ident) is None  # running its code
    done = threading.Event()

    def nested_code() -> None:  # on a's thread, as the debugger runs it
        harness.stops.park(Suspension(threading.get_ident(), a.frame, [a.frame]), "step")
        harness.stops.leave_nested(outer)
        done.set()

    outer.post(nested_code)
    assert harness.stopped() == Stopped(a.dap_id, "step")  # reported, not held back
    harness.stops.resume_all()
    assert done.wait(TIMEOUT)
    assert harness.stops.get(a.ident) is outer  # stopped where it was again
    assert harness.stops.get(b.ident) is parked_b  # b never ran
    assert b.deferred.empty()
    harness.stops.resume_all()
    assert a.was_deferred() is False and b.was_deferred() is False
    assert not harness.stops.is_stopped
