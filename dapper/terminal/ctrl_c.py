"""Ctrl-C in ``dapper debug``: at the prompt it drops the line being typed; while
the program runs it asks for a pause. Never a traceback, never a quit.

A Python signal handler runs only in the main thread, between bytecodes. At the
prompt the main thread sleeps in readline's ``select()``, which a signal
interrupts only if it arrives *during* that call: one that lands a moment
earlier (the prompt is on the screen, readline has not reached ``select()``
yet: under load this is milliseconds) is noted and then waits for the next
key. So the signal itself is not acted on; a watcher thread reads it from
``signal.set_wakeup_fd`` and, at the prompt, knocks on the main thread
(``SIGUSR1`` to that thread alone) until the prompt has taken the Ctrl-C.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable
from typing import Any

#: how often the main thread is knocked on until the prompt takes a Ctrl-C
KNOCK_EVERY = 0.05


class CtrlC:
    """Installs the handlers; ``at_prompt`` says whether the prompt is reading
    a line, ``while_running`` is called (on the watcher thread) otherwise."""

    def __init__(self, at_prompt: Callable[[], bool], while_running: Callable[[], None]) -> None:
        self.at_prompt = at_prompt
        self.while_running = while_running
        #: a Ctrl-C the prompt has not taken yet
        self._pending = False
        self._main = threading.main_thread().ident or 0
        self._previous: dict[int, Any] = {}
        self._previous_wakeup: int | None = None
        self._pipe: tuple[int, int] | None = None

    def install(self) -> None:
        """From the main thread."""
        read, write = os.pipe()
        os.set_blocking(write, False)
        self._pipe = (read, write)
        self._previous[signal.SIGINT] = signal.signal(signal.SIGINT, _noted)
        self._previous[signal.SIGUSR1] = signal.signal(signal.SIGUSR1, self._on_knock)
        self._previous_wakeup = signal.set_wakeup_fd(write, warn_on_full_buffer=False)
        threading.Thread(target=self._watch, name="dapper.debug.ctrl-c", daemon=True).start()

    def ignore(self) -> None:
        """From now on Ctrl-C does nothing (the session is ending)."""
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        self._pending = False

    def uninstall(self) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        if self._previous_wakeup is not None:
            signal.set_wakeup_fd(self._previous_wakeup)
        if self._pipe is not None:
            os.close(self._pipe[1])  # the watcher reads end of file and ends

    def taken(self) -> None:
        """The prompt got its KeyboardInterrupt (or is gone): stop knocking."""
        self._pending = False

    def _on_knock(self, signum: int, frame: Any) -> None:
        if self._pending and self.at_prompt():
            self._pending = False
            raise KeyboardInterrupt

    def _watch(self) -> None:
        assert self._pipe is not None
        read = self._pipe[0]
        try:
            while True:
                data = os.read(read, 512)
                if not data:
                    return
                if signal.SIGINT not in data:
                    continue  # (a knock's own wake-up byte, or another signal)
                if not self.at_prompt():
                    self.while_running()
                    continue
                self._pending = True
                while self._pending and self.at_prompt():
                    signal.pthread_kill(self._main, signal.SIGUSR1)
                    time.sleep(KNOCK_EVERY)
                self._pending = False
        finally:
            os.close(read)


def _noted(signum: int, frame: Any) -> None:
    """SIGINT's handler does nothing itself: the watcher acts on it."""
