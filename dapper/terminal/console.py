"""The terminal itself: serialised writes from the reader thread and the
prompt, colours, and line input with readline editing and history."""

from __future__ import annotations

import os
import sys
import termios
import threading
from collections.abc import Callable
from typing import Any, TextIO

from dapper.terminal.render import Palette, error_line

HISTORY_FILE = os.path.join(os.path.expanduser("~"), ".dapper_history")


class Console:
    """Where ``dapper debug`` writes and reads."""

    def __init__(
        self,
        stdin: TextIO | None = None,
        stdout: TextIO | None = None,
        stderr: TextIO | None = None,
    ) -> None:
        self.stdin = stdin or sys.stdin
        self.stdout = stdout or sys.stdout
        self.stderr = stderr or sys.stderr
        self.palette = Palette.for_stream(self.stdout)
        self.interactive = bool(getattr(self.stdin, "isatty", lambda: False)())
        self._lock = threading.Lock()
        #: the prompt on screen while a line is read (None otherwise)
        self._prompt_on_screen: str | None = None
        self._readline = None
        #: NOFLSH was set here (and is taken off again by ``restore_terminal``)
        self._set_noflsh = False
        if self.interactive and self.stdin is sys.stdin:
            self._readline = _setup_readline()
            self._keep_typeahead_on_ctrl_c()

    def _keep_typeahead_on_ctrl_c(self) -> None:
        """Ctrl-C at the prompt must not make the terminal throw away pending
        input and output (NOFLSH). Keys that readline's ``select()`` has seen
        but not read yet would vanish under its blocking ``read()``, which
        retries on the signal, so the prompt would hang with the keys neither
        echoed nor read; and output not shown yet would be lost."""
        try:
            fd = self.stdin.fileno()
            attributes = termios.tcgetattr(fd)
            if attributes[3] & termios.NOFLSH:
                return
            attributes[3] |= termios.NOFLSH
            termios.tcsetattr(fd, termios.TCSANOW, attributes)
            self._set_noflsh = True
        except (termios.error, OSError, ValueError):
            pass

    def restore_terminal(self) -> None:
        """Take off what ``_keep_typeahead_on_ctrl_c`` set (the session ends)."""
        if not self._set_noflsh:
            return
        self._set_noflsh = False
        try:
            fd = self.stdin.fileno()
            attributes = termios.tcgetattr(fd)
            attributes[3] &= ~termios.NOFLSH
            termios.tcsetattr(fd, termios.TCSANOW, attributes)
        except (termios.error, OSError, ValueError):
            pass

    def write(self, text: str, *, stream: TextIO | None = None) -> None:
        """Write ``text``. While the prompt waits for a line (a child process
        announced from the reader thread, say), the text goes above the prompt,
        which is drawn again with what was typed so far, as readline programs do."""
        with self._lock:
            target = stream or self.stdout
            prompt = self._prompt_on_screen
            if prompt is not None:
                self.stdout.write("\r\x1b[K" if self.interactive else "\n")
                self.stdout.flush()
            target.write(text)
            if prompt is not None:
                if not text.endswith("\n"):
                    target.write("\n")
                target.flush()
                typed = self._readline.get_line_buffer() if self._readline is not None else ""
                self.stdout.write(prompt.replace("\x01", "").replace("\x02", "") + typed)
                self.stdout.flush()
            target.flush()

    def say(self, text: str = "") -> None:
        self.write(text + "\n")

    def error(self, text: str) -> None:
        """One clear line about something that went wrong; the session goes on."""
        self.write(error_line(text, self.palette) + "\n")

    def read_line(self, prompt: str) -> str | None:
        """A line without its newline, or None at end of input.

        Raises ``KeyboardInterrupt`` on Ctrl-C. When stdin is not a terminal the
        line read is echoed after the prompt, so a transcript reads like a session.
        """
        if self.interactive and self.stdin is sys.stdin:
            shown = self.palette.prompt(prompt)
            self._prompt_on_screen = shown
            try:
                return input(shown)
            except EOFError:
                self._prompt_on_screen = None
                self.write("\n")
                return None
            finally:
                self._prompt_on_screen = None
        self.write(prompt)
        self._prompt_on_screen = prompt
        try:
            line = self.stdin.readline()
        finally:
            self._prompt_on_screen = None
        if not line:
            self.write("\n")
            return None
        line = line.rstrip("\r\n")
        self.write(line + "\n")
        return line

    def editing_line(self) -> bool:
        """Whether the user is typing a line at the prompt now (not before
        readline has taken the terminal, nor once the line is entered).

        readline turns the terminal's own line mode (``ICANON``) off while it
        edits a line and back on before it returns the line; without readline
        the terminal edits the line itself, all the time input() waits."""
        if self._readline is None:
            return True
        try:
            return not termios.tcgetattr(self.stdin.fileno())[3] & termios.ICANON
        except (termios.error, OSError, ValueError):
            return True

    def echo_command(self, prompt: str, line: str) -> None:
        """Show a command that came from ``-c`` or a breakpoint's command list."""
        self.write(prompt + line + "\n")

    def set_completer(self, completer: Callable[[str, int], str | None], delimiters: str) -> None:
        """Tab completion at the prompt (when reading a terminal with readline)."""
        if self._readline is None:
            return
        self._readline.set_completer(completer)
        self._readline.set_completer_delims(delimiters)
        if "libedit" in (getattr(self._readline, "__doc__", "") or ""):
            self._readline.parse_and_bind("bind ^I rl_complete")
        else:
            self._readline.parse_and_bind("tab: complete")

    def line_buffer(self) -> tuple[str, int]:
        """The line being edited and where the word to complete starts."""
        if self._readline is None:
            return "", 0
        return self._readline.get_line_buffer(), self._readline.get_begidx()

    def save_history(self) -> None:
        if self._readline is not None:
            try:
                self._readline.write_history_file(HISTORY_FILE)
            except OSError:
                pass


def _setup_readline() -> Any:
    try:
        import readline
    except ImportError:
        return None
    try:
        readline.read_history_file(HISTORY_FILE)
    except OSError:
        pass
    readline.set_history_length(1000)
    return readline
