"""A Python child that Dapper started: announce it to the adapter, then wait a
bounded time for its own debug session before the program runs.

The child never blocks for long: if the adapter is gone, the client cannot
start sessions, or nobody attaches within the link's wait, the program runs on
(the engine keeps listening, so a late attach still works).
"""

from __future__ import annotations

import os
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
    deadline = time.monotonic() + link.wait
    announcement = Announcement(link)
    answer = announcement.send_hello(
        {
            "pid": os.getpid(),
            "ppid": os.getppid(),
            "name": name,
            "port": port,
            "accessToken": engine.access_token,
        }
    )
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
