"""Frames of Jinja2 template code, shown as template frames.

A Jinja2 template runs as generated Python functions (``root``, ``block_*``,
macros) whose locals are mangled (``l_1_item``) next to Jinja2's helpers. At a
stop such a frame is shown as the template itself: its file and line (already
the template's, ``jinja_lines``), the template's name, and the variables the
template sees at that point as locals.
"""

from __future__ import annotations

from types import FrameType
from typing import Any

from dapper.core.frame_locals import write_local
from dapper.frameworks.template_frame import TemplateFrame, TemplateVariables


def _template_variables(frame: FrameType) -> dict[str, Any]:
    try:
        from jinja2.debug import get_template_locals
    except ImportError:
        pass
    else:
        return dict(get_template_locals(frame.f_locals))
    get_all = getattr(frame.f_locals.get("context"), "get_all", None)
    return dict(get_all()) if get_all is not None else {}


def _writer(frame: FrameType) -> Any:
    """Writes a changed variable into the template code's own local
    (``l_<depth>_<name>``, the deepest one), so rendering goes on with it."""

    def write(name: str, value: Any) -> None:
        depths = []
        for local in frame.f_locals:
            prefix, _, rest = local.partition("_")
            depth, _, bare = rest.partition("_")
            if prefix == "l" and bare == name and depth.isdigit():
                depths.append((int(depth), local))
        if depths:
            write_local(frame, max(depths)[1], value)

    return write


def _label(template: Any, function: str) -> str:
    name = getattr(template, "name", None) or "template"
    if function == "root":
        return name
    if function.startswith("block_"):
        return f"{name} block {function[len('block_') :]}"
    return f"{name} {function}"


def present_jinja_frame(frame: Any) -> list[Any] | None:
    """A Jinja2 template code frame as its ``TemplateFrame``; None for other frames."""
    f_globals = getattr(frame, "f_globals", None)
    if not isinstance(frame, FrameType) or not f_globals:
        return None
    template = f_globals.get("__jinja_template__")
    if template is None:
        return None
    code = frame.f_code
    return [
        TemplateFrame(
            code.co_filename,
            frame.f_lineno or code.co_firstlineno,
            _label(template, code.co_name),
            TemplateVariables(_template_variables(frame), _writer(frame)),
            frame.f_back,
        )
    ]
