"""Thread start/exit notifications, so the client sees ``thread`` events."""

from __future__ import annotations

import threading
from collections.abc import Callable

_original_bootstrap = threading.Thread._bootstrap_inner  # type: ignore[attr-defined]
_listener: Callable[[str, int], None] | None = None


def _bootstrap_inner(self: threading.Thread) -> None:
    # Runs on the new thread, before Thread records its own ident.
    ident = threading.get_ident()
    listener = _listener
    if listener is not None:
        listener("started", ident)
    try:
        _original_bootstrap(self)
    finally:
        listener = _listener
        if listener is not None:
            listener("exited", ident)


def install(listener: Callable[[str, int], None]) -> None:
    """Report every thread started from now on to ``listener(reason, ident)``."""
    global _listener
    _listener = listener
    threading.Thread._bootstrap_inner = _bootstrap_inner  # type: ignore[attr-defined]


def uninstall() -> None:
    global _listener
    _listener = None
    threading.Thread._bootstrap_inner = _original_bootstrap  # type: ignore[attr-defined]
