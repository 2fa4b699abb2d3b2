"""``Content-Length`` framing of DAP messages over a byte stream.

Exactly ``Content-Length: N\\r\\n\\r\\n`` is written; other headers are tolerated
when read. Malformed frames raise ``ProtocolError`` so callers can answer with
an error instead of dying.
"""

from __future__ import annotations

import json
import re
from typing import IO, Any

MAX_CONTENT_LENGTH = 256 * 1024 * 1024


class ProtocolError(Exception):
    """A frame or message that does not follow the DAP wire format.

    ``recoverable`` is True when the stream is still in sync (the body was read
    whole but is not valid JSON) so the reader can go on with the next message.
    """

    def __init__(self, message: str, *, recoverable: bool = False) -> None:
        super().__init__(message)
        self.recoverable = recoverable


#: A header longer than this without its blank line ends the connection (a
#: stream of garbage must not grow the buffer without limit).
MAX_HEADER_LENGTH = 64 * 1024
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def encode_message(message: dict[str, Any]) -> bytes:
    """Serialise one message with its header.

    A lone surrogate (a file name with a non-UTF-8 byte, a thread or attribute
    name made from one) cannot be UTF-8: it is sent as U+FFFD instead of
    failing the send, which would look like a closed connection.
    """
    text = json.dumps(message, separators=(",", ":"), ensure_ascii=False)
    try:
        body = text.encode("utf-8")
    except UnicodeEncodeError:
        body = _LONE_SURROGATE.sub("\ufffd", text).encode("utf-8")
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


class MessageReader:
    """Reads framed messages from a buffered binary stream (needs ``read1``).

    Keeps its own buffer so that after a bad frame (a lying Content-Length, a
    body that is not JSON) it can resynchronise on the next ``Content-Length``
    header instead of losing the connection.
    """

    _HEADER = b"content-length"

    def __init__(self, stream: IO[bytes]) -> None:
        self._stream = stream
        self._buf = bytearray()

    def _fill(self) -> bool:
        chunk = self._stream.read1(65536)  # type: ignore[attr-defined]  # buffered streams
        if not chunk:
            return False
        self._buf += chunk
        return True

    def read(self) -> dict[str, Any] | None:
        """Next message; None at end of stream. Raises ``ProtocolError`` for a
        bad frame (``recoverable`` when the reader can go on)."""
        scanned = 0  # the buffer before this holds no header end: never rescan it
        while True:
            end = self._buf.find(b"\r\n\r\n", scanned)
            if end >= 0:
                break
            if len(self._buf) > MAX_HEADER_LENGTH:
                size = len(self._buf)
                self._buf.clear()
                raise ProtocolError(f"no end of message header in {size} bytes")
            scanned = max(0, len(self._buf) - 3)
            if not self._fill():
                if self._buf.strip():
                    self._buf.clear()
                    raise ProtocolError("stream ended inside a message header")
                return None
        header = bytes(self._buf[:end])
        del self._buf[: end + 4]
        # Garbage left by an earlier bad frame: start at the last Content-Length.
        start = header.lower().rfind(self._HEADER)
        if start > 0:
            header = header[start:]
        length = _content_length(header)
        while len(self._buf) < length:
            if not self._fill():
                got = len(self._buf)
                self._buf.clear()
                raise ProtocolError(
                    f"stream ended after {got} of {length} body bytes (lying Content-Length?)"
                )
        body = bytes(self._buf[:length])
        del self._buf[:length]
        try:
            message = json.loads(body.decode("utf-8"))
        except RecursionError:
            raise ProtocolError("message body is nested too deeply", recoverable=True) from None
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            message = self._salvage(body)
            if message is None:
                raise ProtocolError(
                    f"message body is not valid JSON: {exc}", recoverable=True
                ) from None
        if not isinstance(message, dict):
            raise ProtocolError("message body is not a JSON object", recoverable=True)
        return message

    def _salvage(self, body: bytes) -> Any:
        """Recover from a lying Content-Length.

        Too long: the body is a whole message followed by the start of the next
        frame; keep the message and push the rest back. Too short, or garbage:
        push back from the next header, if the body holds one.
        """
        text = body.decode("utf-8", "replace")
        try:
            message, end = json.JSONDecoder().raw_decode(text)
        except (json.JSONDecodeError, RecursionError):
            message = None
        if isinstance(message, dict):
            self._buf[:0] = text[end:].encode("utf-8")
            return message
        index = body.lower().find(self._HEADER)
        if index >= 0:
            self._buf[:0] = body[index:]
        return None


def _content_length(header: bytes) -> int:
    length: int | None = None
    for line in header.split(b"\r\n"):
        if not line.strip():
            continue
        name, sep, value = line.decode("ascii", "replace").partition(":")
        if not sep:
            raise ProtocolError(f"malformed header line: {line[:80]!r}", recoverable=True)
        if name.strip().lower() == "content-length":
            try:
                length = int(value.strip())
            except ValueError:
                raise ProtocolError(
                    f"Content-Length is not a number: {value.strip()[:40]!r}", recoverable=True
                ) from None
    if length is None:
        raise ProtocolError("message header has no Content-Length", recoverable=True)
    if length < 0 or length > MAX_CONTENT_LENGTH:
        raise ProtocolError(f"Content-Length out of range: {length}", recoverable=True)
    return length
