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
from dapper.terminal.commands import RESUMING, Commands, QuitRequested, RestartRequested
from dapper.terminal.completion import DELIMITERS, Completer
from dapper.terminal.console import Console
from dapper.terminal.ctrl_c import CtrlC
from dapper.terminal.driver import TerminalDriver
from dapper.terminal.parser import parse_command
from dapper.terminal.processes import Processes
from dapper.terminal.program_tty import ProgramTerminal

PROMPT = "(dapper) "


def nested_prompt(depth: int) -> str:
    """pdb's way of showing a recursive debugger: one more pair of brackets
    for each ``debug`` inside which the prompt runs (``((dapper)) ``)."""
    return "(" * depth + PROMPT.rstrip() + ")" * depth + " "


USAGE = (
    "usage: dapper debug [--backend NAME] [--pm] [-c COMMAND]... "
    "(FILE | -m MODULE | --pid PID | --connect HOST:PORT) [ARGS...]"
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
  --pid PID        attach to a running Python program (CPython 3.14+, or 3.11+
                   with gdb on PATH); it stops where it is, and quitting
                   detaches and lets it run on
  --pm             post-mortem: run the program without stopping at its first
                   line; stop where an uncaught exception ends it
                   (also: python -m dapper.pm FILE [ARGS...])
  --connect HOST:PORT
                   attach to a program serving DAP there (dapper.listen(),
                   dapper.set_trace()); the access token comes from
                   DAPPER_ACCESS_TOKEN
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
    connect: str | None = None
    post_mortem: bool = False
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
        elif arg == "--pm":
            options.post_mortem = True
        elif arg == "--connect":
            options.connect = value(arg)
            host, colon, port = options.connect.rpartition(":")
            if not colon or not host or not port.isdigit():
                raise UsageError(f"--connect needs HOST:PORT, got {options.connect!r}")
            if index + 1 < len(argv):
                raise UsageError("--connect takes no program or arguments")
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


def launch_arguments(options: Options, *, own_terminal: bool = False) -> dict[str, Any]:
    """The ``launch`` arguments, or the ``attach`` ones (``processId``) for --pid.

    ``own_terminal``: the program runs on a terminal of its own that this front
    end relays (``runInTerminal``), not with pipes."""
    if options.pid is not None:
        return {"processId": options.pid}
    if options.connect is not None:
        host, _, port = options.connect.rpartition(":")
        attach: dict[str, Any] = {"connect": {"host": host.strip("[]"), "port": int(port)}}
        token = os.environ.get("DAPPER_ACCESS_TOKEN")
        if token:
            attach["accessToken"] = token
        return attach
    arguments: dict[str, Any] = {
        "args": options.args,
        "cwd": os.getcwd(),
        "stopOnEntry": not options.post_mortem,
        "frameEval": dict(BACKENDS[options.backend]),
    }
    if own_terminal:
        arguments["console"] = "integratedTerminal"
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
    launched = options.pid is None and options.connect is None
    program_terminal = _program_terminal(console) if launched else None
    processes = Processes(
        console,
        launch_arguments(options, own_terminal=program_terminal is not None),
        program_terminal,
    )
    loop = PromptLoop(processes, options.commands)
    try:
        return loop.run()
    except KeyboardInterrupt:
        # A Ctrl-C that lands outside the prompt (while quitting): end quietly.
        return loop.finish_quietly()
    finally:
        if program_terminal is not None:
            program_terminal.close()
        console.save_history()
        console.restore_terminal()


def _program_terminal(console: Console) -> ProgramTerminal | None:
    """A terminal for the program when the user is on one, so the program
    behaves as in a plain run (``isatty()``, ``input()``, size, ``TERM``)."""
    if not console.interactive or console.stdin is not sys.stdin:
        return None
    try:
        keyboard, screen = sys.stdin.fileno(), sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):
        return None
    if not (os.isatty(keyboard) and os.isatty(screen)):
        return None
    return ProgramTerminal(keyboard, screen, console.write)


