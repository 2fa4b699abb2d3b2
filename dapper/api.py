"""Debugging started from inside the program, with debugpy's names and shape.

For programs nobody can start under ``python -m dapper`` (services, notebooks,
embedded interpreters)::

    import dapper
    dapper.listen(5678)        # or dapper.connect(("127.0.0.1", 5678))
    dapper.wait_for_client()   # optional
    dapper.breakpoint()        # stops here when a client is connected

The first ``listen``/``connect`` starts the engine thread and installs the
backend, from whichever thread calls it. ``import dapper`` alone loads none of
this (``dapper/__init__.py`` imports it on first use).
"""

from __future__ import annotations

import os
import sys
import threading
from typing import Any

from dapper import os_threads
from dapper.engine.engine import Engine

#: ``configure()`` keys: name -> type (debugpy's names)
SETTINGS: dict[str, type] = {"subProcess": bool, "justMyCode": bool}

_lock = threading.Lock()
_engine: Engine | None = None
#: ``dapper debug --connect`` started by ``set_trace`` (None until then)
_prompt_process: Any = None
#: how long ``set_trace`` waits for its prompt to attach
PROMPT_TIMEOUT = 60.0
_settings: dict[str, Any] = {}


def _address(address: Any, default_host: str = "127.0.0.1") -> tuple[str, int]:
    """``5678``, ``"5678"``, ``"host:5678"`` or ``("host", 5678)`` -> (host, port)."""
    if isinstance(address, tuple) and len(address) == 2:
        host, port = address
    elif isinstance(address, int) and not isinstance(address, bool):
        host, port = default_host, address
    elif isinstance(address, str):
        host, _, port = address.rpartition(":")
        host = host.strip("[]") or default_host
    else:
        raise TypeError(f"address must be a port, 'host:port' or (host, port), not {address!r}")
    try:
        number = int(port)
    except (TypeError, ValueError):
        raise ValueError(f"invalid port in address {address!r}") from None
    if not isinstance(host, str) or not 0 <= number <= 65535:
        raise ValueError(f"invalid address {address!r}")
    return host, number


def configure(properties: dict[str, Any] | None = None, **kwargs: Any) -> None:
    """Defaults for the session a client starts (its own arguments win).

    Must come before ``listen``/``connect``; unknown names are an error.
    """
    given = {**(properties or {}), **kwargs}
    with _lock:
        if _engine is not None:
            raise RuntimeError("dapper.configure() must be called before listen() or connect()")
        for name, value in given.items():
            kind = SETTINGS.get(name)
            if kind is None:
                raise ValueError(
                    f"unknown dapper.configure() property {name!r}; known: {', '.join(SETTINGS)}"
                )
            if not isinstance(value, kind):
                raise TypeError(f"dapper.configure({name}=...) takes a {kind.__name__}")
        _settings.update(given)


def _start_engine() -> Engine:
    """The process's engine, started on first use (backend installed, threads watched)."""
    global _engine
    if _engine is not None:
        return _engine
    from dapper._frame_eval.config import FrameEvalConfig
    from dapper.core import thread_events
    from dapper.engine import breakpoint_hook, console_log

    engine = Engine(FrameEvalConfig.resolve(None, os.environ))
    engine.program_settings = dict(_settings)
    engine.on_child_link = _debug_children
    console_log.route_to_client(engine.send_to_client)
    os.register_at_fork(after_in_child=engine.forget_in_forked_child)
    engine.start_backend()
    thread_events.install(engine.debugger.on_thread_event)
    breakpoint_hook.install(lambda: engine.debugger, active=engine.client_ready.is_set)
    _engine = engine
    return engine


def _debug_children(link: Any) -> None:
    """An adapter attached and gave its child link: this program's Python
    children become sessions of its client (unless ``subProcess=False``);
    ``None`` when that session ended."""
    from dapper import child_exits, fork_session, subprocess_patch

    if link is None or _settings.get("subProcess") is False:
        subprocess_patch.uninstall()
        child_exits.uninstall()
        fork_session.uninstall()
        return
    name = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else "program"
    subprocess_patch.install(link)
    child_exits.install(link)
    fork_session.install(_engine, link, name)


