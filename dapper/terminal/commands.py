"""What each pdb-style command does, in terms of DAP requests.

Every handler takes the text after the command word. A handler that resumes
the program leaves ``session.stopped`` false; the caller then waits for the
next stop. Problems are raised as ``CommandError`` / ``TerminalRequestError`` and
printed as one line by the caller.
"""

from __future__ import annotations

import ast
import codeop
import shlex
from collections.abc import Callable

from dapper.terminal.client import TerminalRequestError
from dapper.terminal.driver import TerminalDriver
from dapper.terminal.parser import (
    ALIASES,
    ParseError,
    parse_command,
    parse_count,
    parse_location,
    parse_numbers,
)
from dapper.terminal.processes import Processes
from dapper.terminal.render import frame_path, listing_line
from dapper.terminal.source import enclosing_function, list_window

_EXCEPTION_FILTERS = ("raised", "uncaught", "userUnhandled")
#: what ``whatis`` prints, computed in the program (pdb's wording)
_WHATIS = (
    "(lambda v: 'Method ' + v.__func__.__name__ if hasattr(v, '__func__') "
    "else 'Function ' + v.__name__ if type(v).__name__ == 'function' "
    "else 'Class ' + v.__module__ + '.' + v.__qualname__ if isinstance(v, type) "
    "else repr(type(v)))(({}))"
)


#: what a step asks of the engine besides the step: stop also where pdb shows
#: ``--Call--`` (a function stepped into starts) and ``--Return--`` (the
#: stepped function returns, shown in that function with its value)
PDB_STOPS = {"stopAtCallAndReturn": True}


class CommandError(Exception):
    """A command that cannot be carried out, with the reason for the user."""


class QuitRequested(Exception):  # noqa: N818 - a signal, not an error
    """``quit``: end the session now."""


class RestartRequested(Exception):  # noqa: N818 - a signal, not an error
    """``restart`` / ``run``: start the program again; ``arguments`` None keeps
    the previous ones."""

    def __init__(self, arguments: list[str] | None) -> None:
        super().__init__(arguments)
        self.arguments = arguments


#: Reads the lines of a ``commands`` list (prompt in, line or None out).
LineReader = Callable[[str], "str | None"]


