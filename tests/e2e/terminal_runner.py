"""Runs ``dapper debug`` as a user would: a subprocess with piped stdin, its
output collected as it arrives, and waits on text with timeouts (never sleeps).

The thread that collects output owns the descriptor it reads: ``close()``
stops that thread before the descriptor is closed. (Closing it under a reader
that is between two reads let the reader's next read take the descriptor
number a later test's terminal had just been given: that test's output then
went missing, its first printed line or the echo of typed keys.)"""

from __future__ import annotations

import os
import re
import select
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = float(os.environ.get("DAPPER_TEST_TIMEOUT", "30"))
PROMPT = "(dapper) "


class TerminalRun:
    """One ``python -m dapper.cli debug ARGS`` process."""

    def __init__(
        self, *args: str, cwd: Path | str = REPO_ROOT, stdin_text: str | None = None
    ) -> None:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
        env.pop("FORCE_COLOR", None)
        env["HOME"] = env.get("HOME", "/tmp")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "dapper.cli", "debug", *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            cwd=str(cwd),
            env=env,
            start_new_session=True,
        )
        self._text = ""
        self._cursor = 0
        self._changed = threading.Condition()
        self._eof = False
        self._closing = threading.Event()
        self._reader = threading.Thread(target=self._pump, daemon=True)
        self._reader.start()
        if stdin_text is not None:
            self.process.stdin.write(stdin_text.encode())
            self.process.stdin.close()

    def _read_chunk(self, fd: int) -> bytes | None:
        """The next output (b"" at its end), or None once ``close()`` began."""
        while not self._closing.is_set():
            ready, _, _ = select.select([fd], [], [], 0.1)
            if ready:
                try:
                    return os.read(fd, 65536)
                except OSError:  # EIO on a terminal: every holder of it is gone
                    return b""
        return None

    def _pump(self) -> None:
        fd = self.process.stdout.fileno()
        while True:
            chunk = self._read_chunk(fd)
            if chunk is None:
                return
            with self._changed:
                if not chunk:
                    self._eof = True
                else:
                    self._text += chunk.decode("utf-8", "replace")
                self._changed.notify_all()
            if not chunk:
                return

    @property
    def output(self) -> str:
        with self._changed:
            return self._text

    def expect(self, pattern: str, timeout: float = TIMEOUT) -> re.Match[str]:
        """Wait for ``pattern`` (a regex) after what earlier expects consumed."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                match = regex.search(self._text, self._cursor)
                if match:
                    self._cursor = match.end()
                    return match
                remaining = deadline - time.monotonic()
                if self._eof or remaining <= 0:
                    why = "the process ended" if self._eof else "timed out"
                    raise AssertionError(
                        f"{why} waiting for {pattern!r}; output after the cursor:\n{self._text[self._cursor :]}"
                        f"\n--- whole output ---\n{self._text}"
                    )
                self._changed.wait(remaining)

    def prompt(self, timeout: float = TIMEOUT) -> str:
        """Wait for the next prompt; returns the output since the previous expect."""
        start = self._cursor
        self.expect(r"\(*" + re.escape(PROMPT[:-1]) + r"\)* $", timeout)  # ((dapper)) when nested
        with self._changed:
            return self._text[start : self._cursor]

    def send(self, line: str) -> None:
        self.process.stdin.write((line + "\n").encode())
        self.process.stdin.flush()

    def command(self, line: str, timeout: float = TIMEOUT) -> str:
        """Type a command at the prompt; returns its output up to the next prompt."""
        self.send(line)
        self.expect(re.escape(line) + "\n")
        return self.prompt(timeout)

    def interrupt(self) -> None:
        """Ctrl-C, as the terminal would deliver it."""
        os.kill(self.process.pid, signal.SIGINT)

    def wait(self, timeout: float = TIMEOUT) -> int:
        try:
            code = self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"dapper debug did not exit; output:\n{self.output}") from None
        with self._changed:
            self._changed.wait_for(lambda: self._eof, timeout)
        return code

    def kill(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def _stop_reader(self) -> None:
        self._closing.set()
        self._reader.join(10)

    def close(self) -> None:
        self.kill()
        self._stop_reader()
        for stream in (self.process.stdin, self.process.stdout):
            try:
                stream.close()
            except OSError:
                pass


class PtyRun(TerminalRun):
    """``dapper debug`` on a pseudo-terminal, as a user in a terminal window
    runs it: its stdin, stdout and stderr are the terminal, which is its
    controlling terminal, so typed keys (Enter, Ctrl-C, Ctrl-D, Tab) act as
    they do for a user. Output is read as the terminal shows it (``\\r\\n``
    line ends are turned into ``\\n``)."""

    ROWS, COLUMNS = 31, 97

    def __init__(
        self,
        *args: str,
        cwd: Path | str = REPO_ROOT,
        env: dict | None = None,
        argv: list[str] | None = None,
    ) -> None:
        """``dapper debug ARGS``, or any command line ``argv`` (a program that
        calls ``breakpoint()``, ``python -m dapper.pm``)."""
        import fcntl
        import struct
        import termios

        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", self.ROWS, self.COLUMNS, 0, 0))
        environment = dict(os.environ)
        environment["PYTHONPATH"] = os.pathsep.join(
            filter(None, [str(REPO_ROOT), environment.get("PYTHONPATH")])
        )
        environment.pop("FORCE_COLOR", None)
        environment["NO_COLOR"] = "1"
        environment["TERM"] = "xterm-dapper-test"
        environment["HOME"] = environment.get("HOME", "/tmp")
        environment.update(env or {})

        def controlling_terminal() -> None:
            fcntl.ioctl(0, termios.TIOCSCTTY, 0)

        self.process = subprocess.Popen(
            argv or [sys.executable, "-m", "dapper.cli", "debug", *args],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            cwd=str(cwd),
            env=environment,
            start_new_session=True,
            preexec_fn=controlling_terminal,
        )
        os.close(slave)
        self.master = master
        self._text = ""
        self._raw = ""
        self._cursor = 0
        self._changed = threading.Condition()
        self._eof = False
        self._closing = threading.Event()
        self._reader = threading.Thread(target=self._pump, daemon=True)
        self._reader.start()

    def _pump(self) -> None:
        import codecs

        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        while True:
            chunk = self._read_chunk(self.master)
            if chunk is None:
                return
            text = decoder.decode(chunk, final=not chunk)
            with self._changed:
                if not chunk:
                    self._eof = True
                else:
                    self._raw += text
                    self._text = self._raw.replace("\r\r\n", "\n").replace("\r\n", "\n")
                self._changed.notify_all()
            if not chunk:
                return

    def type(self, keys: str) -> None:
        """Keys as typed: ``\\r`` is Enter, ``\\x03`` Ctrl-C, ``\\x04`` Ctrl-D."""
        os.write(self.master, keys.encode())

    def send(self, line: str) -> None:
        self.type(line + "\r")

    def interrupt(self) -> None:
        """Ctrl-C typed on the keyboard (the terminal turns it into SIGINT, or
        hands it to whoever reads it raw)."""
        self.type("\x03")

    def close(self) -> None:
        self.kill()
        self._stop_reader()
        try:
            os.close(self.master)
        except OSError:
            pass
