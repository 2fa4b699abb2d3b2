"""A real function parked on a thread, for inspection tests on live frames.

``StoppedCall(func)`` runs ``func(stop)`` on a thread; when ``func`` calls
``stop()`` the thread parks with ``func``'s frame exposed as ``.frame`` and
runs whatever ``.on_thread(fn)`` hands it (as the integrator runs inspection
on the stopped thread), until ``.resume()``.
"""

from __future__ import annotations

import queue
import sys
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any

TIMEOUT = 30.0
_RESUME = object()


class StoppedCall:
    def __init__(self, func: Callable[..., Any], *args: Any) -> None:
        self._func = func
        self._args = args
        self._stopped = threading.Event()
        self._tasks: queue.Queue = queue.Queue()
        self._finished = threading.Event()
        self.frame: FrameType | None = None
        self.result: Any = None
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        try:
            self.result = self._func(self.stop, *self._args)
        except BaseException as exc:  # handed to the test
            self.error = exc
        finally:
            self._finished.set()
            self._stopped.set()

    def stop(self) -> None:
        """Called by the function under test: park until resumed."""
        self.frame = sys._getframe(1)
        self._stopped.set()
        while True:
            task = self._tasks.get()
            if task is _RESUME:
                return
            fn, replies = task
            try:
                replies.put((True, fn()))
            except BaseException as exc:
                replies.put((False, exc))

    def wait_stopped(self) -> FrameType:
        assert self._stopped.wait(TIMEOUT), "function never reached stop()"
        if self.error is not None:
            raise self.error
        assert self.frame is not None
        return self.frame

    def start(self) -> FrameType:
        self.thread.start()
        return self.wait_stopped()

    def on_thread(self, fn: Callable[[], Any]) -> Any:
        """Run ``fn`` on the stopped thread and return its result."""
        replies: queue.Queue = queue.Queue()
        self._tasks.put((fn, replies))
        ok, value = replies.get(timeout=TIMEOUT)
        if not ok:
            raise value
        return value

    def step_to_next_stop(self) -> FrameType:
        self._stopped.clear()
        self.frame = None
        self._tasks.put(_RESUME)
        return self.wait_stopped()

    def resume(self) -> Any:
        """Let the function finish; its return value."""
        self.frame = None
        self._tasks.put(_RESUME)
        assert self._finished.wait(TIMEOUT), "function did not finish"
        self.thread.join(TIMEOUT)
        if self.error is not None:
            raise self.error
        return self.result

    def __enter__(self) -> StoppedCall:
        self.start()
        return self

    def __exit__(self, *exc_info: Any) -> None:
        if not self._finished.is_set():
            self._tasks.put(_RESUME)
            self._finished.wait(TIMEOUT)


class DapStore:
    """A ``VariableStore`` as a client sees it: its records in their DAP shape,
    translated by the engine's own functions (``dapper/engine/values.py``)."""

    def __init__(self) -> None:
        from dapper.core.variables import VariableStore

        self.core = VariableStore()

    def scopes(self, frame: FrameType, extra: Any = None) -> list[dict]:
        from dapper.engine.values import dap_scope

        return [dap_scope(scope) for scope in self.core.scopes(frame, extra)]

    def variables(self, ref: int, **options: Any) -> list[dict]:
        from dapper.engine.values import dap_variable

        return [dap_variable(variable) for variable in self.core.variables(ref, **options)]

    def variable(self, *args: Any, **options: Any) -> dict:
        from dapper.engine.values import dap_variable

        return dap_variable(self.core.variable(*args, **options))

    def set_variable(self, *args: Any, **options: Any) -> dict:
        from dapper.engine.values import dap_value

        return dap_value(self.core.set_variable(*args, **options))

    def clear(self) -> None:
        self.core.clear()


def evaluate_body(result: Any, store: DapStore, **options: Any) -> dict:
    """The ``evaluate`` response body the engine sends for ``result``."""
    from dapper.engine.values import dap_evaluate

    return dap_evaluate(*result.shown(store.core, **options))


def exception_info(exc: BaseException, break_mode: str = "always") -> dict:
    """The ``exceptionInfo`` response body the engine sends for ``exc``."""
    from dapper.core.exception_info import exception_details
    from dapper.engine.values import dap_exception_info

    return dap_exception_info(exception_details(exc), break_mode)
