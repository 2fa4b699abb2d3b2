"""A debugging session as the terminal sees it: start-up in the order editors
use, what the program is doing (running, stopped where, ended how), and the
state the commands share (selected thread and frame, breakpoints, displays)."""

from __future__ import annotations

import ast
import os
import queue
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

from dapper.terminal.breakpoints import Breakpoint, BreakpointTable
from dapper.terminal.client import AdapterClient, RequestHandler, TerminalRequestError
from dapper.terminal.console import Console
from dapper.terminal.program_tty import ProgramTerminal
from dapper.terminal.render import frame_path, location_line, source_line
from dapper.terminal.source import SourceCache

_OUTPUT_STREAMS = {
    "stdout": "stdout",
    "stderr": "stderr",
    "console": "stderr",
    "important": "stderr",
}


class SessionEnded(Exception):  # noqa: N818 - a signal, not an error
    """The program or the adapter is gone; ``exit_code`` says how it ended."""


class TerminalDriver:
    """Drives one launched program through ``python -m dapper.adapter``."""

    def __init__(
        self,
        console: Console,
        launch: dict[str, Any],
        *,
        command: str = "launch",
        on_start_debugging: RequestHandler | None = None,
        program_terminal: ProgramTerminal | None = None,
    ) -> None:
        self.console = console
        #: the launched program's own terminal (None: its output comes as events)
        self.program_terminal = program_terminal
        self.launch_arguments = launch
        #: "launch", or "attach" for a child process announced by another session
        self.command = command
        self.events: queue.Queue[dict[str, Any]] = queue.Queue()
        #: set whenever an event arrives (shared by all processes of a run)
        self.wake = threading.Event()
        #: the process's id, from the ``process`` event or the child's announcement
        self.pid: int | None = None
        #: "process N" once a run has more than one process
        self.label: str | None = None
        #: put before each line the program prints (a child process's number)
        self.output_label: str | None = None
        #: stream -> the start of a line not ended yet (labelled output is
        #: written a whole line at a time, so processes' lines never mix)
        self._partial: dict[str, str] = {}
        #: the other sessions of the run, which get the same breakpoints
        self.peers: Callable[[], list[TerminalDriver]] = list
        self._serves_children = on_start_debugging is not None
        self.client = AdapterClient(
            self._on_event,
            on_start_debugging=on_start_debugging,
            run_in_terminal=program_terminal.spawn if program_terminal else None,
        )
        self.capabilities: dict[str, Any] = {}
        self.breakpoints = BreakpointTable()
        #: this session's engine breakpoint id -> table number (each process's
        #: engine numbers the breakpoints it was sent in its own way)
        self._breakpoint_numbers: dict[int, int] = {}
        self.exception_filters: dict[str, str] = {"uncaught": ""}
        #: frame key -> {expression: last value shown}
        self.displays: dict[str, dict[str, str | None]] = {}
        #: file -> lines where ``until`` stops (sent after the user's breakpoints)
        self.stop_lines: dict[str, list[int]] = {}
        self.sources = SourceCache(self._fetch_source)
        self.thread_id: int | None = None
        self.frames: list[dict[str, Any]] = []
        self.frame_index = 0
        self.last_listed: int | None = None
        self.stopped = False
        self.exit_code: int | None = None
        self.ended = False
        self.pending_commands: list[str] = []
        self.silent_stop = False
        self.quiet = False
        self.last_reason: str | None = None
        #: the stop is at a function's start ("call") or return ("return"), as
        #: pdb's ``--Call--`` / ``--Return--``; None at a line
        self.call_event: str | None = None
        #: which exception of the stop's chain ``exceptions N`` shows (None: the last)
        self.exception_index: int | None = None
        #: the return value shown on a ``--Return--`` stop's location line
        self._return_shown: str | None = None
        #: how many ``debug CODE`` runs are nested at this stop (pdb's recursive debugger)
        self.nested_debugs = 0
        #: attached to a running program: quitting detaches instead of ending it
        self.attached = False
        self.paused_by_user = False
        #: Set by the Ctrl-C handler while the program runs; polled by ``wait_for_stop``.
        self.interrupt_requested = threading.Event()

    # ------------------------------------------------------------ events

    def _on_event(self, message: dict[str, Any]) -> None:
        """Reader thread: program output is written at once, the rest queued."""
        if message.get("event") == "output":
            body = message.get("body") or {}
            category = body.get("category", "console")
            if category == "telemetry":
                return
            stream = (
                self.console.stderr
                if _OUTPUT_STREAMS.get(category, "stdout") == "stderr"
                else self.console.stdout
            )
            text = body.get("output", "")
            if self.output_label and category in ("stdout", "stderr"):
                text = self._labelled(category, text)
            self.console.write(text, stream=stream)
            return
        if self._partial:
            self._flush_partial_lines()
        self.events.put(message)
        self.wake.set()

    def _labelled(self, category: str, text: str) -> str:
        """The whole lines of ``text`` (with what came before them), each
        after this process's label; the rest waits for its line's end (or for
        the process's next event)."""
        text = self._partial.pop(category, "") + text
        lines = text.splitlines(keepends=True)
        if lines and not lines[-1].endswith(("\n", "\r")):
            self._partial[category] = lines.pop()
        return "".join(f"{self.output_label}{piece}" for piece in lines)

    def _flush_partial_lines(self) -> None:
        for category, text in sorted(self._partial.items()):
            stream = self.console.stderr if category == "stderr" else self.console.stdout
            self.console.write(f"{self.output_label}{text}\n", stream=stream)
        self._partial.clear()

    # ------------------------------------------------------------ start-up

    def start(self) -> None:
        """initialize → launch (not awaited) → initialized → configuration → configurationDone."""
        self.capabilities = self.client.request(
            "initialize",
            {
                "clientID": "dapper-debug",
                "clientName": "dapper debug",
                "adapterID": "dapper",
                "linesStartAt1": True,
                "columnsStartAt1": True,
                "pathFormat": "path",
                "supportsRunInTerminalRequest": self.program_terminal is not None,
                "supportsStartDebuggingRequest": self._serves_children,
            },
        )
        attaching = not self.launched
        launch = self.client.send("attach" if attaching else self.command, self.launch_arguments)
        while True:
            try:
                event = self.events.get(timeout=0.5)
            except queue.Empty:
                if self.client.answered(launch):
                    self.client.wait(launch, self.command)  # raises with the adapter's reason
                    break
                continue
            if event.get("event") == "initialized":
                break
            self._note_lifecycle(event)
            if event.get("event") in ("terminated", "adapterClosed"):
                self.client.wait(launch, self.command, timeout=5)
                raise TerminalRequestError("the program ended before the debugger could start")
        if self.breakpoints.items:  # a child or a restart gets the run's breakpoints first
            for file in {bp.file for bp in self.breakpoints.items.values() if bp.file}:
                _record_all(self.breakpoints.in_file(file), self._send_file(file))
            _record_all(self.breakpoints.functions(), self._send_functions())
        self.client.request("setExceptionBreakpoints", self.exception_arguments())
        self.client.request("configurationDone")
        self.client.wait(launch, "attach" if attaching else self.command)
        if "processId" in self.launch_arguments:
            self.attached = True
            self.client.request("pause", {"threadId": 1})  # show where it is, as gdb -p does

    @property
    def launched(self) -> bool:
        """True for a program this run started (it can be restarted); false
        when attached to one by process id or address."""
        return self.command == "launch" and not (
            "processId" in self.launch_arguments or "connect" in self.launch_arguments
        )

    # ------------------------------------------------------------ running

    def _note_lifecycle(self, event: dict[str, Any]) -> None:
        name = event.get("event")
        if name == "process":
            pid = (event.get("body") or {}).get("systemProcessId")
            self.pid = pid if isinstance(pid, int) else self.pid
        elif name == "exited":
            self.exit_code = (event.get("body") or {}).get("exitCode")
        elif name in ("terminated", "adapterClosed"):
            self.ended = True

    def resume(self, command: str, arguments: dict[str, Any] | None = None) -> None:
        """Send a resuming request (continue, next, …); the program runs."""
        args = {"threadId": self.thread_id or 1, **(arguments or {})}
        self.stopped = False
        try:
            self.client.request(command, args)
        except TerminalRequestError as exc:
            if not exc.gone:
                self.stopped = True
                raise
            # It ran to its end before the engine could answer: the exit
            # events are on their way.
        self.pending_commands.clear()

    def wait_for_stop(self) -> bool:
        """Block until the program stops (True) or ends (False).

        A Ctrl-C noted meanwhile (``interrupt_requested``) asks the program to pause.
        """
        asked_at: float | None = None
        while not self.stopped and not self.ended:
            if asked_at is not None and time.monotonic() - asked_at > 2.0:
                asked_at = time.monotonic()  # a dropped pause is asked again
                self.request_pause()
            if self.interrupt_requested.is_set():
                self.interrupt_requested.clear()
                asked_at = time.monotonic()
                self.interrupt()
            try:
                event = self.events.get_nowait()
            except queue.Empty:
                self.wake.clear()
                if self.events.empty():
                    self.idle(0.05)
                continue
            self.handle_event(event)
        return self.stopped

    def idle(self, timeout: float) -> None:
        """Wait a little while the program runs (relaying its terminal)."""
        if self.program_terminal is not None:
            self.program_terminal.pump(timeout)
        else:
            self.wake.wait(timeout)

    def interrupt(self) -> None:
        """Ctrl-C while running: pause every thread."""
        self.console.write("\n")
        self.paused_by_user = True
        try:
            self.client.request("pause", {"threadId": self.thread_id or 1})
        except TerminalRequestError as exc:
            self.console.error(f"cannot pause: {exc}")

    def request_pause(self) -> None:
        """Ask this process to pause without waiting for its answer (Ctrl-C in a
        run of several processes: one slow to answer must not hold the others)."""
        self.paused_by_user = True
        self.client.send("pause", {"threadId": self.thread_id or 1})

    def drain_events(self) -> None:
        """Handle whatever arrived while at the prompt (the program may have ended)."""
        while True:
            try:
                event = self.events.get_nowait()
            except queue.Empty:
                return
            self.handle_event(event)

    def handle_event(self, event: dict[str, Any]) -> None:
        name = event.get("event")
        if name == "stopped":
            if not self.stopped:
                self._on_stopped(event.get("body") or {})
        else:
            self._note_lifecycle(event)

    def _on_stopped(self, body: dict[str, Any]) -> None:
        if self.program_terminal is not None:
            self.program_terminal.stopped()
        self.thread_id = body.get("threadId", self.thread_id)
        self.stopped = True
        self.silent_stop = False
        self.last_reason = body.get("reason")
        if body.get("description") == NESTED_DEBUG_ENDED and self.nested_debugs:
            self.nested_debugs -= 1
            self.console.say("LEAVING RECURSIVE DEBUGGER")
        self.call_event = _CALL_EVENTS.get(body.get("description") or "")
        self.exception_index = None
        self.refresh_stack()
        self._return_shown = self.return_value() if self.call_event == "return" else None
        for dap_id in body.get("hitBreakpointIds") or []:
            bp = self._breakpoint_hit(dap_id)
            if bp is None:
                continue
            bp.hits += 1
            if bp.ignore > 0:
                bp.ignore -= 1
                self.resume("continue")
                return
            if bp.temporary:
                self.delete_breakpoint(bp)
                self.console.say(f"Deleted breakpoint {bp.number} at {bp.where()}")
            if bp.commands:
                self.silent_stop = bp.commands[0].strip() == "silent"
                self.pending_commands = [c for c in bp.commands if c.strip() != "silent"]
        if body.get("reason") == "exception":
            info = self._exception_info()
            if info.get("breakMode") == "unhandled" and str(info.get("exceptionId", "")).endswith(
                "SystemExit"
            ):
                # As under pdb, sys.exit() ends the program without a stop
                # (the engine counts a non-zero exit as uncaught, for editors).
                self.resume("continue")
                return
            self._show_exception(info)
        if self.quiet:
            return
        if self.label is not None:
            self.console.say(f"[{self.label}]")
        if not self.silent_stop:
            self.show_stop()
        self.show_displays()

    def show_stop(self) -> None:
        """Where the program stopped, headed as pdb heads a stop at a
        function's start (``--Call--``) or return (``--Return--``)."""
        if self.call_event == "call":
            self.console.say("--Call--")
        elif self.call_event == "return":
            self.console.say("--Return--")
        self.show_location()

    def _exception_info(self) -> dict[str, Any]:
        try:
            return self.client.request("exceptionInfo", {"threadId": self.thread_id})
        except TerminalRequestError:
            return {}

    def _show_exception(self, info: dict[str, Any]) -> None:
        if not info:
            return
        mode = info.get("breakMode")
        label = {
            "unhandled": "Uncaught exception",
            "userUnhandled": "Exception not handled by your code",
        }.get(str(mode), "Exception raised")
        text = info.get("description") or info.get("exceptionId") or "?"
        exc_id = info.get("exceptionId") or ""
        if exc_id and not text.startswith(exc_id.rsplit(".", 1)[-1]):
            text = f"{exc_id}: {text}"
        self.console.say(self.console.palette.paint("error", f"{label}: {text}"))

    # ------------------------------------------------------------ stack

    def refresh_stack(self) -> None:
        self.frames = []
        self.frame_index = 0
        self.last_listed = None
        if self.thread_id is None:
            return
        try:
            self.frames = self.client.request("stackTrace", {"threadId": self.thread_id}).get(
                "stackFrames", []
            )
        except TerminalRequestError as exc:
            self.console.error(f"cannot read the stack: {exc}")

    @property
    def frame(self) -> dict[str, Any] | None:
        return self.frames[self.frame_index] if self.frames else None

    def require_frame(self) -> dict[str, Any]:
        if not self.stopped or self.frame is None:
            raise TerminalRequestError("the program is not stopped")
        return self.frame

    def show_location(self, frame: dict[str, Any] | None = None, marker: str = ">") -> None:
        frame = frame or self.frame
        if frame is None:
            return
        if frame.get("presentationHint") == "label":
            self.console.say(f"  --- {frame.get('name')} ---")  # e.g. awaited by task main
            return
        line = location_line(frame, self.console.palette, marker)
        if self._return_shown is not None and self.frames and frame is self.frames[0]:
            line += f"->{self._return_shown}"  # pdb's --Return-- location: the value
        self.console.say(line)
        text = self.sources.line(frame.get("source") or {}, frame.get("line") or 0)
        self.console.say(source_line(text, self.console.palette))

    def _fetch_source(self, source: dict[str, Any]) -> str | None:
        try:
            return self.client.request(
                "source", {"source": source, "sourceReference": source.get("sourceReference") or 0}
            ).get("content")
        except TerminalRequestError:
            return None

    # ------------------------------------------------------------ values

    def return_value(self) -> str | None:
        """The value the function just left returned, as the engine shows it
        among the top frame's locals (``(return) NAME``); None when unknown."""
        frame = self.frame
        if frame is None or not self.stopped:
            return None
        try:
            scopes = self.client.request("scopes", {"frameId": frame["id"]}).get("scopes", [])
            for scope in scopes:
                if (
                    scope.get("presentationHint") != "locals"
                    and "return" not in scope.get("name", "").lower()
                ):
                    continue
                variables = self.client.request(
                    "variables", {"variablesReference": scope["variablesReference"]}
                ).get("variables", [])
                for variable in variables:
                    name = variable.get("name", "")
                    if name.startswith("(") and "return" in name.lower():
                        return str(variable.get("value", ""))
        except TerminalRequestError:
            return None
        return None

    def evaluate(self, expression: str, context: str = "repl") -> str:
        arguments: dict[str, Any] = {"expression": expression, "context": context}
        if self.frame is not None and self.stopped:
            arguments["frameId"] = self.frame["id"]
        try:
            return self.client.request("evaluate", arguments).get("result", "")
        finally:
            if self.program_terminal is not None:
                self.program_terminal.stopped()  # what the evaluation printed, first

    def display_value(self, expression: str) -> str:
        try:
            return self.evaluate(expression, "watch")
        except TerminalRequestError as exc:
            return f"** raised {exc} **"

    def frame_key(self) -> str:
        """Which frame displays belong to, as pdb keeps them per frame: its
        function and file (the same function's later stops share them)."""
        frame = self.frame or {}
        return f"{frame.get('name')}@{frame_path(frame) if frame else ''}"

    def frame_displays(self) -> dict[str, str | None]:
        """The current frame's displays: expression -> last value shown."""
        return self.displays.setdefault(self.frame_key(), {})

    def show_displays(self) -> None:
        shown = self.displays.get(self.frame_key(), {})
        for expression, old in list(shown.items()):
            value = self.display_value(expression)
            if value != old:
                suffix = f"  [old: {old}]" if old is not None else ""
                self.console.say(f"display {expression}: {value}{suffix}")
                shown[expression] = value

    # ------------------------------------------------------------ breakpoints

    def resolve_file(self, name: str) -> str:
        """A file named by the user: absolute, relative to the working directory,
        the program's directory, or the current frame's directory."""
        if os.path.isabs(name):
            return os.path.normpath(name)
        bases = [self.launch_arguments.get("cwd") or os.getcwd()]
        program = self.launch_arguments.get("program")
        if program:
            bases.append(os.path.dirname(os.path.abspath(program)))
        if self.frame is not None:
            path = frame_path(self.frame)
            if os.path.isabs(path):
                bases.append(os.path.dirname(path))
        bases.extend(self._program_path())
        for base in bases:
            candidate = os.path.normpath(os.path.join(base, name))
            if os.path.isfile(candidate):
                return candidate
        if not name.endswith(".py"):
            return self.resolve_file(name + ".py")
        raise TerminalRequestError(f"no such file: {name}")

    def _program_path(self) -> list[str]:
        """The program's ``sys.path`` (pdb looks there for ``b json/decoder.py:330``);
        this interpreter's when the program cannot be asked."""
        if self.stopped and self.frame is not None:
            try:
                text = self.evaluate("__import__('sys').path", "clipboard")
                value = ast.literal_eval(text)
                if isinstance(value, list):
                    return [p for p in value if isinstance(p, str) and p]
            except (TerminalRequestError, ValueError, SyntaxError):
                pass
        return [p for p in sys.path if p]

    def current_file(self) -> str:
        if self.frame is not None and os.path.isabs(frame_path(self.frame)):
            return frame_path(self.frame)
        program = self.launch_arguments.get("program")
        if program:
            return os.path.abspath(program)
        raise TerminalRequestError("no current file: name one as FILE:LINE")

    def sync_file(self, file: str) -> None:
        """Send every enabled breakpoint of ``file`` (to every process of the
        run, as an editor does); record what this engine made of them."""
        kept = self.breakpoints.in_file(file)
        body = self._send_file(file)
        for peer in self._live_peers():
            peer.quietly(peer._send_file, file)
        _record_all(kept, body)

    def sync_functions(self) -> None:
        kept = self.breakpoints.functions()
        body = self._send_functions()
        for peer in self._live_peers():
            peer.quietly(peer._send_functions)
        _record_all(kept, body)

    def _send_file(self, file: str) -> dict[str, Any]:
        kept = self.breakpoints.in_file(file)
        body = self.client.request(
            "setBreakpoints",
            {
                "source": {"path": file},
                "breakpoints": [
                    *self.breakpoints.specs_for_file(file),
                    *({"line": line} for line in self.stop_lines.get(file, ())),
                ],
            },
        )
        self._remember_ids(kept, body)
        return body

    def _send_functions(self) -> dict[str, Any]:
        kept = self.breakpoints.functions()
        body = self.client.request(
            "setFunctionBreakpoints", {"breakpoints": self.breakpoints.function_specs()}
        )
        self._remember_ids(kept, body)
        return body

    def _remember_ids(self, kept: list[Breakpoint], body: dict[str, Any]) -> None:
        for bp, result in zip(kept, body.get("breakpoints", []), strict=False):
            if isinstance(result.get("id"), int):
                self._breakpoint_numbers[result["id"]] = bp.number

    def _breakpoint_hit(self, dap_id: int) -> Breakpoint | None:
        """The table's breakpoint this session's engine reported as hit."""
        number = self._breakpoint_numbers.get(dap_id)
        bp = self.breakpoints.items.get(number) if number is not None else None
        return bp if bp is not None and bp.enabled else None

    def _live_peers(self) -> list[TerminalDriver]:
        return [peer for peer in self.peers() if peer is not self and not peer.ended]

    @staticmethod
    def quietly(action: Callable[..., Any], *args: Any) -> None:
        """A request to another process, which may have ended meanwhile."""
        try:
            action(*args)
        except TerminalRequestError:
            pass

    def sync(self, bp: Breakpoint) -> None:
        if bp.file:
            self.sync_file(bp.file)
        else:
            self.sync_functions()

    def delete_breakpoint(self, bp: Breakpoint) -> None:
        self.breakpoints.remove(bp.number)
        bp.enabled = False
        self.sync(bp)

    def exception_arguments(self) -> dict[str, Any]:
        filters = [name for name, cond in self.exception_filters.items() if not cond]
        options = [
            {"filterId": name, "condition": cond}
            for name, cond in self.exception_filters.items()
            if cond
        ]
        return {"filters": filters, "filterOptions": options}

    # ------------------------------------------------------------ ending

    def quit(self) -> None:
        """End the program (if still running) and the adapter."""
        if not self.ended and not self.client.closed:
            try:
                terminate = not self.attached
                self.client.request("disconnect", {"terminateDebuggee": terminate}, timeout=15)
            except TerminalRequestError:
                pass
        self.client.close()


#: the description of the stop a thread is back at when ``debug CODE`` ended
NESTED_DEBUG_ENDED = "nested debug ended"

#: a step stop's description -> what pdb would print before its location
_CALL_EVENTS = {"function entry": "call", "function return": "return"}


def _record_all(kept: list[Breakpoint], body: dict[str, Any]) -> None:
    """What the engine made of each breakpoint sent (``until``'s extra lines,
    sent after them, are not in ``kept``)."""
    for bp, result in zip(kept, body.get("breakpoints", []), strict=False):
        _record(bp, result)


def _record(bp: Breakpoint, result: dict[str, Any]) -> None:
    bp.verified = bool(result.get("verified"))
    bp.pending = not bp.verified and result.get("reason") == "pending"
    bp.message = result.get("message")
    if bp.file and isinstance(result.get("line"), int):
        bp.line = result["line"]
