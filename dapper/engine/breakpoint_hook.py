"""The builtin ``breakpoint()`` stops in Dapper, not in pdb on the program's stdin.

``sys.breakpointhook`` is replaced while the program runs under the debugger.
``PYTHONBREAKPOINT=0`` still turns ``breakpoint()`` off, and any other
``PYTHONBREAKPOINT`` value keeps its meaning (Python's own hook honours it).
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable
from typing import Any

#: the program's own hook while ours is installed
_previous: Callable[..., Any] | None = None


def install(debugger: Callable[[], Any]) -> None:
    """Route ``breakpoint()`` to ``debugger()`` (looked up per call: a forked
    child of the program is served by its own engine)."""

    def hook(*args: Any, **kwargs: Any) -> Any:
        chosen = os.environ.get("PYTHONBREAKPOINT")
        if chosen == "0":
            return None
        if chosen:
            return sys.__breakpointhook__(*args, **kwargs)
        debugger().request_stop_in(threading.get_ident(), sys._getframe(1))
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
