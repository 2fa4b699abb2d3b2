"""Thread-like entries that are not OS threads: suspended greenlets and
pending asyncio tasks, listed beside the threads while the program is stopped
(docs/decisions/017-tasks-and-greenlets-as-threads.md).

Each has its own stack; its frames belong to the stopped OS thread that holds
it, so evaluation in them runs there.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import FrameType
from typing import Any

from dapper.core.async_tasks import coroutine_frames, current_task, pending_tasks, running_loop
from dapper.core.async_tasks import task_label as task_label
from dapper.core.frame_kinds import is_user_frame
from dapper.core.greenlets import greenlet_label, suspended_greenlets
from dapper.core.stack import visible_frames


@dataclass
class LogicalThread:
    """A greenlet or task shown as a thread while stopped."""

    dap_id: int
    name: str
    #: the OS thread whose stop holds it (its frames' evaluations run there)
    owner: int
    #: innermost first
    frames: list[FrameType]


def collect(gevent: bool, just_my_code: bool) -> list[tuple[Any, str, list[FrameType]]]:
    """On a stopped thread: (object, name, frames) of each of its suspended
    greenlets (when ``gevent``) and of each pending task of its running loop."""
    found: list[tuple[Any, str, list[FrameType]]] = []
    if gevent:
        for glet in suspended_greenlets():
            frames = visible_frames(glet.gr_frame)
            if just_my_code:
                # the top frame is where the program waits, not gevent's hub switch
                first = next((i for i, f in enumerate(frames) if is_user_frame(f)), 0)
                frames = frames[first:]
            found.append((glet, greenlet_label(glet), frames))
    loop = running_loop()
    if loop is not None:
        running = current_task(loop)
        for task in pending_tasks(loop):
            if task is not running:
                found.append((task, task_label(task), coroutine_frames(task, just_my_code)))
    return found
