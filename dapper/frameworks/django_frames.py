"""Django template nodes on a stack, shown as template frames.

Django renders a template by calling ``render_annotated`` on each node; a
frame of that function holds the node (its template file and line) and the
context. At a stop (a breakpoint, an exception raised while rendering) each
such frame gets the template line it was rendering shown above it, with the
context's variables as its locals.
"""

from __future__ import annotations

import builtins
from types import CodeType, FrameType
from typing import Any

from dapper.frameworks.template_frame import TemplateFrame, TemplateVariables

#: what every Django ``Context`` holds at its base, not the template's variables
_CONTEXT_BUILTINS = {"True": True, "False": False, "None": None}


def node_location(node: Any) -> tuple[str, int, str] | None:
    """(template file, line, template name) of a node parsed from a file."""
    origin = getattr(node, "origin", None)
    token = getattr(node, "token", None)
    filename = getattr(origin, "name", None)
    line = getattr(token, "lineno", None)
    if not isinstance(filename, str) or not isinstance(line, int) or filename.startswith("<"):
        return None
    name = getattr(origin, "template_name", None) or filename
    return filename, line, str(name)


def context_variables(context: Any) -> TemplateVariables:
    """The variables a template sees in ``context``; a changed one is set in it."""
    try:
        flat = dict(context.flatten())
    except Exception:  # noqa: BLE001 - a context that cannot flatten shows nothing
        flat = {}
    for name, value in _CONTEXT_BUILTINS.items():
        if name in flat and flat[name] is value:
            del flat[name]

    def write(name: str, value: Any) -> None:
        context[name] = value

    return TemplateVariables(flat, write)


def template_frame(node: Any, context: Any, f_back: FrameType | None) -> TemplateFrame | None:
    location = node_location(node)
    if location is None:
        return None
    filename, line, name = location
    return TemplateFrame(
        filename, line, name, context_variables(context), f_back, {"__builtins__": builtins}
    )


class DjangoFramePresenter:
    """Shows each ``Node.render_annotated`` frame with its template line above it."""

    def __init__(self, render_annotated_code: CodeType) -> None:
        self.code = render_annotated_code

    def __call__(self, frame: Any) -> list[Any] | None:
        if getattr(frame, "f_code", None) is not self.code:
            return None
        f_locals = frame.f_locals
        shown = template_frame(f_locals.get("self"), f_locals.get("context"), frame)
        return None if shown is None else [shown, frame]
