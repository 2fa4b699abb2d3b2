"""Exit codes of debugged children that could not report their own end.

A child killed by a signal (SIGKILL, a crash) dies before its engine can send
``exited``; only its parent learns how it ended, when it reaps it. So every
debugged process watches the children it reaps (``os.waitpid``, which
``subprocess``, ``multiprocessing`` and the forkserver call, and
``Popen.poll``'s own path) and tells the root adapter about each signal death;
the child's session asks the root adapter for it when its engine vanishes.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from dapper.protocol.child_link import ChildLink, report_exit

_link: ChildLink | None = None
_originals: dict[str, Callable[..., Any]] = {}


def install(link: ChildLink) -> None:
    """Report the signal deaths of children this process reaps to ``link``."""
    global _link
    _link = link
    if _originals:
        return
    import subprocess

    _originals["waitpid"] = os.waitpid
    os.waitpid = _waitpid
    _originals["_handle_exitstatus"] = subprocess.Popen._handle_exitstatus  # type: ignore[attr-defined]
    subprocess.Popen._handle_exitstatus = _handle_exitstatus  # type: ignore[attr-defined]


def uninstall() -> None:
    """Put the originals back (tests)."""
    global _link
    _link = None
    if not _originals:
        return
    import subprocess

    os.waitpid = _originals.pop("waitpid")
    subprocess.Popen._handle_exitstatus = _originals.pop("_handle_exitstatus")  # type: ignore[attr-defined]


def signal_exit_code(status: int) -> int | None:
    """``-N`` for a wait status of a process killed by signal N (as
    ``subprocess`` reports it), None for any other status."""
    return -os.WTERMSIG(status) if os.WIFSIGNALED(status) else None


def _note(pid: Any, status: Any) -> None:
    try:
        if _link is not None and isinstance(pid, int) and pid > 0:
            code = signal_exit_code(status)
            if code is not None:
                report_exit(_link, pid, code)
    except Exception:  # noqa: BLE001 - never break the program's own wait
        pass


def _waitpid(pid: int, options: int, /) -> tuple[int, int]:
    result = _originals["waitpid"](pid, options)
    _note(result[0], result[1])
    return result


def _handle_exitstatus(self: Any, sts: int, *args: Any, **kwargs: Any) -> None:
    _originals["_handle_exitstatus"](self, sts, *args, **kwargs)
    _note(self.pid, sts)
