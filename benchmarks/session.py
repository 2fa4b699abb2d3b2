"""Running one program under one debugger through a real DAP session.

The handshake is the one editors use: initialize → launch (answered later) →
``initialized`` → breakpoints → ``configurationDone`` → launch response →
``terminated``. Times are taken from the adapter's spawn.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from benchmarks.debuggers import Debugger, debuggee_env
from benchmarks.workloads import DONE_MARKER, RESULT_ENV
from dapper.protocol.client import DEFAULT_TIMEOUT, DapClient, DapError, body_of, close_adapter
from dapper.protocol.connection import Connection

__all__ = ["Breakpoint", "DapError", "DebugSession", "Plan", "run_debugged"]

#: Longest a single benchmark program may run under a debugger.
RUN_TIMEOUT = 300.0


@dataclass(frozen=True)
class Breakpoint:
    path: str
    line: int
    condition: str | None = None
    hit_condition: str | None = None
    log_message: str | None = None

    def to_dap(self) -> dict[str, Any]:
        """The DAP ``SourceBreakpoint``."""
        spec: dict[str, Any] = {"line": self.line}
        for key, value in (
            ("condition", self.condition),
            ("hitCondition", self.hit_condition),
            ("logMessage", self.log_message),
        ):
            if value:
                spec[key] = value
        return spec


@dataclass
class Plan:
    """What to run and which breakpoints / exception filters to set."""

    program: str
    args: list[str] = field(default_factory=list)
    breakpoints: list[Breakpoint] = field(default_factory=list)
    raised: bool = False
    env: dict[str, str] = field(default_factory=dict)
    #: more launch arguments (Dapper only: ``django``/``jinja`` false)
    launch: dict[str, Any] = field(default_factory=dict)


@dataclass
class Outcome:
    """What one run reported: the debuggee's own timing plus session times."""

    result: dict[str, Any]
    configured: float | None = None  # spawn → configurationDone answered
    finished: float | None = None  # spawn → terminated (not taken for debugged overhead runs)
    stops: int = 0


