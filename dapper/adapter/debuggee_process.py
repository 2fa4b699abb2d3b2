"""A launched debuggee process: its output as events, its true exit code.

Output is read until end of file before the exit is reported, so nothing
written just before exit, or just before a crash, is lost.
"""

from __future__ import annotations

import codecs
import os
import signal
import subprocess
import threading
from collections.abc import Callable
from typing import IO

from dapper import orphan_guard

Output = Callable[[str, str], None]


def exit_code_of(returncode: int) -> int:
    """The code a shell would report: 128+N for a process killed by signal N."""
    return 128 - returncode if returncode < 0 else returncode


class DebuggeeProcess:
    """Spawns the debuggee with piped stdout/stderr and pumps them to ``on_output``."""

    def __init__(
        self, argv: list[str], *, cwd: str | None, env: dict[str, str], on_output: Output
    ) -> None:
        self.argv = argv
        self._on_output = on_output
        self._pumps: list[threading.Thread] = []
        self.process = orphan_guard.spawn(
            lambda: subprocess.Popen(
                argv,
                cwd=cwd,
                env={**env, **orphan_guard.parent_env()},
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                start_new_session=True,
            )
        )
        for stream, category in ((self.process.stdout, "stdout"), (self.process.stderr, "stderr")):
            pump = threading.Thread(
                target=self._pump, args=(stream, category), name=f"dapper.{category}", daemon=True
            )
            pump.start()
            self._pumps.append(pump)

    @property
    def pid(self) -> int:
        return self.process.pid

    def _pump(self, stream: IO[bytes], category: str) -> None:
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        fd = stream.fileno()
        while True:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                chunk = b""
            text = decoder.decode(chunk, final=not chunk)
            if text:
                self._on_output(category, text)
            if not chunk:
                break
        stream.close()

    def wait(self) -> int:
        """Wait for exit and for all output to be read; returns the shell-style exit code."""
        returncode = self.process.wait()
        for pump in self._pumps:
            pump.join(timeout=5)
        return exit_code_of(returncode)

    def drain(self, timeout: float) -> None:
        """Wait until the program's output pipes are read to their end (the
        program released or closed them), so nothing written before is lost."""
        for pump in self._pumps:
            pump.join(timeout=timeout)

    def poll(self) -> int | None:
        return self.process.poll()

    def terminate(self, grace: float = 3.0) -> None:
        """SIGTERM, then SIGKILL if it lingers (the whole process group)."""
        if self.process.poll() is not None:
            return
        self._signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            self.kill()

    def kill(self) -> None:
        if self.process.poll() is None:
            self._signal(signal.SIGKILL)

    def _signal(self, sig: int) -> None:
        try:
            os.killpg(self.process.pid, sig)
        except (ProcessLookupError, PermissionError):
            try:
                self.process.send_signal(sig)
            except ProcessLookupError:
                pass
