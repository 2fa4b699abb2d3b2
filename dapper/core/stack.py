"""Stack traces of stopped threads, and frame ids valid until the next resume."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from types import FrameType
from typing import NamedTuple

from dapper import os_threads
from dapper.core.frame_kinds import is_debugger_frame
from dapper.core.shown_frame import ShownFrame
from dapper.core.sources import SourceInfo, SourceRegistry
from dapper.paths import is_user_file

HIDDEN_LIBRARY = ("runpy.py", "<frozen runpy>")


class StackEntry(NamedTuple):
    """One entry of a stack trace: a frame, or a label entry (``source`` None)
    such as a task awaiting the frame above."""

    id: int
    name: str
    line: int
    source: SourceInfo | None = None
    library: bool = False  # the frame runs library code, not the user's


class StackPage(NamedTuple):
    """One page of a thread's stack (innermost first) and the size of all of it."""

    entries: list[StackEntry]
    total: int


def visible_frames(top: FrameType | None) -> list[FrameType]:
    """The frames a user should see, innermost first: no debugger frames, and
    none of the launcher's ``runpy`` plumbing beneath the program."""
    frames: list[FrameType] = []
    frame = top
    while frame is not None:
        if not is_debugger_frame(frame):
            frames.append(frame)
        frame = frame.f_back
    while frames and frames[-1].f_code.co_filename.endswith(HIDDEN_LIBRARY):
        frames.pop()
    return frames


class FrameRegistry:
    """Frame ids handed to the client; cleared when the program resumes."""

    def __init__(self) -> None:
        self._lock = os_threads.allocate_lock()
        self._frames: dict[int, tuple[int, ShownFrame]] = {}
        self._by_frame: dict[int, int] = {}
        self._counter = itertools.count(1)

    def id_for(self, thread_ident: int, frame: ShownFrame) -> int:
        with self._lock:
            key = id(frame)
            fid = self._by_frame.get(key)
            if fid is None or self._frames[fid][1] is not frame:
                fid = next(self._counter)
                self._frames[fid] = (thread_ident, frame)
                self._by_frame[key] = fid
            return fid

    def label_id(self) -> int:
        """An id for a label entry (no frame behind it)."""
        with self._lock:
            return next(self._counter)

    def get(self, frame_id: int) -> tuple[int, ShownFrame] | None:
        with self._lock:
            return self._frames.get(frame_id)

    def clear(self) -> None:
        with self._lock:
            self._frames.clear()
            self._by_frame.clear()


def _entries(frames: Sequence[ShownFrame], labels: dict[int, str] | None) -> list[ShownFrame | str]:
    """Frames with each one's label entry (a str) before it."""
    entries: list[ShownFrame | str] = []
    for frame in frames:
        label = labels.get(id(frame)) if labels else None
        if label is not None:
            entries.append(label)
        entries.append(frame)
    return entries


def shown_frames(
    frames: list, labels: dict[int, str] | None, start: int = 0, levels: int = 0
) -> list:
    """The frames among the entries ``stack_frames`` shows for this page."""
    entries = _entries(frames, labels)
    end = len(entries) if not levels else min(len(entries), start + levels)
    return [entry for entry in entries[start:end] if not isinstance(entry, str)]


def stack_frames(
    frames: Sequence[ShownFrame],
    thread_ident: int,
    registry: FrameRegistry,
    sources: SourceRegistry,
    start: int = 0,
    levels: int = 0,
    lines: dict[int, int] | None = None,
    labels: dict[int, str] | None = None,
) -> StackPage:
    """The stack ``frames`` (innermost first), paged; ``labels`` puts a label
    entry before a frame (a task awaiting the one above)."""
    entries = _entries(frames, labels)
    total = len(entries)
    end = total if not levels else min(total, start + levels)
    result: list[StackEntry] = []
    for frame in entries[start:end]:
        if isinstance(frame, str):
            result.append(StackEntry(registry.label_id(), frame, 0))
            continue
        code = frame.f_code
        line = (lines or {}).get(id(frame)) or frame.f_lineno or code.co_firstlineno
        result.append(
            StackEntry(
                registry.id_for(thread_ident, frame),
                code.co_qualname,
                line,
                sources.source_for(code, frame.f_globals),
                not is_user_file(code.co_filename),
            )
        )
    return StackPage(result, total)
