"""Every process of one ``dapper debug`` run: the launched program (process 1)
and each child the adapter announces with ``startDebugging``, which this
front end serves itself by starting an adapter for it and attaching."""

from __future__ import annotations

import os
import threading
import time
from typing import Any

from dapper.terminal.client import AdapterClient, TerminalRequestError
from dapper.terminal.console import Console
from dapper.terminal.driver import TerminalDriver
from dapper.terminal.program_tty import ProgramTerminal

#: seconds after which an unanswered Ctrl-C pause is asked again
PAUSE_AGAIN_AFTER = 2.0


class Processes:
    """Numbers the sessions, starts child sessions, and waits for a stop in any."""

    def __init__(
        self,
        console: Console,
        launch: dict[str, Any],
        program_terminal: ProgramTerminal | None = None,
    ) -> None:
        self.console = console
        self._lock = threading.Lock()
        self.root = TerminalDriver(
            console,
            launch,
            on_start_debugging=self._start_child,
            program_terminal=program_terminal,
        )
        if program_terminal is not None:
            program_terminal.on_ctrl_c = self.root.interrupt_requested.set
        self.root.peers = self.sessions
        self._numbers: dict[int, TerminalDriver] = {1: self.root}
        self._names: dict[int, str] = {1: _program_name(launch)}
        #: the last process number given (a child's is taken before it attaches,
        #: so the output its session relays first is labelled too)
        self._last_number = 1

    def sessions(self) -> list[TerminalDriver]:
        with self._lock:
            return list(self._numbers.values())

    def numbered(self) -> list[tuple[int, TerminalDriver]]:
        with self._lock:
            return sorted(self._numbers.items(), key=lambda item: item[0])

    def number_of(self, session: TerminalDriver) -> int:
        return next(n for n, s in self.numbered() if s is session)

    def get(self, number: int) -> TerminalDriver | None:
        with self._lock:
            return self._numbers.get(number)

    def describe(self, number: int) -> str:
        """``worker.py, pid 4242``."""
        session = self.get(number)
        pid = session.pid if session is not None and session.pid is not None else "?"
        return f"{self._names.get(number, '?')}, pid {pid}"

    # ------------------------------------------------------------ children

    def _start_child(self, client: AdapterClient, request: dict[str, Any]) -> None:
        """A ``startDebugging`` from any session: attach to the child it names."""
        arguments = request.get("arguments") or {}
        configuration = arguments.get("configuration") or {}
        client.respond(request)
        root = self.root
        child = TerminalDriver(
            self.console,
            configuration,
            command=arguments.get("request", "attach"),
            on_start_debugging=self._start_child,
        )
        child.breakpoints = root.breakpoints
        child.exception_filters = root.exception_filters
        child.wake = root.wake
        child.interrupt_requested = root.interrupt_requested
        child.peers = self.sessions
        name = str(configuration.get("name", "child")).rpartition(" (pid ")[0]
        pid = configuration.get("subProcessId")
        child.pid = pid if isinstance(pid, int) else None
        with self._lock:
            self._last_number += 1
            number = self._last_number
        child.output_label = f"[process {number}] "
        try:
            child.start()
        except TerminalRequestError as exc:
            self.console.error(f"cannot attach to {configuration.get('name', 'a child')}: {exc}")
            return
        # Listed once attached, so every listed process can be paused and inspected.
        with self._lock:
            self._numbers[number] = child
            self._names[number] = name or "child"
        child.label = f"process {number}"
        root.label = root.label or "process 1"
        self.console.say(f"[process {number}: {self.describe(number)}]")
        root.wake.set()

    # ------------------------------------------------------------ waiting

    def wait_for_stop(self, current: TerminalDriver) -> TerminalDriver | None:
        """Until some process is stopped (``current`` preferred), or None once
        every process has ended. Ctrl-C meanwhile pauses them all."""
        wake = self.root.wake
        try:
            return self._wait_for_stop(current, wake)
        finally:
            if self.root.program_terminal is not None:
                self.root.program_terminal.leave_raw()

    def _wait_for_stop(
        self, current: TerminalDriver, wake: threading.Event
    ) -> TerminalDriver | None:
        asked_at: float | None = None
        while True:
            wake.clear()
            live = []
            for session in self.sessions():
                session.drain_events()
                if not session.ended:
                    live.append(session)
            stopped = [s for s in live if s.stopped]
            if stopped:
                return current if current in stopped else stopped[0]
            if not live:
                return None
            again = asked_at is not None and time.monotonic() - asked_at > PAUSE_AGAIN_AFTER
            if self.root.interrupt_requested.is_set() or again:
                if not again:
                    self.console.write("\n")
                self.root.interrupt_requested.clear()
                # A pause the engine dropped (known race in eval_frame when it
                # lands just after a resume) is asked again until a stop comes.
                asked_at = time.monotonic()
                for session in live:
                    session.request_pause()
            self.root.idle(0.05)

    def quit(self) -> None:
        """End every child session, then the launched program."""
        for session in reversed(self.sessions()):
            session.quit()

    def restart(self, args: list[str] | None = None) -> TerminalDriver:
        """End every process of the run and start the program again (with
        ``args`` when given), keeping breakpoints, displays and exception
        filters, as pdb's ``restart`` / ``run`` does."""
        old = self.root
        if not old.launched:
            raise TerminalRequestError("restart needs a launched program, not one attached to")
        self.quit()
        terminal = old.program_terminal
        if terminal is not None:
            terminal.close()
        launch = dict(old.launch_arguments)
        if args is not None:
            launch["args"] = list(args)
        root = TerminalDriver(
            self.console, launch, on_start_debugging=self._start_child, program_terminal=terminal
        )
        root.breakpoints = old.breakpoints
        root.exception_filters = old.exception_filters
        root.displays = {key: dict.fromkeys(shown) for key, shown in old.displays.items()}
        root.peers = self.sessions
        if terminal is not None:
            terminal.on_ctrl_c = root.interrupt_requested.set
        with self._lock:
            self.root = root
            self._numbers = {1: root}
            self._last_number = 1
            self._names = {1: self._names.get(1, "program")}
        root.start()
        return root


def _program_name(launch: dict[str, Any]) -> str:
    if launch.get("module"):
        return str(launch["module"])
    return os.path.basename(str(launch.get("program", "program")))
