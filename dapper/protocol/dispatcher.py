"""Serving DAP requests on a connection: the one handler convention that the
adapter and the engine share.

A handler is a method marked ``@handles("command")``. It receives the request
and returns the response body (or None); raising ``RequestError`` sends an
error response instead, and any other exception an internal-error response,
so one bad request never ends a session. A handler that answers later (the
adapter relaying to the engine) returns ``LATER``. Work that must follow the
response (resuming the program after answering ``continue``) goes in a method
marked ``@after("command")``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Collection
from typing import Any, TypeVar

from dapper.protocol import messages
from dapper.protocol.connection import Connection
from dapper.protocol.framing import ProtocolError
from dapper.protocol.messages import RequestError

log = logging.getLogger("dapper.protocol")

Message = dict[str, Any]
Handler = Callable[[Message], Any]
F = TypeVar("F", bound=Callable[..., Any])

#: Returned by a handler whose response is sent later, by someone else.
LATER: Any = object()

_HANDLES = "__dap_handles__"
_AFTER = "__dap_after__"


def handles(command: str) -> Callable[[F], F]:
    """Mark a method as the handler of ``command``."""

    def mark(fn: F) -> F:
        setattr(fn, _HANDLES, command)
        return fn

    return mark


def after(command: str) -> Callable[[F], F]:
    """Mark a method to run once ``command``'s successful response is sent."""

    def mark(fn: F) -> F:
        setattr(fn, _AFTER, command)
        return fn

    return mark


def _marked(owner: object, attribute: str) -> dict[str, Handler]:
    found: dict[str, Handler] = {}
    for klass in reversed(type(owner).__mro__):
        for name, value in vars(klass).items():
            command = getattr(value, attribute, None)
            if isinstance(command, str):
                found[command] = getattr(owner, name)
    return found


class RequestDispatcher:
    """Reads requests from ``connection`` and answers each through its handler."""

    def __init__(
        self,
        owner: object,
        connection: Connection,
        *,
        label: str,
        fallback: Handler | None = None,
        on_response: Callable[[Message], None] | None = None,
        translate_error: Callable[[Exception], RequestError | None] | None = None,
        before: Callable[[Message], None] | None = None,
        threaded: Collection[str] = (),
    ) -> None:
        """``owner`` holds the marked handlers. ``label`` starts the console
        messages about bad input. ``fallback`` serves commands without a handler
        (default: an "unsupported request" error). ``on_response`` receives
        responses to requests sent the other way. ``translate_error`` turns a
        layer's own exceptions into ``RequestError``s. ``before`` runs ahead of
        every handler; raising there refuses the request. Commands in ``threaded``
        run on a thread of their own, so the connection is read meanwhile."""
        self.connection = connection
        self.label = label
        self.handlers = _marked(owner, _HANDLES)
        self.after = _marked(owner, _AFTER)
        self.fallback = fallback
        self.on_response = on_response
        self.translate_error = translate_error
        self.before = before
        self.threaded = frozenset(threaded)

    def send_event(self, name: str, body: dict[str, Any] | None = None) -> None:
        self.connection.send(messages.event(name, body))

    def _console(self, text: str) -> None:
        self.send_event("output", {"category": "console", "output": f"{self.label}: {text}\n"})

    def serve(self, done: Callable[[], bool] = lambda: False) -> None:
        """Handle messages until the peer goes away or ``done()`` is true."""
        while not done() and not self.connection.closed:
            try:
                message = self.connection.receive()
            except ProtocolError as exc:
                self._console(f"bad message: {exc}")
                continue
            if message is None:
                break
            if message.get("type") == "response" and self.on_response is not None:
                self.on_response(message)
                continue
            if (
                message.get("type") != "request"
                or not isinstance(message.get("command"), str)
                or not isinstance(message.get("seq"), int)
            ):
                self._console("ignored a message that is not a well-formed request")
                continue
            if message["command"] in self.threaded:
                threading.Thread(
                    target=self.dispatch,
                    args=(message,),
                    name=f"dapper.{message['command']}",
                    daemon=True,
                ).start()
            else:
                self.dispatch(message)

    def dispatch(self, request: Message) -> None:
        """Run one request's handler and send its response."""
        command = request["command"]
        handler = self.handlers.get(command, self.fallback)
        try:
            if self.before is not None:
                self.before(request)
            if handler is None:
                raise RequestError(
                    f"unsupported request '{command}'", error_id=messages.ERR_UNKNOWN_COMMAND
                )
            body = handler(request)
        except Exception as exc:  # noqa: BLE001 - one bad request must not end the session
            self.fail(request, exc)
            return
        if body is LATER:
            return
        self.connection.send(messages.response(request, body))
        finish = self.after.get(command)
        if finish is not None:
            try:
                finish(request)
            except Exception:
                log.exception("finishing request %s failed", command)

    def fail(self, request: Message, exc: Exception) -> None:
        """Answer ``request`` with the error ``exc`` stands for."""
        error = exc if isinstance(exc, RequestError) else None
        if error is None and self.translate_error is not None:
            error = self.translate_error(exc)
        if error is None:
            command = request.get("command")
            log.error("request %s failed", command, exc_info=exc)
            error = RequestError(
                f"internal error in '{command}': {type(exc).__name__}: {exc}",
                error_id=messages.ERR_INTERNAL,
            )
        self.connection.send(
            messages.error_response(request, error.message, error_id=error.error_id)
        )
