"""The builtin ``breakpoint()`` stops in Dapper, not in pdb on the program's stdin.

``sys.breakpointhook`` is replaced while the program runs under the debugger.
``PYTHONBREAKPOINT=0`` still turns ``breakpoint()`` off, and any other
``PYTHONBREAKPOINT`` value keeps its meaning (Python's own hook honours it).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any

from dapper import os_threads

#: the program's own hook while ours is installed
_previous: Callable[..., Any] | None = None


def install(debugger: Callable[[], Any], active: Callable[[], bool] | None = None) -> None:
    """Route ``breakpoint()`` to ``debugger()`` (looked up per call: a forked
    child of the program is served by its own engine).

    With ``active``, ``breakpoint()`` does nothing while it returns False (a
    program that called ``dapper.listen()`` and has no client yet runs on, as
    under debugpy).
    """

    def hook(*args: Any, **kwargs: Any) -> Any:
        chosen = os.environ.get("PYTHONBREAKPOINT")
        if chosen == "0":
            return None
        if chosen:
            return sys.__breakpointhook__(*args, **kwargs)
        if active is not None and not active():
            return None
        # the OS thread, not a greenlet's id under gevent's monkey-patching
        debugger().request_stop_in(os_threads.get_ident(), sys._getframe(1))
        return None

    global _previous
    if _previous is None:
        _previous = sys.breakpointhook
    sys.breakpointhook = hook


def uninstall() -> None:
    """Put back the hook the program had before (attach by pid ends)."""
    global _previous
    sys.breakpointhook = _previous or sys.__breakpointhook__
    _previous = None