class PromptLoop:
    """Waits for stops, reads commands (``-c`` ones first) and runs them."""

    def __init__(self, processes: Processes, startup: list[str]) -> None:
        self.processes = processes
        self.console = processes.console
        self.startup = list(startup)
        self.commands = Commands(processes.root, self._read_more, processes)
        completer = Completer(self.commands, self.console.line_buffer)
        self.console.set_completer(completer.complete, DELIMITERS)
        self.last_line = ""
        #: the rest of a line after ';;', run before anything else is read
        self.chained: list[str] = []
        #: the number of the prompt reading a line now (0: none is)
        self._open_prompt = 0
        self._prompts_opened = 0
        self._ctrl_c: CtrlC | None = None
        #: the program stopped since it was last (re)started
        self._stopped_this_run = False

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
        self._ctrl_c = self._install_ctrl_c()
        try:
            while True:
                # A stop in any process brings the prompt, switched to that process.
                session = self.processes.wait_for_stop(self.session)
                if session is None:
                    if self._restart_at_end():
                        continue
                    break
                self._stopped_this_run = True
                self.commands.session = session
                session.paused_by_user = False
                try:
                    line = self._next_line()
                except KeyboardInterrupt:
                    # As in pdb: Ctrl-C at the prompt drops the line, never quits.
                    self.console.write("\n")
                    continue
                if line is None:
                    if not session.nested_debugs:
                        break
                    line = "q"  # as in pdb: end of input leaves only the nested debug
                if not line.strip():
                    if not self.last_line:
                        continue
                    line = self.last_line
                else:
                    self.last_line = line
                line = self.commands.expand_alias(line)
                if line.split()[:1] != ["alias"]:
                    line, separator, rest = line.partition(";;")
                    if separator and rest.strip():
                        # pdb's ';;': the rest runs next, as if typed then.
                        self.chained.insert(0, rest.strip())
                try:
                    self.commands.run(line)
                except KeyboardInterrupt:
                    # A prompt of a command's own (never quits, as in pdb).
                    self.console.write("\n")
                    continue
                except RestartRequested as request:
                    if not self._restart(request.arguments):
                        break
                    continue
                if parse_command(line).name in RESUMING:
                    session.pending_commands.clear()
        except QuitRequested:
            pass
        finally:
            # Quitting is not interruptible: a Ctrl-C now must not tear it up.
            if self._ctrl_c is not None:
                self._ctrl_c.ignore()
        try:
            return self._finish(default=0)
        finally:
            if self._ctrl_c is not None:
                self._ctrl_c.uninstall()

    def _restart_at_end(self) -> bool:
        """pdb's way at the end of the program: say how it ended and start it
        again, stopped at its first line (at a terminal; a script's run ends)."""
        root = self.processes.root
        if not self.console.interactive or not root.launched:
            return False
        if root.exit_code is None:
            return False  # the adapter went away: nothing to restart
        if not self._stopped_this_run:
            # To its end without one stop (a program with a syntax error, say):
            # the same again would only loop.
            return False
        self._report_exit(root)
        self.console.say("The program finished and will be restarted")
        return self._restart(None)

    def _restart(self, arguments: list[str] | None) -> bool:
        """Start the program again; False when it cannot be (the session ends)."""
        try:
            self.commands.session = self.processes.restart(arguments)
        except TerminalRequestError as exc:
            self.console.error(f"cannot restart the program: {exc}")
            return False
        self._stopped_this_run = False
        self.last_line = ""
        return True

    def _report_exit(self, session: TerminalDriver) -> None:
        terminal = session.program_terminal
        if terminal is not None:
            terminal.close()  # its last output, before the exit line
            real = terminal.exit_code(0)
            if real is not None and session.exit_code is not None:
                session.exit_code = real
        self.console.say(f"The program exited with code {session.exit_code}.")

    def finish_quietly(self) -> int:
        """End everything after an interrupt outside the prompt, without a traceback."""
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            return self._finish(default=130)
        except Exception:  # noqa: BLE001 - the session is over either way
            return 130

    def _install_ctrl_c(self) -> CtrlC | None:
        """Ctrl-C interrupts the prompt (KeyboardInterrupt); anywhere else it
        only notes a pause request, so it never tears a request in half."""
        if threading.current_thread() is not threading.main_thread():
            return None
        ctrl_c = CtrlC(
            lambda: self._open_prompt, self._ctrl_c_while_running, self.console.editing_line
        )
        ctrl_c.install()
        return ctrl_c

    def _ctrl_c_while_running(self) -> None:
        self.session.interrupt_requested.set()

    def _prompt(self, prompt: str) -> str | None:
        self.session.interrupt_requested.clear()
        self._prompts_opened += 1
        self._open_prompt = self._prompts_opened
        try:
            return self.console.read_line(prompt)
        finally:
            self._open_prompt = 0

    def _next_line(self) -> str | None:
        if self.chained:
            return self.chained.pop(0)
        if self.session.pending_commands:
            line = self.session.pending_commands.pop(0)
            self.console.echo_command(PROMPT, line)
            return line
        if self.startup:
            line = self.startup.pop(0)
            self.console.echo_command(PROMPT, line)
            return line
        return self._prompt(nested_prompt(self.session.nested_debugs))

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
            if "connect" not in session.launch_arguments:
                # (set_trace's prompt: the program's own end says enough)
                self._report_exit(session)
            return session.exit_code
        if session.exit_code is not None and default != 0:
            return session.exit_code
        return default
