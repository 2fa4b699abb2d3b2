"""What a debugged process passes to its Python children, and how a child
announces itself to the adapter that owns the debug session.

The link travels in one environment variable, which the launcher removes (and
the variables Dapper added are put back as the program set them) before the
program runs, so the program never sees it; only Python children get it again.
"""

from __future__ import annotations

import json
import os
import socket
import sys
from collections.abc import Iterator
from typing import Any

ENV_NAME = "DAPPER_LINK"
#: Variables a Python child gets from Dapper besides the link (output must not
#: sit in a buffer when the child is killed); restored before its program runs.
CHILD_ENV = {"PYTHONUNBUFFERED": "1"}
#: Set by a front end that runs the launched program on a terminal of its own
#: and wants the children's output as their sessions' events, not on that
#: terminal (``dapper debug``); the launcher removes it.
TERMINAL_OUTPUT_ENV = "DAPPER_CHILD_OUTPUT_FROM_TERMINAL"
#: Seconds a child waits for its debug session before running on (``subProcessWait``).
DEFAULT_WAIT = 10.0


class ChildLink:
    """How to reach the adapter's child listener, as the adapter wrote it.

    (A plain class, not a dataclass: every child imports this module before
    its announcement, and ``dataclasses`` costs it ``inspect`` and more.)"""

    def __init__(
        self,
        host: str,
        port: int,
        token: str,
        wait: float = DEFAULT_WAIT,
        streams: dict[str, list[int]] | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.token = token
        self.wait = wait
        #: stream ("stdout"/"stderr") -> (st_dev, st_ino) of the file the root
        #: adapter reads for it: a child that still writes there sends that
        #: stream to the adapter on its own channel instead, so it reaches its
        #: own session
        self.streams: dict[str, list[int]] = streams if streams is not None else {}

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ChildLink) and self.to_json() == other.to_json()

    def __repr__(self) -> str:
        return f"ChildLink({self.host}:{self.port}, wait={self.wait:g})"

    def to_json(self) -> dict[str, Any]:
        return {
            "host": self.host,
            "port": self.port,
            "token": self.token,
            "wait": self.wait,
            "streams": self.streams,
        }

    @classmethod
    def from_json(cls, data: Any) -> ChildLink | None:
        if not isinstance(data, dict):
            return None
        try:
            streams = data.get("streams") or {}
            return cls(
                str(data["host"]),
                int(data["port"]),
                str(data["token"]),
                float(data["wait"]),
                {str(k): [int(n) for n in v] for k, v in streams.items()},
            )
        except (KeyError, TypeError, ValueError, AttributeError):
            return None


class Inherited:
    """What the launcher took from its environment."""

    def __init__(
        self, children: ChildLink | None = None, original: list[Any] | None = None
    ) -> None:
        self.children = children
        #: the command the parent asked for, before Dapper rewrote it
        self.original: list[Any] = original if original is not None else []


def payload(
    *, children: ChildLink | None, restore: dict[str, str | None], path: str | None, original=None
) -> str:
    """The link variable's value: what to restore, which sys.path entry is ours."""
    return json.dumps(
        {
            "children": children.to_json() if children else None,
            "restore": restore,
            "path": path,
            "original": original or [],
        }
    )


def peek_link() -> ChildLink | None:
    """The link in the environment, left there (``take_environment`` removes it)."""
    raw = os.environ.get(ENV_NAME)
    try:
        return ChildLink.from_json(json.loads(raw)["children"]) if raw else None
    except (ValueError, TypeError, KeyError):
        return None


def take_environment() -> Inherited:
    """Remove every trace of Dapper from ``os.environ`` and ``sys.path``."""
    raw = os.environ.pop(ENV_NAME, None)
    if raw is None:
        return Inherited()
    try:
        data = json.loads(raw)
    except ValueError:
        return Inherited()
    for key, value in (data.get("restore") or {}).items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    path = data.get("path")
    if path and path in sys.path:
        sys.path.remove(path)
    return Inherited(ChildLink.from_json(data.get("children")), list(data.get("original") or []))


class Announcement:
    """A child's line to the adapter: hello, the answer, later a timeout note."""

    def __init__(self, link: ChildLink) -> None:
        self.link = link
        self._sock: socket.socket | None = None

    def send_hello(self, hello: dict[str, Any]) -> dict[str, Any]:
        """Tell the adapter about this child; its answer, or {} if unreachable."""
        try:
            sock = socket.create_connection(
                (self.link.host, self.link.port), timeout=self.link.wait
            )
            self._sock = sock
            self._send({"token": self.link.token, **hello})
            reply = sock.makefile("rb").readline()
            return json.loads(reply) if reply else {}
        except (OSError, ValueError):
            self.close()
            return {}

    def send(self, message: dict[str, Any]) -> None:
        try:
            self._send(message)
        except OSError:
            self.close()

    def _send(self, message: dict[str, Any]) -> None:
        if self._sock is not None:
            self._sock.sendall(json.dumps(message).encode() + b"\n")

    def close(self) -> None:
        sock, self._sock = self._sock, None
        if sock is not None:
            try:
                sock.close()
            except OSError:
                pass


def _one_exchange(host: str, port: int, message: dict[str, Any], timeout: float) -> dict[str, Any]:
    """Send one line to the adapter's child listener; its one-line answer, or {}."""
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            sock.settimeout(timeout)
            sock.sendall(json.dumps(message).encode() + b"\n")
            reply = sock.makefile("rb").readline(65536)
        answer = json.loads(reply) if reply else {}
        return answer if isinstance(answer, dict) else {}
    except (OSError, ValueError):
        return {}


def report_exit(link: ChildLink, pid: int, exit_code: int) -> None:
    """Tell the adapter how a child this process reaped ended (it could not)."""
    _one_exchange(
        link.host, link.port, {"token": link.token, "exited": pid, "exitCode": exit_code}, 2.0
    )


#: Seconds a child session waits for the parent to reap a child that vanished.
EXIT_WAIT = 3.0


def ask_exit_code(query: Any, pid: int) -> int | None:
    """The exit code the parent saw for child ``pid`` (``subProcessExit`` of its
    attach configuration), waiting a bounded time; None when unknown."""
    if not isinstance(query, dict):
        return None
    try:
        host, port, token = str(query["host"]), int(query["port"]), str(query["token"])
    except (KeyError, TypeError, ValueError):
        return None
    answer = _one_exchange(
        host, port, {"exitOf": pid, "token": token, "wait": EXIT_WAIT}, EXIT_WAIT + 2.0
    )
    code = answer.get("exitCode")
    return code if isinstance(code, int) and not isinstance(code, bool) else None


def child_output(query: Any, pid: int) -> Iterator[tuple[str, str]]:
    """(category, text) of everything child ``pid`` writes to its stdout and
    stderr, in order within each, from the root adapter (``subProcessExit`` of
    its attach configuration names where); ends with the child's output."""
    if not isinstance(query, dict):
        return
    try:
        host, port, token = str(query["host"]), int(query["port"]), str(query["token"])
        sock = socket.create_connection((host, port), timeout=5.0)
    except (KeyError, TypeError, ValueError, OSError):
        return
    with sock:
        try:
            sock.sendall(json.dumps({"outputOf": pid, "token": token}).encode() + b"\n")
            sock.settimeout(None)
            for line in sock.makefile("rb"):
                message = json.loads(line)
                if not isinstance(message, dict) or message.get("end"):
                    return
                category, text = message.get("category"), message.get("output")
                if isinstance(category, str) and isinstance(text, str):
                    yield category, text
        except (OSError, ValueError):
            return
