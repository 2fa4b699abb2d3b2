"""The engine: the debugger inside the debuggee, serving DAP over one socket.

It owns the core ``Debugger``, the backend manager and the client sessions.
Connections are served on a dedicated thread that the backends never trace.
"""

from __future__ import annotations

import functools
import logging
import os
import socket
import sys
import threading
from collections import ChainMap
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from dapper import orphan_guard, os_threads
from dapper._frame_eval.config import FrameEvalConfig
from dapper.access_token import send_connect_proof
from dapper.core.debugger import Debugger
from dapper.core.events import CoreEvent
from dapper.engine.events import dap_event
from dapper.engine.inspection import Inspector
from dapper.engine.path_mapping import parse_path_mappings
from dapper.engine.server import EngineServer
from dapper.frameworks.templates import TemplateSupport
from dapper.protocol.child_link import ChildLink
from dapper.protocol.connection import Connection, socket_connection
from dapper.protocol.messages import RequestError

if TYPE_CHECKING:
    from dapper._frame_eval.frame_eval_main import FrameEvalManager

log = logging.getLogger("dapper.engine")

#: Seconds a ``--listen`` client has to attach before it is dropped.
GREETING_TIMEOUT = 10.0


class Engine:
    """Debugger state plus the connection to the client or adapter."""

    def __init__(
        self,
        config: FrameEvalConfig,
        *,
        launched_by_adapter: bool = False,
        access_token: str | None = None,
    ) -> None:
        self.config = config
        #: what a client must send as ``accessToken`` before anything runs
        self.access_token = access_token
        self.launched_by_adapter = launched_by_adapter
        self.debugger = Debugger(self._report)
        self.inspector = Inspector(self.debugger)
        #: Django and Jinja2 template breakpoints (``django``/``jinja`` keys)
        self.templates = TemplateSupport(self.debugger)
        self.manager: FrameEvalManager | None = None
        self.session: EngineServer | None = None
        self.configured = os_threads.Event()
        #: set while a client is connected and has sent configurationDone
        self.client_ready = os_threads.Event()
        #: launch/attach defaults the program set itself (``dapper.configure``)
        self.program_settings: dict[str, Any] = {}
        #: the session's (localRoot, remoteRoot) pairs
        self.path_mappings: list[tuple[str, str]] = []
        #: called on the engine thread after a session ended (attach by pid: undo all)
        self.on_session_end: Callable[[], None] | None = None
        #: set by ``dapper.api``: debug this program's children through the
        #: attaching adapter's link (None: the session ended)
        self.on_child_link: Callable[[ChildLink | None], None] | None = None
        self.stop_on_entry = False
        #: ``noDebug``: the program runs with no backend; breakpoints are not set
        self.no_debug = False
        #: ``--configure-<key>`` values: launch/attach arguments override them
        self.defaults: dict[str, Any] = {}
        #: protocol log of client connections (``--log-to``), if any
        self.trace: Any = None
        self._listener: socket.socket | None = None
        self._terminating = False
        self._finishing = False

    # ------------------------------------------------------------ events

    def _report(self, event: CoreEvent) -> None:
        self.send_to_client(*dap_event(event))

    def send_to_client(self, name: str, body: dict) -> bool:
        """Send an event if a client is connected; whether one was."""
        session = self.session
        if session is None or session.connection.closed or not session.admitted:
            return False
        # Never paused halfway through a send (holding the write lock).
        self.debugger.without_events(session.send_event, name, body)
        return True

    # ------------------------------------------------------------ connections

    def connect(self, host: str, port: int, *, proof: str | None = None) -> None:
        """Connect back to an adapter and serve that one session; ``proof`` is
        the secret the adapter gave us, sent before anything else."""
        sock = socket.create_connection((host, port), timeout=10)
        if proof is not None:
            send_connect_proof(sock, proof)
        sock.settimeout(None)
        self._start_thread(self._serve_one, sock)

    def listen(self, host: str, port: int) -> tuple[str, int]:
        """Bind now (so a taken port fails at once), then accept clients one at a time."""
        listener = socket.socket(
            socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM
        )
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((host, port))
        listener.listen(1)
        return self.serve_listener(listener)

    def serve_listener(self, listener: socket.socket) -> tuple[str, int]:
        """Accept clients, one at a time, on a socket already bound and listening
        (a child announced before its engine was imported)."""
        self._listener = listener
        self._start_thread(self._accept_loop, listener)
        return listener.getsockname()[:2]

    def listening(self) -> bool:
        return self._listener is not None

    def stop_listening(self) -> None:
        """Close the listener (its accept thread ends)."""
        listener, self._listener = self._listener, None
        if listener is not None:
            try:
                listener.close()
            except OSError:
                pass

    def _start_thread(self, target: Callable[[socket.socket], None], arg: socket.socket) -> None:
        # A real OS thread even in a gevent-patched program (never a greenlet).
        self.debugger.ignore_thread(os_threads.start_thread(target, (arg,)))

    def _accept_loop(self, listener: socket.socket) -> None:
        while True:
            try:
                sock, _ = listener.accept()
            except OSError:
                return
            # An idle or silent connection must not block every other client:
            # it has GREETING_TIMEOUT seconds to attach (attach lifts it).
            sock.settimeout(GREETING_TIMEOUT)
            self._serve_one(sock)

    def _serve_one(self, sock: socket.socket) -> None:
        session = EngineServer(self, socket_connection(sock, name="engine", trace=self.trace))
        self.session = session
        try:
            session.serve()
        finally:
            self.session = None
            self.client_ready.clear()
            if session.admitted and not self._terminating:  # (ending: nothing resumes)
                self.debugger.detach()
                if session.attached and not self.configured.is_set():
                    # a vanished client must not keep the program waiting
                    # (one that never attached, an idle or garbage connection,
                    # must not release it either)
                    self.configured.set()
            if (
                self.launched_by_adapter
                and not session.disconnected.is_set()
                and not self._finishing
            ):
                # The adapter that launched us vanished without a disconnect (killed,
                # crashed): nobody can see or stop this program any more.
                self.terminate_soon()
            if self.on_session_end is not None:
                self.on_session_end()
            if self.on_child_link is not None:
                self.on_child_link(None)

    def report_refusal(self, connection: Connection, what: str) -> None:
        """Log a refused client on the program's stderr (fd 2 directly: a
        stopped thread may hold ``sys.stderr``'s lock)."""
        try:
            peer = connection.socket.getpeername()
            where = f"{peer[0]}:{peer[1]}"
        except (AttributeError, OSError, IndexError):
            where = "a client"
        line = f"dapper: refused {where}: {what}\n"
        try:
            os.write(2, line.encode("utf-8", "replace"))
        except OSError:
            pass

    # ------------------------------------------------------------ requests

    def configure(self, arguments: dict) -> None:
        """Apply ``launch``/``attach`` arguments that the engine understands."""
        if self.defaults:
            arguments = ChainMap(arguments, self.defaults)  # type: ignore[assignment]
        try:
            self.path_mappings = parse_path_mappings(arguments.get("pathMappings"))
        except ValueError as exc:
            raise RequestError(str(exc)) from None
        # The program's own dapper.configure() values are defaults; the client's win.
        just_my_code = arguments.get("justMyCode", self.program_settings.get("justMyCode"))
        if just_my_code is not None:
            self.debugger.set_just_my_code(bool(just_my_code))
        self.stop_on_entry = bool(arguments.get("stopOnEntry", False))
        self.debugger.show_return_value = arguments.get("showReturnValue", True) is not False
        self.debugger.exceptions.break_on_system_exit_zero = bool(
            arguments.get("breakOnSystemExitZero", False)
        )
        self._apply_rules(arguments.get("rules"))
        if arguments.get("redirectOutput") and arguments.get("console") in (
            "integratedTerminal",
            "externalTerminal",
        ):
            from dapper.engine.output_tee import tee_standard_streams

            tee_standard_streams(self.send_to_client)
        self.no_debug = bool(arguments.get("noDebug", False))
        gevent = arguments.get("gevent")
        if gevent is not None and not isinstance(gevent, bool):
            raise RequestError("'gevent' must be true or false")
        # absent: greenlets are listed once gevent has monkey-patched threading
        self.debugger.gevent = gevent
        frame_eval = arguments.get("frameEval")
        if frame_eval is not None:
            try:
                self.config = FrameEvalConfig.from_dict(frame_eval)
            except ValueError as exc:
                raise RequestError(f"invalid frameEval: {exc}") from None
        self.debugger.set_exception_breakpoints([("uncaught", "")])
        keys = {}
        for key in ("django", "jinja"):
            value = arguments.get(key)
            if value is not None and not isinstance(value, bool):
                raise RequestError(f"'{key}' must be true or false")
            keys[key] = value
        if not self.no_debug:
            self.templates.configure(keys["django"], keys["jinja"])

    def _apply_rules(self, specs: Any) -> None:
        """``rules``: which files ``justMyCode`` counts as the user's."""
        if not specs:
            return
        from dapper.core.user_code_rules import RuleSpec, decide, parse_rules
        from dapper.paths import canonical_path, set_user_code_rules

        wanted = []
        for spec in specs:
            include = spec.get("include", True)
            if not isinstance(include, bool):
                raise RequestError("invalid 'rules': a rule's 'include' must be a boolean")
            path, module = spec.get("path"), spec.get("module")
            if isinstance(path, str) and path:
                wanted.append(RuleSpec(path, "", include))
            elif isinstance(module, str) and module:
                wanted.append(RuleSpec("", module, include))
            else:
                raise RequestError(
                    "invalid 'rules': each rule needs a 'path' or a 'module' (a non-empty string)"
                )
        rules, missing = parse_rules(wanted, canonical_path, os.getcwd())
        set_user_code_rules(functools.partial(decide, tuple(rules)))
        self.debugger.state.bump()
        for module in missing:
            console_line = f"Dapper: rules: module {module!r} was not found; its rule is ignored.\n"
            self.send_to_client("output", {"category": "console", "output": console_line})

    def configuration_done(self) -> None:
        self.configured.set()
        self.client_ready.set()

    def client_connected(self) -> bool:
        session = self.session
        return session is not None and not session.connection.closed

    def status(self) -> dict:
        if self.manager is None:
            return {
                "status": {"backend": None, "hook_installed": False, "reason": "not started"},
                "stats": {},
            }
        runtime = self.manager.runtime
        return {"status": runtime.get_status(), "stats": runtime.get_stats()}

    def terminate_soon(self) -> None:
        """``terminate``/``disconnect`` from a client attached directly: end the program."""
        if self._terminating:
            return
        self._terminating = True
        # Stopped threads stay stopped: not one more line of the program runs
        # (resuming them first let it print, write files, ... while exiting).
        threading.Thread(target=_exit_process, name="dapper.exit", daemon=True).start()

    def release_output(self) -> None:
        """The adapter that reads our stdout/stderr pipes is going away while the
        program runs on: point fds 1 and 2 at the null device, so the program's
        later prints are discarded instead of failing with BrokenPipeError.
        Its death no longer ends the program either."""
        orphan_guard.release()
        flush_standard_streams()
        null = os.open(os.devnull, os.O_WRONLY)
        try:
            for fd in (1, 2):
                os.dup2(null, fd)
        finally:
            os.close(null)

    def forget_in_forked_child(self) -> None:
        """After ``os.fork()`` in the child: there is no engine thread and the
        client talks to the parent, so the child runs undebugged. Its copy of
        the client socket is closed without a shutdown (the parent's stays up)."""
        from dapper.core import thread_events

        session, self.session = self.session, None
        listener, self._listener = self._listener, None
        for sock in (session.connection.socket if session else None, listener):
            if sock is not None:
                try:
                    os.close(sock.detach())
                except OSError:
                    pass
        thread_events.uninstall()
        self.debugger.forget_after_fork()
        manager, self.manager = self.manager, None
        if manager is not None:
            manager.shutdown_in_forked_child()

    # ------------------------------------------------------------ backend

    def start_backend(self) -> None:
        """Select and install the backend; on the main thread, before user code."""
        from dapper._frame_eval.frame_eval_main import FrameEvalManager

        self.manager = FrameEvalManager(self.config)
        backend = self.manager.start(self.debugger, self.debugger.state)
        self.debugger.attach_backend(backend)

    def shutdown(self) -> None:
        self.templates.shutdown()
        if self.manager is not None:
            self.manager.shutdown()
            self.manager = None

    def finish(self, exit_code: int) -> None:
        """The program ended: tell a directly attached client, then let go."""
        self._finishing = True
        session = self.session
        self.send_to_client("exited", {"exitCode": exit_code})
        self.send_to_client("terminated", {})
        self.shutdown()
        if session is not None:
            session.connection.close()
        if self._listener is not None:
            try:
                self._listener.close()
            except OSError:
                pass


def flush_standard_streams() -> None:
    """Flush the program's stdout and stderr, whatever state they are in."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError, AttributeError):
            pass


def _exit_process() -> None:
    # A stopped thread may hold a stream's lock (stopped inside a write of the
    # program's own): the flush gets a moment, not a veto.
    watchdog = threading.Timer(2.0, os._exit, (0,))
    watchdog.daemon = True
    watchdog.start()
    try:
        flush_standard_streams()
    finally:
        os._exit(0)
