"""Protocol logs: every message in and out, one JSON line each, with secrets
taken out and the file readable by its owner only.

Launch ``env`` values and anything whose key names a token, password, secret
or key (``accessToken`` included) are replaced by ``"<redacted>"``, at any
depth: a log is attached to bug reports and must not carry credentials.

The adapter writes one for ``--log-file PATH``, ``--log-dir DIR`` (debugpy's
option, which the VS Code extension passes) and a launch's ``logToFile``; the
launcher for ``--log-to DIR`` / ``--log-to-stderr``.
"""

from __future__ import annotations

import json
import logging
import os
import re
import stat
import threading
import time
from typing import IO, Any

#: ``--log-dir`` of this adapter process (where ``logToFile`` logs go)
log_dir: str | None = None

REDACTED = "<redacted>"
_SECRET_KEY = re.compile(r"token|passw|secret|api[-_]?key|credential|auth", re.IGNORECASE)


def redact(value: Any, key: str = "") -> Any:
    """A copy of ``value`` with secret-looking entries replaced."""
    if isinstance(value, dict):
        if key == "env":
            return {k: REDACTED for k in value}
        return {k: redact(v, str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [redact(item, key) for item in value]
    if key and _SECRET_KEY.search(key) and value is not None and not isinstance(value, bool):
        return REDACTED
    return value


def open_log_file(path: str) -> IO[str]:
    """Open ``path`` for appending, created (or narrowed to) mode 0600.

    Only a regular file of this user is written: in a shared folder (the
    temporary one, where ``logToFile`` writes by default) another user can
    plant a link to one of our files, a file they own and read, or a fifo.
    Raises ``OSError`` for those."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND
    flags |= getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    fd = os.open(path, flags, 0o600)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise OSError(f"{path} is not a regular file")
        if hasattr(os, "geteuid") and info.st_uid != os.geteuid():
            raise OSError(f"{path} belongs to another user")
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        os.fchmod(fd, 0o600)
    except OSError:
        os.close(fd)
        raise
    return os.fdopen(fd, "a", encoding="utf-8", errors="backslashreplace")


class ProtocolTrace:
    """Writes every message in and out to a log, redacted."""

    def __init__(self, stream: IO[str]) -> None:
        self._stream = stream
        self._lock = threading.Lock()

    def __call__(self, direction: str, message: dict[str, Any]) -> None:
        try:
            text = json.dumps(redact(message), ensure_ascii=False)
        except (TypeError, ValueError, RecursionError) as exc:
            text = f'"unloggable message: {type(exc).__name__}"'
        line = f"{time.time():.6f} {direction} {text}\n"
        with self._lock:
            try:
                self._stream.write(line)
                self._stream.flush()
            except (OSError, ValueError):
                pass  # a full disk must not end the session


def adapter_log_path(directory: str | None, role: str = "adapter") -> str:
    """A log file of this process in ``directory`` (created if needed)."""
    if not directory:
        import tempfile  # only when logging: not at every adapter's start

        directory = tempfile.gettempdir()
    os.makedirs(directory, exist_ok=True)
    return os.path.join(directory, f"dapper.{role}-{os.getpid()}.log")


def open_trace(path: str) -> ProtocolTrace:
    """A redacted trace appended to ``path``; Dapper's logging goes there too."""
    return stream_trace(open_log_file(path))


def stream_trace(stream: IO[str]) -> ProtocolTrace:
    """Trace to an open stream (``--log-to-stderr``), with Dapper's logging."""
    handler = logging.StreamHandler(stream)
    logger = logging.getLogger("dapper")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    return ProtocolTrace(stream)
