"""A nested debug (pdb's ``debug CODE``): code the user gives runs in a stopped
frame's namespace, on the stopped thread, with the debugger's events on, so it
stops at its first line and can be stepped; when it ends the thread is back at
the stop it left (docs/decisions/018-nested-debug.md).

Pure bookkeeping: ``Debugger.debug_code`` starts one, the stop coordinator
parks and resumes the thread, the backend turns events on for it.
"""

from __future__ import annotations

import itertools
from types import CodeType, FrameType
from typing import Any

from dapper.core.code_runner import EvaluationError, compile_user_code
from dapper.core.shown_frame import ShownFrame
from dapper.core.suspension import Suspension


class NestedRun:
    """One ``debug CODE``: where it came from and how far its frames reach."""

    def __init__(
        self, outer: Suspension, frame: ShownFrame, code: CodeType, is_expression: bool
    ) -> None:
        #: the stop the thread left; it is parked there again at the end
        self.outer = outer
        self.ident = outer.ident
        #: whose namespace the code runs in
        self.frame = frame
        self.code = code
        #: an expression: its value is shown when it ends
        self.is_expression = is_expression
        #: the debugger's frame that runs the code: frames above it are the run's
        self.base: FrameType | None = None
        #: the user quit the nested debug: its code is unwound, nothing stops
        self.quitting = False
        #: the client went away: the thread runs on at the end instead of parking
        self.released = False
        #: the outer stop's exception and return value, shown again at the end
        self.saved: dict[str, Any] = {}

    def holds(self, frame: ShownFrame) -> bool:
        """Whether ``frame`` runs inside this nested debug (above its base)."""
        base = self.base
        current: Any = frame
        while current is not None:
            if current is base:
                return True
            current = getattr(current, "f_back", None)
        return False


_numbers = itertools.count(1)


def compile_debug_code(source: str) -> tuple[CodeType, bool]:
    """CODE compiled to run: an expression (its value is shown at the end,
    True) or statements (False); ``EvaluationError`` when it does not compile.

    Each gets a pseudo file name of its own (``<debug 1>``, …): a client keeps
    a source's text by its name, and nested ones are on the stack together."""
    if not source.strip():
        raise EvaluationError("debug needs code to run, e.g. debug f(3)")
    filename = f"<debug {next(_numbers)}>"
    try:
        return compile_user_code(source, "eval", filename), True
    except EvaluationError:
        return compile_user_code(source, "exec", filename), False
