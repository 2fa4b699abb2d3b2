"""Thread start/exit notifications, so the client sees ``thread`` events."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from dapper import os_threads
from dapper.core.events import Report, ThreadChanged

if TYPE_CHECKING:
    from dapper.core.stepping import ThreadSteps
    from dapper.core.thread_registry import ThreadRegistry

_original_bootstrap = threading.Thread._bootstrap_inner  # type: ignore[attr-defined]
_listener: Callable[[str, int], None] | None = None


def _bootstrap_inner(self: threading.Thread) -> None:
    # Runs on the new thread, before Thread records its own ident. Under
    # gevent's monkey-patching a Thread is a greenlet on an existing OS thread:
    # not a thread of its own (greenlets are listed when stopped).
    ident = os_threads.get_ident()
    listener = _listener if threading.get_ident() == ident else None
    if listener is not None:
        listener("started", ident)
    try:
        _original_bootstrap(self)
    finally:
        listener = _listener
        if listener is not None:
            listener("exited", ident)


def install(listener: Callable[[str, int], None]) -> None:
    """Report every thread started from now on to ``listener(reason, ident)``."""
    global _listener
    _listener = listener
    threading.Thread._bootstrap_inner = _bootstrap_inner  # type: ignore[attr-defined]


def uninstall() -> None:
    global _listener
    _listener = None
    threading.Thread._bootstrap_inner = _original_bootstrap  # type: ignore[attr-defined]


class ThreadLifecycle:
    """Reports user threads starting and exiting, and forgets what core kept
    about a thread once it exits."""

    def __init__(
        self,
        threads: ThreadRegistry,
        steps: ThreadSteps,
        lock: threading.RLock,
        report: Report,
    ) -> None:
        self.threads = threads
        self.steps = steps
        #: the stop coordinator's lock (step changes happen under it)
        self.lock = lock
        self.report = report

    def on_thread_event(self, reason: str, ident: int) -> None:
        """A user thread ``started`` or ``exited`` (the listener ``install`` takes)."""
        if ident in self.threads.ignored:
            return
        self.report(ThreadChanged(reason, self.threads.dap_id(ident)))
        if reason == "exited":
            with self.lock:
                self.steps.forget(ident)
            self.steps.request(ident, None)
            # The OS reuses idents: a later thread must not inherit this one's id.
            self.threads.forget(ident)
