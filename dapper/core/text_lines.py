"""Breakpoint lines of a file that is not Python source (a template).

Python files are checked against their compiled code (``source_lines``); a
template's lines are only known to run once its engine compiles or parses it,
so a breakpoint lands on the line asked for, if the file has it, and waits to
be verified when the template loads.
"""

from __future__ import annotations

import os

from dapper.core.source_lines import LineResolution, SourceUnavailableError


class TextLines:
    """Lines of one text file, answering "where does line N land?" like ``SourceLines``."""

    def __init__(self, filename: str) -> None:
        try:
            with open(filename, encoding="utf-8", errors="replace") as handle:
                self.line_count = sum(1 for _ in handle)
        except OSError as exc:
            raise SourceUnavailableError(f"Cannot read {filename}: {exc.strerror}") from exc
        self.filename = filename

    def resolve(self, line: int) -> LineResolution:
        if 1 <= line <= self.line_count:
            return LineResolution(line)
        name = os.path.basename(self.filename)
        return LineResolution(None, f"Line {line} is outside {name} ({self.line_count} lines).")


def is_text_file(path: str, suffixes: tuple[str, ...]) -> bool:
    """Whether ``path`` is taken as plain text lines (its suffix is one of ``suffixes``)."""
    return bool(suffixes) and path.lower().endswith(suffixes)
