"""Dapper's own warnings, inside the debuggee, go to the client's debug console.

Without this they would reach the program's stderr (Python's last-resort
handler) and look like the program's output. With no client connected they
still go to the real stderr, so nothing is lost.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

Emit = Callable[[str, dict], bool]


class ConsoleLogHandler(logging.Handler):
    """Sends each record as an ``output`` event (category ``console``)."""

    def __init__(self, emit: Emit) -> None:
        super().__init__(logging.WARNING)
        self._emit = emit
        self.setFormatter(logging.Formatter("%(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = self.format(record)
        except Exception:  # noqa: BLE001 - a bad log call must not disturb the program
            self.handleError(record)
            return
        line = text if text.startswith("Dapper") else f"Dapper: {text}"
        if not self._emit("output", {"category": "console", "output": line + "\n"}):
            stream = sys.__stderr__
            if stream is not None:
                stream.write(line + "\n")
                stream.flush()


def route_to_client(emit: Emit, logger_name: str = "dapper") -> ConsoleLogHandler:
    """Install the handler on Dapper's logger tree (inside the debuggee only)."""
    handler = ConsoleLogHandler(emit)
    logger = logging.getLogger(logger_name)
    logger.addHandler(handler)
    logger.propagate = False
    return handler
