"""Access tokens: comparison, sources, and the connect-back acceptor on real sockets."""

from __future__ import annotations

import os
import socket
import threading

import pytest

from dapper import access_token


def test_matches_only_the_exact_token():
    token = access_token.generate()
    assert access_token.matches(token, token)
    assert not access_token.matches(token, token[:-1])
    assert not access_token.matches(token, token + "x")
    assert not access_token.matches(token, None)
    assert not access_token.matches(token, 123)
    assert not access_token.matches(token, "\udcff")  # a lone surrogate is no crash
    assert not access_token.matches(None, "")
    assert not access_token.matches("", "")
    assert access_token.generate() != token


def test_token_file_is_stripped_and_an_empty_one_refused(tmp_path):
    path = tmp_path / "token"
    path.write_text("  s3cret\n", encoding="utf-8")
    assert access_token.load_file(str(path)) == "s3cret"
    path.write_text("\n", encoding="utf-8")
    with pytest.raises(ValueError, match="empty"):
        access_token.load_file(str(path))


def test_take_env_removes_the_variable():
    environ = {access_token.TOKEN_ENV: "abc", "OTHER": "1"}
    assert access_token.take_env(access_token.TOKEN_ENV, environ) == "abc"
    assert environ == {"OTHER": "1"}
    assert access_token.take_env(access_token.TOKEN_ENV, environ) is None


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.1.2.3", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.168.1.5", False),
        ("example.com", False),
    ],
)
def test_is_loopback(host, loopback):
    assert access_token.is_loopback(host) is loopback


@pytest.fixture
def listener():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    yield sock
    sock.close()


def _connect(listener: socket.socket) -> socket.socket:
    return socket.create_connection(listener.getsockname(), timeout=10)


def test_acceptor_passes_over_silent_and_wrong_connections(listener):
    secret = access_token.generate()
    refused: list[str] = []
    acceptor = access_token.ProvenAcceptor(
        listener, secret, proof_timeout=30, on_refused=refused.append
    )
    silent = _connect(listener)
    wrong = _connect(listener)
    wrong.sendall(access_token.connect_proof(access_token.generate()))
    right = _connect(listener)
    right.sendall(access_token.connect_proof(secret))
    try:
        accepted = acceptor.accept(timeout=10)
        assert accepted is not None
        # The accepted socket is the one that proved itself: it sees what we send.
        accepted.sendall(b"hello")
        assert right.recv(5) == b"hello"
        # The wrong one was closed without a byte sent to it.
        wrong.settimeout(10)
        assert wrong.recv(100) == b""
        assert acceptor.refused == 1
        # The refusal names the peer it came from.
        host, port = wrong.getsockname()[:2]
        assert refused == [f"{host}:{port}"]
        acceptor.close()
        silent.settimeout(10)
        assert silent.recv(100) == b""
        accepted.close()
    finally:
        for sock in (silent, wrong, right):
            sock.close()


def test_acceptor_gives_up_on_a_connection_that_never_proves_itself(listener):
    acceptor = access_token.ProvenAcceptor(listener, access_token.generate(), proof_timeout=0.2)
    silent = _connect(listener)
    try:
        assert acceptor.accept(timeout=1.0) is None
        assert acceptor.refused == 1
        silent.settimeout(10)
        assert silent.recv(10) == b""
    finally:
        silent.close()


def test_acceptor_accepts_a_proof_sent_in_pieces(listener):
    secret = access_token.generate()
    acceptor = access_token.ProvenAcceptor(listener, secret)
    proof = access_token.connect_proof(secret)
    client = _connect(listener)
    released = threading.Event()

    def slow_sender() -> None:
        client.sendall(proof[:10])
        released.wait(10)
        client.sendall(proof[10:])

    sender = threading.Thread(target=slow_sender)
    sender.start()
    try:
        assert acceptor.accept(timeout=0.3) is None  # half a proof is no proof
        released.set()
        accepted = acceptor.accept(timeout=10)
        assert accepted is not None
        accepted.close()
    finally:
        released.set()
        sender.join()
        client.close()
    assert os.environ.get(access_token.CONNECT_ENV) is None
