"""Inside a program attached by process id: one session, then no trace of Dapper.

``sys.remote_exec`` runs the bootstrap (``dapper.adapter.attach_pid``) in the program's
main thread, which calls ``start``: an engine connects back to the adapter and
installs the backend. When the session ends (disconnect, or the adapter goes
away), everything is undone so the program runs exactly as before: backend
(trace function, monitoring tool, eval-frame hook) removed, the thread-start
wrapper restored, the log handler removed, the engine thread ended, Dapper's
directory taken off ``sys.path`` if the bootstrap put it there. No audit hook
or at-fork hook is registered in this mode, since neither can be removed.
"""

from __future__ import annotations

import logging
import os
import sys
import threading

from dapper._frame_eval.config import FrameEvalConfig
from dapper.core import thread_events
from dapper.engine import breakpoint_hook, console_log
from dapper.engine.engine import Engine

_lock = threading.Lock()
_active: Engine | None = None


def start(
    *,
    how: str,
    port: int,
    host: str = "127.0.0.1",
    secret: str | None = None,
    token: str | None = None,
    added_path: str | None = None,
) -> str:
    """Serve one session: ``how="connect"`` to an adapter at host:port (proving
    ``secret``), or ``"listen"`` there (clients send ``token``). Returns the
    address, for the one who asked."""
    global _active
    with _lock:
        if _active is not None:
            raise RuntimeError("a Dapper session is already attached to this process")
        engine = Engine(FrameEvalConfig.resolve(None, os.environ), access_token=token)
        engine.debugger.loads.enabled = False
        handler = console_log.route_to_client(engine.send_to_client)
        engine.on_session_end = lambda: _undo(engine, handler, added_path)
        engine.start_backend()
        thread_events.install(engine.debugger.on_thread_event)
        breakpoint_hook.install(lambda: engine.debugger)
        try:
            if how == "listen":
                host, port = engine.listen(host, port)
            else:
                engine.connect(host, port, proof=secret)
        except BaseException:
            _undo(engine, handler, added_path)
            raise
        engine.configured.set()  # the program is already running
        _active = engine
        return f"{host}:{port}"


def _undo(engine: Engine, handler: logging.Handler, added_path: str | None) -> None:
    global _active
    thread_events.uninstall()
    breakpoint_hook.uninstall()
    engine.shutdown()
    engine.stop_listening()  # one session only: the next attach injects again
    logger = logging.getLogger("dapper")
    logger.removeHandler(handler)
    logger.propagate = True
    if added_path is not None and added_path in sys.path:
        sys.path.remove(added_path)
    with _lock:
        _active = None