class Commands:
    """The command set, bound to one session."""

    def __init__(
        self,
        session: TerminalDriver,
        read_line: LineReader,
        processes: Processes | None = None,
    ) -> None:
        self.session = session
        self.console = session.console
        self.read_line = read_line
        self.processes = processes
        #: pdb's aliases: name -> command text with %1..%9 / %*
        self.aliases: dict[str, str] = {}

    def run(self, line: str) -> None:
        command = parse_command(line)
        try:
            if command.name is None:
                self.do_python(command.arg)
            else:
                getattr(self, "do_" + command.name)(command.arg)
        except (CommandError, ParseError, TerminalRequestError, KeyError) as exc:
            message = exc.args[0] if exc.args else str(exc)
            self.console.error(str(message))

    # ------------------------------------------------------------ breakpoints

    def do_break(self, arg: str, *, temporary: bool = False) -> None:
        if not arg:
            self._list_breakpoints()
            return
        location = parse_location(arg)
        session = self.session
        if location.function:
            bp = session.breakpoints.add(
                file=None,
                line=None,
                function=location.function,
                condition=location.condition,
                temporary=temporary,
            )
        else:
            file = session.resolve_file(location.file) if location.file else session.current_file()
            bp = session.breakpoints.add(
                file=file, line=location.line, condition=location.condition, temporary=temporary
            )
        try:
            session.sync(bp)
        except TerminalRequestError:
            session.breakpoints.discard(bp)
            raise
        if bp.file and not bp.verified and not bp.pending:
            session.delete_breakpoint(bp)
            session.breakpoints.discard(bp)
            raise CommandError(
                f"cannot set a breakpoint at {arg.split(',')[0].strip()}: {bp.message or 'not a line with code'}"
            )
        kind = "Temporary breakpoint" if temporary else "Breakpoint"
        pending = "" if bp.verified else f" (pending: {bp.message})" if bp.message else " (pending)"
        if bp.function and not pending and not self._names_something(bp.function):
            # Unlike pdb, Dapper keeps it: it stops once a function of that name runs.
            pending = " (pending: no function of that name exists yet)"
        self.console.say(f"{kind} {bp.number} at {bp.where()}{pending}")

    def _names_something(self, name: str) -> bool:
        """Whether ``name`` means something in the current frame (or as a
        module path, ``pkg.mod.func``) of a stopped program."""
        if not self.session.stopped:
            return True  # nothing to ask: do not guess
        head, _, rest = name.partition(".")
        probe = name
        if rest:  # pkg.mod.func: its module may just not be imported yet
            probe = f"__import__('importlib').util.find_spec({head!r}) is not None or {head}"
        try:
            self.session.evaluate(probe, "watch")
        except TerminalRequestError:
            return False
        return True

    def do_tbreak(self, arg: str) -> None:
        if not arg:
            raise CommandError(
                "tbreak needs a location: tbreak [FILE:]LINE | FUNCTION [, CONDITION]"
            )
        self.do_break(arg, temporary=True)

    def _list_breakpoints(self) -> None:
        items = list(self.session.breakpoints.items.values())
        if not items:
            self.console.say("No breakpoints.")
            return
        self.console.say("Num Type         Disp Enb   Where")
        for bp in items:
            disp = "del " if bp.temporary else "keep"
            self.console.say(
                f"{bp.number:<3} breakpoint   {disp} {'yes' if bp.enabled else 'no ':<5} at {bp.where()}"
            )
            if bp.condition:
                self.console.say(f"\tstop only if {bp.condition}")
            if bp.ignore:
                self.console.say(f"\tignore next {bp.ignore} hits")
            if bp.hits:
                self.console.say(
                    f"\tbreakpoint already hit {bp.hits} time{'s' if bp.hits != 1 else ''}"
                )
            for line in bp.commands:
                self.console.say(f"\t{line}")

    def do_clear(self, arg: str) -> None:
        table = self.session.breakpoints
        if not arg:
            for bp in list(table.items.values()):
                self.session.delete_breakpoint(bp)
                self.console.say(f"Deleted breakpoint {bp.number} at {bp.where()}")
            return
        if ":" in arg and not arg.replace(" ", "").isdigit():
            location = parse_location(arg)
            file = self.session.resolve_file(location.file or "")
            targets = [
                bp for bp in table.items.values() if bp.file == file and bp.line == location.line
            ]
            if not targets:
                raise CommandError(f"there is no breakpoint at {arg}")
        else:
            targets = [table.get(number) for number in parse_numbers(arg)]
        for bp in targets:
            self.session.delete_breakpoint(bp)
            self.console.say(f"Deleted breakpoint {bp.number} at {bp.where()}")

    def _set_enabled(self, arg: str, enabled: bool) -> None:
        if not arg:
            raise CommandError(f"{'enable' if enabled else 'disable'} needs breakpoint numbers")
        for number in parse_numbers(arg):
            bp = self.session.breakpoints.get(number)
            bp.enabled = enabled
            self.session.sync(bp)
            self.console.say(
                f"{'Enabled' if enabled else 'Disabled'} breakpoint {number} at {bp.where()}"
            )

    def do_enable(self, arg: str) -> None:
        self._set_enabled(arg, True)

    def do_disable(self, arg: str) -> None:
        self._set_enabled(arg, False)

    def do_condition(self, arg: str) -> None:
        number_text, _, condition = arg.strip().partition(" ")
        numbers: list[int | None] = [*parse_numbers(number_text)] or [None]
        (number,) = numbers
        if number is None:
            raise CommandError("condition needs a breakpoint number: condition N [EXPRESSION]")
        bp = self.session.breakpoints.get(number)
        old = bp.condition
        bp.condition = condition.strip() or None
        try:
            self.session.sync(bp)
        except TerminalRequestError:
            bp.condition = old
            self.session.sync(bp)
            raise
        if bp.condition:
            self.console.say(f"New condition set for breakpoint {number}.")
        else:
            self.console.say(f"Breakpoint {number} is now unconditional.")

    def do_ignore(self, arg: str) -> None:
        parts = arg.split()
        if len(parts) not in (1, 2):
            raise CommandError("ignore needs a breakpoint number and a count: ignore N COUNT")
        numbers = parse_numbers(" ".join(parts), "number")
        bp = self.session.breakpoints.get(numbers[0])
        bp.ignore = numbers[1] if len(numbers) > 1 else 0
        if bp.ignore:
            self.console.say(
                f"Will ignore next {bp.ignore} crossing{'s' if bp.ignore != 1 else ''} of breakpoint {bp.number}."
            )
        else:
            self.console.say(f"Will stop next time breakpoint {bp.number} is reached.")

    def do_commands(self, arg: str) -> None:
        table = self.session.breakpoints
        if arg:
            (number,) = parse_numbers(arg)
        elif table.items:
            number = max(table.items)
        else:
            raise CommandError("there are no breakpoints to attach commands to")
        bp = table.get(number)
        lines: list[str] = []
        while True:
            try:
                line = self.read_line("(com) ")
            except KeyboardInterrupt:
                self.console.write("\n")
                raise CommandError("command definition aborted, old commands restored") from None
            if line is None or line.strip() == "end":
                break
            if line.strip():
                lines.append(line.strip())
                if parse_command(line).name in RESUMING:
                    break  # as in pdb: a command that resumes ends the list
        bp.commands = lines

    # ------------------------------------------------------------ execution

    def do_continue(self, arg: str) -> None:
        self._require_stopped()
        self.session.resume("continue")

    def do_next(self, arg: str) -> None:
        self._require_stopped()
        self.session.resume("next", PDB_STOPS)

    def do_step(self, arg: str) -> None:
        self._require_stopped()
        self.session.resume("stepIn", PDB_STOPS)

    def do_return(self, arg: str) -> None:
        self._require_stopped()
        self.session.resume("stepOut", PDB_STOPS)

    def do_until(self, arg: str) -> None:
        """Continue until a line greater than the current one (or ``arg``) is
        reached in this function, or the frame returns, or something else stops.

        One resume, not a step per line: temporary breakpoints on the later
        lines of the function, and a step out for the return. The code in
        between runs as it does under ``continue``."""
        frame = self._require_stopped()
        current = frame.get("line") or 0
        target = parse_count(arg) if arg else current + 1
        if arg and target <= current:
            raise CommandError(f"until {target}: that line is not after the current line {current}")
        session = self.session
        path = frame_path(frame)
        lines = session.sources.lines(frame.get("source") or {}) or []
        span = enclosing_function(lines, current)
        last = span.last if span else len(lines)
        taken = {bp.line for bp in session.breakpoints.in_file(path)}
        session.stop_lines[path] = [n for n in range(target, last + 1) if n not in taken]
        try:
            session.sync_file(path)
            session.quiet = True
            session.resume("stepOut", PDB_STOPS)
            stopped = session.wait_for_stop()
        finally:
            session.quiet = False
            session.stop_lines.pop(path, None)
            if not session.ended:
                session.quietly(session.sync_file, path)
        if stopped:
            session.show_stop()
            session.show_displays()

    def do_jump(self, arg: str) -> None:
        frame = self._require_stopped()
        if not self.session.capabilities.get("supportsGotoTargetsRequest"):
            raise CommandError(
                "jump is not available: this Dapper engine does not support the DAP 'goto' request yet"
            )
        line = parse_count(arg) if arg.strip() else None
        if line is None:
            raise CommandError("jump needs a line number")
        targets = self.session.client.request(
            "gotoTargets", {"source": frame.get("source") or {}, "line": line}
        ).get("targets", [])
        if not targets:
            raise CommandError(f"cannot jump to line {line}")
        self.session.client.request(
            "goto", {"threadId": self.session.thread_id, "targetId": targets[0]["id"]}
        )
        self.session.stopped = False

    # ------------------------------------------------------------ stack

    def do_where(self, arg: str) -> None:
        self._require_stopped()
        session = self.session
        for index in range(len(session.frames) - 1, -1, -1):
            session.show_location(
                session.frames[index], ">" if index == session.frame_index else " "
            )

    def do_up(self, arg: str) -> None:
        self._move(parse_count(arg))

    def do_down(self, arg: str) -> None:
        self._move(-parse_count(arg))

    def _move(self, delta: int) -> None:
        self._require_stopped()
        session = self.session
        target = session.frame_index + delta
        if target >= len(session.frames):
            raise CommandError("Oldest frame")
        if target < 0:
            raise CommandError("Newest frame")
        session.frame_index = target
        session.last_listed = None
        session.show_location()

    # ------------------------------------------------------------ source

    def do_list(self, arg: str) -> None:
        frame = self._require_stopped()
        lines = self._lines(frame)
        current = frame.get("line") or 1
        try:
            first, last = list_window(arg, current, self.session.last_listed, len(lines))
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        if first > len(lines):
            raise CommandError("end of file")
        self._print_lines(frame, lines, first, last)
        self.session.last_listed = last

    def do_longlist(self, arg: str) -> None:
        frame = self._require_stopped()
        lines = self._lines(frame)
        span = enclosing_function(lines, frame.get("line") or 1)
        first, last = (span.first, span.last) if span else (1, len(lines))
        self._print_lines(frame, lines, first, last)

    def _lines(self, frame: dict) -> list[str]:
        lines = self.session.sources.lines(frame.get("source") or {})
        if lines is None:
            raise CommandError(f"no source is available for {frame_path(frame)}")
        return lines

    def _print_lines(self, frame: dict, lines: list[str], first: int, last: int) -> None:
        path = frame_path(frame)
        marks = {}
        for bp in self.session.breakpoints.items.values():
            if bp.file == path and bp.line is not None:
                marks[bp.line] = "B" if bp.enabled else "b"
        current = frame.get("line")
        for number in range(first, last + 1):
            self.console.say(
                listing_line(
                    number,
                    lines[number - 1],
                    current=number == current,
                    breakpoint=marks.get(number, ""),
                    palette=self.console.palette,
                )
            )

    # ------------------------------------------------------------ values

    def do_p(self, arg: str) -> None:
        if not arg:
            raise CommandError("p needs an expression")
        self.console.say(self.session.evaluate(arg, "clipboard"))

    def do_pp(self, arg: str) -> None:
        if not arg:
            raise CommandError("pp needs an expression")
        text = self.session.evaluate(f"__import__('pprint').pformat(({arg}))", "clipboard")
        try:
            text = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            pass
        self.console.say(str(text))

    def do_display(self, arg: str) -> None:
        session = self.session
        if not arg:
            shown = session.frame_displays()
            if not shown:
                self.console.say("No expressions are displayed.")
            for expression, value in shown.items():
                self.console.say(f"display {expression}: {value}")
            return
        self._require_stopped()
        value = session.display_value(arg)
        session.frame_displays()[arg] = value  # kept even when it cannot be evaluated yet
        self.console.say(f"display {arg}: {value}")

    def do_undisplay(self, arg: str) -> None:
        shown = self.session.frame_displays()
        if not arg:
            shown.clear()
            return
        if arg not in shown:
            raise CommandError(f"{arg!r} is not being displayed")
        del shown[arg]

    def do_whatis(self, arg: str) -> None:
        if not arg:
            raise CommandError("whatis needs an expression")
        self._require_stopped()
        self.console.say(self.session.evaluate(_WHATIS.format(arg), "clipboard").strip("'\""))

    def do_source(self, arg: str) -> None:
        if not arg:
            raise CommandError("source needs an object: source EXPRESSION")
        self._require_stopped()
        text = self.session.evaluate(f"__import__('inspect').getsourcelines(({arg}))", "clipboard")
        try:
            lines, first = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            raise CommandError(f"no source for {arg}") from None
        for number, line in enumerate(lines, first):
            self.console.say(f"{number:>4}\t{line.rstrip()}")

    def do_interact(self, arg: str) -> None:
        """A Python prompt in the current frame until Ctrl-D (or ``exit()``):
        statements, blocks over several lines, values echoed as the REPL does.
        Unlike pdb's, assignments change the frame's variables."""
        self._require_stopped()
        self.console.say("*interactive*  (Ctrl-D to return to the debugger)")
        lines: list[str] = []
        while True:
            try:
                line = self.read_line("... " if lines else ">>> ")
            except KeyboardInterrupt:  # as Python's own prompt: drop the input, go on
                self.console.write("\nKeyboardInterrupt\n")
                lines = []
                continue
            if line is None:
                break
            lines.append(line)
            source = "\n".join(lines)
            try:
                incomplete = codeop.compile_command(source, "<interact>", "single") is None
            except (SyntaxError, ValueError, OverflowError):
                incomplete = False  # the program's evaluation reports it
            if incomplete and line.strip():
                continue
            lines = []
            if source.strip() in ("exit()", "quit()"):
                break
            if not source.strip():
                continue
            try:
                result = self.session.evaluate(source, "repl")
            except TerminalRequestError as exc:
                self.console.error(str(exc))
                continue
            if result:
                self.console.say(result)
        self.console.say("now exiting InteractiveConsole...")

    def do_alias(self, arg: str) -> None:
        name, _, command = arg.strip().partition(" ")
        if not name:
            for alias, text in sorted(self.aliases.items()):
                self.console.say(f"{alias} = {text}")
            return
        if not command.strip():
            if name not in self.aliases:
                raise CommandError(f"there is no alias named {name!r}")
            self.console.say(f"{name} = {self.aliases[name]}")
            return
        self.aliases[name] = command.strip()

    def do_unalias(self, arg: str) -> None:
        if self.aliases.pop(arg.strip(), None) is None:
            raise CommandError(f"there is no alias named {arg.strip()!r}")

    def expand_alias(self, line: str) -> str:
        """pdb's alias expansion: the first word, %1..%9 and %* (repeatedly,
        so aliases may use aliases; a loop stops after a few rounds)."""
        for _ in range(10):
            words = line.split()
            if not words or words[0] not in self.aliases:
                return line
            text = self.aliases[words[0]]
            for index, word in enumerate(words[1:], 1):
                text = text.replace(f"%{index}", word)
            line = text.replace("%*", " ".join(words[1:]))
        return line

    def do_args(self, arg: str) -> None:
        frame = self._require_stopped()
        lines = self.session.sources.lines(frame.get("source") or {}) or []
        span = enclosing_function(lines, frame.get("line") or 1)
        for name in span.parameters if span else ():
            try:
                value = self.session.evaluate(name, "watch")
            except TerminalRequestError as exc:
                value = f"<{exc}>"
            self.console.say(f"{name} = {value}")

    def do_retval(self, arg: str) -> None:
        self._require_stopped()
        value = self.session.return_value()
        if value is None:
            raise CommandError(
                "no return value is known here (step out of a function with 'r' first)"
            )
        self.console.say(value)

    def do_python(self, code: str) -> None:
        if not code:
            return
        self._require_stopped()
        result = self.session.evaluate(code, "repl")
        if result:
            self.console.say(result)

    # ------------------------------------------------------------ threads

    def do_threads(self, arg: str) -> None:
        threads = self.session.client.request("threads").get("threads", [])
        for thread in threads:
            mark = "*" if thread["id"] == self.session.thread_id else " "
            self.console.say(f"{mark} {thread['id']:>3} {thread.get('name', '')}")

    def do_thread(self, arg: str) -> None:
        if not arg:
            self.do_threads(arg)
            return
        (number,) = parse_numbers(arg, "thread id")
        known = {t["id"] for t in self.session.client.request("threads").get("threads", [])}
        if number not in known:
            raise CommandError(f"there is no thread {number} (see 'threads')")
        session = self.session
        session.thread_id = number
        session.refresh_stack()
        # A thread waiting in a library (join, a lock, a queue): its innermost
        # frame of the program's own code is the one to look at, as in pdb.
        session.frame_index = next(
            (
                index
                for index, frame in enumerate(session.frames)
                if frame.get("presentationHint") != "subtle"
            ),
            0,
        )
        session.show_location()

    # ------------------------------------------------------------ processes

    def do_processes(self, arg: str) -> None:
        if self.processes is None:
            raise CommandError("this run has one process")
        for number, session in self.processes.numbered():
            if session is not self.session:
                session.drain_events()  # what each process did meanwhile
            mark = "*" if session is self.session else " "
            state = "ended" if session.ended else "stopped" if session.stopped else "running"
            self.console.say(f"{mark} {number:>3} {self.processes.describe(number)}  {state}")

    def do_process(self, arg: str) -> None:
        if not arg:
            self.do_processes(arg)
            return
        (number,) = parse_numbers(arg, "process number")
        target = self.processes.get(number) if self.processes is not None else None
        if target is None:
            raise CommandError(f"there is no process {number} (see 'processes')")
        if target.ended:
            raise CommandError(f"process {number} has ended")
        if not target.stopped:
            raise CommandError(f"process {number} is running (Ctrl-C pauses every process)")
        self.session = target
        target.show_location()

    # ------------------------------------------------------------ exceptions

    def do_catch(self, arg: str) -> None:
        session = self.session
        words = arg.split(maxsplit=1)
        if not words:
            if not session.exception_filters:
                self.console.say("Not stopping on exceptions.")
            for name, condition in session.exception_filters.items():
                self.console.say(
                    f"Stopping on {name} exceptions{' of type ' + condition if condition else ''}."
                )
            return
        if words[0] == "off":
            names = words[1].split() if len(words) > 1 else list(session.exception_filters)
            for name in names:
                session.exception_filters.pop(name, None)
        else:
            if words[0] not in _EXCEPTION_FILTERS:
                raise CommandError(
                    f"catch takes one of {', '.join(_EXCEPTION_FILTERS)} (or 'off'), not {words[0]!r}"
                )
            session.exception_filters[words[0]] = words[1].strip() if len(words) > 1 else ""
        session.client.request("setExceptionBreakpoints", session.exception_arguments())
        self.do_catch("")

    def do_exceptions(self, arg: str) -> None:
        """pdb's (3.13) chained exceptions at an exception stop: list them, the
        first raised first; ``exceptions N`` shows exception N's traceback as
        the stack (``w``, ``up``, ``p`` work on its frames)."""
        session = self.session
        self._require_stopped()
        if session.last_reason != "exception":
            raise CommandError(
                "Did not find chained exceptions. To move between exceptions, stop on one first"
            )
        arguments: dict[str, int] = {"threadId": session.thread_id or 1}
        if arg.strip():
            (arguments["show"],) = parse_numbers(arg, "exception number")
        chain = session.client.request("dapper/exceptions", arguments).get("exceptions", [])
        if "show" in arguments:
            session.exception_index = arguments["show"]
            session.refresh_stack()
            session.show_location()
            return
        current = len(chain) - 1 if session.exception_index is None else session.exception_index
        for number, text in enumerate(chain):
            self.console.say(f"{'>' if number == current else ' '} {number:>3} {text}")

    def do_debug(self, arg: str) -> None:
        """pdb's recursive debugger: run CODE in the current frame under a
        nested debug that stops at its first line; when CODE ends, its value
        (or exception) is shown and the prompt is back at this stop."""
        frame = self._require_stopped()
        if not arg.strip():
            raise CommandError("debug needs code to run, e.g. debug f(3)")
        session = self.session
        session.client.request("dapper/debugCode", {"frameId": frame["id"], "expression": arg})
        self.console.say("ENTERING RECURSIVE DEBUGGER")
        session.nested_debugs += 1
        session.stopped = False
        session.pending_commands.clear()

    # ------------------------------------------------------------ other

    def do_backend(self, arg: str) -> None:
        body = self.session.client.request("dapper/status")
        status = body.get("status") or {}
        self.console.say(
            f"Backend: {status.get('backend')} (hook installed: {'yes' if status.get('hook_installed') else 'no'})"
        )
        if status.get("reason"):
            self.console.say(f"Why: {status['reason']}")
        if status.get("fallback_from"):
            self.console.say(f"Fell back from: {status['fallback_from']}")
        stats = body.get("stats") or {}
        if stats:
            self.console.say("Counters:")
            width = max(len(k) for k in stats)
            for key, value in stats.items():
                self.console.say(f"  {key:<{width}} {value}")

    def do_help(self, arg: str) -> None:
        if arg:
            name = ALIASES.get(arg.strip())
            if name is None:
                raise CommandError(f"no help for {arg.strip()!r}: not a command")
            self.console.say(f"{'/'.join(_spellings(name))} {HELP[name]}")
            return
        self.console.say("Commands (type 'help COMMAND' for one):")
        for name in HELP:
            self.console.say(f"  {'/'.join(_spellings(name)):<24} {HELP[name]}")
        self.console.say("Anything else (or !statement) runs as Python in the current frame.")

    def do_quit(self, arg: str) -> None:
        session = self.session
        if session.nested_debugs and session.stopped:
            # As in pdb: inside ``debug``, quit ends only the nested debug.
            session.client.request(
                "dapper/debugCode", {"threadId": session.thread_id or 1, "quit": True}
            )
            session.stopped = False
            session.pending_commands.clear()
            return
        raise QuitRequested

    def do_run(self, arg: str) -> None:
        try:
            arguments = shlex.split(arg) if arg.strip() else None
        except ValueError as exc:
            raise CommandError(f"cannot read the arguments: {exc}") from None
        raise RestartRequested(arguments)

    def do_restart(self, arg: str) -> None:
        self.do_run(arg)

    def _require_stopped(self) -> dict:
        return self.session.require_frame()


