"""The three ways ``attach`` reaches a debuggee's engine, as a socket.

- ``connect: {host, port}`` (or top-level ``host``/``port``): the program serves
  DAP (``python -m dapper --listen``, ``dapper.listen()``); the adapter connects.
- ``listen: {host, port}``: the adapter waits and the program connects in
  (``python -m dapper --connect``, ``dapper.connect()``), for networks that only
  let the program's side open connections. With ``accessToken`` (required
  beyond loopback) only a program that proves it knows the token is taken.
- ``processId``: a running Python program that never imported Dapper; the
  adapter listens on loopback and has the program start an engine that
  connects back (``dapper.adapter.attach_pid``).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from typing import Any, NamedTuple

from dapper import access_token
from dapper.adapter.launch_keys import ATTACH_KEYS, check_types
from dapper.protocol import messages
from dapper.protocol.messages import RequestError


class AttachTarget(NamedTuple):
    """(A NamedTuple, not a dataclass: ``dataclasses`` costs the adapter of
    every child session ``inspect`` and more at start.)"""

    how: str  # "connect" | "listen" | "processId"
    host: str = "127.0.0.1"
    port: int = 0
    pid: int = 0
    #: ``listen``: the token the program must prove it knows (``accessToken``)
    token: str | None = None


def parse_attach_target(arguments: Any) -> AttachTarget:
    """Which attach this is; ``RequestError`` naming the key when it is malformed."""
    if not isinstance(arguments, dict):
        raise RequestError("attach arguments must be an object")
    if not isinstance(arguments.get("subProcess", True), bool):
        raise RequestError("attach argument 'subProcess' must be true or false")
    if arguments.get("processId") is not None:
        pid = arguments["processId"]
        if isinstance(pid, str) and pid.strip().isdigit():
            pid = int(pid)
        if not isinstance(pid, int) or isinstance(pid, bool) or pid <= 0:
            raise RequestError("attach argument 'processId' must be a positive integer")
        return AttachTarget("processId", pid=pid)
    listen = arguments.get("listen")
    if listen is not None:
        if not isinstance(listen, dict):
            raise RequestError("attach argument 'listen' must be an object with 'host' and 'port'")
        # Port 0 asks for a free port; the console line names the one bound.
        host, port = parse_attach({"connect": {"host": "127.0.0.1", **listen, "port": 1}})
        port = listen.get("port", 0)
        if isinstance(port, str) and port.isdigit():
            port = int(port)
        if not isinstance(port, int) or isinstance(port, bool) or not 0 <= port < 65536:
            raise RequestError("attach needs 'listen.port': an integer from 0 to 65535")
        token = arguments.get(access_token.ATTACH_KEY)
        if token is not None and (not isinstance(token, str) or not token):
            raise RequestError(
                f"attach argument '{access_token.ATTACH_KEY}' must be a non-empty string"
            )
        if token is None and not access_token.is_loopback(host):
            raise RequestError(
                f"attach 'listen' on {host!r}: whoever connects to it would be taken for the "
                f"program, so beyond loopback it needs an access token: set "
                f"'{access_token.ATTACH_KEY}' here, and give the program the same token "
                f"(python -m dapper --connect ... --token-file PATH, ${access_token.TOKEN_ENV}, "
                "or dapper.connect(..., access_token=...)); or wait on 127.0.0.1 behind an SSH "
                "tunnel (ssh -R)"
            )
        return AttachTarget("listen", host, port, token=token)
    host, port = parse_attach(arguments)
    return AttachTarget("connect", host, port)


def connect(target: AttachTarget) -> socket.socket:
    try:
        sock = socket.create_connection((target.host, target.port), timeout=10)
    except OSError as exc:
        raise RequestError(
            f"cannot attach to {target.host}:{target.port}: {exc.strerror or exc}",
            error_id=messages.ERR_LAUNCH_FAILED,
        ) from None
    sock.settimeout(None)
    return sock


def bind(host: str, port: int) -> socket.socket:
    listener = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind((host, port))
    except OSError as exc:
        listener.close()
        raise RequestError(
            f"cannot listen on {host}:{port}: {exc.strerror or exc}",
            error_id=messages.ERR_LAUNCH_FAILED,
        ) from None
    listener.listen(1)
    return listener


def accept(
    listener: socket.socket,
    cancelled: threading.Event,
    *,
    secret: str | None = None,
    timeout: float | None = None,
    gave_up: Callable[[], str | None] = lambda: None,
    late: str = "the program did not connect in time",
    on_refused: Callable[[str], None] | None = None,
) -> socket.socket:
    """Wait for the program to connect, until the client goes away, ``timeout``
    passes or ``gave_up()`` names a reason (all a clear error, never a hang).
    With ``secret``, only a connection that proves it knows it is taken."""
    acceptor = (
        access_token.ProvenAcceptor(listener, secret, on_refused=on_refused) if secret else None
    )
    listener.settimeout(0.2)
    deadline = None if timeout is None else time.monotonic() + timeout
    try:
        while not cancelled.is_set():
            sock = acceptor.accept(0.2) if acceptor else _accept_plain(listener)
            if sock is not None:
                sock.settimeout(None)
                return sock
            reason = gave_up()
            if reason is None and deadline is not None and time.monotonic() >= deadline:
                reason = late
            if reason is not None:
                raise RequestError(reason, error_id=messages.ERR_LAUNCH_FAILED)
    finally:
        if acceptor is not None:
            acceptor.close()
        listener.close()
    raise RequestError("the client went away", error_id=messages.ERR_LAUNCH_FAILED)


def _accept_plain(listener: socket.socket) -> socket.socket | None:
    try:
        return listener.accept()[0]
    except TimeoutError:
        return None


def parse_attach(arguments: dict[str, Any]) -> tuple[str, int]:
    """``connect: {host, port}`` or debugpy's top-level ``host``/``port``."""
    if not isinstance(arguments, dict):
        raise RequestError("attach arguments must be an object")
    check_types(arguments, ATTACH_KEYS)
    connect = arguments.get("connect")
    if connect is not None and not isinstance(connect, dict):
        raise RequestError("attach argument 'connect' must be an object with 'host' and 'port'")
    source = connect if connect is not None else arguments
    host = source.get("host", "127.0.0.1")
    port = source.get("port")
    if not isinstance(host, str):
        raise RequestError("attach argument 'host' must be a string")
    if isinstance(port, str) and port.isdigit():
        port = int(port)
    if not isinstance(port, int) or isinstance(port, bool) or not 0 < port < 65536:
        raise RequestError("attach needs 'connect.port' (or 'port'): an integer from 1 to 65535")
    child = arguments.get("subProcessId")
    if child is not None and (not isinstance(child, int) or isinstance(child, bool)):
        raise RequestError("attach argument 'subProcessId' must be a process id")
    exits = arguments.get("subProcessExit")
    if exits is not None and not isinstance(exits, dict):
        raise RequestError(
            "attach argument 'subProcessExit' must be an object (from startDebugging)"
        )
    return host, port
