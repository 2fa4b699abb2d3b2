"""What core reports to whoever drives it, as plain values.

Core never builds protocol messages: the engine turns these into DAP events
(``dapper/engine/events.py``), the way ``bdb`` leaves ``user_line`` to its
front end. Named tuples, not dataclasses: each dataclass costs the debuggee
about 7M instructions at start-up (its methods are generated with ``exec``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from dapper.core.breakpoints import BreakpointStatus
    from dapper.core.sources import SourceInfo


class Stopped(NamedTuple):
    """A thread stopped and every other thread is stopping with it."""

    thread_id: int
    reason: str
    hit_breakpoint_ids: tuple[int, ...] = ()
    #: the exception's "Type: message" for an exception stop; FUNCTION_ENTRY or
    #: FUNCTION_RETURN for a step's stop at a call or a return
    text: str | None = None


#: ``Stopped.text`` of a step that ended as a function starts (pdb's ``--Call--``)
FUNCTION_ENTRY = "function entry"
#: ``Stopped.text`` of a step that ended as a function returns, in that
#: function (pdb's ``--Return--``)
FUNCTION_RETURN = "function return"


#: ``Stopped.text`` of the stop a thread is back at when its nested debug
#: (``Debugger.debug_code``) ended
NESTED_DEBUG_ENDED = "nested debug ended"


class NestedDebugEnded(NamedTuple):
    """The code run under a nested debug finished: ``outcome`` says how
    (``returned`` with ``text`` its value's repr, ``finished`` for statements,
    ``raised`` with ``text`` the exception, ``quit``). A ``Stopped`` at the
    thread's earlier stop follows."""

    thread_id: int
    outcome: str
    text: str = ""


class ThreadChanged(NamedTuple):
    """A user thread ``started`` or ``exited``."""

    reason: str
    thread_id: int


class BreakpointChanged(NamedTuple):
    """A breakpoint's verification changed (its file's code started running)."""

    breakpoint: BreakpointStatus


class LogMessage(NamedTuple):
    """A logpoint's message, already formatted, and where the logpoint is."""

    text: str
    source: SourceInfo | None = None
    line: int | None = None


class ConditionError(NamedTuple):
    """A breakpoint condition raised; the breakpoint is treated as hit."""

    text: str


CoreEvent = (
    Stopped | ThreadChanged | BreakpointChanged | LogMessage | ConditionError | NestedDebugEnded
)
#: Where core sends its events; called on whichever thread the event happened.
Report = Callable[[CoreEvent], None]
