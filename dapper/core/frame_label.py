"""A stack frame's name as ``stackTrace``'s ``format`` asks for it: the
function, then its parameters (names, types, values), module and line."""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from types import FrameType
from typing import Any

from dapper.core.safe_repr import safe_repr

_VALUE_LENGTH = 40


def wants_label(fmt: Mapping[str, Any] | None) -> bool:
    """Whether ``fmt`` changes the plain name at all."""
    return bool(fmt) and any(
        fmt.get(key)  # type: ignore[union-attr]
        for key in (
            "parameters",
            "parameterTypes",
            "parameterNames",
            "parameterValues",
            "line",
            "module",
        )
    )


def frame_label(frame: FrameType, line: int, fmt: Mapping[str, Any], *, values: bool = True) -> str:
    """``fmt`` is DAP's ``StackFrameFormat``; user ``repr`` runs here, so call
    this on the frame's own (stopped) thread, or with ``values=False``."""
    code = frame.f_code
    label = code.co_qualname
    parts = ("parameterTypes", "parameterNames", "parameterValues")
    if fmt.get("parameters") or any(fmt.get(key) for key in parts):
        # With only "parameters", show names and values (as VS Code's defaults do).
        given = any(key in fmt for key in parts)
        show = {key: bool(fmt.get(key, not given and key != "parameterTypes")) for key in parts}
        show["parameterValues"] = show["parameterValues"] and values
        label += (
            "(" + ", ".join(_parameter(frame, name, show, fmt) for name in _params(frame)) + ")"
        )
    if fmt.get("module"):
        module = frame.f_globals.get("__name__")
        if isinstance(module, str):
            label += f" [{module}]"
    if fmt.get("line"):
        label += f", line {line}"
    return label


def _params(frame: FrameType) -> list[str]:
    code = frame.f_code
    count = code.co_argcount + code.co_kwonlyargcount
    count += bool(code.co_flags & inspect.CO_VARARGS) + bool(code.co_flags & inspect.CO_VARKEYWORDS)
    return list(code.co_varnames[:count])


def _parameter(frame: FrameType, name: str, show: Mapping[str, Any], fmt: Mapping[str, Any]) -> str:
    present = name in frame.f_locals
    value = frame.f_locals.get(name)
    pieces = []
    if show["parameterNames"]:
        pieces.append(name)
    if show["parameterTypes"] and present:
        type_name = type(value).__name__
        pieces.append(f": {type_name}" if pieces else type_name)
    if show["parameterValues"] and present:
        text = safe_repr(value, max_length=_VALUE_LENGTH, hex=bool(fmt.get("hex")))
        pieces.append(f" = {text}" if pieces else text)
    return "".join(pieces)
