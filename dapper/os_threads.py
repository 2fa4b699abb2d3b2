"""Real OS threads, locks and waits for the debugger's own use.

A program that calls ``gevent.monkey.patch_all()`` replaces ``threading.Lock``,
``threading.Event``, ``queue.SimpleQueue``, ``threading.get_ident`` and thread
creation with greenlet versions. A stopped thread must block its OS thread
(so the whole hub stops, and the engine thread can wake it), and the engine
thread must be a real thread, so the debugger takes its primitives from here:
the originals, saved at import or taken from ``gevent.monkey.get_original``
when the program patched before Dapper was imported. A leaf: any layer may
import it.
"""

from __future__ import annotations

import _queue
import _thread
import sys
import time
from collections.abc import Callable
from typing import Any


def _original(module: str, name: str) -> Any:
    monkey = sys.modules.get("gevent.monkey")
    if monkey is not None:
        try:
            return monkey.get_original(module, name)
        except Exception:  # noqa: BLE001 - an odd gevent: fall back to what is there
            pass
    return getattr(sys.modules.get(module) or __import__(module), name)


get_ident: Callable[[], int] = _original("_thread", "get_ident")
allocate_lock: Callable[[], Any] = _original("_thread", "allocate_lock")
RLock = _thread.RLock  # never patched: gevent replaces threading.RLock only
start_new_thread: Callable[..., int] = _original("_thread", "start_new_thread")
SimpleQueue = _queue.SimpleQueue  # the C queue; gevent patches queue.SimpleQueue
_monotonic = time.monotonic


def threading_patched() -> bool:
    """Whether gevent has monkey-patched ``threading`` in this process."""
    monkey = sys.modules.get("gevent.monkey")
    if monkey is None:
        return False
    try:
        return bool(monkey.is_module_patched("threading"))
    except Exception:  # noqa: BLE001
        return False


class Event:
    """``threading.Event`` on a real lock (the flag is set once, or cleared)."""

    def __init__(self) -> None:
        self._mutex = allocate_lock()
        self._gate = allocate_lock()
        self._gate.acquire()
        self._flag = False

    def is_set(self) -> bool:
        return self._flag

    def set(self) -> None:
        with self._mutex:
            if not self._flag:
                self._flag = True
                self._gate.release()

    def clear(self) -> None:
        with self._mutex:
            if self._flag:
                self._gate.acquire()
                self._flag = False

    def wait(self, timeout: float | None = None) -> bool:
        if self._flag:
            return True
        got = self._gate.acquire(True, -1 if timeout is None else max(timeout, 0.0))
        if got:
            self._gate.release()  # let the next waiter through too
        return self._flag


class Condition:
    """``threading.Condition`` over a real (R)lock, waiting on real locks."""

    def __init__(self, lock: Any) -> None:
        self._lock = lock
        self._waiters: list[Any] = []

    def __enter__(self) -> bool:
        return self._lock.__enter__()

    def __exit__(self, *exc: object) -> None:
        self._lock.__exit__(*exc)

    def _release_save(self) -> Any:
        save = getattr(self._lock, "_release_save", None)
        if save is not None:
            return save()
        self._lock.release()
        return None

    def _acquire_restore(self, state: Any) -> None:
        restore = getattr(self._lock, "_acquire_restore", None)
        if restore is not None:
            restore(state)
        else:
            self._lock.acquire()

    def wait(self, timeout: float | None = None) -> bool:
        """Release the lock (held by the caller), wait for a notify, take it back."""
        waiter = allocate_lock()
        waiter.acquire()
        self._waiters.append(waiter)
        state = self._release_save()
        try:
            return waiter.acquire(True, -1 if timeout is None else max(timeout, 0.0))
        finally:
            self._acquire_restore(state)
            try:
                self._waiters.remove(waiter)
            except ValueError:
                pass

    def wait_for(self, predicate: Callable[[], bool], timeout: float | None = None) -> bool:
        end = None if timeout is None else _monotonic() + timeout
        result = predicate()
        while not result:
            remaining = None if end is None else end - _monotonic()
            if remaining is not None and remaining <= 0:
                break
            self.wait(remaining)
            result = predicate()
        return result

    def notify_all(self) -> None:
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            try:
                waiter.release()
            except RuntimeError:
                pass


def start_thread(target: Callable[..., Any], args: tuple = ()) -> int:
    """Start a daemon OS thread running ``target(*args)``; its ident.

    A raw thread, not a ``threading.Thread``: once gevent patches ``threading``
    its threads are greenlets, and even one started before the patch fails as
    it ends (``threading`` looks itself up by the patched ``get_ident``).
    """
    started = allocate_lock()
    started.acquire()
    box: list[int] = []

    def run() -> None:
        box.append(get_ident())
        started.release()
        target(*args)

    start_new_thread(run, ())
    started.acquire()
    return box[0]
