"""Framing: exactly Content-Length is written; bad frames are errors the reader survives."""

from __future__ import annotations

import io
import json

import pytest

from dapper.protocol.framing import (
    MAX_HEADER_LENGTH,
    MessageReader,
    ProtocolError,
    encode_message,
)
from dapper.protocol.messages import error_response, response


def reader_of(data: bytes) -> MessageReader:
    return MessageReader(io.BufferedReader(io.BytesIO(data)))


def frame(body: bytes, header: bytes | None = None) -> bytes:
    return (header if header is not None else b"Content-Length: %d\r\n\r\n" % len(body)) + body


def test_encode_writes_exactly_the_content_length_header():
    data = encode_message({"seq": 1, "type": "event", "event": "initialized"})
    header, _, body = data.partition(b"\r\n\r\n")
    assert header == b"Content-Length: %d" % len(body)
    assert json.loads(body) == {"seq": 1, "type": "event", "event": "initialized"}


def test_non_ascii_body_length_is_in_bytes():
    message = {"seq": 1, "type": "event", "event": "output", "body": {"output": "héllo ✓"}}
    assert reader_of(encode_message(message)).read() == message


def test_reads_consecutive_messages_and_tolerates_other_headers():
    first = json.dumps({"seq": 1, "type": "request", "command": "a"}).encode()
    second = json.dumps({"seq": 2, "type": "request", "command": "b"}).encode()
    data = frame(
        first,
        b"Content-Type: application/vscode-jsonrpc\r\nContent-Length: %d\r\n\r\n" % len(first),
    )
    data += frame(second, b"content-length:%d\r\n\r\n" % len(second))
    reader = reader_of(data)
    assert reader.read()["command"] == "a"
    assert reader.read()["command"] == "b"
    assert reader.read() is None


def test_invalid_json_is_recoverable_and_the_next_message_is_read():
    good = json.dumps({"seq": 2, "type": "request", "command": "threads"}).encode()
    reader = reader_of(frame(b"{not json") + frame(good))
    with pytest.raises(ProtocolError) as info:
        reader.read()
    assert info.value.recoverable and "not valid JSON" in str(info.value)
    assert reader.read()["command"] == "threads"


def test_body_that_is_not_an_object():
    reader = reader_of(frame(b"[1, 2]"))
    with pytest.raises(ProtocolError, match="not a JSON object"):
        reader.read()


@pytest.mark.parametrize(
    ("header", "text"),
    [
        (b"X-Other: 1\r\n\r\n", "no Content-Length"),
        (b"Content-Length: twelve\r\n\r\n", "not a number"),
        (b"Content-Length: -4\r\n\r\n", "out of range"),
        (b"garbage without colon\r\n\r\n", "malformed header"),
    ],
)
def test_bad_headers_are_recoverable(header, text):
    good = json.dumps({"seq": 3, "type": "request", "command": "ok"}).encode()
    reader = reader_of(header + frame(good))
    with pytest.raises(ProtocolError, match=text) as info:
        reader.read()
    assert info.value.recoverable
    assert reader.read()["command"] == "ok"


def test_short_content_length_resyncs_on_the_next_header():
    body = json.dumps({"seq": 1, "type": "request", "command": "first"}).encode()
    good = json.dumps({"seq": 2, "type": "request", "command": "second"}).encode()
    reader = reader_of(frame(body, b"Content-Length: %d\r\n\r\n" % (len(body) - 5)) + frame(good))
    with pytest.raises(ProtocolError):
        reader.read()
    assert reader.read()["command"] == "second"


def test_long_content_length_swallowing_the_next_frame_resyncs():
    body = json.dumps({"seq": 1, "type": "request", "command": "first"}).encode()
    good = json.dumps({"seq": 2, "type": "request", "command": "second"}).encode()
    reader = reader_of(
        frame(body, b"Content-Length: %d\r\n\r\n" % (len(body) + 10)) + frame(good) + b"0123456789"
    )
    assert reader.read()["command"] == "first"  # the whole message was there
    assert reader.read()["command"] == "second"


def test_stream_ending_inside_a_body_or_header():
    with pytest.raises(ProtocolError, match="ended after 3 of 10"):
        reader_of(b'Content-Length: 10\r\n\r\n{"a').read()
    with pytest.raises(ProtocolError, match="inside a message header"):
        reader_of(b"Content-Len").read()


def test_error_response_has_message_and_body_error():
    request = {"seq": 7, "type": "request", "command": "evaluate"}
    failed = error_response(request, "name 'x' is not defined")
    assert (
        failed["success"] is False
        and failed["request_seq"] == 7
        and failed["command"] == "evaluate"
    )
    assert failed["message"] == "name 'x' is not defined"
    assert failed["body"]["error"]["format"] == "name 'x' is not defined"
    assert isinstance(failed["body"]["error"]["id"], int)
    assert response({"seq": "bad", "command": 3})["request_seq"] == 0


# ---------------------------------------------------------------- hostile input (issue 15)


def test_a_lone_surrogate_is_sent_as_a_replacement_character():
    message = {"seq": 1, "type": "event", "event": "output", "body": {"output": "f\udcffle\n"}}
    data = encode_message(message)
    body = json.loads(data.partition(b"\r\n\r\n")[2])
    assert body["body"]["output"] == "f\ufffdle\n"


def test_deeply_nested_json_is_a_recoverable_error():
    deep = b'{"a":' * 100_000 + b"1" + b"}" * 100_000
    good = b'{"seq": 2, "type": "request", "command": "threads"}'
    reader = reader_of(frame(deep) + frame(good))
    with pytest.raises(ProtocolError, match="nested too deeply") as raised:
        reader.read()
    assert raised.value.recoverable
    assert reader.read()["command"] == "threads"


def test_a_header_without_end_is_bounded():
    garbage = b"x" * (MAX_HEADER_LENGTH * 4)
    stream = io.BufferedReader(io.BytesIO(garbage + frame(b'{"seq": 1}')), buffer_size=4096)
    reader = MessageReader(stream)
    with pytest.raises(ProtocolError, match="no end of message header") as raised:
        reader.read()
    assert not raised.value.recoverable
    # It gave up after about MAX_HEADER_LENGTH bytes, not at the end of the garbage.
    assert stream.tell() <= MAX_HEADER_LENGTH + 2 * 65536


def test_a_header_arriving_in_small_pieces_is_scanned_once():
    # A header split into 1-byte reads must not be rescanned from the start at
    # each read (quadratic): count the bytes find() is asked to search.
    header = b"X-Padding: " + b"p" * 20_000 + b"\r\nContent-Length: 2\r\n\r\n{}"

    class Trickle(io.RawIOBase):
        def __init__(self) -> None:
            self.data = memoryview(header)

        def readable(self) -> bool:
            return True

        def readinto(self, buffer) -> int:
            if not self.data:
                return 0
            buffer[0] = self.data[0]
            self.data = self.data[1:]
            return 1

    searched = []

    class CountingBuffer(bytearray):
        def find(self, sub, start=0, *rest):  # type: ignore[override]
            searched.append(len(self) - start)
            return super().find(sub, start, *rest)

    reader = MessageReader(io.BufferedReader(Trickle(), buffer_size=1))
    reader._buf = CountingBuffer()
    assert reader.read() == {}
    assert sum(searched) < 10 * len(header)
