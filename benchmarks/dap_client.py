"""A minimal DAP client for driving a debug adapter over stdio.

A reader thread files every response by ``request_seq`` and every event by
name, so the benchmark can wait for exactly the message it needs without
polling.
"""

from __future__ import annotations

import collections
import subprocess
import threading
import time
from collections.abc import Callable
from typing import Any

from dapper.protocol.connection import Connection
from dapper.protocol.framing import ProtocolError


class DapError(Exception):
    """The adapter answered with an error, went away, or did not answer in time."""


class DapClient:
    """Sends requests and waits for their responses and for events."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self._lock = threading.Condition()
        self._responses: dict[int, dict[str, Any]] = {}
        self._events: dict[str, collections.deque[dict[str, Any]]] = collections.defaultdict(
            collections.deque
        )
        self._event_hooks: dict[str, Callable[[dict[str, Any]], bool]] = {}
        self._closed = False
        self._reader = threading.Thread(
            target=self._read_loop, name="bench-dap-reader", daemon=True
        )
        self._reader.start()

    @classmethod
    def over_process(cls, process: subprocess.Popen) -> DapClient:
        """A client speaking to an adapter through its stdin/stdout pipes."""
        return cls(Connection(process.stdout, process.stdin, name="bench"))

    def on_event(self, name: str, hook: Callable[[dict[str, Any]], bool]) -> None:
        """Run ``hook`` on the reader thread for each ``name`` event; when it
        returns True the event is consumed and not queued."""
        self._event_hooks[name] = hook

    def _read_loop(self) -> None:
        while True:
            try:
                message = self._connection.receive()
            except ProtocolError:
                continue
            if message is None:
                break
            kind = message.get("type")
            if kind == "event":
                hook = self._event_hooks.get(message.get("event", ""))
                if hook is not None and hook(message):
                    continue
            with self._lock:
                if kind == "response":
                    self._responses[message.get("request_seq", -1)] = message
                elif kind == "event":
                    self._events[message.get("event", "")].append(message)
                self._lock.notify_all()
        with self._lock:
            self._closed = True
            self._lock.notify_all()

    def send(self, command: str, arguments: dict[str, Any] | None = None) -> int:
        """Send a request without waiting; returns its ``seq``."""
        message: dict[str, Any] = {"type": "request", "command": command}
        if arguments is not None:
            message["arguments"] = arguments
        return self._connection.send(message)["seq"]

    def _wait_for(
        self, find: Callable[[], dict[str, Any] | None], what: str, timeout: float
    ) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                found = find()
                if found is not None:
                    return found
                if self._closed:
                    raise DapError(f"adapter closed the connection while waiting for {what}")
                left = deadline - time.monotonic()
                if left <= 0:
                    raise DapError(f"timed out after {timeout:.0f} s waiting for {what}")
                self._lock.wait(left)

    def response(self, seq: int, timeout: float = 30.0) -> dict[str, Any]:
        """The response to request ``seq``; raises ``DapError`` if it failed."""
        message = self._wait_for(
            lambda: self._responses.pop(seq, None), f"response to #{seq}", timeout
        )
        if not message.get("success", False):
            raise DapError(f"{message.get('command')} failed: {message.get('message')}")
        return message

    def request(
        self, command: str, arguments: dict[str, Any] | None = None, timeout: float = 30.0
    ) -> dict[str, Any]:
        """Send a request and return the body of its successful response."""
        return self.response(self.send(command, arguments), timeout).get("body") or {}

    def event(self, name: str, timeout: float = 30.0) -> dict[str, Any]:
        """The oldest unconsumed ``name`` event, waiting for one if needed."""

        def find() -> dict[str, Any] | None:
            queue = self._events.get(name)
            return queue.popleft() if queue else None

        return self._wait_for(find, f"a '{name}' event", timeout)

    def close(self) -> None:
        self._connection.close()
