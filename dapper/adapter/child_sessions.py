"""Children of a launched program, announced to the client as sessions.

The adapter listens on loopback for the program's Python children (any depth:
the link is passed down). Each child, already serving DAP on its own loopback
port behind a random access token, says hello; the adapter asks the client to
``startDebugging`` an ``attach`` to it. The configuration is an ordinary Dapper
attach, so a client starts a new adapter and sends it, or connects to
``connect`` directly; either way no Dapper-specific client code is needed.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
from collections.abc import Callable
from typing import Any

from dapper import access_token
from dapper.adapter.launch_keys import ATTACH_KEYS, LAUNCH_KEYS
from dapper.protocol.child_link import EXIT_WAIT, ChildLink

log = logging.getLogger("dapper.adapter")

#: The parent's launch keys a child's attach carries: the debugging options
#: both requests read (``launch_keys``), never what names the root program
#: (program, args, cwd, env, python, console, ...) or an attach target.
INHERITED = frozenset(LAUNCH_KEYS) & frozenset(ATTACH_KEYS)


#: hello from a child -> answer sent back to it ({"attach": bool})
OnChild = Callable[[dict[str, Any]], dict[str, Any]]
Console = Callable[[str], None]


def attach_configuration(
    launch_arguments: dict[str, Any], hello: dict[str, Any], exits: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The ``startDebugging`` configuration for one child: the parent's
    debugging options plus where the child listens and its token (and where
    its session asks for an exit code the child could not report)."""
    inherited = {k: v for k, v in launch_arguments.items() if k in INHERITED}
    configuration = {
        **inherited,
        "type": launch_arguments.get("type", "dapper"),
        "request": "attach",
        "name": f"{hello['name']} (pid {hello['pid']})",
        "connect": {"host": "127.0.0.1", "port": hello["port"]},
        "accessToken": hello["accessToken"],
        "subProcessId": hello["pid"],
    }
    if exits is not None:
        configuration["subProcessExit"] = exits
    return configuration


class ChildListener:
    """The loopback socket children report to, guarded by a random token."""

    def __init__(self, on_child: OnChild, console: Console, wait: float) -> None:
        self._on_child = on_child
        self._console = console
        self.token = access_token.generate()
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.bind(("127.0.0.1", 0))
        self._socket.listen(16)
        host, port = self._socket.getsockname()[:2]
        self.link = ChildLink(host, port, self.token, wait)
        self._unsupported_said: set[str] = set()
        self._names: dict[int, str] = {}
        #: child pid -> token its session shows to ask for the child's exit code
        self._exit_tokens: dict[int, str] = {}
        #: child pid -> exit code its parent reported (a signal death)
        self._exits: dict[int, int] = {}
        self._exits_changed = threading.Condition()
        threading.Thread(target=self._accept, name="dapper.children", daemon=True).start()

    def exit_query(self, pid: int) -> dict[str, Any]:
        """``subProcessExit`` for child ``pid``: where and with which token its
        session asks how it ended."""
        token = access_token.generate()
        with self._exits_changed:
            self._exit_tokens[pid] = token
        host, port = self.link.host, self.link.port
        return {"host": host, "port": port, "token": token}

    def close(self) -> None:
        try:
            self._socket.close()
        except OSError:
            pass

    def _accept(self) -> None:
        while True:
            try:
                sock, _ = self._socket.accept()
            except OSError:
                return
            threading.Thread(
                target=self._serve, args=(sock,), name="dapper.child", daemon=True
            ).start()

    def _serve(self, sock: socket.socket) -> None:
        with sock:
            try:
                lines = sock.makefile("rb")
                hello = _read_json(lines)
                if hello is not None and "exitOf" in hello:
                    self._answer_exit_query(sock, hello)
                    return
                if hello is None or not access_token.matches(self.token, hello.get("token")):
                    return
                if "exited" in hello:
                    self._record_exit(hello)
                    return
                if "unsupported" in hello:
                    self._say_unsupported(hello)
                    return
                if not _well_formed(hello):
                    return
                answer = self._on_child(hello)
                sock.sendall(json.dumps(answer).encode() + b"\n")
                later = _read_json(lines)
                if later is not None and "timeout" in later:
                    self._console(
                        f"Dapper: {hello['name']} (pid {hello['pid']}) had no debug session after "
                        f"{later['timeout']:g} s and runs on; an attach to it still works.\n"
                    )
            except (OSError, ValueError, KeyError, TypeError):
                log.exception("child announcement")

    def _record_exit(self, report: dict[str, Any]) -> None:
        pid, code = report.get("exited"), report.get("exitCode")
        if isinstance(pid, int) and isinstance(code, int):
            with self._exits_changed:
                self._exits[pid] = code
                self._exits_changed.notify_all()

    def _answer_exit_query(self, sock: socket.socket, query: dict[str, Any]) -> None:
        """A child session whose engine vanished asks how the child ended; its
        parent may reap it a moment later, so wait for that (bounded)."""
        pid = query.get("exitOf")
        if not isinstance(pid, int):
            return
        with self._exits_changed:
            expected = self._exit_tokens.get(pid)
            if expected is None or not access_token.matches(expected, query.get("token")):
                return
            wait = query.get("wait")
            wait = min(float(wait), EXIT_WAIT) if isinstance(wait, (int, float)) else EXIT_WAIT
            self._exits_changed.wait_for(lambda: pid in self._exits, timeout=max(0.0, wait))
            code = self._exits.get(pid)
        sock.sendall(json.dumps({} if code is None else {"exitCode": code}).encode() + b"\n")

    def _say_unsupported(self, hello: dict[str, Any]) -> None:
        reason = str(hello["unsupported"])
        if reason in self._unsupported_said:
            return
        self._unsupported_said.add(reason)
        self._console(
            f"Dapper: child process {hello.get('name')} (pid {hello.get('pid')}) runs undebugged: {reason}.\n"
        )


def _read_json(lines: Any) -> dict[str, Any] | None:
    line = lines.readline(65536)
    if not line:
        return None
    data = json.loads(line)
    return data if isinstance(data, dict) else None


def _well_formed(hello: dict[str, Any]) -> bool:
    return (
        isinstance(hello.get("pid"), int)
        and isinstance(hello.get("port"), int)
        and isinstance(hello.get("name"), str)
        and isinstance(hello.get("accessToken"), str)
    )
