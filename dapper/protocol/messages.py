"""Constructors for DAP requests, responses, events and error responses."""

from __future__ import annotations

from typing import Any

# Ids for body.error of error responses (DAP `Message.id`).
ERR_BAD_REQUEST = 1000
ERR_UNKNOWN_COMMAND = 1001
ERR_LAUNCH_FAILED = 1002
ERR_NOT_STOPPED = 1003
ERR_INTERNAL = 1004
ERR_TIMEOUT = 1005
ERR_ACCESS_DENIED = 1006

#: Private ``disconnect`` argument from the adapter to the engine: the adapter
#: stops reading the program's output pipes, so the engine points them elsewhere.
RELEASE_OUTPUT = "dapperReleaseOutput"
#: Internal attach argument (adapter -> engine of a program that called
#: ``dapper.listen``/``connect``): where that program's Python children report.
CHILD_LINK = "dapperChildLink"
#: Private key of the engine's ``launch`` response: the debuggee's pid, which the
#: adapter reports in the ``process`` event (it cannot see a terminal's child).
DEBUGGEE_PID = "dapperDebuggeePid"


class RequestError(Exception):
    """Raised by a request handler; becomes a DAP error response."""

    def __init__(self, message: str, *, error_id: int = ERR_BAD_REQUEST, show_user: bool = True):
        super().__init__(message)
        self.message = message
        self.error_id = error_id
        self.show_user = show_user


def request(command: str, arguments: dict[str, Any] | None = None) -> dict[str, Any]:
    msg: dict[str, Any] = {"type": "request", "command": command}
    if arguments is not None:
        msg["arguments"] = arguments
    return msg


def event(name: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    msg: dict[str, Any] = {"type": "event", "event": name}
    if body is not None:
        msg["body"] = body
    return msg


def response(req: dict[str, Any], body: dict[str, Any] | None = None) -> dict[str, Any]:
    msg: dict[str, Any] = {
        "type": "response",
        "request_seq": req.get("seq", 0) if isinstance(req.get("seq"), int) else 0,
        "success": True,
        "command": str(req.get("command", "")),
    }
    if body is not None:
        msg["body"] = body
    return msg


def error_response(
    req: dict[str, Any],
    message: str,
    *,
    error_id: int = ERR_BAD_REQUEST,
    show_user: bool = True,
) -> dict[str, Any]:
    """A failed response with a readable ``message`` and a DAP ``body.error``."""
    msg = response(req)
    msg["success"] = False
    msg["message"] = message
    msg["body"] = {"error": {"id": error_id, "format": message, "showUser": show_user}}
    return msg
