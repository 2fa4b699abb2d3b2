"""How things look: ANSI colours when stdout is a terminal (and ``NO_COLOR``
is unset), plain text otherwise, and pdb's layout for locations and stacks."""

from __future__ import annotations

import os
from typing import Any, TextIO

_CODES = {
    "location": "1;36",
    "current": "1;33",
    "error": "1;31",
    "dim": "2",
    "ok": "32",
    "prompt": "1;34",
    "name": "1",
}


class Palette:
    """``palette.paint("error", text)`` returns coloured or plain text."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    @classmethod
    def for_stream(cls, stream: TextIO) -> Palette:
        forced = os.environ.get("FORCE_COLOR")
        if os.environ.get("NO_COLOR"):
            return cls(False)
        isatty = getattr(stream, "isatty", None)
        return cls(bool(forced) or bool(isatty and isatty()))

    def paint(self, style: str, text: str) -> str:
        if not self.enabled or not text:
            return text
        return f"\x1b[{_CODES[style]}m{text}\x1b[0m"

    def prompt(self, text: str) -> str:
        # readline must not count escape sequences as visible characters.
        if not self.enabled:
            return text
        return f"\x01\x1b[{_CODES['prompt']}m\x02{text}\x01\x1b[0m\x02"


def frame_path(frame: dict[str, Any]) -> str:
    source = frame.get("source") or {}
    return source.get("path") or source.get("name") or "<unknown>"


def location_line(frame: dict[str, Any], palette: Palette, marker: str = ">") -> str:
    """pdb's ``> /path/file.py(7)fib()`` header for a frame."""
    text = f"{frame_path(frame)}({frame.get('line')}){frame.get('name')}()"
    return f"{marker} {palette.paint('location', text)}" if marker.strip() else f"  {text}"


def source_line(text: str | None, palette: Palette) -> str:
    """pdb's ``-> code`` line under a location."""
    return (
        f"-> {palette.paint('current', text.strip())}"
        if text is not None
        else "-> <source not available>"
    )


def listing_line(
    number: int, text: str, *, current: bool, breakpoint: str, palette: Palette
) -> str:
    """One line of ``list``: number, breakpoint mark (B or b), ``->`` for the current line."""
    arrow = "->" if current else "  "
    body = f"{number:4d} {breakpoint or ' '}{arrow} {text.rstrip()}"
    return palette.paint("current", body) if current else body


def error_line(text: str, palette: Palette) -> str:
    return palette.paint("error", f"*** {text}")
