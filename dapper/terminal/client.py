"""The wire side of ``dapper debug``: one adapter subprocess, requests that wait
for their response, and events handed to a callback as they arrive. The DAP
work is ``dapper.protocol.client.DapClient``'s; this adds the process and the
terminal's own error."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Callable
from typing import Any

from dapper.protocol import messages
from dapper.protocol.client import (
    ConnectionClosedError,
    DapClient,
    DapTimeoutError,
    RequestFailedError,
    body_of,
    close_adapter,
)
from dapper.protocol.connection import Connection

REQUEST_TIMEOUT = float(os.environ.get("DAPPER_DEBUG_TIMEOUT", "60"))
_DAPPER_PARENT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

EventHandler = Callable[[dict[str, Any]], None]
#: handles a ``startDebugging`` request: (client it came from, request)
RequestHandler = Callable[["AdapterClient", dict[str, Any]], None]
#: runs a ``runInTerminal`` request's program: (args, cwd, env) -> process id
TerminalRunner = Callable[[list[str], "str | None", dict[str, Any]], int]


class TerminalRequestError(Exception):
    """The adapter answered a request with ``success: false`` (or never answered).

    ``gone`` is true when the reason is that the debuggee or adapter has exited.
    """

    def __init__(self, message: str, *, gone: bool = False) -> None:
        super().__init__(message)
        self.gone = gone


class AdapterClient:
    """Runs ``python -m dapper.adapter`` in its own session (so the terminal's
    Ctrl-C reaches only us) and exchanges DAP messages with it."""

    def __init__(
        self,
        on_event: EventHandler,
        *,
        python: str = sys.executable,
        on_start_debugging: RequestHandler | None = None,
        run_in_terminal: TerminalRunner | None = None,
    ) -> None:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [_DAPPER_PARENT, env.get("PYTHONPATH")]))
        self.process = subprocess.Popen(
            [python, "-m", "dapper.adapter"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            start_new_session=True,
        )
        self._on_event = on_event
        self._on_start_debugging = on_start_debugging
        self._run_in_terminal = run_in_terminal
        assert self.process.stdout is not None and self.process.stdin is not None
        self.client = DapClient(
            Connection(self.process.stdout, self.process.stdin, name="adapter"),
            on_event=self._event,
            on_request=self._reverse,
            on_close=self._closed,
            name="dapper.debug.reader",
        )

    def _event(self, message: dict[str, Any]) -> bool:
        self._on_event(message)
        return True

    def _reverse(self, message: dict[str, Any]) -> bool:
        if message.get("command") == "startDebugging" and self._on_start_debugging:
            # Off the reader thread: starting a session waits on replies.
            threading.Thread(
                target=self._on_start_debugging,
                args=(self, message),
                name="dapper.debug.child",
                daemon=True,
            ).start()
            return True
        if message.get("command") == "runInTerminal" and self._run_in_terminal:
            arguments = message.get("arguments") or {}
            try:
                pid = self._run_in_terminal(
                    list(arguments.get("args") or []),
                    arguments.get("cwd"),
                    dict(arguments.get("env") or {}),
                )
            except OSError as exc:
                self.client.respond_error(message, f"cannot start the program: {exc}")
                return True
            self.respond(message, {"processId": pid})
            return True
        # Other reverse requests are not offered in initialize.
        self.client.respond_error(message, "not supported by dapper debug")
        return True

    def respond(self, request: dict[str, Any], body: dict[str, Any] | None = None) -> None:
        """Answer a reverse request with success."""
        self.client.send(messages.response(request, body))

    def _closed(self) -> None:
        self._on_event({"type": "event", "event": "adapterClosed"})

    @property
    def closed(self) -> bool:
        return self.client.closed

    def send(self, command: str, arguments: dict[str, Any] | None = None) -> int:
        """Send a request without waiting; ``wait`` on the returned seq later."""
        return self.client.send_request(command, arguments)

    def answered(self, seq: int) -> bool:
        """True when the answer to request ``seq`` has arrived (or never will)."""
        return self.client.closed or self.client.answered(seq)

    def wait(self, seq: int, command: str, timeout: float = REQUEST_TIMEOUT) -> dict[str, Any]:
        """The body of a successful response; ``TerminalRequestError`` otherwise."""
        try:
            return body_of(self.client.response(seq, timeout))
        except DapTimeoutError:
            raise TerminalRequestError(f"no answer to '{command}' within {timeout:.0f}s") from None
        except ConnectionClosedError:
            raise TerminalRequestError("the debug adapter has gone away", gone=True) from None
        except RequestFailedError as exc:
            text = exc.response.get("message")
            raise TerminalRequestError(
                text or f"'{command}' failed",
                gone=exc.error_id == messages.ERR_NOT_STOPPED and "exited" in str(text),
            ) from None

    def request(
        self,
        command: str,
        arguments: dict[str, Any] | None = None,
        timeout: float = REQUEST_TIMEOUT,
    ) -> dict[str, Any]:
        return self.wait(self.send(command, arguments), command, timeout)

    def close(self) -> None:
        """Close our end, then make sure the adapter is gone."""
        close_adapter(self.process)
