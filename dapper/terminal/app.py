"""``dapper debug [--backend NAME] [-c COMMAND]... (FILE | -m MODULE | --pid PID) [ARGS...]``:
argument parsing and the prompt loop."""

from __future__ import annotations

import os
import signal
import sys
import threading
from dataclasses import dataclass, field
from typing import Any

from dapper.terminal.client import TerminalRequestError
from dapper.terminal.commands import RESUMING, Commands, QuitRequested
from dapper.terminal.console import Console
from dapper.terminal.driver import TerminalDriver
from dapper.terminal.parser import parse_command
from dapper.terminal.processes import Processes

PROMPT = "(dapper) "
USAGE = (
    "usage: dapper debug [--backend NAME] [-c COMMAND]... (FILE | -m MODULE | --pid PID) [ARGS...]"
)
BACKENDS: dict[str, dict[str, Any]] = {
    "auto": {"backend": "auto"},
    "eval_frame": {"backend": "eval_frame", "fallback_to_tracing": False},
    "tracing": {"backend": "tracing"},
    "settrace": {"backend": "tracing", "tracing_backend": "settrace", "fallback_to_tracing": False},
    "sys.monitoring": {
        "backend": "tracing",
        "tracing_backend": "sys.monitoring",
        "fallback_to_tracing": False,
    },
}
HELP = f"""{USAGE}

Debug a Python program in the terminal with pdb's commands (type 'help' at the
prompt). The program stops before its first line.

  --backend NAME   how debugger events are delivered: {", ".join(BACKENDS)}
  -c COMMAND       run COMMAND first, as if typed at the prompt (repeatable)
  -m MODULE        debug a module, as python -m does
  --pid PID        attach to a running Python program (CPython 3.14+); it stops
                   where it is, and quitting detaches and lets it run on
"""


class UsageError(Exception):
    pass


@dataclass
class Options:
    backend: str = "auto"
    commands: list[str] = field(default_factory=list)
    program: str | None = None
    module: str | None = None
    pid: int | None = None
    args: list[str] = field(default_factory=list)


def parse_arguments(argv: list[str]) -> Options:
    """pdb-style: options, then FILE or ``-m MODULE``; everything after belongs to the program."""
    options = Options()
    index = 0

    def value(flag: str) -> str:
        nonlocal index
        if index + 1 >= len(argv):
            raise UsageError(f"{flag} needs a value")
        index += 1
        return argv[index]

    while index < len(argv):
        arg = argv[index]
        if arg in ("-h", "--help"):
            raise UsageError("")
        if arg == "--backend" or arg.startswith("--backend="):
            options.backend = arg.partition("=")[2] if "=" in arg else value(arg)
            if options.backend not in BACKENDS:
                raise UsageError(
                    f"unknown backend {options.backend!r}; choose one of {', '.join(BACKENDS)}"
                )
        elif arg in ("-c", "--command"):
            options.commands.append(value(arg))
        elif arg == "-m":
            options.module = value(arg)
            options.args = argv[index + 1 :]
            return options
        elif arg == "--pid":
            text = value(arg)
            if not text.isdigit() or int(text) <= 0:
                raise UsageError(f"--pid needs a process id, got {text!r}")
            if index + 1 < len(argv):
                raise UsageError("--pid takes no program or arguments")
            options.pid = int(text)
            return options
        elif arg == "--":
            index += 1
            break
        elif arg.startswith("-") and arg != "-":
            raise UsageError(f"unknown option {arg!r}")
        else:
            break
        index += 1
    if index >= len(argv):
        raise UsageError("name a FILE or -m MODULE to debug")
    options.program = argv[index]
    options.args = argv[index + 1 :]
    if not os.path.isfile(options.program):
        raise UsageError(f"no such file: {options.program}")
    return options


def launch_arguments(options: Options) -> dict[str, Any]:
    """The ``launch`` arguments, or the ``attach`` ones (``processId``) for --pid."""
    if options.pid is not None:
        return {"processId": options.pid}
    arguments: dict[str, Any] = {
        "args": options.args,
        "cwd": os.getcwd(),
        "stopOnEntry": True,
        "frameEval": dict(BACKENDS[options.backend]),
    }
    if options.module:
        arguments["module"] = options.module
    else:
        arguments["program"] = os.path.abspath(options.program or "")
    return arguments


