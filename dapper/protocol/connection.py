"""A DAP endpoint over a pair of byte streams: numbered, thread-safe sends and a
reader that survives bad frames.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable
from typing import IO, Any

from dapper import os_threads
from dapper.protocol.framing import MessageReader, ProtocolError, encode_message

log = logging.getLogger("dapper.protocol")

#: Called with each message sent or received: (direction "<-"/"->", message).
TraceHook = Callable[[str, dict[str, Any]], None]


class Connection:
    """Sends messages with increasing ``seq`` and reads them one at a time."""

    def __init__(
        self,
        reader: IO[bytes],
        writer: IO[bytes],
        *,
        name: str = "dap",
        trace: TraceHook | None = None,
        closer: Callable[[], None] | None = None,
    ) -> None:
        self.name = name
        self._reader = MessageReader(reader)
        self._writer = writer
        self._write_lock = os_threads.allocate_lock()
        self._seq = itertools.count(1)
        self.trace = trace
        self._closer = closer
        self.closed = False
        #: the socket underneath, for a connection made by ``socket_connection``
        self.socket: Any = None
        #: optional rewriting of each message sent / received (the engine's
        #: ``pathMappings``); it returns the message to use instead
        self.rewrite_out: Callable[[dict[str, Any]], dict[str, Any]] | None = None
        self.rewrite_in: Callable[[dict[str, Any]], dict[str, Any]] | None = None

    def send(self, message: dict[str, Any]) -> dict[str, Any]:
        """Number and write one message; returns it. Silently drops after close."""
        if self.rewrite_out is not None:
            message = self.rewrite_out(message)
        with self._write_lock:
            message["seq"] = next(self._seq)
            if self.closed:
                return message
            data = _encode_or_error(message)
            if data is None:
                return message
            try:
                self._writer.write(data)
                self._writer.flush()
            except (OSError, ValueError):
                self.closed = True
                return message
        if self.trace:
            self.trace("->", message)
        return message

    def receive(self) -> dict[str, Any] | None:
        """Next message, or None once the peer is gone.

        Raises ``ProtocolError`` for a recoverable bad frame; an unrecoverable
        one closes the connection and returns None.
        """
        if self.closed:
            return None
        try:
            message = self._reader.read()
        except ProtocolError as exc:
            if exc.recoverable:
                raise
            log.warning("%s: %s", self.name, exc)
            self.close()
            return None
        except (OSError, ValueError):
            self.close()
            return None
        if message is None:
            self.close()
            return None
        if self.trace:
            self.trace("<-", message)
        if self.rewrite_in is not None:
            message = self.rewrite_in(message)
        return message

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        if self._closer is not None:
            try:
                self._closer()
            except OSError:
                pass


def _encode_or_error(message: dict[str, Any]) -> bytes | None:
    """The wire bytes of ``message``. One that cannot be encoded (an object
    JSON does not know, nesting too deep) is a bug, not a closed connection:
    a response becomes an error response, anything else is dropped and logged."""
    try:
        return encode_message(message)
    except (TypeError, ValueError, RecursionError) as exc:
        log.error("cannot encode %s: %s: %s", message.get("type"), type(exc).__name__, exc)
        if message.get("type") != "response":
            return None
        return encode_message(
            {
                "seq": message.get("seq"),
                "type": "response",
                "request_seq": message.get("request_seq"),
                "command": str(message.get("command")),
                "success": False,
                "message": f"internal error: the response could not be encoded ({type(exc).__name__})",
            }
        )


def socket_connection(sock: Any, *, name: str, trace: TraceHook | None = None) -> Connection:
    """A ``Connection`` over a connected socket; closing it shuts the socket down."""
    import socket as _socket

    # Small request/response messages: without this, delayed ACKs add ~40 ms a step.
    try:
        sock.setsockopt(_socket.IPPROTO_TCP, _socket.TCP_NODELAY, 1)
    except (OSError, AttributeError):
        pass

    reader, writer = sock.makefile("rb"), sock.makefile("wb")

    def closer() -> None:
        try:
            sock.shutdown(_socket.SHUT_RDWR)
        except OSError:
            pass
        # The socket's descriptor closes only once its files are closed too: an
        # open one would surface as a ResourceWarning in the program (-X dev).
        for stream in (writer, reader):
            try:
                stream.close()
            except (OSError, ValueError):
                pass
        sock.close()

    connection = Connection(reader, writer, name=name, trace=trace, closer=closer)
    connection.socket = sock
    return connection
