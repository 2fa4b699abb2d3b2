"""A launched program never outlives the adapter that started it.

The adapter starts programs from one thread that lives as long as the adapter
(:func:`spawn`), and passes its pid in :data:`PARENT_ENV`. The launcher, first
thing, asks the kernel (Linux ``PR_SET_PDEATHSIG``) to end it when that
parent dies, unless the adapter let it go first (:func:`release`): kill -9 of the adapter included, and whatever state the program
or the debugger inside it is in (a deadlock, a C call holding the GIL).
Elsewhere the engine's connection closing is the only signal.
"""

from __future__ import annotations

import os
import queue
import signal
import sys
import threading
from collections.abc import Callable
from typing import Any, TypeVar

#: Environment variable with the adapter's pid, for the launcher.
PARENT_ENV = "DAPPER_ADAPTER_PID"
_PR_SET_PDEATHSIG = 1
#: The parent-death signal: a real-time signal nobody uses, whose default
#: action ends the process in the kernel (no Python code needs to run), and
#: whose disposition any thread can set to "ignore" when the program is let go
#: (the prctl setting itself belongs to the main thread only).
_SIGNAL = getattr(signal, "SIGRTMIN", 34) + 13
_SIG_IGN = 1

T = TypeVar("T")
_requests: queue.SimpleQueue = queue.SimpleQueue()
_spawner: threading.Thread | None = None
_spawner_lock = threading.Lock()


def _serve() -> None:
    while True:
        fn, done, result = _requests.get()
        try:
            result.append((True, fn()))
        except BaseException as exc:  # noqa: BLE001 - handed back to the caller
            result.append((False, exc))
        done.set()


def spawn(fn: Callable[[], T]) -> T:
    """Run ``fn`` (which starts a process) on the adapter's long-lived spawner
    thread: the kernel's parent-death signal fires when the *thread* that
    forked a child ends, so that thread must live as long as the adapter."""
    global _spawner
    with _spawner_lock:
        if _spawner is None:
            _spawner = threading.Thread(target=_serve, name="dapper.spawner", daemon=True)
            _spawner.start()
    done = threading.Event()
    result: list[tuple[bool, Any]] = []
    _requests.put((fn, done, result))
    done.wait()
    ok, value = result[0]
    if not ok:
        raise value
    return value


def parent_env() -> dict[str, str]:
    """What the adapter adds to a launched program's environment."""
    return {PARENT_ENV: str(os.getpid())}


def die_with_parent(environ: Any = None) -> bool:
    """In the launcher: end when the adapter that started us dies.
    Removes :data:`PARENT_ENV`; whether the guard is on."""
    environ = os.environ if environ is None else environ
    value = environ.pop(PARENT_ENV, None)
    if not value or not value.isdigit() or not sys.platform.startswith("linux"):
        return False
    import ctypes  # only here: a process without the guard never loads it

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(_PR_SET_PDEATHSIG, _SIGNAL, 0, 0, 0) != 0:
            return False
    except (OSError, AttributeError):
        return False
    if os.getppid() != int(value):
        # The adapter died before the guard was on (or a wrapper forked us).
        if not _alive(int(value)):
            os.kill(os.getpid(), signal.SIGKILL)
        return False
    return True


def release() -> None:
    """The adapter lets the program run on without it (detach after launch):
    its death must no longer end the program. Callable from any thread."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.signal.restype = ctypes.c_void_p
        libc.signal(ctypes.c_int(_SIGNAL), ctypes.c_void_p(_SIG_IGN))
    except (OSError, AttributeError):
        pass


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
