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

A knock is taken only while readline is editing the line. A Ctrl-C typed just
after Enter arrives while the prompt is still, for a moment, open, but its
line is already entered: dropping that line would lose the command the user
typed (``until``, say). That Ctrl-C is meant for what the line runs, so once
the prompt has closed without taking it, it becomes a pause request, as one
typed a moment later would be.
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
    """Installs the handlers. ``open_prompt`` gives the number of the prompt
    reading a line now (each prompt a new one; 0 when none is open),
    ``editing_line`` whether the user is still typing that line, and
    ``while_running`` is called (on the watcher thread) for a Ctrl-C meant for
    what runs."""

    def __init__(
        self,
        open_prompt: Callable[[], int],
        while_running: Callable[[], None],
        editing_line: Callable[[], bool] = lambda: True,
    ) -> None:
        self.open_prompt = open_prompt
        self.while_running = while_running
        self.editing_line = editing_line
        #: holds one token while a Ctrl-C waits to be acted on; whoever pops it
        #: (the prompt's knock handler or the watcher) acts on it, exactly once
        self._unclaimed: list[bool] = []
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
        self._unclaimed.clear()

    def uninstall(self) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        if self._previous_wakeup is not None:
            signal.set_wakeup_fd(self._previous_wakeup)
        if self._pipe is not None:
            os.close(self._pipe[1])  # the watcher reads end of file and ends

    def _claim(self) -> bool:
        try:
            self._unclaimed.pop()  # (atomic: only one side gets the token)
        except IndexError:
            return False
        return True

    def _on_knock(self, signum: int, frame: Any) -> None:
        if self.open_prompt() and self.editing_line() and self._claim():
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
                prompt = self.open_prompt()
                if not prompt:
                    self.while_running()
                    continue
                self._unclaimed[:] = [True]
                while self._unclaimed and self.open_prompt() == prompt:
                    signal.pthread_kill(self._main, signal.SIGUSR1)
                    time.sleep(KNOCK_EVERY)
                if self._claim() and not self.open_prompt():
                    # That prompt's line was entered before it could take the
                    # Ctrl-C: it pauses what the line runs. (If the line ran
                    # and a new prompt is already open, it has nothing left to do.)
                    self.while_running()
        finally:
            os.close(read)


def _noted(signum: int, frame: Any) -> None:
    """SIGINT's handler does nothing itself: the watcher acts on it."""
