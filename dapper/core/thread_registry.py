"""Small, stable DAP thread ids for Python threads, and which threads are live."""

from __future__ import annotations

import itertools
import threading


class ThreadRegistry:
    """Maps ``threading.get_ident()`` values to small DAP ids (main thread is 1).

    Debugger-internal threads are registered as ignored and never listed.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ids: dict[int, int] = {}
        self._idents: dict[int, int] = {}
        self._counter = itertools.count(2)
        self.ignored: set[int] = set()
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

    def forget(self, ident: int) -> None:
        with self._lock:
            tid = self._ids.pop(ident, None)
            if tid is not None:
                self._idents.pop(tid, None)

    def live_threads(self) -> list[threading.Thread]:
        """User threads that are alive, main first."""
        return [
            t
            for t in threading.enumerate()
            if t.ident is not None and t.ident not in self.ignored and t.is_alive()
        ]

    def describe(self) -> list[dict]:
        """DAP ``Thread`` objects for the live user threads."""
        return [{"id": self.dap_id(t.ident), "name": t.name} for t in self.live_threads()]
