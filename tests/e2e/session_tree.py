"""A test client that serves ``startDebugging`` the way a generic DAP client
does: for each request it starts a new ``python -m dapper.adapter``, sends the
``attach`` configuration it was given, the same breakpoints and filters as the
parent session, and ``configurationDone``."""

from __future__ import annotations

import threading
import time
from typing import Any

from tests.e2e.dap_client import TIMEOUT, DapClient, DapError


class SessionTree:
    """The root session plus one client per child session, in start order."""

    def __init__(self, *, serve_children: bool = True, **configuration: Any) -> None:
        #: breakpoints / function_breakpoints / exception_filters for every session
        self.configuration = configuration
        self.root = DapClient(on_request=self._on_request)
        self.children: list[DapClient] = []
        self.configurations: list[dict[str, Any]] = []
        self.errors: list[str] = []
        self._serve_children = serve_children
        self._changed = threading.Condition()

    def launch(self, **arguments: Any) -> dict[str, Any]:
        initialize = {"supportsStartDebuggingRequest": True} if self._serve_children else {}
        return self.root.launch(initialize=initialize, **self.configuration, **arguments)

    def attach(self, **arguments: Any) -> dict[str, Any]:
        initialize = {"supportsStartDebuggingRequest": True} if self._serve_children else {}
        return self.root.start_session(
            "attach", arguments, initialize=initialize, **self.configuration
        )

    def _on_request(self, client: DapClient, request: dict[str, Any]) -> None:
        if request["command"] != "startDebugging":
            return
        client.respond(request)
        configuration = request["arguments"]["configuration"]
        child = DapClient(on_request=self._on_request)
        try:
            child.start_session(
                request["arguments"]["request"],
                configuration,
                initialize={"supportsStartDebuggingRequest": True},
                **self.configuration,
            )
        except (DapError, OSError) as exc:
            self.errors.append(f"{configuration.get('name')}: {exc}")
        # Visible to the test only once configured: one thread reads a client at a time.
        with self._changed:
            self.configurations.append(configuration)
            self.children.append(child)
            self._changed.notify_all()

    def wait_children(self, count: int, timeout: float = TIMEOUT) -> list[DapClient]:
        """Wait until ``count`` child sessions were started; all of them so far."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(self.children) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise DapError(
                        f"{len(self.children)} child sessions started, expected {count}; "
                        f"errors: {self.errors}; console: {self.root.output('console')}"
                    )
                self._changed.wait(remaining)
            return list(self.children)

    def all_clients(self) -> list[DapClient]:
        with self._changed:
            return [self.root, *self.children]

    def close(self) -> list[str]:
        """Close every session; schema violations seen in any of them."""
        invalid: list[str] = []
        for client in reversed(self.all_clients()):
            client.close()
            invalid += client.invalid
        return invalid