class DebugSession:
    """One adapter process and the client talking to it."""

    def __init__(
        self,
        debugger: Debugger,
        plan: Plan,
        *,
        auto_continue: bool = False,
        on_request: Callable[[dict[str, Any]], bool] | None = None,
        keep_stdout: bool = False,
    ) -> None:
        """``keep_stdout``: collect the program's stdout in ``stdout``."""
        self.debugger = debugger
        self.keep_stdout = keep_stdout
        self.stdout: list[str] = []
        self.plan = plan
        self.stops = 0
        self.started = time.perf_counter()
        self.process = subprocess.Popen(
            debugger.adapter_argv(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=debuggee_env({}),
            cwd=os.path.dirname(plan.program),
        )
        self.reported = threading.Event()
        self.ended = threading.Event()
        self._stderr_tail = ""
        #: event name -> hook run on the reader thread; True: consumed, not queued
        self._hooks: dict[str, Callable[[dict[str, Any]], bool]] = {
            "output": self._watch_output,
            "terminated": self._watch_end,
        }
        if auto_continue:
            self._hooks["stopped"] = self._continue
        self.client = DapClient(
            Connection(self.process.stdout, self.process.stdin, name="bench"),
            on_event=self._on_event,
            on_request=on_request,
            name="bench-dap-reader",
        )
        self._launch_seq: int | None = None

    def _on_event(self, event: dict[str, Any]) -> bool:
        hook = self._hooks.get(event.get("event", ""))
        return hook is not None and hook(event)

    def _continue(self, event: dict[str, Any]) -> bool:
        self.stops += 1
        thread = event.get("body", {}).get("threadId")
        self.client.send_request("continue", {"threadId": thread})
        return True

    def _watch_output(self, event: dict[str, Any]) -> bool:
        body = event.get("body", {})
        text = body.get("output", "")
        if DONE_MARKER in text:
            self.reported.set()
        if body.get("category") == "stderr":
            self._stderr_tail = (self._stderr_tail + text)[-800:]
        elif self.keep_stdout and body.get("category") == "stdout":
            self.stdout.append(text)
        return True  # nobody reads program output; do not queue it

    def _watch_end(self, event: dict[str, Any]) -> bool:
        self.ended.set()
        return False  # still queued for wait_terminated

    def wait_reported(self, timeout: float = RUN_TIMEOUT) -> None:
        """Wait until the program has written its result; fail at once (not
        after ``timeout``) when the program or the adapter ends without one."""
        deadline = time.monotonic() + timeout
        while not self.reported.wait(0.2):
            if self.ended.is_set() or self.process.poll() is not None:
                if self.reported.wait(2.0):  # output may trail the end by a moment
                    return
                tail = self._stderr_tail.strip()
                raise DapError(
                    f"{self.debugger.name}: the program ended without reporting a result"
                    + (f"; its stderr ended with:\n{tail}" if tail else "")
                )
            if time.monotonic() > deadline:
                raise DapError(f"{self.debugger.name}: no result after {timeout:.0f} s")

    def configure(self, *, serve_children: bool = False) -> float:
        """Handshake up to ``configurationDone``; returns seconds since spawn.
        ``serve_children``: the client answers ``startDebugging``."""
        client = self.client
        client.request(
            "initialize",
            {
                "clientID": "dapper-bench",
                "adapterID": "python",
                "linesStartAt1": True,
                "columnsStartAt1": True,
                "pathFormat": "path",
                "supportsStartDebuggingRequest": serve_children,
            },
        )
        self._launch_seq = client.send_request(
            "launch",
            {
                "name": "bench",
                "type": "python",
                "request": "launch",
                "program": self.plan.program,
                "args": list(self.plan.args),
                "cwd": os.path.dirname(self.plan.program),
                "env": debuggee_env(self.plan.env),
                "console": "internalConsole",
                "justMyCode": True,
                "stopOnEntry": False,
                **self.debugger.launch_extras(),
                **(self.plan.launch if self.debugger.name.startswith("dapper") else {}),
            },
        )
        launch_seq = self._launch_seq
        first = client.take(
            lambda m: (
                (m.get("type") == "event" and m.get("event") == "initialized")
                or (m.get("type") == "response" and m.get("request_seq") == launch_seq)
            ),
            DEFAULT_TIMEOUT,
            "the 'initialized' event or the launch response",
        )
        if first.get("type") == "response":
            # debugpy's noDebug has no configuration phase: no 'initialized', the
            # launch is answered and the program already runs.
            body_of(first)
            return time.perf_counter() - self.started
        by_file: dict[str, list[Breakpoint]] = {}
        for bp in self.plan.breakpoints:
            by_file.setdefault(bp.path, []).append(bp)
        for path, bps in by_file.items():
            client.request(
                "setBreakpoints",
                {
                    "source": {"path": path},
                    "breakpoints": [bp.to_dap() for bp in bps],
                },
            )
        client.request(
            "setExceptionBreakpoints", self.debugger.exception_arguments(self.plan.raised)
        )
        client.request("configurationDone")
        configured = time.perf_counter() - self.started
        body_of(client.response(self._launch_seq))
        return configured

    def wait_terminated(self, timeout: float = RUN_TIMEOUT) -> float:
        """Wait for the program to end; returns seconds since spawn."""
        self.client.event("terminated", timeout)
        return time.perf_counter() - self.started

    def close(self) -> None:
        """Disconnect and make sure the adapter (and so the debuggee) is gone."""
        try:
            if self.process.poll() is None:
                try:
                    seq = self.client.send_request("disconnect", {"terminateDebuggee": True})
                    self.client.response(seq, timeout=5)
                except (DapError, OSError):
                    pass
        finally:
            close_adapter(self.process)
            self.client.close()

    def __enter__(self) -> DebugSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _result_file() -> str:
    handle, path = tempfile.mkstemp(prefix="dapper-bench-", suffix=".json")
    os.close(handle)
    os.unlink(path)
    return path


def _read_result(path: str, what: str) -> dict[str, Any]:
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, ValueError):
        raise DapError(f"{what} did not report a result") from None
    finally:
        try:
            os.unlink(path)
        except OSError:
            pass


def run_plain(plan: Plan) -> Outcome:
    """Run the program with no debugger at all."""
    path = _result_file()
    started = time.perf_counter()
    completed = subprocess.run(
        [sys.executable, plan.program, *plan.args],
        env=debuggee_env({**plan.env, RESULT_ENV: path}),
        cwd=os.path.dirname(plan.program),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        timeout=RUN_TIMEOUT,
    )
    finished = time.perf_counter() - started
    if completed.returncode != 0:
        raise DapError(
            f"plain run of {plan.program} failed: {completed.stderr.decode(errors='replace')[-500:]}"
        )
    return Outcome(_read_result(path, "plain run"), finished=finished)


def run_plain_untimed(plan: Plan) -> Outcome:
    """Run a program that reports nothing with no debugger; only wall time."""
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, plan.program, *plan.args],
        env=debuggee_env(plan.env),
        cwd=os.path.dirname(plan.program),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        timeout=RUN_TIMEOUT,
        check=True,
    )
    return Outcome({}, finished=time.perf_counter() - started)


def run_debugged(debugger: Debugger, plan: Plan) -> Outcome:
    """Run the program under ``debugger`` to the end, continuing any stop."""
    path = _result_file()
    plan = Plan(
        plan.program, plan.args, plan.breakpoints, plan.raised, {**plan.env, RESULT_ENV: path}
    )
    with DebugSession(debugger, plan, auto_continue=True) as session:
        configured = session.configure()
        session.wait_reported()
        stops = session.stops
    return Outcome(_read_result(path, debugger.name), configured, None, stops)


def run(debugger: Debugger, plan: Plan) -> Outcome:
    return run_plain(plan) if debugger.is_plain else run_debugged(debugger, plan)
