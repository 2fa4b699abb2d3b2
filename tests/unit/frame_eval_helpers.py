"""A recording ``DebuggerCallbacks`` and small helpers for backend tests."""

from __future__ import annotations

import inspect
import threading
import time
from collections.abc import Callable
from types import FrameType
from typing import Any

from dapper._frame_eval.backend import DebuggerCallbacks


class RecordingCallbacks(DebuggerCallbacks):
    """Records (event, function name, line, thread ident); optional reaction hooks."""

    def __init__(self) -> None:
        self.events: list[tuple[str, str, int, int]] = []
        self.values: list[Any] = []
        self.cond = threading.Condition()
        self.on_line_hook: Callable[[FrameType], None] | None = None

    def _record(self, kind: str, frame: FrameType, value: Any = None) -> None:
        with self.cond:
            self.events.append((kind, frame.f_code.co_name, frame.f_lineno, threading.get_ident()))
            self.values.append(value)
            self.cond.notify_all()

    def on_call(self, frame: FrameType) -> None:
        self._record("call", frame)

    def on_line(self, frame: FrameType, condition: object = None) -> None:
        self._record("line", frame)
        if self.on_line_hook is not None:
            self.on_line_hook(frame)

    def on_return(self, frame: FrameType, value: Any) -> None:
        self._record("return", frame, value)

    def on_exception(self, frame: FrameType, exc: BaseException) -> None:
        self._record("exception", frame, exc)

    def on_unwind(self, frame: FrameType, exc: BaseException) -> None:
        self._record("unwind", frame, exc)

    def of(self, kind: str | None = None, func: str | None = None, tid: int | None = None):
        with self.cond:
            return [
                e
                for e in self.events
                if (kind is None or e[0] == kind)
                and (func is None or e[1] == func)
                and (tid is None or e[3] == tid)
            ]

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 10.0) -> bool:
        deadline = time.monotonic() + timeout
        with self.cond:
            while not predicate():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self.cond.wait(remaining)
        return True


def line_of(func: Callable[..., Any], marker: str) -> int:
    """Line number of the first line in ``func``'s source holding ``# <marker>``."""
    lines, start = inspect.getsourcelines(func)
    for offset, text in enumerate(lines):
        if f"# {marker}" in text:
            return start + offset
    raise AssertionError(f"marker {marker!r} not in {func.__name__}")