def main(argv: list[str] | None = None) -> int:
    """Run one debugging session; returns the program's exit code."""
    try:
        options = parse_arguments(sys.argv[1:] if argv is None else argv)
    except UsageError as exc:
        if str(exc):
            print(f"dapper debug: {exc}\n{USAGE}", file=sys.stderr)
            return 2
        print(HELP)
        return 0
    console = Console()
    processes = Processes(console, launch_arguments(options))
    try:
        return PromptLoop(processes, options.commands).run()
    finally:
        console.save_history()


class PromptLoop:
    """Waits for stops, reads commands (``-c`` ones first) and runs them."""

    def __init__(self, processes: Processes, startup: list[str]) -> None:
        self.processes = processes
        self.console = processes.console
        self.startup = list(startup)
        self.commands = Commands(processes.root, self._read_more, processes)
        self.last_line = ""
        self._at_prompt = False

    def _read_more(self, prompt: str) -> str | None:
        """Lines for ``commands``: from the -c queue first, then the terminal."""
        if self.startup:
            line = self.startup.pop(0)
            self.console.echo_command(prompt, line)
            return line
        return self._prompt(prompt)

    def run(self) -> int:
        try:
            self.processes.root.start()
        except TerminalRequestError as exc:
            self.console.error(f"cannot start the program: {exc}")
            return self._finish(default=2)
        ctrl_c_armed = False
        previous = self._install_ctrl_c()
        try:
            while True:
                # A stop in any process brings the prompt, switched to that process.
                session = self.processes.wait_for_stop(self.session)
                if session is None:
                    break
                self.commands.session = session
                if session.paused_by_user:
                    session.paused_by_user = False
                    ctrl_c_armed = True
                try:
                    line = self._next_line()
                except KeyboardInterrupt:
                    if ctrl_c_armed:
                        self.console.write("\n")
                        break
                    self.console.write("\n(Ctrl-C again to quit)\n")
                    ctrl_c_armed = True
                    continue
                ctrl_c_armed = False
                if line is None:
                    break
                if not line.strip():
                    if not self.last_line:
                        continue
                    line = self.last_line
                else:
                    self.last_line = line
                self.commands.run(line)
                if parse_command(line).name in RESUMING:
                    session.pending_commands.clear()
        except QuitRequested:
            pass
        finally:
            if previous is not None:
                signal.signal(signal.SIGINT, previous)
        return self._finish(default=0)

    def _install_ctrl_c(self) -> Any:
        """Ctrl-C interrupts the prompt (KeyboardInterrupt); anywhere else it
        only notes a pause request, so it never tears a request in half."""
        if threading.current_thread() is not threading.main_thread():
            return None

        def on_ctrl_c(signum: int, frame: Any) -> None:
            if self._at_prompt:
                raise KeyboardInterrupt
            self.session.interrupt_requested.set()

        return signal.signal(signal.SIGINT, on_ctrl_c)

    def _prompt(self, prompt: str) -> str | None:
        self.session.interrupt_requested.clear()
        self._at_prompt = True
        try:
            return self.console.read_line(prompt)
        finally:
            self._at_prompt = False

    def _next_line(self) -> str | None:
        if self.session.pending_commands:
            line = self.session.pending_commands.pop(0)
            self.console.echo_command(PROMPT, line)
            return line
        if self.startup:
            line = self.startup.pop(0)
            self.console.echo_command(PROMPT, line)
            return line
        return self._prompt(PROMPT)

    @property
    def session(self) -> TerminalDriver:
        """The process the prompt is on (``process N`` switches it)."""
        return self.commands.session

    def _finish(self, default: int) -> int:
        """Report how the program ended and return its exit code."""
        session = self.processes.root
        ended_by_itself = session.ended
        self.processes.quit()
        session.drain_events()
        if ended_by_itself:
            if session.exit_code is None:
                self.console.error("the debug adapter stopped unexpectedly")
                return 1
            self.console.say(f"The program exited with code {session.exit_code}.")
            return session.exit_code
        if session.exit_code is not None and default != 0:
            return session.exit_code
        return default
