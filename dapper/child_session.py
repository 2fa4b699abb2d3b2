"""A Python child that Dapper started: announce it to the adapter, then wait a
bounded time for its own debug session before the program runs.

The child never blocks for long: if the adapter is gone, the client cannot
start sessions, or nobody attaches within the link's wait, the program runs on
(the engine keeps listening, so a late attach still works).
"""

from __future__ import annotations

import os
import socket
import threading
import time
from typing import Any

from dapper.protocol.child_link import Announcement, ChildLink


def child_name(kind: str, target: str) -> str:
    """The label a client shows for this child: script, module or what it is."""
    if kind == "-m":
        return target
    if kind == "-c":
        if "multiprocessing.spawn" in target:
            return "multiprocessing worker"
        if "multiprocessing.forkserver" in target:
            return "multiprocessing forkserver"
        return "python -c"
    return os.path.basename(target)


def wait_for_session(engine: Any, link: ChildLink, name: str, port: int) -> bool:
    """Announce this process and wait until its session is configured (bounded);
    whether it was. Its output goes to that session from now on."""
    announcement = Announcement(link)
    answer = announcement.send_hello(_hello(name, port, engine.access_token))
    return _after_answer(announcement, answer, engine, link, time.monotonic() + link.wait)


def _hello(name: str, port: int, token: str | None) -> dict[str, Any]:
    return {
        "pid": os.getpid(),
        "ppid": os.getppid(),
        "name": name,
        "port": port,
        "accessToken": token,
    }


def _after_answer(
    announcement: Announcement,
    answer: dict[str, Any],
    engine: Any,
    link: ChildLink,
    deadline: float,
) -> bool:
    try:
        if not answer.get("attach"):
            return False  # its output stays where it was, in order with its parent's
        from dapper import child_output

        announcement.send({"outputStreams": child_output.capture(link, os.getpid())})
        if not engine.configured.wait(max(0.0, deadline - time.monotonic())):
            announcement.send({"timeout": link.wait})
            return False
        return True
    finally:
        announcement.close()


class EarlyAnnouncement:
    """A spawned child's announcement, sent from a thread as soon as the
    interpreter runs ``child_boot``, before Dapper's engine is imported: the
    client starts this child's session (often a new adapter process) while
    the engine loads, and the engine takes the session's connection, held in
    the listener's backlog, once it is up. The wait for the session counts
    from then (``wait``), so a slow client has the whole ``subProcessWait``
    after the engine is ready, as without this."""

    def __init__(self, link: ChildLink, argv: list[str]) -> None:
        from dapper import access_token

        self.token = access_token.generate()
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(1)
        self.port = self.listener.getsockname()[1]
        self._link = link
        self._announcement = Announcement(link)
        self._answer: dict[str, Any] = {}
        hello = _hello(child_name(*program_of(argv)), self.port, self.token)
        self._thread = threading.Thread(
            target=self._send, args=(hello,), name="dapper.announce", daemon=True
        )
        self._thread.start()

    def _send(self, hello: dict[str, Any]) -> None:
        self._answer = self._announcement.send_hello(hello)

    def wait(self, engine: Any, link: ChildLink) -> bool:
        """Until the session is configured, at most the link's wait from now
        (the engine is ready); whether it was. ``link`` is the launcher's
        (its children inherit what the output capture notes in it)."""
        deadline = time.monotonic() + link.wait
        self._thread.join(max(0.0, deadline - time.monotonic()))
        return _after_answer(self._announcement, self._answer, engine, link, deadline)


def program_of(argv: list[str]) -> tuple[str, str]:
    """(kind, target) of a child's program arguments (``-m mod``, ``-c code``, a file)."""
    if len(argv) >= 2 and argv[0] in ("-m", "-c"):
        return argv[0], argv[1]
    return "file", argv[0] if argv else "python"


#: set by ``child_boot`` before the launcher is imported
early: EarlyAnnouncement | None = None
