"""Children of a launched program, announced to the client as sessions.

The adapter listens on loopback for the program's Python children (any depth:
the link is passed down). Each child, already serving DAP on its own loopback
port behind a random access token, says hello; the adapter asks the client to
``startDebugging`` an ``attach`` to it. The configuration is an ordinary Dapper
attach, so a client starts a new adapter and sends it, or connects to
``connect`` directly; either way no Dapper-specific client code is needed.
"""

from __future__ import annotations

import codecs
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
#: (category, text): output for the root session
Output = Callable[[str, str], None]

#: characters of a child's output kept for a session that has not come for them
#: yet; beyond that (or once the child runs undebugged) it goes to the root session
MAX_PENDING = 4 * 1024 * 1024


class _ChildOutput:
    """One child's stdout and stderr, from its channels to whoever shows them:
    its session's adapter once it asks, else (the child runs undebugged, or no
    session came) the root session."""

    def __init__(self) -> None:
        self.pending: list[tuple[str, str]] = []
        self.size = 0
        self.subscriber: socket.socket | None = None
        self.to_root = False
        #: streams the child said it sends (None until its hello), and ended ones
        self.expected: int | None = None
        self.opened = 0
        self.closed = 0
        self.ended = threading.Event()

    def check_ended(self) -> None:
        if self.expected is not None and self.closed >= self.expected:
            self.ended.set()


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

    def __init__(
        self, on_child: OnChild, console: Console, wait: float, output: Output | None = None
    ) -> None:
        self._on_child = on_child
        self._console = console
        self._output = output or (lambda category, text: None)
        #: child pid -> its captured output
        self._outputs: dict[int, _ChildOutput] = {}
        self._outputs_lock = threading.Condition()
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
                if hello is not None and "outputOf" in hello:
                    self._serve_output(sock, hello)
                    return
                if hello is None or not access_token.matches(self.token, hello.get("token")):
                    return
                if "output" in hello:
                    self._read_output(lines, hello)
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
                if answer.get("attach"):
                    self._follow_announcement(lines, hello)
            except (OSError, ValueError, KeyError, TypeError):
                log.exception("child announcement")

    # ------------------------------------------------------------ output

    def drain(self, timeout: float) -> None:
        """Wait (bounded) until the output channels of children no session
        took are read to their end: the launched program ended, and what its
        children wrote comes before its exit."""

        def drained() -> bool:
            return all(
                channel.closed >= channel.opened
                for channel in self._outputs.values()
                if channel.subscriber is None
            )

        with self._outputs_lock:
            self._outputs_lock.wait_for(drained, timeout)

    def _channel(self, pid: int) -> _ChildOutput:
        """(Lock held.)"""
        channel = self._outputs.get(pid)
        if channel is None:
            channel = self._outputs[pid] = _ChildOutput()
        return channel

    def _read_output(self, lines: Any, hello: dict[str, Any]) -> None:
        """One stream of one child, read to its end (the child and every
        process that inherited the descriptor closed it)."""
        pid, category = hello.get("pid"), hello.get("output")
        if not isinstance(pid, int) or category not in ("stdout", "stderr"):
            return
        with self._outputs_lock:
            channel = self._channel(pid)
            channel.opened += 1
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        try:
            while True:
                try:
                    data = lines.read1(65536)
                except OSError:
                    data = b""
                text = decoder.decode(data, final=not data)
                if text:
                    self._deliver(pid, channel, category, text)
                if not data:
                    break
        finally:
            with self._outputs_lock:
                channel.closed += 1
                channel.check_ended()
                unclaimed = channel.ended.is_set() and channel.subscriber is None
                self._outputs_lock.notify_all()
            if unclaimed:
                # A session that never comes (its child died before it attached,
                # or a client connected to the engine directly) leaves it to the root.
                timer = threading.Timer(self.link.wait, self._output_to_root, args=(pid,))
                timer.daemon = True
                timer.start()

    def _deliver(self, pid: int, channel: _ChildOutput, category: str, text: str) -> None:
        with self._outputs_lock:
            if channel.subscriber is not None:
                try:
                    _send_json(channel.subscriber, {"category": category, "output": text})
                    return
                except OSError:
                    channel.subscriber = None
                    channel.to_root = True
            if not channel.to_root:
                channel.pending.append((category, text))
                channel.size += len(text)
                if channel.size <= MAX_PENDING:
                    return
                channel.to_root = True
            self._flush_to_root(channel)
            self._output(category, text)

    def _flush_to_root(self, channel: _ChildOutput) -> None:
        """(Lock held.)"""
        pending, channel.pending, channel.size = channel.pending, [], 0
        for category, text in pending:
            self._output(category, text)

    def _follow_announcement(self, lines: Any, hello: dict[str, Any]) -> None:
        """After a child was told its session comes: which streams it sends on
        channels of its own, and maybe that the session did not come in time."""
        pid = hello["pid"]
        streams = None
        while (later := _read_json(lines)) is not None:
            if "outputStreams" in later:
                streams = later["outputStreams"]
                self._expect_output(pid, len(streams) if isinstance(streams, list) else 0)
            if "timeout" in later:
                self._output_to_root(pid)
                self._console(
                    f"Dapper: {hello['name']} (pid {hello['pid']}) had no debug session after "
                    f"{later['timeout']:g} s and runs on; an attach to it still works.\n"
                )
        if streams is None:
            self._expect_output(pid, None)  # it ended before saying

    def _expect_output(self, pid: int, streams: int | None) -> None:
        with self._outputs_lock:
            channel = self._channel(pid)
            channel.expected = channel.opened if streams is None else streams
            channel.check_ended()

    def _output_to_root(self, pid: int) -> None:
        """This child's output goes to the root session (from what is pending on)."""
        with self._outputs_lock:
            channel = self._outputs.get(pid)
            if channel is None or channel.subscriber is not None:
                return
            channel.to_root = True
            self._flush_to_root(channel)

    def _serve_output(self, sock: socket.socket, query: dict[str, Any]) -> None:
        """A child session's adapter takes its child's output: what is pending,
        then the rest as it comes, then ``{"end": true}``."""
        pid = self._session_query(query, "outputOf")
        if pid is None:
            return
        with self._outputs_lock:
            channel = self._channel(pid)
            if not channel.to_root:
                for category, text in channel.pending:
                    _send_json(sock, {"category": category, "output": text})
                channel.pending, channel.size = [], 0
                channel.subscriber = sock
        channel.ended.wait()
        with self._outputs_lock:
            channel.subscriber = None
            self._outputs.pop(pid, None)
        try:
            _send_json(sock, {"end": True})
        except OSError:
            pass  # that session is gone

    def _session_query(self, query: dict[str, Any], key: str) -> int | None:
        """The child pid a child session asks about, if it shows that child's token."""
        pid = query.get(key)
        if not isinstance(pid, int):
            return None
        with self._exits_changed:
            expected = self._exit_tokens.get(pid)
        if expected is None or not access_token.matches(expected, query.get("token")):
            return None
        return pid

    def _record_exit(self, report: dict[str, Any]) -> None:
        pid, code = report.get("exited"), report.get("exitCode")
        if isinstance(pid, int) and isinstance(code, int):
            with self._exits_changed:
                self._exits[pid] = code
                self._exits_changed.notify_all()

    def _answer_exit_query(self, sock: socket.socket, query: dict[str, Any]) -> None:
        """A child session whose engine vanished asks how the child ended; its
        parent may reap it a moment later, so wait for that (bounded)."""
        pid = self._session_query(query, "exitOf")
        if pid is None:
            return
        with self._exits_changed:
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


def _send_json(sock: socket.socket, message: dict[str, Any]) -> None:
    sock.sendall(json.dumps(message).encode() + b"\n")


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