def _spellings(name: str) -> list[str]:
    return sorted((s for s, n in ALIASES.items() if n == name), key=len)


#: Commands that let the program run; after one, the rest of a breakpoint's command list is dropped.
RESUMING = {
    "continue",
    "next",
    "step",
    "return",
    "until",
    "jump",
    "quit",
    "restart",
    "run",
    "debug",
}

HELP: dict[str, str] = {
    "break": "[FILE:]LINE | FUNCTION [, CONDITION]   set a breakpoint; with no argument, list them",
    "tbreak": "[FILE:]LINE | FUNCTION [, CONDITION]   a breakpoint removed when first hit",
    "clear": "[N ... | FILE:LINE]   delete breakpoints (all when no argument)",
    "disable": "N ...   disable breakpoints",
    "enable": "N ...   enable breakpoints",
    "condition": "N [EXPRESSION]   set (or remove) a breakpoint's condition",
    "ignore": "N COUNT   pass breakpoint N the next COUNT times",
    "commands": "[N]   commands to run when breakpoint N stops, one a line, ending with 'end'",
    "continue": "continue until a breakpoint or the end",
    "next": "run the current line, stepping over calls",
    "step": "run the current line, stepping into calls",
    "return": "continue until the current function returns",
    "until": "[LINE]   continue until a line after the current one (or LINE) in this frame",
    "jump": "LINE   make LINE the next line to run",
    "where": "print the stack, newest frame last",
    "up": "[COUNT]   select an older frame",
    "down": "[COUNT]   select a newer frame",
    "list": "[FIRST[, LAST] | .]   list source around the current line",
    "longlist": "list the whole current function",
    "p": "EXPRESSION   print its value",
    "pp": "EXPRESSION   pretty-print its value",
    "display": "[EXPRESSION]   print it whenever the program stops and it has changed",
    "undisplay": "[EXPRESSION]   stop displaying it (all when no argument)",
    "args": "print the current function's arguments",
    "retval": "print the value the last function returned",
    "threads": "list the threads",
    "thread": "N   select thread N",
    "processes": "list the processes of this run (the program and its children)",
    "process": "N   switch the prompt to process N (a stopped one)",
    "catch": "raised|uncaught|userUnhandled [TYPE ...] | off [FILTER]   stop on exceptions",
    "exceptions": "[N]   at an exception stop: its chained exceptions; N shows that one's traceback",
    "debug": "CODE   step through CODE, run in the current frame; back here when it ends",
    "help": "[COMMAND]   this help",
    "quit": "end the program and the debugger (inside debug: end only that)",
    "whatis": "EXPRESSION   print its type",
    "source": "EXPRESSION   print the source of a function, class or module",
    "interact": "a Python prompt in the current frame until Ctrl-D",
    "alias": "[NAME [COMMAND]]   define an alias (%1.. and %* are its arguments); list them",
    "unalias": "NAME   delete an alias",
    "restart": "[ARGS ...]   start the program again (with ARGS); breakpoints and displays stay",
    "run": "[ARGS ...]   the same as restart",
    "backend": "show the active backend and its counters (dapper/status)",
}
