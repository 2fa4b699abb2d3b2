"""Django template lines reported while they render, only while template
breakpoints exist.

Django interprets templates (no Python code per template line), so the one
place that sees a line render is ``render_annotated`` of each node. While some
template file has line breakpoints, ``Node.render_annotated`` and
``TextNode.render_annotated`` are wrapped: a node of such a file tells the
debugger its line; a new ``Template`` built from such a file verifies its
breakpoints. With no template breakpoint the originals are put back: rendering
costs nothing.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from typing import Any

from dapper.core.debugger import Debugger
from dapper.core.stack import visible_frames
from dapper.frameworks.django_frames import node_location, template_frame
from dapper.paths import canonical_path


class DjangoRenderHook:
    """Wraps Django's node rendering to stop at template breakpoints."""

    def __init__(self, debugger: Debugger) -> None:
        self.debugger = debugger
        self._base: Any = None
        self._originals: dict[tuple[type, str], Callable[..., Any]] = {}
        self._canonical: dict[str, str] = {}
        self._last = threading.local()

    @property
    def installed(self) -> bool:
        return bool(self._originals)

    def install(self, base: Any) -> None:
        """Wrap the rendering of ``django.template.base``'s nodes."""
        if self._originals:
            return
        self._base = base
        for cls in (base.Node, base.TextNode):
            original = cls.__dict__.get("render_annotated")
            if original is not None:
                self._originals[(cls, "render_annotated")] = original
                cls.render_annotated = self._wrap_render(original)
        init = base.Template.__dict__.get("__init__")
        if init is not None:
            self._originals[(base.Template, "__init__")] = init
            base.Template.__init__ = self._wrap_init(init)

    def uninstall(self) -> None:
        for (cls, name), original in self._originals.items():
            setattr(cls, name, original)
        self._originals.clear()

    def _canonical_of(self, filename: str) -> str:
        canonical = self._canonical.get(filename)
        if canonical is None:
            canonical = self._canonical[filename] = canonical_path(filename)
        return canonical

    def _wrap_render(self, original: Callable[..., Any]) -> Callable[..., Any]:
        state = self.debugger.state

        def render_annotated(node: Any, context: Any) -> Any:
            origin = getattr(node, "origin", None)
            filename = getattr(origin, "name", None)
            if filename is not None and state.line_breakpoints:
                canonical = self._canonical_of(filename)
                if canonical in state.line_breakpoints:
                    self._rendering(node, context, canonical)
            return original(node, context)

        render_annotated.__wrapped__ = original  # type: ignore[attr-defined]
        return render_annotated

    def _wrap_init(self, original: Callable[..., Any]) -> Callable[..., Any]:
        def __init__(template: Any, *args: Any, **kwargs: Any) -> None:
            original(template, *args, **kwargs)
            filename = getattr(getattr(template, "origin", None), "name", None)
            if isinstance(filename, str) and not filename.startswith("<"):
                self.debugger.file_loaded(self._canonical_of(filename))

        __init__.__wrapped__ = original  # type: ignore[attr-defined]
        return __init__

    def _rendering(self, node: Any, context: Any, canonical: str) -> None:
        location = node_location(node)
        if location is None:
            return
        start = line = location[1]
        breakpoints = self.debugger.state.line_breakpoints.get(canonical) or ()
        # A text node spans lines; it stops at the first breakpoint among them.
        text = getattr(node, "s", None) if type(node) is self._base.TextNode else None
        if isinstance(text, str) and "\n" in text:
            # a newline that ends the text starts the next node's line
            last_line = start + (text[:-1] if text.endswith("\n") else text).count("\n")
            hits = [bp for bp in breakpoints if start <= bp <= last_line]
            line = min(hits) if hits else start
        # Several nodes share a line: stop at the first one rendered on it. A
        # node that starts before the last one begins a new pass (a loop).
        last = getattr(self._last, "node", None)
        self._last.node = (canonical, line, start)
        if last is not None and last[:2] == (canonical, line) and start >= last[2]:
            return
        if line not in breakpoints:
            return
        frames = visible_frames(sys._getframe(1))
        caller = frames[0] if frames else sys._getframe(1)
        shown = template_frame(node, context, caller)
        if shown is None:
            return
        shown.f_lineno = line
        self.debugger.line_reached(caller, shown, canonical, line)
