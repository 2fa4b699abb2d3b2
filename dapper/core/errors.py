"""Core's own errors. The engine turns them into DAP error responses
(``dapper/engine/errors.py``); core never sees an error code."""

from __future__ import annotations


class DebuggerError(Exception):
    """A request core cannot serve; the message is for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotStoppedError(DebuggerError):
    """The request needs a stopped thread and this one runs (or is gone)."""


class EvaluationTimeoutError(DebuggerError):
    """User code run for a request did not finish in time."""
