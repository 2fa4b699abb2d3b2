"""The program's own terminal: ``dapper debug`` answers the adapter's
``runInTerminal`` by running the program on a pseudo-terminal it relays to the
user's terminal, as ``script`` or ``ssh`` do.

The program sees a terminal on stdin, stdout and stderr (``isatty()`` true, the
user's size, ``TERM`` and settings, a controlling terminal for ``getpass``).
Only one side reads the keyboard at a time: while the program runs, keystrokes
go to it (the user's terminal is in raw mode, so Ctrl-D reaches ``input()`` and
Ctrl-C is seen here as a byte and becomes a pause); while it is stopped, the
prompt reads them. Program output is copied while it runs and drained before
the debugger prints anything at a stop, so nothing is lost or split mid-line.
"""

from __future__ import annotations

import codecs
import errno
import fcntl
import os
import select
import signal
import subprocess
import termios
import threading
from collections.abc import Callable
from typing import Any

from dapper.protocol import child_link

CTRL_C = b"\x03"
CTRL_Z = b"\x1a"


class ProgramTerminal:
    """One pseudo-terminal for the launched program, relayed to ``keyboard_fd``
    and ``screen_fd`` (the user's terminal)."""

    def __init__(
        self,
        keyboard_fd: int,
        screen_fd: int,
        write: Callable[[str], None],
        on_ctrl_c: Callable[[], None] | None = None,
    ) -> None:
        self.keyboard_fd = keyboard_fd
        self.screen_fd = screen_fd
        self._write = write
        #: what Ctrl-C typed while the program runs does (a pause)
        self.on_ctrl_c = on_ctrl_c
        self.master: int | None = None
        self.process: subprocess.Popen[bytes] | None = None
        self._cooked: list[Any] | None = None
        self._raw = False
        self._lock = threading.Lock()
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        #: True when the program's last output ended a line (or nothing was written)
        self.at_line_start = True
        self._previous_winch: Any = None

    # ------------------------------------------------------------ starting

    def spawn(self, args: list[str], cwd: str | None, env: dict[str, str | None]) -> int:
        """Start ``args`` on a new pseudo-terminal; returns its process id."""
        self.close()  # a restarted program gets a new terminal
        master, slave = os.openpty()
        try:
            attributes = termios.tcgetattr(self.keyboard_fd)
            termios.tcsetattr(slave, termios.TCSANOW, attributes)
        except termios.error:
            pass
        self.master = master
        self._copy_size()
        merged = dict(os.environ)
        # The program's children print into their sessions, labelled, not here.
        merged[child_link.TERMINAL_OUTPUT_ENV] = "1"
        for key, value in env.items():
            if value is None:
                merged.pop(key, None)
            else:
                merged[key] = value
        try:
            self.process = subprocess.Popen(
                args,
                cwd=cwd or None,
                env=merged,
                stdin=slave,
                stdout=slave,
                stderr=slave,
                start_new_session=True,
                preexec_fn=_take_controlling_terminal,
            )
        finally:
            os.close(slave)
        flags = fcntl.fcntl(master, fcntl.F_GETFL)
        fcntl.fcntl(master, fcntl.F_SETFL, flags | os.O_NONBLOCK)
        return self.process.pid

    def _on_resize(self, signum: int, frame: Any) -> None:
        self._copy_size()

    def _copy_size(self) -> None:
        if self.master is None:
            return
        for fd in (self.screen_fd, self.keyboard_fd):
            try:
                size = fcntl.ioctl(fd, termios.TIOCGWINSZ, b"\0" * 8)
            except OSError:
                continue
            try:
                fcntl.ioctl(self.master, termios.TIOCSWINSZ, size)
            except OSError:
                pass
            return

    # ------------------------------------------------------------ running

    def pump(self, timeout: float) -> None:
        """The program runs: relay keystrokes to it and its output to the
        screen, for up to ``timeout`` seconds."""
        if self.master is None:
            return
        if self._previous_winch is None and threading.current_thread() is threading.main_thread():
            # The user resizes the window: so does the program's terminal.
            self._previous_winch = signal.signal(signal.SIGWINCH, self._on_resize)
        self._enter_raw()
        try:
            ready, _, _ = select.select([self.keyboard_fd, self.master], [], [], timeout)
        except (OSError, ValueError):
            return
        if self.master in ready:
            self.drain()
        if self.keyboard_fd in ready:
            try:
                data = os.read(self.keyboard_fd, 4096)
            except OSError:
                data = b""
            if not data:
                return
            if CTRL_C in data:
                before = data.split(CTRL_C, 1)[0]
                self._send(before)
                if self.on_ctrl_c is not None:
                    self.on_ctrl_c()
                return
            if CTRL_Z in data:
                # Job control, as for any program in the shell: ``dapper debug``
                # is suspended (the program, in its own session, runs on);
                # ``fg`` brings it back, in raw mode again at the next pump.
                self._send(data.split(CTRL_Z, 1)[0])
                self.leave_raw()
                os.kill(os.getpid(), signal.SIGTSTP)
                return
            self._send(data)

    def _send(self, data: bytes) -> None:
        while data and self.master is not None:
            try:
                written = os.write(self.master, data)
            except BlockingIOError:
                select.select([], [self.master], [], 0.1)
                continue
            except OSError:
                return
            data = data[written:]

    def drain(self) -> None:
        """Copy whatever the program has written so far to the screen."""
        with self._lock:
            while self.master is not None:
                try:
                    chunk = os.read(self.master, 65536)
                except BlockingIOError:
                    return
                except OSError as exc:  # EIO: every holder of the terminal is gone
                    if exc.errno != errno.EIO:
                        raise
                    return
                if not chunk:
                    return
                text = self._decoder.decode(chunk)
                if text:
                    self.at_line_start = text.endswith("\n")
                    self._write(text)

    def stopped(self) -> None:
        """The program stopped: the keyboard is the prompt's again, and the
        program's output so far is on the screen, ending a line."""
        self.leave_raw()
        self.drain()
        if not self.at_line_start:
            self._write("\n")
            self.at_line_start = True

    def _enter_raw(self) -> None:
        if self._raw:
            return
        try:
            self._cooked = termios.tcgetattr(self.keyboard_fd)
        except termios.error:
            return
        raw = termios.tcgetattr(self.keyboard_fd)
        raw[0] &= ~(termios.BRKINT | termios.ICRNL | termios.INPCK | termios.ISTRIP | termios.IXON)
        raw[3] &= ~(termios.ECHO | termios.ICANON | termios.IEXTEN | termios.ISIG)
        raw[6][termios.VMIN] = 1
        raw[6][termios.VTIME] = 0
        termios.tcsetattr(self.keyboard_fd, termios.TCSANOW, raw)
        self._raw = True

    def leave_raw(self) -> None:
        """Give the user's terminal back its own settings."""
        if self._raw and self._cooked is not None:
            try:
                termios.tcsetattr(self.keyboard_fd, termios.TCSANOW, self._cooked)
            except termios.error:
                pass
        self._raw = False

    # ------------------------------------------------------------ ending

    def exit_code(self, timeout: float) -> int | None:
        """The program's exit code as a shell reports it (None if still running)."""
        if self.process is None:
            return None
        try:
            code = self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            return None
        return 128 - code if code < 0 else code

    def close(self) -> None:
        """End the program if it is still there, show its last output, and let
        the terminal go."""
        self.leave_raw()
        if self.process is not None and self.process.poll() is None:
            try:
                self.process.wait(2)
            except subprocess.TimeoutExpired:
                for sig in (signal.SIGTERM, signal.SIGKILL):
                    try:
                        os.killpg(self.process.pid, sig)
                    except OSError:
                        pass
                    try:
                        self.process.wait(2)
                        break
                    except subprocess.TimeoutExpired:
                        continue
        self.drain()
        if self.master is not None:
            os.close(self.master)
            self.master = None
        if not self.at_line_start:
            self._write("\n")
            self.at_line_start = True
        if (
            self._previous_winch is not None
            and threading.current_thread() is threading.main_thread()
        ):
            signal.signal(signal.SIGWINCH, self._previous_winch)
            self._previous_winch = None


def _take_controlling_terminal() -> None:
    """In the child, after ``setsid``: its terminal becomes its controlling
    terminal (``/dev/tty``, job control, ``getpass``)."""
    try:
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)
    except OSError:
        pass
