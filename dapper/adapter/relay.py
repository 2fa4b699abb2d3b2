"""One client's session in the adapter: launch or attach, relay, process lifetime.

The adapter answers ``initialize`` itself, starts or reaches the debuggee's
engine, relays every other request to it (renumbering ``seq``), turns the
debuggee's stdout/stderr into ``output`` events and owns ``exited`` /
``terminated`` for processes it launched.
"""

from __future__ import annotations

import logging
import os
import socket
import sys
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from dapper import access_token
from dapper.adapter import attach, legacy_keys
from dapper.adapter.child_sessions import ChildListener, attach_configuration
from dapper.adapter.launch_keys import (
    ATTACH_KEYS,
    LAUNCH_KEYS,
    check_types,
    unknown_keys,
    unknown_keys_line,
)
from dapper.engine.capabilities import capabilities
from dapper.protocol import child_link, log_files, messages
from dapper.protocol.connection import Connection, socket_connection
from dapper.protocol.dispatcher import LATER, RequestDispatcher, after, handles
from dapper.protocol.framing import ProtocolError
from dapper.protocol.messages import RELEASE_OUTPUT, RequestError

if TYPE_CHECKING:
    from dapper.adapter.debuggee_process import DebuggeeProcess
    from dapper.adapter.launch_config import LaunchConfig

log = logging.getLogger("dapper.adapter")

