"""The wire side of ``dapper debug``: one adapter subprocess, requests that wait
for their response, and events handed to a callback as they arrive."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Callable
from typing import Any

from dapper.protocol import messages
from dapper.protocol.connection import Connection
from dapper.protocol.framing import ProtocolError

REQUEST_TIMEOUT = float(os.environ.get("DAPPER_DEBUG_TIMEOUT", "60"))
_DAPPER_PARENT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

EventHandler = Callable[[dict[str, Any]], None]


class RequestFailed(Exception):
    """The adapter answered a request with ``success: false`` (or never answered).

    ``gone`` is true when the reason is that the debuggee or adapter has exited.
    """

    def __init__(self, message: str, *, gone: bool = False) -> None:
        super().__init__(message)
        self.gone = gone


class _Reply:
    def __init__(self) -> None:
        self.done = threading.Event()
        self.message: dict[str, Any] | None = None


class AdapterClient:
    """Runs ``python -m dapper.adapter`` in its own session (so the terminal's
    Ctrl-C reaches only us) and exchanges DAP messages with it."""

    def __init__(self, on_event: EventHandler, *, python: str = sys.executable) -> None:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [_DAPPER_PARENT, env.get("PYTHONPATH")]))
        self.process = subprocess.Popen(
            [python, "-m", "dapper.adapter"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            start_new_session=True,
        )
        self.connection = Connection(self.process.stdout, self.process.stdin, name="adapter")
        self._on_event = on_event
        self._replies: dict[int, _Reply] = {}
        self._lock = threading.Lock()
        self.closed = threading.Event()
        threading.Thread(target=self._read, name="dapper.debug.reader", daemon=True).start()

    def _read(self) -> None:
        while True:
            try:
                message = self.connection.receive()
            except ProtocolError:
                continue
            if message is None:
                break
            if message.get("type") == "response":
                with self._lock:
                    reply = self._replies.pop(message.get("request_seq"), None)
                if reply is not None:
                    reply.message = message
                    reply.done.set()
            elif message.get("type") == "event":
                self._on_event(message)
            elif message.get("type") == "request":
                # Reverse requests (runInTerminal, …) are not offered in initialize.
                self.connection.send(
                    messages.error_response(message, "not supported by dapper debug")
                )
        self.closed.set()
        with self._lock:
            waiting = list(self._replies.values())
            self._replies.clear()
        for reply in waiting:
            reply.done.set()
        self._on_event({"type": "event", "event": "adapterClosed"})

    def send(self, command: str, arguments: dict[str, Any] | None = None) -> _Reply:
        """Send a request without waiting; ``wait`` on the returned handle later."""
        reply = _Reply()
        message = messages.request(command, arguments)
        with self._lock:
            # The seq is assigned inside send; register under the lock so the
            # reader cannot see the response before the waiter exists.
            self.connection.send(message)
            self._replies[message["seq"]] = reply
        if self.connection.closed:
            reply.done.set()
        return reply

    def wait(self, reply: _Reply, command: str, timeout: float = REQUEST_TIMEOUT) -> dict[str, Any]:
        """The body of a successful response; ``RequestFailed`` otherwise."""
        if not reply.done.wait(timeout):
            raise RequestFailed(f"no answer to '{command}' within {timeout:.0f}s")
        message = reply.message
        if message is None:
            raise RequestFailed("the debug adapter has gone away", gone=True)
        if not message.get("success"):
            error_id = ((message.get("body") or {}).get("error") or {}).get("id")
            raise RequestFailed(
                message.get("message") or f"'{command}' failed",
                gone=error_id == messages.ERR_NOT_STOPPED
                and "exited" in str(message.get("message")),
            )
        return message.get("body") or {}

    def request(
        self,
        command: str,
        arguments: dict[str, Any] | None = None,
        timeout: float = REQUEST_TIMEOUT,
    ) -> dict[str, Any]:
        return self.wait(self.send(command, arguments), command, timeout)

    def close(self) -> None:
        """Close our end, then make sure the adapter is gone."""
        close_adapter(self.process)


def close_adapter(process: subprocess.Popen, timeout: float = 10.0) -> None:
    """End a stdio adapter the way an editor does: close its input (adapters
    serve until their client goes away), then kill it if it lingers, and close
    our ends of its pipes."""
    try:
        if process.poll() is None:
            try:
                process.stdin.close()
            except OSError:
                pass
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    finally:
        for stream in (process.stdin, process.stdout, process.stderr):
            if stream is not None:
                try:
                    stream.close()
                except OSError:
                    pass
