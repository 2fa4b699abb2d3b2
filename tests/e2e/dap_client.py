"""A test DAP client: drives a real adapter process over stdio.

Every message it sees, in either direction, is validated against the DAP JSON
schema (tests/data/debugAdapterProtocol.json).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import jsonschema

from dapper.protocol.client import DapClient as Client
from dapper.protocol.client import DapError as ProtocolClientError
from dapper.protocol.client import close_adapter
from dapper.protocol.connection import Connection

SCHEMA_PATH = Path(__file__).resolve().parents[1] / "data" / "debugAdapterProtocol.json"
REPO_ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = float(os.environ.get("DAPPER_TEST_TIMEOUT", "30"))


@lru_cache(maxsize=1)
def _definitions() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))["definitions"]


@cache
def _validator(name: str) -> jsonschema.Draft7Validator:
    return jsonschema.Draft7Validator(
        {"$ref": f"#/definitions/{name}", "definitions": _definitions()}
    )


def schema_name(message: dict[str, Any]) -> str:
    """The schema definition a message must satisfy."""
    definitions = _definitions()
    kind = message.get("type")
    if kind == "request":
        name = message["command"][:1].upper() + message["command"][1:] + "Request"
        return name if name in definitions else "Request"
    if kind == "event":
        name = message["event"][:1].upper() + message["event"][1:] + "Event"
        return name if name in definitions else "Event"
    if kind == "response":
        if not message.get("success", True):
            return "ErrorResponse"
        name = message["command"][:1].upper() + message["command"][1:] + "Response"
        return name if name in definitions else "Response"
    return "ProtocolMessage"


def validate(message: dict[str, Any]) -> None:
    name = schema_name(message)
    errors = sorted(_validator(name).iter_errors(message), key=lambda e: e.path)
    if errors:
        raise AssertionError(
            f"message does not satisfy {name}: {errors[0].message}\n{json.dumps(message)[:2000]}"
        )


def adapter_env() -> dict[str, str]:
    """The environment the test adapter (and so a launched program) starts with."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    return env


_SESSION_OPTIONS = (
    "breakpoints",
    "function_breakpoints",
    "exception_filters",
    "exception_options",
    "initialize",
)


class DapError(AssertionError):
    pass


