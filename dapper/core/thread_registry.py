"""Small, stable thread ids for Python threads (the ids clients see), and
which threads are live."""

from __future__ import annotations

import itertools
import sys
import threading
import weakref

from dapper import os_threads


class ThreadRegistry:
    """Maps ``threading.get_ident()`` values to small DAP ids (main thread is 1).

    Debugger-internal threads are registered as ignored and never listed.
    """

    def __init__(self) -> None:
        self._lock = os_threads.allocate_lock()
        self._ids: dict[int, int] = {}
        self._idents: dict[int, int] = {}
        self._counter = itertools.count(2)
        self.ignored: set[int] = set()
        self._logical: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        main = threading.main_thread().ident
        if main is not None:
            self._ids[main] = 1
            self._idents[1] = main

    def dap_id(self, ident: int) -> int:
        with self._lock:
            tid = self._ids.get(ident)
            if tid is None:
                tid = next(self._counter)
                self._ids[ident] = tid
                self._idents[tid] = ident
            return tid

    def ident(self, dap_id: int) -> int | None:
        with self._lock:
            return self._idents.get(dap_id)

    def logical_id(self, obj: object) -> int:
        """A DAP id for a greenlet or task, stable while it lives."""
        with self._lock:
            try:
                tid = self._logical.get(obj)
            except TypeError:  # not weakly referenceable: an id per stop
                return next(self._counter)
            if tid is None:
                tid = self._logical[obj] = next(self._counter)
            return tid

    def forget(self, ident: int) -> None:
        with self._lock:
            tid = self._ids.pop(ident, None)
            if tid is not None:
                self._idents.pop(tid, None)

    def live_idents(self) -> list[int]:
        """Idents of the user threads running Python code, main first.

        ``threading`` knows only the threads it started; a thread started with
        ``_thread`` or by C code calling into Python shows up only among
        ``sys._current_frames()``, and it must be listed and stopped too.
        """
        running = sys._current_frames()
        idents = [t.ident for t in threading.enumerate() if t.ident is not None and t.is_alive()]
        if os_threads.threading_patched():
            # gevent: threading's "threads" are greenlets; the OS threads are
            # the ones with a running frame (the main one first)
            main = self._idents.get(1)
            idents = [main] if main in running else []
        known = set(idents)
        idents += [ident for ident in running if ident not in known]
        return [ident for ident in idents if ident not in self.ignored]

    def describe(self) -> list[tuple[int, str]]:
        """(thread id, name) of each live user thread, main first."""
        names = {t.ident: t.name for t in threading.enumerate()}
        names.setdefault(self._idents.get(1), "MainThread")  # gevent renumbers it
        return [
            (self.dap_id(ident), names.get(ident) or f"Thread-{ident}")
            for ident in self.live_idents()
        ]
