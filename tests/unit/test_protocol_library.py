"""The DAP library both ends share: ``DapClient`` talking to a
``RequestDispatcher`` over a real socket pair, with real framing."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from dapper.protocol import messages
from dapper.protocol.client import (
    ConnectionClosedError,
    DapClient,
    DapTimeoutError,
    RequestFailedError,
)
from dapper.protocol.connection import socket_connection
from dapper.protocol.dispatcher import LATER, RequestDispatcher, after, handles
from dapper.protocol.messages import RequestError

WAIT = 30.0


class Server:
    """A small server with one handler of each kind."""

    def __init__(self, sock: socket.socket) -> None:
        self.connection = socket_connection(sock, name="server")
        self.dispatcher = RequestDispatcher(
            self,
            self.connection,
            label="Test",
            translate_error=lambda exc: (
                RequestError(str(exc), error_id=4242) if isinstance(exc, LookupError) else None
            ),
            threaded=("slow",),
        )
        self.later: list[dict[str, Any]] = []
        self.deferred = threading.Event()
        self.fast_done = threading.Event()

    @handles("echo")
    def echo(self, request: dict) -> dict:
        return {"echo": (request.get("arguments") or {}).get("text")}

    @handles("refuse")
    def refuse(self, request: dict) -> None:
        raise RequestError("no, thanks", error_id=messages.ERR_NOT_STOPPED)

    @handles("crash")
    def crash(self, request: dict) -> None:
        raise ZeroDivisionError("handler bug")

    @handles("lookup")
    def lookup(self, request: dict) -> None:
        raise KeyError("missing")

    @handles("defer")
    def defer(self, request: dict) -> Any:
        self.later.append(request)
        self.deferred.set()
        return LATER

    @handles("go")
    def go(self, request: dict) -> None:
        return None

    @after("go")
    def gone(self, request: dict) -> None:
        self.dispatcher.send_event("went", {"after": request["seq"]})

    @handles("slow")
    def slow(self, request: dict) -> dict:
        # Answers only once a later request was served: needs its own thread.
        return {"waited": self.fast_done.wait(WAIT)}

    @handles("fast")
    def fast(self, request: dict) -> None:
        self.fast_done.set()


@pytest.fixture
def pair() -> Iterator[tuple[Server, DapClient]]:
    left, right = socket.socketpair()
    server = Server(left)
    thread = threading.Thread(target=server.dispatcher.serve, daemon=True)
    thread.start()
    client = DapClient(socket_connection(right, name="client"))
    yield server, client
    client.close()
    server.connection.close()
    thread.join(WAIT)


def test_a_body_comes_back_as_the_successful_response(pair) -> None:
    _, client = pair
    assert client.request("echo", {"text": "hi"}, timeout=WAIT) == {"echo": "hi"}


def test_errors_become_error_responses_and_serving_goes_on(pair) -> None:
    _, client = pair
    with pytest.raises(RequestFailedError) as refused:
        client.request("refuse", timeout=WAIT)
    assert refused.value.error_id == messages.ERR_NOT_STOPPED
    assert refused.value.response["message"] == "no, thanks"
    with pytest.raises(RequestFailedError) as crashed:
        client.request("crash", timeout=WAIT)
    assert crashed.value.error_id == messages.ERR_INTERNAL
    assert "ZeroDivisionError: handler bug" in crashed.value.response["message"]
    with pytest.raises(RequestFailedError) as translated:
        client.request("lookup", timeout=WAIT)
    assert translated.value.error_id == 4242
    with pytest.raises(RequestFailedError) as unknown:
        client.request("nosuch", timeout=WAIT)
    assert unknown.value.error_id == messages.ERR_UNKNOWN_COMMAND
    assert client.request("echo", {"text": "still here"}, timeout=WAIT) == {"echo": "still here"}


def test_after_runs_once_the_response_is_out(pair) -> None:
    _, client = pair
    seq = client.send_request("go")
    first = client.take(lambda m: True, WAIT)
    assert first["type"] == "response" and first["request_seq"] == seq
    assert client.event("went", WAIT)["body"] == {"after": seq}


def test_a_deferred_request_is_answered_by_whoever_holds_it(pair) -> None:
    server, client = pair
    seq = client.send_request("defer")
    assert server.deferred.wait(WAIT)
    assert not client.answered(seq)
    server.connection.send(messages.response(server.later[0], {"late": True}))
    assert client.response(seq, WAIT)["body"] == {"late": True}


def test_a_threaded_command_does_not_block_the_next_request(pair) -> None:
    _, client = pair
    slow = client.send_request("slow")
    client.request("fast", timeout=WAIT)
    assert client.response(slow, WAIT)["body"] == {"waited": True}


def test_bad_input_is_reported_on_the_console(pair) -> None:
    server, client = pair
    client.connection.socket.sendall(b"Content-Length: 5\r\n\r\n{nope")
    bad = client.event("output", WAIT)
    assert bad["body"]["output"].startswith("Test: bad message:")
    client.send({"type": "request", "command": 7})
    ignored = client.event("output", WAIT)
    assert "not a well-formed request" in ignored["body"]["output"]
    assert client.request("echo", {"text": "ok"}, timeout=WAIT) == {"echo": "ok"}


def test_events_are_queued_until_taken_or_consumed_by_a_hook() -> None:
    left, right = socket.socketpair()
    server = socket_connection(left, name="server")
    seen: list[str] = []

    def hook(event: dict) -> bool:
        seen.append(event["event"])
        return event["event"] == "output"  # output consumed, the rest queued

    client = DapClient(socket_connection(right, name="client"), on_event=hook)
    try:
        server.send(messages.event("output", {"output": "x"}))
        server.send(messages.event("stopped", {"reason": "step", "threadId": 1}))
        server.send(messages.event("stopped", {"reason": "breakpoint", "threadId": 2}))
        assert client.event("stopped", WAIT, reason="breakpoint")["body"]["threadId"] == 2
        assert client.event("stopped", WAIT)["body"]["reason"] == "step"
        assert seen == ["output", "stopped", "stopped"]
        with pytest.raises(DapTimeoutError):
            client.event("output", 0.05)
    finally:
        client.close()
        server.close()


def test_discarding_older_events_keeps_those_that_came_after_the_last_answer() -> None:
    left, right = socket.socketpair()
    server = socket_connection(left, name="server")
    client = DapClient(socket_connection(right, name="client"))
    try:
        seq = client.send_request("next")
        server.send(messages.event("stopped", {"reason": "breakpoint", "threadId": 2}))
        server.send(messages.response({"seq": seq, "command": "next"}))
        server.send(messages.event("stopped", {"reason": "step", "threadId": 1}))
        client.response(seq, WAIT)
        client.event("stopped", WAIT, reason="step")  # both stops are queued by now
        server.send(messages.event("stopped", {"reason": "breakpoint", "threadId": 3}))
        client.discard_older(lambda m: m.get("event") == "stopped")
        assert client.event("stopped", WAIT)["body"]["threadId"] == 3
    finally:
        client.close()
        server.close()


def test_waiting_ends_when_the_other_end_goes_away() -> None:
    left, right = socket.socketpair()
    server = socket_connection(left, name="server")
    closed = threading.Event()
    client = DapClient(socket_connection(right, name="client"), on_close=closed.set)
    seq = client.send_request("anything")
    server.close()
    with pytest.raises(ConnectionClosedError):
        client.response(seq, WAIT)
    assert closed.wait(WAIT) and client.closed
    client.close()
