"""Run user-typed code in a stopped frame's namespace, as if it were in the function.

Reads see the frame's current locals and globals; assignments to locals are
written through to the running frame (``frame_locals.write_local``). Failures
surface as ``EvaluationError`` carrying a one-line message such as
``NameError: name 'x' is not defined``, never the debugger's own traceback.
"""

from __future__ import annotations

import ast
import traceback
from types import CodeType
from typing import Any

from dapper.core.frame_locals import write_local
from dapper.core.shown_frame import ShownFrame

#: Filename shown in tracebacks and syntax errors of code typed by the user.
USER_CODE_FILENAME = "<debug input>"

_MISSING = object()


class EvaluationError(Exception):
    """Code given by the user could not run; ``str()`` is the message to show."""


def error_message(exc: BaseException) -> str:
    """The last line(s) Python would print for ``exc``, without any traceback."""
    if isinstance(exc, SyntaxError):
        where = f" (line {exc.lineno}, column {exc.offset})" if exc.lineno and exc.offset else ""
        return f"{type(exc).__name__}: {exc.msg}{where}"
    try:
        return "".join(traceback.format_exception_only(type(exc), exc)).strip()
    except Exception:
        return type(exc).__name__


def compile_user_code(
    source: str | ast.Module | ast.Expression, mode: str, filename: str = USER_CODE_FILENAME
) -> CodeType:
    """Compile ``source`` ("eval"/"exec"), turning a syntax error into ``EvaluationError``."""
    try:
        # dont_inherit: the debugger's own __future__ flags must not leak into user code.
        return compile(source, filename, mode, dont_inherit=True)
    except (SyntaxError, ValueError, OverflowError) as exc:
        raise EvaluationError(error_message(exc)) from None


def _is_module_level(frame: ShownFrame) -> bool:
    return frame.f_locals is frame.f_globals


def _has_nested_scope(code: CodeType) -> bool:
    return any(isinstance(const, CodeType) for const in code.co_consts)


def run_in_frame(frame: ShownFrame, code: CodeType) -> Any:
    """Run ``code`` against ``frame``'s namespaces and return what ``eval`` returns.

    Locals that the code rebinds are written back into the frame. Code with a
    nested scope (lambda, generator expression) gets a merged globals copy so
    it can see the frame's locals; globals it rebinds are copied back.
    """
    f_globals = frame.f_globals
    if _is_module_level(frame):
        return _run(code, f_globals, None)
    local_ns = dict(frame.f_locals)
    before = dict(local_ns)
    global_ns = {**f_globals, **local_ns} if _has_nested_scope(code) else f_globals
    try:
        return _run(code, global_ns, local_ns)
    finally:
        for name, value in local_ns.items():
            if before.get(name, _MISSING) is not value:
                write_local(frame, name, value)
        if global_ns is not f_globals:
            for name, value in global_ns.items():
                if name not in before and f_globals.get(name, _MISSING) is not value:
                    f_globals[name] = value


def _run(code: CodeType, global_ns: dict, local_ns: dict | None) -> Any:
    try:
        return eval(code, global_ns, local_ns)  # noqa: S307 - evaluating the user's expression is the point
    except Exception as exc:
        raise EvaluationError(error_message(exc)) from None


def evaluate_expression(frame: ShownFrame, expression: str) -> Any:
    """The value of ``expression`` in ``frame`` (``EvaluationError`` on failure)."""
    return run_in_frame(frame, compile_user_code(expression, "eval"))


def assign_name(frame: ShownFrame, name: str, value: Any) -> None:
    """Bind ``name`` the way an assignment in the frame's function would (local or global)."""
    if _is_module_level(frame):
        frame.f_globals[name] = value
        return
    code = frame.f_code
    is_local = (
        name in code.co_varnames
        or name in code.co_cellvars
        or name in code.co_freevars
        or name in frame.f_locals
    )
    if not is_local and name in frame.f_globals:
        frame.f_globals[name] = value
    else:
        write_local(frame, name, value)
