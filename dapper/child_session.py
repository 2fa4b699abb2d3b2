"""A Python child that Dapper started: announce it to the adapter, then wait a
bounded time for its own debug session before the program runs.

The child never blocks for long: if the adapter is gone, the client cannot
start sessions, or nobody attaches within the link's wait, the program runs on
(the engine keeps listening, so a late attach still works).
"""

from __future__ import annotations

import os
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
    whether it was."""
    session = EarlyAnnouncement(link, name, port, engine.access_token)
    session.send()
    return session.wait(engine)


class EarlyAnnouncement:
    """The announcement sent from a thread while the engine is still being
    imported: the client starts this child's session (often a new adapter
    process) meanwhile, and the engine answers its connection, held in the
    listener's backlog, once it is up."""

    def __init__(self, link: ChildLink, name: str, port: int, token: str | None) -> None:
        self._link = link
        self._announcement = Announcement(link)
        self._hello = {
            "pid": os.getpid(),
            "ppid": os.getppid(),
            "name": name,
            "port": port,
            "accessToken": token,
        }
        self._answer: dict[str, Any] = {}
        self._deadline = time.monotonic() + link.wait
        self._thread: threading.Thread | None = None

    def send(self) -> None:
        self._answer = self._announcement.send_hello(self._hello)

    def start(self) -> None:
        """``send`` on a thread of its own."""
        self._thread = threading.Thread(target=self.send, name="dapper.announce", daemon=True)
        self._thread.start()

    def wait(self, engine: Any) -> bool:
        """Until the session is configured (at most the link's wait from the
        announcement on); whether it was."""
        try:
            if self._thread is not None:
                self._thread.join(max(0.0, self._deadline - time.monotonic()))
            if not self._answer.get("attach"):
                return False
            if not engine.configured.wait(max(0.0, self._deadline - time.monotonic())):
                self._announcement.send({"timeout": self._link.wait})
                return False
            return True
        finally:
            self._announcement.close()
