"""``gotoTargets`` / ``goto``: moving a stopped frame to another line.

CPython decides which jumps are legal (not into or out of a ``for``/``with``/
``try`` block in the wrong direction, not from an exception handler, …) and
only lets ``frame.f_lineno`` be set from a line event of that frame. A thread
stopped at a line is parked inside its line callback, so the jump runs there,
as a job on the stopped thread, and CPython's own refusal is reported verbatim.
"""

from __future__ import annotations

import sys
from types import FrameType

from dapper.core.errors import DebuggerError
from dapper.core.step_targets import Target


def goto_targets(executable_lines: frozenset[int], line: int) -> list[Target]:
    """Where a jump to ``line`` can go: the line when it holds code (id = line)."""
    if line not in executable_lines:
        return []
    return [Target(line, f"Line {line}", line)]


def jump(frame: FrameType, line: int) -> None:
    """Set ``frame``'s next line; must run on its thread inside its line callback."""
    code = frame.f_code
    if not any(start_line == line for _, _, start_line in code.co_lines()):
        raise DebuggerError(
            f"Line {line} is not in the code of '{code.co_qualname}'; a jump can only stay in the same function."
        )
    # 3.11 checks only that the frame has a trace function; a backend may trace
    # it from C (eval-frame) without one, so lend it one for the assignment.
    lend = _NEEDS_F_TRACE and frame.f_trace is None
    if lend:
        frame.f_trace = _no_trace
    try:
        frame.f_lineno = line  # type: ignore[misc]  # settable in a line callback
    except ValueError as exc:
        if _NOT_IN_A_LINE_EVENT in str(exc) or _NO_TRACE_FUNCTION in str(exc):
            raise DebuggerError(
                f"Cannot jump to line {line} from this stop: it was not reached through a "
                "line event (a breakpoint that instrumented code checks inside the frame "
                "stops there, and CPython only jumps from a line event). Step once (next) "
                "and jump from there, or launch with frameEval.instrumentedCode: false."
            ) from None
        raise DebuggerError(f"Cannot jump to line {line}: {exc}.") from None
    finally:
        if lend:
            frame.f_trace = None


_NEEDS_F_TRACE = sys.version_info < (3, 12)
#: CPython's refusals of a jump from outside a line event (3.11: the thread's
#: last trace event was a call; 3.12+: no trace function is running)
_NOT_IN_A_LINE_EVENT = "'call' trace event of a new frame"
_NO_TRACE_FUNCTION = "can only be set in a trace function"


def _no_trace(frame: FrameType, event: str, arg: object) -> None:
    return None
