"""``evaluate`` in a stopped frame, plus ``setExpression``.

Contexts: ``repl`` runs expressions and statements (printed output captured),
``watch`` and ``clipboard`` evaluate expressions, ``hover`` only reads names and
plain attributes so that pointing at code never changes the program. Also
re-exports ``completions`` so the request dispatch has one module for the
console's needs.
"""

from __future__ import annotations

import ast
import operator
from dataclasses import dataclass
from typing import Any

from dapper.core.code_runner import (
    USER_CODE_FILENAME,
    EvaluationError,
    assign_name,
    compile_user_code,
    error_message,
    evaluate_expression,
    run_in_frame,
)
from dapper.core.completions import completions
from dapper.core.output_capture import capture_output
from dapper.core.safe_lookup import lookup_dotted
from dapper.core.safe_repr import DEFAULT_MAX_LENGTH
from dapper.core.shown_frame import ShownFrame
from dapper.core.variables import Variable, VariableStore

__all__ = [
    "EvalResult",
    "EvaluationError",
    "completions",
    "evaluate",
    "set_expression",
]

CONTEXTS = ("repl", "watch", "hover", "clipboard", "variables")


@dataclass
class EvalResult:
    """The outcome of one ``evaluate``: a value, printed output, or an error message."""

    expression: str
    context: str
    value: Any = None
    has_value: bool = False  # False for statements (and for errors)
    output: str = ""  # what the code printed (repl)
    error: str | None = None  # e.g. "NameError: name 'x' is not defined"

    @property
    def ok(self) -> bool:
        return self.error is None

    def shown(self, store: VariableStore, *, hex: bool = False) -> tuple[str, Variable | None]:
        """What the client is shown: the printed output, and the value (None when
        only the output is shown); raises ``EvaluationError`` for a failed one.

        ``clipboard`` gets the full repr, other contexts a readable cut.
        """
        if self.error is not None:
            raise EvaluationError(self.error)
        output = self.output.rstrip("\n")
        if not self.has_value or (output and self.value is None):
            # Like the interactive prompt: print(x) shows its output, not "None".
            return output, None
        max_length = None if self.context == "clipboard" else DEFAULT_MAX_LENGTH
        return output, store.variable(
            self.expression, self.value, self.expression, hex=hex, max_length=max_length
        )


def _split_statements(source: str) -> tuple[ast.Module, ast.Expression | None]:
    """Statements to exec, and a trailing expression whose value is the result."""
    try:
        module = ast.parse(source, USER_CODE_FILENAME, "exec")
    except SyntaxError as exc:
        raise EvaluationError(error_message(exc)) from None
    last = module.body[-1] if module.body else None
    if isinstance(last, ast.Expr):
        module.body.pop()
        return module, ast.Expression(last.value)
    return module, None


def _run_repl(frame: ShownFrame, source: str) -> tuple[Any, bool]:
    try:
        code = compile_user_code(source, "eval")
    except EvaluationError:
        code = None
    if code is not None:
        return run_in_frame(frame, code), True
    statements, tail = _split_statements(source)
    if statements.body:
        run_in_frame(frame, compile_user_code(statements, "exec"))
    if tail is None:
        return None, False
    return run_in_frame(frame, compile_user_code(tail, "eval")), True


def _evaluate_only(frame: ShownFrame, expression: str, context: str) -> Any:
    try:
        code = compile_user_code(expression, "eval")
    except EvaluationError:
        try:
            compile_user_code(expression, "exec")
        except EvaluationError:
            raise
        raise EvaluationError(
            f"{context} evaluates expressions only; run statements in the debug console (repl)"
        ) from None
    return run_in_frame(frame, code)


def evaluate(frame: ShownFrame, expression: str, context: str = "repl") -> EvalResult:
    """Evaluate ``expression`` in ``frame`` for a DAP ``context`` (see module doc).

    Never raises ``Exception``: failures come back in ``EvalResult.error``.
    """
    context = context if context in CONTEXTS else "watch"
    result = EvalResult(expression, context)
    if not expression.strip():
        result.error = "nothing to evaluate"
        return result
    try:
        if context == "hover":
            result.value, result.has_value = lookup_dotted(frame, expression), True
        elif context == "repl":
            with capture_output() as buffer:
                try:
                    result.value, result.has_value = _run_repl(frame, expression)
                finally:
                    result.output = buffer.getvalue()
        else:
            result.value, result.has_value = _evaluate_only(frame, expression, context), True
    except EvaluationError as exc:
        result.value, result.has_value, result.error = None, False, str(exc)
    return result


def set_expression(frame: ShownFrame, expression: str, value_expr: str) -> Any:
    """Assign the value of ``value_expr`` to ``expression`` (a name, ``a.b`` or ``a[i]``).

    Returns the value assigned; raises ``EvaluationError`` with a user-facing
    message when the target is not assignable or evaluation fails.
    """
    try:
        target = ast.parse(expression.strip(), USER_CODE_FILENAME, "eval").body
    except SyntaxError as exc:
        raise EvaluationError(error_message(exc)) from None
    value = evaluate_expression(frame, value_expr)
    if isinstance(target, ast.Name):
        assign_name(frame, target.id, value)
    elif isinstance(target, ast.Attribute):
        owner = evaluate_expression(frame, ast.unparse(target.value))
        _apply(setattr, owner, target.attr, value)
    elif isinstance(target, ast.Subscript):
        owner = evaluate_expression(frame, ast.unparse(target.value))
        _apply(operator.setitem, owner, _subscript_key(frame, target.slice), value)
    else:
        raise EvaluationError(f"cannot assign to {expression!r}: not a name, attribute or item")
    return value


def _subscript_key(frame: ShownFrame, node: ast.expr) -> Any:
    if isinstance(node, ast.Slice):
        parts = (node.lower, node.upper, node.step)
        return slice(*(evaluate_expression(frame, ast.unparse(p)) if p else None for p in parts))
    return evaluate_expression(frame, ast.unparse(node))


def _apply(setter: Any, owner: Any, key: Any, value: Any) -> None:
    try:
        setter(owner, key, value)
    except Exception as exc:
        raise EvaluationError(error_message(exc)) from None