class DapClient:
    """One adapter process and the messages exchanged with it.

    The DAP work (reader thread, numbering, waiting) is
    ``dapper.protocol.client.DapClient``'s; this layer validates every message
    against the schema, keeps the whole conversation (``messages``) and adds
    the adapter's stderr to failures.
    """

    def __init__(
        self,
        *,
        extra_args: list[str] | None = None,
        env: dict[str, str] | None = None,
        command: list[str] | None = None,
        on_request: Any = None,
        cwd: str | None = None,
        validate_messages: bool = True,
    ) -> None:
        """``command`` replaces ``python -m dapper.adapter`` (``extra_args`` follow it).
        ``validate_messages=False`` skips the schema check of what the adapter sends
        (long fuzz runs, whose echoes of hostile input need not satisfy it)."""
        self.validate_messages = validate_messages
        full_env = adapter_env()
        full_env.update(env or {})
        self.process = subprocess.Popen(
            [*(command or [sys.executable, "-m", "dapper.adapter"]), *(extra_args or [])],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=full_env,
            cwd=cwd or str(REPO_ROOT),
        )
        self.messages: list[dict[str, Any]] = []
        self.invalid: list[str] = []
        self.stderr_lines: list[str] = []
        #: called as on_request(client, request) for requests from the adapter
        self.on_request = on_request
        threading.Thread(target=self._read_stderr, daemon=True).start()
        self.client = Client(
            Connection(self.process.stdout, self.process.stdin, name="tests", trace=self._seen),
            on_bad_message=lambda exc: self.invalid.append(
                f"unreadable message from adapter: {exc}"
            ),
            on_request=self._reverse,
            name="dap-tests-reader",
        )

    # ------------------------------------------------------------ wire

    def _seen(self, direction: str, message: dict[str, Any]) -> None:
        """Every message read from the adapter, in order, before anyone waits on it."""
        if direction != "<-":
            return
        if not self.validate_messages:
            self.messages.append(message)
            return
        try:
            validate(message)
        except AssertionError as exc:
            self.invalid.append(str(exc))
        self.messages.append(message)

    def _reverse(self, request: dict[str, Any]) -> bool:
        """A reverse request: handed to ``on_request`` on its own thread, if set."""
        if self.on_request is None:
            return False
        threading.Thread(target=self.on_request, args=(self, request), daemon=True).start()
        return True

    def _read_stderr(self) -> None:
        for line in self.process.stderr:
            self.stderr_lines.append(line.decode("utf-8", "replace"))

    def send_raw(self, data: bytes) -> None:
        self.process.stdin.write(data)
        self.process.stdin.flush()

    def send(self, message: dict[str, Any], *, check: bool = True) -> int:
        """Send one message; ``check=False`` lets a test send schema-breaking input."""
        if check and message.get("type") == "request":
            validate({"seq": 1, **message})  # the real seq is assigned on sending
        return self.client.send(dict(message))

    def respond(self, request: dict[str, Any], body: dict[str, Any] | None = None) -> None:
        """Answer a request from the adapter (a reverse request) with success."""
        message: dict[str, Any] = {
            "type": "response",
            "request_seq": request["seq"],
            "success": True,
            "command": request["command"],
        }
        if body is not None:
            message["body"] = body
        self.send(message)

    def send_request(
        self, command: str, arguments: dict[str, Any] | None = None, *, check: bool = True
    ) -> int:
        message: dict[str, Any] = {"type": "request", "command": command}
        if arguments is not None:
            message["arguments"] = arguments
        return self.send(message, check=check)

    # ------------------------------------------------------------ waiting

    def _failure(self, exc: ProtocolClientError) -> DapError:
        return DapError(f"{exc}; stderr: {''.join(self.stderr_lines)[-3000:]}")

    def wait_for(
        self, predicate, timeout: float = TIMEOUT, what: str = "message"
    ) -> dict[str, Any]:
        """The first message (seen before or arriving) matching ``predicate``; consumes it."""
        try:
            return self.client.take(predicate, timeout, what)
        except ProtocolClientError as exc:
            raise self._failure(exc) from None

    def wait_event(self, name: str, timeout: float = TIMEOUT, **match: Any) -> dict[str, Any]:
        try:
            return self.client.event(name, timeout, **match)
        except ProtocolClientError as exc:
            raise self._failure(exc) from None

    def wait_response(self, seq: int, timeout: float = TIMEOUT) -> dict[str, Any]:
        try:
            return self.client.response(seq, timeout)
        except ProtocolClientError as exc:
            raise self._failure(exc) from None

    def request(
        self,
        command: str,
        arguments: dict[str, Any] | None = None,
        *,
        ok: bool = True,
        timeout: float = TIMEOUT,
        check: bool = True,
    ) -> dict[str, Any]:
        response = self.wait_response(self.send_request(command, arguments, check=check), timeout)
        if ok and not response["success"]:
            raise DapError(f"{command} failed: {response.get('message')}")
        return response

    def discard_pending(self, event: str) -> None:
        """Forget ``event`` events that arrived before the last awaited response
        and were not consumed (e.g. stops reported before a resume request)."""
        self.client.discard_older(lambda m: m.get("type") == "event" and m.get("event") == event)

    def events(self, name: str) -> list[dict[str, Any]]:
        return [m for m in self.messages if m.get("type") == "event" and m.get("event") == name]

    def output(self, category: str | None = None) -> str:
        return "".join(
            e["body"]["output"]
            for e in self.events("output")
            if category is None or e["body"].get("category") == category
        )

    # ------------------------------------------------------------ sessions

    def initialize(self, **extra: Any) -> dict[str, Any]:
        return self.request(
            "initialize",
            {
                "clientID": "dapper-tests",
                "adapterID": "dapper",
                "linesStartAt1": True,
                "columnsStartAt1": True,
                "pathFormat": "path",
                **extra,
            },
        )

    def launch(self, **arguments: Any) -> dict[str, Any]:
        """``launch`` in the VS Code start-up order; ``breakpoints``,
        ``function_breakpoints``, ``exception_filters``, ``exception_options`` and
        ``initialize`` configure the session, the rest are launch arguments."""
        options = {key: arguments.pop(key) for key in _SESSION_OPTIONS if key in arguments}
        return self.start_session("launch", arguments, **options)

    def start_session(
        self,
        command: str,
        arguments: dict[str, Any],
        *,
        breakpoints: dict[str, list[dict[str, Any]]] | None = None,
        function_breakpoints: list[dict[str, Any]] | None = None,
        exception_filters: list[str] | None = None,
        exception_options: list[dict[str, Any]] | None = None,
        initialize: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """``launch`` or ``attach`` in the VS Code start-up order: initialize,
        the request (not awaited), initialized, configuration, configurationDone,
        then the request's response."""
        self.initialize(**(initialize or {}))
        launch_seq = self.send_request(command, arguments)
        self.wait_for(
            lambda m: (
                (m.get("type") == "event" and m.get("event") == "initialized")
                or (
                    m.get("type") == "response"
                    and m.get("request_seq") == launch_seq
                    and not m["success"]
                )
            ),
            what="initialized",
        )
        failed = [
            m
            for m in self.messages
            if m.get("type") == "response"
            and m.get("request_seq") == launch_seq
            and not m["success"]
        ]
        if failed:
            raise DapError(f"{command} failed: {failed[0].get('message')}")
        self.configure(breakpoints, function_breakpoints, exception_filters, exception_options)
        response = self.wait_response(launch_seq)
        if not response["success"]:
            raise DapError(f"{command} failed: {response.get('message')}")
        return response

    def configure(
        self,
        breakpoints=None,
        function_breakpoints=None,
        exception_filters=None,
        exception_options=None,
    ) -> None:
        for path, specs in (breakpoints or {}).items():
            self.request("setBreakpoints", {"source": {"path": str(path)}, "breakpoints": specs})
        if function_breakpoints is not None:
            self.request("setFunctionBreakpoints", {"breakpoints": function_breakpoints})
        args: dict[str, Any] = {
            "filters": exception_filters if exception_filters is not None else ["uncaught"]
        }
        if exception_options:
            args["filterOptions"] = exception_options
        self.request("setExceptionBreakpoints", args)
        self.request("configurationDone")

    def wait_stopped(self, reason: str | None = None, timeout: float = TIMEOUT) -> dict[str, Any]:
        event = self.wait_event("stopped", timeout)
        if reason is not None and event["body"]["reason"] != reason:
            raise DapError(
                f"stopped for {event['body']['reason']!r}, expected {reason!r}: {event['body']}"
            )
        return event

    def top_frame(self, thread_id: int) -> dict[str, Any]:
        return self.request("stackTrace", {"threadId": thread_id, "levels": 1})["body"][
            "stackFrames"
        ][0]

    def wait_exit(self, timeout: float = TIMEOUT) -> int:
        exited = self.wait_event("exited", timeout)
        self.wait_event("terminated", timeout)
        return exited["body"]["exitCode"]

    def close(self) -> None:
        close_adapter(self.process)
