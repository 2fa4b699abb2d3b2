"""A process forked by a debugged program becomes its own debug session.

After ``os.fork()`` the child has no engine thread and shares the parent's
sockets (the launcher's fork hook drops them). With ``subProcess`` on, this
hook then gives the child a fresh engine: it listens on loopback behind a new
access token, installs a backend, announces itself like a spawned child and
waits (bounded) for its session before ``fork()`` returns, so breakpoints hit
on the child's first lines stop. A fork that is about to ``exec`` (``os.spawn*``,
``subprocess`` with ``preexec_fn``) is left alone: the exec is what gets debugged.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from dapper import access_token, child_session, os_threads
from dapper.protocol.child_link import ChildLink

_link: ChildLink | None = None
_name = "fork"
_current: Any = None
#: thread that is forking only to exec right away
_exec_follows: int | None = None
_real_exit: Callable[[int], Any] | None = None
_hooked = False


def install(engine: Any, link: ChildLink, name: str) -> None:
    """Make forked children of this process sessions of their own."""
    global _link, _name, _current, _hooked
    _link, _name, _current = link, name, engine
    if not _hooked:
        _hooked = True
        os.register_at_fork(after_in_child=_after_fork_in_child)
        _wrap_spawn()


def uninstall() -> None:
    """Forks run undebugged again (the session that debugged children ended)."""
    global _link
    _link = None


def current_engine(engine: Any) -> Any:
    """The engine serving this process: a forked child's own, or ``engine``."""
    return _current if _current is not None else engine


class exec_follows:
    """Marks a fork that will exec at once (the child must not become a session)."""

    def __enter__(self) -> None:
        global _exec_follows
        _exec_follows = os_threads.get_ident()

    def __exit__(self, *exc: object) -> None:
        global _exec_follows
        _exec_follows = None


def _wrap_spawn() -> None:
    original = getattr(os, "_spawnvef", None)
    if original is None:
        return

    def spawnvef(*args: Any, **kwargs: Any) -> Any:
        with exec_follows():
            return original(*args, **kwargs)

    os._spawnvef = spawnvef  # type: ignore[attr-defined]


def _after_fork_in_child() -> None:
    global _current
    if _link is None or _exec_follows == os_threads.get_ident() or _current is None:
        return
    from dapper.core import thread_events
    from dapper.engine import console_log
    from dapper.engine.engine import Engine

    engine = Engine(_current.config, access_token=access_token.generate())
    _current = engine
    try:
        _, port = engine.listen("127.0.0.1", 0)
        console_log.route_to_client(engine.send_to_client)
        if not child_session.wait_for_session(engine, _link, f"{_name} (fork)", port):
            engine.finish(0)  # nobody came: run undebugged, like a child before
            _current = None
            return
        engine.start_backend()
        thread_events.install(engine.debugger.on_thread_event)
        _report_exit_code(engine)
    except Exception:  # noqa: BLE001 - the program's fork must succeed regardless
        _current = None


def _report_exit_code(engine: Any) -> None:
    """``os._exit`` (how multiprocessing's fork workers end) reports the code first."""
    global _real_exit
    real = _real_exit or os._exit
    _real_exit = real
    pid = os.getpid()

    def _exit(code: int) -> None:
        if os.getpid() == pid:
            try:
                engine.finish(code)
            except Exception:  # noqa: BLE001 - exiting must not fail
                pass
        real(code)

    os._exit = _exit  # type: ignore[assignment]
