"""Capture what code run by the debugger prints, on the evaluating thread only.

``print(x)`` typed in the debug console must come back as the evaluation's
result, while other threads of the program keep printing to the real streams.
``sys.stdout``/``sys.stderr`` are swapped for routers while any capture is
active; a router sends a write to the buffer of the thread that made it, if
that thread is capturing, and to the original stream otherwise.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any, TextIO

from dapper import os_threads

_lock = os_threads.allocate_lock()
_buffers: dict[int, io.StringIO] = {}
_installed: dict[str, _Router] = {}


class _Router:
    """Stands in for a standard stream while captures are active."""

    def __init__(self, original: TextIO | None) -> None:
        self._original = original

    def write(self, text: str) -> int:
        buffer = _buffers.get(os_threads.get_ident())
        if buffer is not None:
            return buffer.write(text)
        if self._original is None:
            return len(text)
        return self._original.write(text)

    def writelines(self, lines: Iterable[str]) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        if os_threads.get_ident() not in _buffers and self._original is not None:
            self._original.flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._original, name)


def _install() -> None:
    for name in ("stdout", "stderr"):
        router = _Router(getattr(sys, name))
        _installed[name] = router
        setattr(sys, name, router)


def _uninstall() -> None:
    for name, router in _installed.items():
        if getattr(sys, name) is router:  # leave a stream someone else replaced since
            setattr(sys, name, router._original)
    _installed.clear()


@contextmanager
def capture_output() -> Iterator[io.StringIO]:
    """Collect this thread's stdout/stderr writes in the yielded buffer."""
    thread_id = os_threads.get_ident()
    buffer = io.StringIO()
    with _lock:
        if not _buffers:
            _install()
        previous = _buffers.get(thread_id)
        _buffers[thread_id] = buffer
    try:
        yield buffer
    finally:
        with _lock:
            if previous is None:
                del _buffers[thread_id]
            else:
                _buffers[thread_id] = previous
            if not _buffers:
                _uninstall()
