"""A stack frame's name as a client asks for it: the function, then its
parameters (names, types, values), module and line."""

from __future__ import annotations

import inspect
from types import FrameType
from typing import NamedTuple

from dapper.core.safe_repr import safe_repr

_VALUE_LENGTH = 40


class FrameFormat(NamedTuple):
    """What a frame's name shows besides the function's (the engine reads it
    from DAP's ``StackFrameFormat``)."""

    parameters: bool = False  # a parenthesised list of the parameters
    names: bool = False  # ... with their names
    types: bool = False  # ... their types
    values: bool = False  # ... their values
    module: bool = False
    line: bool = False
    hex: bool = False  # integer values in hexadecimal


def frame_label(frame: FrameType, line: int, fmt: FrameFormat, *, values: bool = True) -> str:
    """The name of ``frame`` as ``fmt`` asks; user ``repr`` runs here, so call
    this on the frame's own (stopped) thread, or with ``values=False``."""
    code = frame.f_code
    label = code.co_qualname
    if fmt.parameters:
        shown = (_parameter(frame, name, fmt, values) for name in _params(frame))
        label += "(" + ", ".join(shown) + ")"
    if fmt.module:
        module = frame.f_globals.get("__name__")
        if isinstance(module, str):
            label += f" [{module}]"
    if fmt.line:
        label += f", line {line}"
    return label


def _params(frame: FrameType) -> list[str]:
    code = frame.f_code
    count = code.co_argcount + code.co_kwonlyargcount
    count += bool(code.co_flags & inspect.CO_VARARGS) + bool(code.co_flags & inspect.CO_VARKEYWORDS)
    return list(code.co_varnames[:count])


def _parameter(frame: FrameType, name: str, fmt: FrameFormat, values: bool) -> str:
    present = name in frame.f_locals
    value = frame.f_locals.get(name)
    pieces = []
    if fmt.names:
        pieces.append(name)
    if fmt.types and present:
        type_name = type(value).__name__
        pieces.append(f": {type_name}" if pieces else type_name)
    if fmt.values and values and present:
        text = safe_repr(value, max_length=_VALUE_LENGTH, hex=fmt.hex)
        pieces.append(f" = {text}" if pieces else text)
    return "".join(pieces)
