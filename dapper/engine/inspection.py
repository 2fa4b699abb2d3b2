"""Inspection requests (scopes, variables, evaluate, setVariable, …) served on
the stopped thread, within the evaluation time limit.

The engine thread validates arguments; the work that touches user objects runs
on the thread that owns the frame, through ``Debugger.run_on``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from dapper.core.debugger import Debugger
from dapper.core.suspension import Suspension
from dapper.engine.values import (
    dap_completion,
    dap_evaluate,
    dap_exception_info,
    dap_scope,
    dap_value,
    dap_variable,
)
from dapper.protocol.arguments import int_arg, str_arg
from dapper.protocol.messages import RequestError

T = TypeVar("T")


def _hex(arguments: dict) -> bool:
    fmt = arguments.get("format")
    return bool(isinstance(fmt, dict) and fmt.get("hex"))


class Inspector:
    """DAP inspection bodies for one debugger."""

    def __init__(self, debugger: Debugger) -> None:
        self.debugger = debugger

    def _user_error(self, fn: Callable[[], T]) -> T:
        """Run ``fn``; evaluation errors become readable ``RequestError``s."""
        from dapper.core.evaluation import EvaluationError

        try:
            return fn()
        except EvaluationError as exc:
            raise RequestError(str(exc)) from None

    def scopes(self, frame_id: int) -> dict:
        suspension, frame = self.debugger.frame(frame_id)
        store = self.debugger.variables
        extra = None
        returned = self.debugger.return_value(suspension.ident)
        if returned is not None and suspension.frames and frame is suspension.frames[0]:
            extra = {f"(return) {returned[0]}": returned[1]}
        scopes = self.debugger.run_on(suspension, lambda: store.scopes(frame, extra))
        return {"scopes": [dap_scope(scope) for scope in scopes]}

    def variables(self, arguments: dict) -> dict:
        ref = int_arg(arguments, "variablesReference")
        start = int_arg(arguments, "start", required=False)
        count = int_arg(arguments, "count", required=False)
        flt = arguments.get("filter")
        if flt is not None and flt not in ("indexed", "named"):
            raise RequestError("argument 'filter' must be 'indexed' or 'named'")
        store = self.debugger.variables
        suspension = self._any_suspension()

        def work() -> list[dict]:
            variables = store.variables(
                ref, start=start, count=count, hex=_hex(arguments), filter=flt
            )
            return [dap_variable(variable) for variable in variables]

        return {"variables": self._user_error(lambda: self.debugger.run_on(suspension, work))}

    def evaluate(self, arguments: dict) -> dict:
        from dapper.core.evaluation import CONTEXTS, evaluate

        expression = str_arg(arguments, "expression")
        context = arguments.get("context") or "repl"
        if context not in CONTEXTS:
            context = "repl"
        frame_id = arguments.get("frameId")
        if frame_id is None:
            suspension = self._any_suspension()
            frame = suspension.frames[0] if suspension.frames else suspension.frame
        else:
            suspension, frame = self.debugger.frame(int_arg(arguments, "frameId"))
        store = self.debugger.variables
        if frame is None:
            raise RequestError("the stopped thread has no frame to evaluate in")

        def work() -> dict:
            return dap_evaluate(
                *evaluate(frame, expression, context).shown(store, hex=_hex(arguments))
            )

        return self._user_error(lambda: self.debugger.run_on(suspension, work))

    def set_variable(self, arguments: dict) -> dict:
        ref = int_arg(arguments, "variablesReference")
        name = str_arg(arguments, "name")
        value = str_arg(arguments, "value")
        suspension = self._any_suspension()
        frame = suspension.frames[0] if suspension.frames else suspension.frame
        store = self.debugger.variables
        if frame is None:
            raise RequestError("the stopped thread has no frame to set a variable in")
        return self._user_error(
            lambda: self.debugger.run_on(
                suspension,
                lambda: dap_value(store.set_variable(ref, name, value, frame, hex=_hex(arguments))),
            )
        )

    def set_expression(self, arguments: dict) -> dict:
        from dapper.core.evaluation import set_expression

        expression = str_arg(arguments, "expression")
        value = str_arg(arguments, "value")
        suspension, frame = self.debugger.frame(int_arg(arguments, "frameId"))
        store = self.debugger.variables

        def work() -> dict:
            new_value = set_expression(frame, expression, value)
            return dap_value(store.variable(expression, new_value, expression, hex=_hex(arguments)))

        return self._user_error(lambda: self.debugger.run_on(suspension, work))

    def completions(self, arguments: dict) -> dict:
        from dapper.core.completions import GlobalScope, completions

        text = str_arg(arguments, "text")
        column = int_arg(arguments, "column")
        if arguments.get("frameId") is None:
            # No frame: the global scope. Name lookups there run no user code.
            items = self._user_error(lambda: completions(GlobalScope(), text, column))
        else:
            suspension, frame = self.debugger.frame(int_arg(arguments, "frameId"))
            items = self._user_error(
                lambda: self.debugger.run_on(suspension, lambda: completions(frame, text, column))
            )
        return {"targets": [dap_completion(item) for item in items]}

    def exception_info(self, thread_id: int) -> dict:
        from dapper.core.exception_info import exception_details

        exc, break_mode = self.debugger.current_exception(thread_id)
        suspension = self.debugger.suspension_for(thread_id)
        details = self.debugger.run_on(suspension, lambda: exception_details(exc))
        return dap_exception_info(details, break_mode)

    def _any_suspension(self) -> Suspension:
        """Variables references are global; run their work on any stopped thread."""
        suspended = self.debugger.stopped_threads()
        if not suspended:
            raise RequestError("the program is running: variables are only available while stopped")
        return suspended[0]