def listen(address: Any, *, access_token: str | None = None) -> tuple[str, int]:
    """Serve DAP on ``address`` (loopback unless a host is given); returns the
    bound (host, port). Clients attach with ``connect: {host, port}``.

    A client must send the access token (``access_token``, else the
    ``DAPPER_ACCESS_TOKEN`` environment variable) as ``accessToken`` in
    ``attach``; beyond loopback one is required.
    """
    from dapper import access_token as tokens

    host, port = _address(address)
    token = access_token or os.environ.get(tokens.TOKEN_ENV) or None
    if token is None and not tokens.is_loopback(host):
        raise RuntimeError(
            f"dapper.listen({host!r}, ...): whoever reaches this port can run any code in the "
            f"program, so it needs an access token (access_token=... or {tokens.TOKEN_ENV}); "
            "or listen on 127.0.0.1 and reach it through an SSH tunnel or a port-forward"
        )
    with _lock:
        engine = _start_engine()
        if engine.listening():
            raise RuntimeError("dapper.listen() was already called in this process")
        engine.access_token = token
        bound = engine.listen(host, port)
    return bound[0], bound[1]


def connect(address: Any, *, access_token: str | None = None) -> None:
    """Connect to an adapter that waits for this program (``attach`` with
    ``listen: {host, port}``): for networks that only allow outbound connections.

    When the client's ``attach`` sets ``accessToken`` (required when the adapter
    waits beyond loopback), pass the same token (``access_token``, else the
    ``DAPPER_ACCESS_TOKEN`` environment variable): it is sent first, as proof.
    """
    from dapper import access_token as tokens

    host, port = _address(address)
    token = access_token or os.environ.get(tokens.TOKEN_ENV) or None
    with _lock:
        engine = _start_engine()
        engine.connect(host, port, proof=token)


def wait_for_client() -> None:
    """Block until a client is connected and has sent ``configurationDone``."""
    engine = _engine
    if engine is None:
        raise RuntimeError("call dapper.listen() or dapper.connect() first")
    engine.client_ready.wait()


def is_client_connected() -> bool:
    """Whether a client is connected to this program now."""
    engine = _engine
    return engine is not None and engine.client_connected()


def breakpoint() -> None:
    """Stop at the caller's next line, as a breakpoint would; nothing when no
    client is connected (or it has not finished configuring)."""
    engine = _engine
    if engine is None or not engine.client_ready.is_set():
        return
    engine.debugger.request_stop_in(os_threads.get_ident(), sys._getframe(1))


def set_trace(*args: Any, **kwargs: Any) -> None:
    """``pdb.set_trace()`` with Dapper: stop at the caller's next line with
    ``dapper debug``'s prompt on this program's terminal, with no prior setup.

    ``PYTHONBREAKPOINT=dapper.set_trace`` makes ``breakpoint()`` call it. The
    first call starts the engine on a loopback port with a fresh access token
    and runs ``dapper debug --connect`` on the program's own stdin/stdout; a
    later call reuses that session (or starts a new prompt if it was closed).
    While the prompt is attached, Ctrl-C pauses the program (as under pdb's
    ``continue``) instead of raising ``KeyboardInterrupt``.
    """
    global _prompt_process
    import signal
    import subprocess

    from dapper import access_token as tokens

    caller = sys._getframe(1)
    with _lock:
        engine = _engine
        running = _prompt_process is not None and _prompt_process.poll() is None
    if engine is None or not running or not engine.client_connected():
        token = tokens.generate()
        if engine is None or not engine.listening():
            host, port = listen(("127.0.0.1", 0), access_token=token)
        else:
            engine.access_token = token
            host, port = engine._listener.getsockname()[:2]  # type: ignore[union-attr]
        root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, env.get("PYTHONPATH")]))
        env[tokens.TOKEN_ENV] = token
        env.pop("PYTHONBREAKPOINT", None)
        with _lock:
            _prompt_process = subprocess.Popen(
                [sys.executable, "-m", "dapper.cli", "debug", "--connect", f"{host}:{port}"],
                env=env,
            )
        if threading.current_thread() is threading.main_thread():
            # The prompt's Ctrl-C pauses the program; it must not also interrupt it.
            signal.signal(signal.SIGINT, _paused_by_the_prompt)
        engine = _start_engine()
        if not engine.client_ready.wait(PROMPT_TIMEOUT):
            return  # the prompt could not attach: run on, as without a debugger
    engine.debugger.request_stop_in(os_threads.get_ident(), caller)


def _paused_by_the_prompt(signum: int, frame: Any) -> None:
    """SIGINT while ``set_trace``'s prompt is attached: it pauses the program."""
    if _prompt_process is None or _prompt_process.poll() is not None:
        raise KeyboardInterrupt