CONNECT_TIMEOUT = 30.0
#: Requests the adapter replays to a restarted debuggee, in this order.
_REPLAYED = ("setBreakpoints", "setFunctionBreakpoints", "setExceptionBreakpoints")
_DAPPER_PARENT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class AdapterRelay:
    """Serves one client connection until it disconnects or goes away."""

    def __init__(self, client: Connection, *, required_token: str | None = None) -> None:
        """``required_token``: a client must send it as ``accessToken`` in its
        ``launch``/``attach`` (``--port`` beyond loopback); until then only
        ``initialize`` and ``disconnect`` are answered."""
        self.client = client
        self.required_token = required_token
        #: set by ``launch``/``attach``
        self.greeted = threading.Event()
        self._token_proven = required_token is None
        self.engine: Connection | None = None
        #: the thread relaying engine messages to the client
        self._relay_thread: threading.Thread | None = None
        self.process: DebuggeeProcess | None = None
        self.launch_config: LaunchConfig | None = None
        self.launch_arguments: dict[str, Any] = {}
        #: an attach's arguments (its children inherit the debugging options)
        self.session_arguments: dict[str, Any] = {}
        self.initialize_arguments: dict[str, Any] = {}
        self.mode: str | None = None  # "launch" | "attach"
        #: seq -> (request, callback); negative seqs are requests sent to the client
        self._pending: dict[int, tuple[dict, Callable[[dict], None]]] = {}
        self._pending_lock = threading.Lock()
        self._replay: dict[str, dict] = {}
        self._terminated_sent = False
        self._exit_reported = threading.Event()
        self._restarting = False
        self._keep_debuggee = False
        self.terminal_pid: int | None = None
        self._shim_dir: str | None = None
        self.children: ChildListener | None = None
        #: this session debugs a child process announced by another session
        self.child_process = False
        #: (pid, ``subProcessExit``): where to ask how that child ended if it cannot say
        self._exit_query: tuple[int, Any] = (0, None)
        self._exit_relayed = False
        #: set once a child session has relayed all its child's output
        self._child_output_done = threading.Event()
        self._said_no_children = False
        self._lock = threading.Lock()
        self._done = threading.Event()
        self.dispatcher = RequestDispatcher(
            self,
            client,
            label="Dapper adapter",
            fallback=self._relay,
            on_response=self._on_client_response,
            # These wait on the debuggee (and maybe on the client, for
            # runInTerminal): the client's messages are read meanwhile.
            threaded=("launch", "attach", "restart"),
            before=self._before_request,
        )

    # ------------------------------------------------------------ client side

    def serve(self) -> None:
        try:
            self.dispatcher.serve(self._done.is_set)
        finally:
            self._client_gone()

    def _on_client_response(self, message: dict) -> None:
        """The client answered a request the adapter sent it (``runInTerminal``)."""
        callback = self._take_pending(message.get("request_seq"), client_side=True)
        if callback is not None:
            callback(message)

    @handles("initialize")
    def _initialize(self, request: dict) -> dict:
        arguments = request.get("arguments") or {}
        if not isinstance(arguments, dict):
            raise RequestError("initialize arguments must be an object")
        self.initialize_arguments = arguments
        return capabilities()

    def _before_request(self, request: dict) -> None:
        """Nothing but ``initialize``/``disconnect`` before the access token."""
        if self._token_proven or request["command"] in ("initialize", "disconnect"):
            return
        if request["command"] in ("launch", "attach"):
            return  # checked by their handlers, which close the connection on failure
        raise RequestError(
            f"send the access token ('{access_token.ATTACH_KEY}') in launch or attach first"
        )

    def _token_refused(self, request: dict) -> bool:
        """Check the access token of ``launch``/``attach``; on a mismatch answer
        with an error, log the refusal and close the connection."""
        if self._token_proven:
            return False
        arguments = request.get("arguments")
        given = arguments.get(access_token.ATTACH_KEY) if isinstance(arguments, dict) else None
        if access_token.matches(self.required_token, given):
            self._token_proven = True
            return False
        why = "sent no access token" if given is None else "sent a wrong access token"
        print(f"dapper.adapter: refused a client that {why}", file=sys.stderr, flush=True)
        self.client.send(
            messages.error_response(
                request,
                f"this adapter requires an access token: send it as "
                f"'{access_token.ATTACH_KEY}' in {request['command']} ({why})",
            )
        )
        self._done.set()
        self.client.close()
        return True

    @handles("launch")
    def _launch(self, request: dict) -> dict | None:
        if self._token_refused(request):
            return LATER
        if self.mode is not None:
            raise RequestError(f"this session already did '{self.mode}'")
        arguments = legacy_keys.modernise(request.get("arguments") or {})
        config = _parse_launch(arguments)
        self._greeted()
        self._name_unknown_keys("launch", arguments, LAUNCH_KEYS)
        self._log_to_file(arguments)
        self.mode = "launch"
        self.launch_config = config
        self.launch_arguments = dict(arguments)
        if config.sub_process and not config.no_debug:
            self.children = ChildListener(
                self._on_child,
                self._console,
                config.sub_process_wait,
                _discard if config.redirect_output is False else self._send_output,
            )
        try:
            self._start_debuggee(config)
        except RequestError:
            self.mode = None
            raise
        return self._engine_handshake("launch", self.launch_arguments)

    @handles("attach")
    def _attach(self, request: dict) -> dict | None:
        if self._token_refused(request):
            return LATER
        if self.mode is not None:
            raise RequestError(f"this session already did '{self.mode}'")
        arguments = dict(legacy_keys.modernise(request.get("arguments") or {}))
        check_types(arguments, ATTACH_KEYS)
        target = attach.parse_attach_target(arguments)
        self._greeted()
        self._name_unknown_keys("attach", arguments, ATTACH_KEYS)
        self._log_to_file(arguments)
        sock = self._attach_socket(target)
        self.mode = "attach"
        self.child_process = isinstance(arguments.get("subProcessId"), int)
        if self.child_process:
            self._exit_query = (arguments["subProcessId"], arguments.get("subProcessExit"))
            threading.Thread(
                target=self._relay_child_output,
                args=(arguments.get("redirectOutput") is not False,),
                name="dapper.child-output",
                daemon=True,
            ).start()
        elif target.how != "processId" and arguments.get("subProcess") is not False:
            # A program that called dapper.listen()/connect(): its children
            # report here, as a launched program's do.
            self.session_arguments = dict(arguments)
            self.children = ChildListener(self._on_child, self._console, child_link.DEFAULT_WAIT)
            arguments[messages.CHILD_LINK] = self.children.link.to_json()
        self._connect_engine(socket_connection(sock, name="engine", trace=self.client.trace))
        if target.how == "processId":
            body = {"name": f"process {target.pid}", "systemProcessId": target.pid}
            body.update(isLocalProcess=True, startMethod="attach")
            self.client.send(messages.event("process", body))
        return self._engine_handshake("attach", arguments)

    def _attach_socket(self, target: attach.AttachTarget) -> socket.socket:
        if target.how == "connect":
            return attach.connect(target)
        if target.how == "listen":
            listener = attach.bind(target.host, target.port)
            host, port = listener.getsockname()[:2]
            guarded = " (it must send the access token)" if target.token else ""
            self._send_output(
                "console",
                f"Dapper: waiting for the program to connect to {host}:{port}{guarded}\n",
            )
            return attach.accept(
                listener,
                self._done,
                secret=target.token,
                on_refused=lambda peer: self._send_output(
                    "console",
                    f"Dapper: refused a connection from {peer}: it did not send the access token\n",
                ),
            )
        from dapper.adapter import attach_pid

        listener = attach.bind("127.0.0.1", 0)
        secret = access_token.generate()
        try:
            injection = attach_pid.PidAttach(
                target.pid, how="connect", port=listener.getsockname()[1], secret=secret
            )
        except attach_pid.AttachError as exc:
            listener.close()
            raise RequestError(str(exc), error_id=messages.ERR_LAUNCH_FAILED) from None
        try:
            return attach.accept(
                listener,
                self._done,
                secret=secret,
                timeout=CONNECT_TIMEOUT,
                gave_up=injection.failure,
                late=f"process {target.pid} did not start the debugger in time: its main thread "
                "runs the bootstrap at its next Python instruction, so it may be blocked in a "
                "call outside Python (sleep, I/O, a lock)",
            )
        finally:
            injection.close()

    def _greeted(self) -> None:
        """The client started a session: an idle client is normal from now on
        (a TCP client had a time limit until here: ``close_unless_greeted``)."""
        self.greeted.set()

    def close_unless_greeted(self) -> None:
        """End a connection that never sent ``launch``/``attach`` (the ``--port``
        server's time limit; the socket itself has none, since changing a
        socket's timeout while another thread reads it can fail that read)."""
        if not self.greeted.is_set():
            self._done.set()
            self.client.close()

    @handles("disconnect")
    def _disconnect(self, request: dict) -> None:
        arguments = request.get("arguments") or {}
        terminate = arguments.get("terminateDebuggee")
        if self.mode == "launch" and self.process is not None and terminate is not False:
            self._kill_debuggee()
            self._exit_reported.wait(10)
        elif self.engine is not None and not self.engine.closed:
            # Detach: the engine lets the program run on.
            self._keep_debuggee = True
            done = threading.Event()
            forwarded = dict(request)
            if terminate is None:
                # Attached: detach by default. Launched in the client's terminal: end it.
                # A child announced by another session ends with its session too.
                forwarded["arguments"] = {
                    **arguments,
                    "terminateDebuggee": self.mode == "launch" or self.child_process,
                }
            releasing = self.mode == "launch" and self.process is not None
            if releasing:
                # Nobody reads the program's pipes once this adapter ends.
                forwarded["arguments"] = {**forwarded.get("arguments", {}), RELEASE_OUTPUT: True}
            self._send_to_engine(forwarded, lambda response: done.set())
            done.wait(5)
            if releasing and self.process is not None:
                self.process.drain(timeout=2.0)
                self._send_output(
                    "console",
                    "Dapper: detached; the program runs on and its further output is discarded.\n",
                )

    @after("disconnect")
    def _disconnected(self, request: dict) -> None:
        self._done.set()

    @handles("terminate")
    def _terminate(self, request: dict) -> Any:
        if self._owns_process():
            return None  # answered first, then the process ends (see _terminated)
        return self._relay(request)

    @after("terminate")
    def _terminated(self, request: dict) -> None:
        if self._owns_process():
            self._kill_debuggee()

    def _owns_process(self) -> bool:
        return self.mode == "launch" and self.process is not None

    @handles("restart")
    def _restart(self, request: dict) -> dict | None:
        if self.mode != "launch" or self.launch_config is None:
            raise RequestError("restart is supported for launched programs only")
        arguments = (request.get("arguments") or {}).get("arguments")
        if isinstance(arguments, dict):
            arguments = legacy_keys.modernise(arguments)
            self.launch_config = _parse_launch(arguments)
            self.launch_arguments = dict(arguments)
        self._restarting = True
        self._kill_debuggee()
        self._exit_reported.wait(10)
        self._exit_reported.clear()
        self._restarting = False
        self._start_debuggee(self.launch_config)
        return self._engine_handshake("launch", self.launch_arguments, replay=True)

    # ------------------------------------------------------------ launching

    def _start_debuggee(self, config: LaunchConfig) -> None:
        # Launch-only modules, imported here: an adapter serving an attach (each
        # child session's) starts without them.
        from dapper import interpreters
        from dapper.adapter.debuggee_process import DebuggeeProcess

        if len(config.python) == 1 and config.python != [sys.executable]:
            # Another interpreter: refuse an unsupported one now, not once the program
            # runs. (A wrapper command is not run twice; `python -m dapper` refuses there.)
            refusal = interpreters.probe_refusal(
                config.python, env=self._debuggee_env(config), cwd=config.cwd
            )
            if refusal is not None:
                raise RequestError(refusal, error_id=messages.ERR_LAUNCH_FAILED)
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        port = listener.getsockname()[1]
        argv = config.debuggee_argv(port)
        env = self._debuggee_env(config)
        # Only the process we start knows this: it proves itself with it before
        # we send it anything (any local user can connect to a loopback port).
        secret = access_token.generate()
        env[access_token.CONNECT_ENV] = secret
        try:
            if config.console != "internalConsole" and self.initialize_arguments.get(
                "supportsRunInTerminalRequest"
            ):
                self._run_in_terminal(config, argv, env)
            else:
                if config.console != "internalConsole":
                    self._send_output(
                        "console",
                        f"Dapper: the client cannot run '{config.console}'; using the internal console instead.\n",
                    )
                try:
                    self.process = DebuggeeProcess(
                        argv,
                        cwd=config.cwd,
                        env=env,
                        # Output shows unless redirectOutput is false: this is
                        # the internal console, whatever console was asked for.
                        on_output=_discard
                        if config.redirect_output is False
                        else self._send_output,
                    )
                except OSError as exc:
                    raise RequestError(
                        f"cannot start {argv[0]}: {exc.strerror or exc}",
                        error_id=messages.ERR_LAUNCH_FAILED,
                    ) from None
                threading.Thread(
                    target=self._watch_process,
                    args=(self.process,),
                    name="dapper.wait",
                    daemon=True,
                ).start()
            sock = self._accept_engine(listener, secret)
        finally:
            listener.close()
        self._connect_engine(socket_connection(sock, name="engine", trace=self.client.trace))
        if self.process is not None:
            self._send_process_event(self.process.pid)

    def _send_process_event(self, pid: int | None) -> None:
        config = self.launch_config
        body: dict[str, Any] = {
            "name": config.target if config else "python",
            "isLocalProcess": True,
            "startMethod": "launch",
        }
        if pid is not None:
            body["systemProcessId"] = pid
        self.client.send(messages.event("process", body))

    def _debuggee_env(self, config: LaunchConfig) -> dict[str, str]:
        env = dict(os.environ)
        for key, value in config.env.items():
            if value is None:
                env.pop(key, None)
            else:
                env[key] = value
        # What the program would have seen: the launcher puts these back.
        restore = {
            key: env.get(key) for key in ("PYTHONUNBUFFERED", "PYTHONIOENCODING", "PYTHONPATH")
        }
        env["PYTHONUNBUFFERED"] = "1"  # output right before a crash must not be lost
        env.setdefault("PYTHONIOENCODING", "utf-8")
        ours = _DAPPER_PARENT
        if config.python != [sys.executable]:
            # Another interpreter must still find this copy of Dapper, and only it.
            import tempfile

            shim = self._shim_dir = self._shim_dir or tempfile.mkdtemp(prefix="dapper-path-")
            if os.path.lexists(os.path.join(shim, "dapper")):
                os.unlink(os.path.join(shim, "dapper"))
            os.symlink(os.path.join(_DAPPER_PARENT, "dapper"), os.path.join(shim, "dapper"))
            env["PYTHONPATH"] = os.pathsep.join(filter(None, [shim, env.get("PYTHONPATH")]))
            ours = shim
        else:
            env["PYTHONPATH"] = os.pathsep.join(
                filter(None, [_DAPPER_PARENT, env.get("PYTHONPATH")])
            )
        env[child_link.ENV_NAME] = child_link.payload(
            children=self.children.link if self.children else None,
            restore=restore,
            path=None if ours in (restore["PYTHONPATH"] or "").split(os.pathsep) else ours,
        )
        return env

    # ------------------------------------------------------------ children

    def _on_child(self, hello: dict) -> dict:
        """A child of the program is up: ask the client for a session for it."""
        if not self.initialize_arguments.get("supportsStartDebuggingRequest"):
            if not self._said_no_children:
                self._said_no_children = True
                self._console(
                    f"Dapper: child processes are not debugged (first: {hello['name']}, pid "
                    f"{hello['pid']}): the client does not support 'startDebugging'.\n"
                )
            return {"attach": False}
        assert self.children is not None
        configuration = attach_configuration(
            self.launch_arguments or self.session_arguments,
            hello,
            self.children.exit_query(hello["pid"]),
        )
        result = self._ask_client(
            "startDebugging",
            {"request": "attach", "configuration": configuration},
            self.children.link.wait,
        )
        if not result.get("success"):
            self._console(
                f"Dapper: the client did not start a session for {configuration['name']}"
                f" ({result.get('message', 'no answer')}); it runs undebugged.\n"
            )
            return {"attach": False}
        return {"attach": True}

    def _ask_client(self, command: str, arguments: dict, timeout: float) -> dict[str, Any]:
        """Send a reverse request; its response, or {} if none came in time."""
        answered = threading.Event()
        result: dict[str, Any] = {}

        def on_response(response: dict) -> None:
            result.update(response)
            answered.set()

        request = messages.request(command, arguments)
        with self._pending_lock:  # the answer may come back before send() returns
            sent = self.client.send(request)
            self._pending[-sent["seq"]] = (request, on_response)
        answered.wait(timeout)
        return result

    def _console(self, text: str) -> None:
        self._send_output("console", text)

    def _run_in_terminal(self, config: LaunchConfig, argv: list[str], env: dict[str, str]) -> None:
        arguments: dict[str, Any] = {
            "kind": "integrated" if config.console == "integratedTerminal" else "external",
            "title": config.console_name or "Dapper",
            "cwd": config.cwd or os.getcwd(),
            "args": argv,
            # What differs from the adapter's environment; null removes a variable.
            "env": {
                **{k: v for k, v in env.items() if os.environ.get(k) != v},
                **{k: None for k in os.environ if k not in env},
            },
        }
        if config.args_text is not None and self.initialize_arguments.get(
            "supportsArgsCanBeInterpretedByShell"
        ):
            # The client's shell expands the args string; the rest must reach it intact.
            import shlex

            prefix = argv[: len(argv) - len(config.args)]
            arguments["args"] = [*(shlex.quote(a) for a in prefix), config.args_text]
            arguments["argsCanBeInterpretedByShell"] = True
        result = self._ask_client("runInTerminal", arguments, CONNECT_TIMEOUT)
        if not result.get("success"):
            raise RequestError(
                f"the client could not run the program in a terminal: {result.get('message', 'no answer')}",
                error_id=messages.ERR_LAUNCH_FAILED,
            )
        pid = (result.get("body") or {}).get("processId")
        self.terminal_pid = pid if isinstance(pid, int) else None

    def _accept_engine(self, listener: socket.socket, secret: str) -> socket.socket:
        """The connection of the debuggee we started, recognised by its proof;
        any other connection to the port is dropped unanswered."""
        acceptor = access_token.ProvenAcceptor(listener, secret)
        deadline = time.monotonic() + CONNECT_TIMEOUT
        try:
            while time.monotonic() < deadline:
                sock = acceptor.accept(0.2)
                if acceptor.refused:
                    log.warning("refused %d connection(s) without the proof", acceptor.refused)
                    acceptor.refused = 0
                if sock is not None:
                    return sock
                if self.process is not None and self.process.poll() is not None:
                    # It exited before connecting (bad module, syntax error, …): its
                    # output and exit code reach the client through the watcher.
                    self._exit_reported.wait(10)
                    raise RequestError(
                        "the debuggee exited before the debugger could start (see its output)",
                        error_id=messages.ERR_LAUNCH_FAILED,
                    )
        finally:
            acceptor.close()
        self._kill_debuggee()
        raise RequestError(
            "the debuggee did not connect back in time", error_id=messages.ERR_LAUNCH_FAILED
        )

    def _watch_process(self, process: DebuggeeProcess) -> None:
        code = process.wait()
        relay = self._relay_thread
        if relay is not None:
            # Events the engine sent just before the end (thread exits, log
            # points) are relayed before `exited`; its socket closed with it.
            relay.join(timeout=2.0)
        if self.children is not None:
            self.children.drain(timeout=2.0)
        if not self._restarting:
            self.client.send(messages.event("exited", {"exitCode": code}))
            self._send_terminated()
        self._exit_reported.set()

    def _kill_debuggee(self) -> None:
        if self.process is not None:
            self.process.terminate()

    # ------------------------------------------------------------ engine side

    def _connect_engine(self, engine: Connection) -> None:
        self.engine = engine
        self._relay_thread = threading.Thread(
            target=self._engine_reader, args=(engine,), name="dapper.relay", daemon=True
        )
        self._relay_thread.start()

    def _engine_handshake(
        self, command: str, arguments: dict, *, replay: bool = False
    ) -> dict | None:
        """initialize + launch/attach to the engine; the body of its answer."""
        assert self.engine is not None
        done = threading.Event()
        outcome: dict[str, Any] = {}

        def on_init(response: dict) -> None:
            if not response.get("success"):
                outcome["error"] = response.get("message", "engine refused initialize")
                done.set()
                return
            self._send_to_engine(messages.request(command, arguments), on_start)

        def on_start(response: dict) -> None:
            outcome["response"] = response
            if replay and response.get("success"):
                for name in _REPLAYED:
                    for req in [r for key, r in self._replay.items() if key.startswith(name)]:
                        self._send_to_engine(
                            messages.request(req["command"], req.get("arguments")), lambda r: None
                        )
                self._send_to_engine(messages.request("configurationDone"), lambda r: None)
            done.set()

        init_args = dict(self.initialize_arguments or {"adapterID": "dapper"})
        init_args.setdefault("adapterID", "dapper")
        self._send_to_engine(messages.request("initialize", init_args), on_init)
        if not done.wait(CONNECT_TIMEOUT):
            raise RequestError(
                f"the debuggee did not answer '{command}'", error_id=messages.ERR_LAUNCH_FAILED
            )
        response = outcome.get("response")
        if response is None or not response.get("success"):
            message = outcome.get("error") or (response or {}).get("message") or f"{command} failed"
            if self.mode == "launch":
                self._kill_debuggee()
            self.mode = None
            raise RequestError(message, error_id=messages.ERR_LAUNCH_FAILED)
        body = dict(response.get("body") or {})
        pid = body.pop(messages.DEBUGGEE_PID, None)
        if command == "launch" and self.process is None:
            # In the client's terminal: the launcher told its own pid.
            self._send_process_event(pid if isinstance(pid, int) else self.terminal_pid)
        return body or None

    def _send_to_engine(self, request: dict, callback: Callable[[dict], None]) -> None:
        engine = self.engine
        if engine is None or engine.closed:
            callback(messages.error_response(request, "the debuggee is not connected"))
            return
        with self._pending_lock:
            sent = engine.send(request)
            self._pending[sent["seq"]] = (request, callback)
        if engine.closed:
            callback_now = self._take_pending(sent["seq"])
            if callback_now is not None:
                callback_now(messages.error_response(request, "the debuggee is not connected"))

    def _take_pending(
        self, seq: Any, *, client_side: bool = False
    ) -> Callable[[dict], None] | None:
        if not isinstance(seq, int):
            return None
        with self._pending_lock:
            entry = self._pending.pop(-seq if client_side else seq, None)
        return entry[1] if entry is not None else None

    def _relay(self, request: dict) -> Any:
        """Forward a client request; the engine's response goes back with the client's seq."""
        if request["command"] in _REPLAYED:
            key = request["command"]
            if key == "setBreakpoints":
                key += ":" + str(((request.get("arguments") or {}).get("source") or {}).get("path"))
            self._replay[key] = request
        if self.engine is None or self.engine.closed:
            state = "no debuggee is running" if self.mode is None else "the debuggee has exited"
            raise RequestError(
                f"cannot handle '{request['command']}': {state}", error_id=messages.ERR_NOT_STOPPED
            )
        forwarded = {k: v for k, v in request.items() if k != "seq"}

        def back(response: dict) -> None:
            response = dict(response)
            response["request_seq"] = request["seq"]
            response.pop("seq", None)
            self.client.send(response)

        self._send_to_engine(forwarded, back)
        return LATER

    def _engine_reader(self, engine: Connection) -> None:
        while True:
            try:
                message = engine.receive()
            except ProtocolError as exc:
                log.warning("bad message from engine: %s", exc)
                continue
            if message is None:
                break
            kind = message.get("type")
            if kind == "response":
                callback = self._take_pending(message.get("request_seq"))
                if callback is not None:
                    callback(message)
            elif kind == "event":
                if message.get("event") in ("exited", "terminated") and self.process is not None:
                    continue  # the adapter reports the real process exit itself
                if message.get("event") in ("exited", "terminated") and self.child_process:
                    # What the child wrote comes first (it may still be in the pipe).
                    self._child_output_done.wait(child_link.EXIT_WAIT)
                message.pop("seq", None)
                if message.get("event") == "terminated":
                    self._send_terminated()
                else:
                    self._exit_relayed |= message.get("event") == "exited"
                    self.client.send(message)
        # The engine is gone: fail whatever still waits on it.
        with self._pending_lock:
            waiting = [entry for seq, entry in self._pending.items() if seq > 0]
            self._pending = {seq: entry for seq, entry in self._pending.items() if seq < 0}
        for request, callback in waiting:
            callback(
                messages.error_response(
                    request, "the debuggee exited", error_id=messages.ERR_NOT_STOPPED
                )
            )
        if self.process is None and self.engine is engine:
            if self.child_process:
                self._child_output_done.wait(child_link.EXIT_WAIT)
            self._report_vanished_child()
            self._send_terminated()

    def _relay_child_output(self, shown: bool) -> None:
        """A child session: the child's stdout and stderr, which the root
        adapter reads, as this session's ``output`` events."""
        pid, query = self._exit_query
        try:
            for category, text in child_link.child_output(query, pid):
                if shown and not self._done.is_set():
                    self._send_output(category, text)
        finally:
            self._child_output_done.set()

    def _report_vanished_child(self) -> None:
        """A child killed by a signal sent no ``exited``: its parent saw the
        code when it reaped it and told the root adapter; ask there."""
        if not self.child_process or self._exit_relayed or self._done.is_set():
            return
        pid, query = self._exit_query
        code = child_link.ask_exit_code(query, pid)
        if code is not None:
            self.client.send(messages.event("exited", {"exitCode": code}))

    def _send_terminated(self) -> None:
        with self._lock:
            if self._terminated_sent:
                return
            self._terminated_sent = True
        self.client.send(messages.event("terminated"))

    # ------------------------------------------------------------ helpers

    def _log_to_file(self, arguments: dict) -> None:
        """``logToFile``: the protocol log of this session, in the adapter's
        ``--log-dir`` or the temporary folder (unless one is written already)."""
        if not arguments.get("logToFile") or self.client.trace is not None:
            return
        path = log_files.adapter_log_path(log_files.log_dir)
        try:
            self.client.trace = log_files.open_trace(path)
        except OSError as exc:
            self._send_output("console", f"Dapper: cannot write the log {path}: {exc}\n")
            return
        self._send_output("console", f"Dapper: logging this session to {path}\n")

    def _name_unknown_keys(self, command: str, arguments: Any, table: dict) -> None:
        if isinstance(arguments, dict):
            unknown = unknown_keys(arguments, table)
            if unknown:
                self._send_output("console", unknown_keys_line(command, unknown))

    def _send_output(self, category: str, text: str) -> None:
        self.client.send(messages.event("output", {"category": category, "output": text}))

    def _client_gone(self) -> None:
        """The client disconnected or vanished: never leave a launched debuggee behind."""
        self._done.set()
        if self.children is not None:
            self.children.close()
        if self.mode == "launch" and self.process is not None and not self._keep_debuggee:
            self._kill_debuggee()
        if self.engine is not None:
            self.engine.close()
        self.client.close()
        if self._shim_dir is not None:
            import shutil

            shutil.rmtree(self._shim_dir, ignore_errors=True)


def _parse_launch(arguments: dict) -> LaunchConfig:
    """``launch_config.parse_launch``, imported when a launch needs it (the
    adapter of a child session, which attaches, starts without it)."""
    from dapper.adapter.launch_config import parse_launch

    return parse_launch(arguments)


def _discard(category: str, text: str) -> None:
    """``redirectOutput: false``: the program's output is read and dropped."""
