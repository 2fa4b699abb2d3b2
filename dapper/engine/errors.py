"""Core's errors as DAP error responses: the one place their codes are chosen."""

from __future__ import annotations

from dapper.core.errors import DebuggerError, EvaluationTimeoutError, NotStoppedError
from dapper.protocol.messages import ERR_BAD_REQUEST, ERR_NOT_STOPPED, ERR_TIMEOUT, RequestError


def request_error(exc: DebuggerError) -> RequestError:
    """The ``RequestError`` (message and DAP error id) for a core error."""
    if isinstance(exc, NotStoppedError):
        error_id = ERR_NOT_STOPPED
    elif isinstance(exc, EvaluationTimeoutError):
        error_id = ERR_TIMEOUT
    else:
        error_id = ERR_BAD_REQUEST
    return RequestError(exc.message, error_id=error_id)
