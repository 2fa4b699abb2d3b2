"""The client end of a DAP connection, shared by everything that talks to an
adapter: the terminal front end, the benchmarks and the tests.

One reader thread reads every message. Messages a caller waits for stay in
one inbox, in arrival order, until taken: ``response(seq)``, ``event(name)``
or any ``take(predicate)``. Callers that want messages as they arrive register
``on_event`` (return True to consume the event) or ``on_request`` (reverse
requests such as ``runInTerminal``).
"""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Callable
from typing import Any

from dapper.protocol import messages
from dapper.protocol.connection import Connection
from dapper.protocol.framing import ProtocolError

Message = dict[str, Any]
#: Called on the reader thread; True means the message is handled and not queued.
MessageHook = Callable[[Message], bool]

DEFAULT_TIMEOUT = 30.0


class DapError(Exception):
    """The adapter failed a request, went away, or did not answer in time."""


class RequestFailedError(DapError):
    """A response with ``success: false``; ``response`` is the whole message."""

    def __init__(self, message: str, response: Message) -> None:
        super().__init__(message)
        self.response = response

    @property
    def error_id(self) -> int | None:
        """The DAP ``body.error.id``, when the adapter gave one."""
        error = (self.response.get("body") or {}).get("error") or {}
        value = error.get("id")
        return value if isinstance(value, int) else None


class ConnectionClosedError(DapError):
    """The other end closed the connection before the awaited message came."""


class DapTimeoutError(DapError):
    """The awaited message did not come in time."""


class DapClient:
    """Sends requests; waits for responses, events and other messages."""

    def __init__(
        self,
        connection: Connection,
        *,
        on_event: MessageHook | None = None,
        on_request: MessageHook | None = None,
        on_bad_message: Callable[[ProtocolError], None] | None = None,
        on_close: Callable[[], None] | None = None,
        name: str = "dap-client",
    ) -> None:
        self.connection = connection
        self._on_event = on_event
        self._on_request = on_request
        self._on_bad_message = on_bad_message
        self._on_close = on_close
        self._cond = threading.Condition()
        #: (arrival number, message), oldest first
        self._inbox: list[tuple[int, Message]] = []
        self._arrived = 0
        #: the latest arrival number of a message taken so far
        self._last_taken = 0
        self._closed = False
        self._reader = threading.Thread(target=self._read_loop, name=name, daemon=True)
        self._reader.start()

    # ------------------------------------------------------------ reading

    def _read_loop(self) -> None:
        while True:
            try:
                message = self.connection.receive()
            except ProtocolError as exc:
                if self._on_bad_message is not None:
                    self._on_bad_message(exc)
                continue
            if message is None:
                break
            kind = message.get("type")
            hook = (
                self._on_event
                if kind == "event"
                else self._on_request
                if kind == "request"
                else None
            )
            if hook is not None and hook(message):
                continue
            with self._cond:
                self._arrived += 1
                self._inbox.append((self._arrived, message))
                self._cond.notify_all()
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        if self._on_close is not None:
            self._on_close()

    @property
    def closed(self) -> bool:
        """True once the other end has gone (nothing more will arrive)."""
        return self._closed

    # ------------------------------------------------------------ sending

    def send(self, message: Message) -> int:
        """Send one message (numbered here); its ``seq``."""
        return self.connection.send(message)["seq"]

    def send_request(self, command: str, arguments: dict[str, Any] | None = None) -> int:
        """Send a request without waiting; its ``seq`` (for ``response``)."""
        return self.send(messages.request(command, arguments))

    def respond_error(self, request: Message, text: str) -> None:
        """Refuse a reverse request."""
        self.send(messages.error_response(request, text))

    # ------------------------------------------------------------ waiting

    def take(
        self,
        predicate: Callable[[Message], bool],
        timeout: float = DEFAULT_TIMEOUT,
        what: str = "a message",
    ) -> Message:
        """The oldest queued message matching ``predicate``, waiting for one;
        it is removed from the inbox."""

        def find() -> Message | None:
            for index, (arrival, message) in enumerate(self._inbox):
                if predicate(message):
                    del self._inbox[index]
                    self._last_taken = max(self._last_taken, arrival)
                    return message
            return None

        return self._wait(find, timeout, what)

    def _wait(self, find: Callable[[], Any], timeout: float, what: str) -> Any:
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                found = find()
                if found is not None:
                    return found
                if self._closed:
                    raise ConnectionClosedError(f"the connection closed while waiting for {what}")
                left = deadline - time.monotonic()
                if left <= 0:
                    raise DapTimeoutError(f"timed out after {timeout:g} s waiting for {what}")
                self._cond.wait(left)

    def answered(self, seq: int) -> bool:
        """True when the response to request ``seq`` is waiting to be taken."""
        with self._cond:
            return any(
                m.get("type") == "response" and m.get("request_seq") == seq for _, m in self._inbox
            )

    def response(self, seq: int, timeout: float = DEFAULT_TIMEOUT) -> Message:
        """The response to request ``seq`` (successful or not)."""
        return self.take(
            lambda m: m.get("type") == "response" and m.get("request_seq") == seq,
            timeout,
            f"the response to request #{seq}",
        )

    def event(self, name: str, timeout: float = DEFAULT_TIMEOUT, **match: Any) -> Message:
        """The oldest unconsumed ``name`` event whose body has ``match``'s values."""

        def wanted(m: Message) -> bool:
            if m.get("type") != "event" or m.get("event") != name:
                return False
            body = m.get("body") or {}
            return all(body.get(k) == v for k, v in match.items())

        return self.take(wanted, timeout, f"a '{name}' event {match or ''}".rstrip())

    def discard_older(self, predicate: Callable[[Message], bool]) -> None:
        """Drop queued messages matching ``predicate`` that arrived before the
        message taken last (e.g. stops reported before a resume's response)."""
        with self._cond:
            self._inbox = [
                (arrival, m)
                for arrival, m in self._inbox
                if arrival > self._last_taken or not predicate(m)
            ]

    def request(
        self,
        command: str,
        arguments: dict[str, Any] | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> dict[str, Any]:
        """Send a request and return the body of its response; ``RequestFailedError``
        when it failed."""
        return body_of(self.response(self.send_request(command, arguments), timeout))

    def close(self) -> None:
        self.connection.close()


def body_of(response: Message) -> dict[str, Any]:
    """The body of a successful response; ``RequestFailedError`` for a failed one."""
    if not response.get("success", False):
        raise RequestFailedError(
            f"{response.get('command')} failed: {response.get('message')}", response
        )
    return response.get("body") or {}


def close_adapter(process: subprocess.Popen, timeout: float = 10.0) -> None:
    """End a stdio adapter the way an editor does: close its input (adapters
    serve until their client goes away), then kill it if it lingers, and close
    our ends of its pipes."""
    try:
        if process.poll() is None:
            try:
                if process.stdin is not None:
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
