"""asyncio seen from a stopped thread: its loop's pending tasks, where each
waits, and which task awaits which (the chain of awaiting coroutines).

Everything here runs on the stopped thread (its running loop is a
thread-local) and only when the program imported ``asyncio``.
"""

from __future__ import annotations

import os
import sys
from types import FrameType
from typing import Any

from dapper.core.shown_frame import ShownFrame

#: how deep an await chain is followed (a cycle or a huge gather tree ends it)
MAX_CHAIN = 64


def running_loop() -> Any:
    """The asyncio loop running on this thread, or None (cheap when unused)."""
    asyncio = sys.modules.get("asyncio")
    if asyncio is None:
        return None
    return asyncio.events._get_running_loop()


def current_task(loop: Any) -> Any:
    asyncio = sys.modules["asyncio"]
    try:
        return asyncio.current_task(loop)
    except RuntimeError:
        return None


def pending_tasks(loop: Any) -> list[Any]:
    """The loop's tasks that have not finished, oldest name first."""
    asyncio = sys.modules["asyncio"]
    tasks = [task for task in asyncio.all_tasks(loop) if not task.done()]
    return sorted(tasks, key=lambda task: _name_order(task.get_name()))


def _name_order(name: str) -> tuple:
    prefix, _, number = name.rpartition("-")
    return (prefix, int(number), "") if number.isdigit() else (name, 0, name)


def is_loop_internal(frame: ShownFrame) -> bool:
    """A frame of asyncio itself (the event loop, Task and Future machinery)."""
    asyncio = sys.modules.get("asyncio")
    if asyncio is None or asyncio.__file__ is None:
        return False
    code = getattr(frame, "f_code", None)  # a template's frame-like entry has none
    return code is not None and code.co_filename.startswith(
        os.path.dirname(asyncio.__file__) + os.sep
    )


def coroutine_frames(task: Any, just_my_code: bool) -> list[FrameType]:
    """A suspended task's coroutine stack, innermost (where it waits) first."""
    try:
        frames = list(task.get_stack())
    except Exception:  # noqa: BLE001 - a task subclass that cannot say: no frames
        return []
    frames.reverse()
    if just_my_code:
        # a task running only asyncio's own code (asyncio.sleep) keeps its frames
        frames = [frame for frame in frames if not is_loop_internal(frame)] or frames
    return frames


def task_label(task: Any) -> str:
    coro = task.get_coro()
    name = getattr(coro, "__qualname__", None) or type(coro).__name__
    return f"task {task.get_name()}: {name}"


def awaiting_task(future: Any) -> Any:
    """The task waiting for ``future`` (a task, or a gather of it), or None."""
    seen: set[int] = set()
    todo = [future]
    while todo:
        fut = todo.pop(0)
        if id(fut) in seen:
            continue
        seen.add(id(fut))
        for waiter in getattr(fut, "_asyncio_awaited_by", None) or ():  # 3.14+
            if hasattr(waiter, "get_coro"):
                return waiter
            todo.append(waiter)
        for callback in _callbacks(fut):
            owner = getattr(callback, "__self__", None)
            if owner is not None and hasattr(owner, "get_coro") and owner is not fut:
                return owner  # the Task's own wake-up method
            for cell in getattr(callback, "__closure__", None) or ():
                try:
                    value = cell.cell_contents
                except ValueError:
                    continue
                if hasattr(value, "add_done_callback") and value is not fut:
                    todo.append(value)  # gather's outer future
    return None


def _callbacks(future: Any) -> list[Any]:
    callbacks = getattr(future, "_callbacks", None) or ()
    found = []
    for entry in callbacks:
        found.append(entry[0] if isinstance(entry, tuple) else entry)
    return found


def awaiting_chain(task: Any, just_my_code: bool) -> list[tuple[Any, list[FrameType]]]:
    """The tasks awaiting ``task``, nearest first, each with its coroutine stack."""
    chain: list[tuple[Any, list[FrameType]]] = []
    seen = {id(task)}
    waiter = awaiting_task(task)
    while waiter is not None and id(waiter) not in seen and len(chain) < MAX_CHAIN:
        seen.add(id(waiter))
        chain.append((waiter, coroutine_frames(waiter, just_my_code)))
        waiter = awaiting_task(waiter)
    return chain


def awaiting_frame(frame: FrameType) -> FrameType | None:
    """When ``frame`` is the outermost coroutine of the running task and ends:
    the coroutine frame of the task that awaits it, where a step out lands."""
    loop = running_loop()
    if loop is None:
        return None
    task = current_task(loop)
    if task is None or getattr(task.get_coro(), "cr_frame", None) is not frame:
        return None
    waiter = awaiting_task(task)
    if waiter is None:
        return None
    frames = coroutine_frames(waiter, just_my_code=False)
    return frames[0] if frames else None


def with_awaiting_chain(
    frames: list[ShownFrame], just_my_code: bool
) -> tuple[list[ShownFrame], dict[int, str]]:
    """A stopped thread's frames (innermost first) with the coroutines awaiting
    its task inserted after the task's own, and, under justMyCode, the event
    loop's frames left out. Also labels: frame id() -> 'awaited by' text."""
    loop = running_loop()
    if loop is None:
        return frames, {}
    task = current_task(loop)
    top = getattr(task.get_coro(), "cr_frame", None) if task is not None else None
    index = next((i for i, frame in enumerate(frames) if frame is top), None)
    if index is None:
        return frames, {}
    head, tail = frames[: index + 1], frames[index + 1 :]
    labels: dict[int, str] = {}
    for waiter, waiter_frames in awaiting_chain(task, just_my_code):
        if waiter_frames:
            labels[id(waiter_frames[0])] = f"awaited by {task_label(waiter)}"
            head += waiter_frames
    if just_my_code:
        tail = [frame for frame in tail if not is_loop_internal(frame)]
    return head + tail, labels
