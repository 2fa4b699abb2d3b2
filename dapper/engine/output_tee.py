"""``redirectOutput`` with a terminal console: the program's prints go to its
terminal as usual and, as ``output`` events, to the client's debug console.

Only writes through ``sys.stdout``/``sys.stderr`` are seen (as with debugpy);
output written to the file descriptors directly reaches the terminal only.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any, TextIO

Send = Callable[[str, dict], bool]


class _Tee:
    """Stands in for one standard stream; everything else goes to the original."""

    def __init__(self, original: TextIO, category: str, send: Send) -> None:
        self._original = original
        self._category = category
        self._send = send

    def write(self, text: str) -> int:
        written = self._original.write(text)
        if text:
            self._send("output", {"category": self._category, "output": text})
        return written

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._original, name)


def tee_standard_streams(send: Send) -> None:
    """Copy what the program prints to the client (idempotent)."""
    for name, category in (("stdout", "stdout"), ("stderr", "stderr")):
        stream = getattr(sys, name)
        if stream is not None and not isinstance(stream, _Tee):
            setattr(sys, name, _Tee(stream, category, send))
