"""What core reports to whoever drives it, as plain values.

Core never builds protocol messages: the engine turns these into DAP events
(``dapper/engine/events.py``), the way ``bdb`` leaves ``user_line`` to its
front end.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dapper.core.breakpoints import BreakpointStatus


@dataclass(frozen=True)
class Stopped:
    """A thread stopped and every other thread is stopping with it."""

    thread_id: int
    reason: str
    hit_breakpoint_ids: tuple[int, ...] = ()
    #: the exception's "Type: message" for an exception stop
    text: str | None = None


@dataclass(frozen=True)
class ThreadChanged:
    """A user thread ``started`` or ``exited``."""

    reason: str
    thread_id: int


@dataclass(frozen=True)
class BreakpointChanged:
    """A breakpoint's verification changed (its file's code started running)."""

    breakpoint: BreakpointStatus


@dataclass(frozen=True)
class LogMessage:
    """A logpoint's message, already formatted, and where the logpoint is."""

    text: str
    source: dict | None = None
    line: int | None = None


@dataclass(frozen=True)
class ConditionError:
    """A breakpoint condition raised; the breakpoint is treated as hit."""

    text: str


CoreEvent = Stopped | ThreadChanged | BreakpointChanged | LogMessage | ConditionError
#: Where core sends its events; called on whichever thread the event happened.
Report = Callable[[CoreEvent], None]
