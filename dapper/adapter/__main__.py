"""``python -m dapper.adapter [--port N [--host H] [--token-file PATH | --no-token]]
[--log-file PATH] [--log-dir DIR]``.

Speaks DAP over stdio by default; with ``--port`` it serves TCP, one session
per connection, and keeps serving. Whoever reaches that port can start any
program, so beyond loopback a client must send an access token (as with
``python -m dapper --listen``). ``python <site-packages>/dapper/adapter``
works too: that is how the VS Code Python Debugger extension's
``debugAdapterPath`` setting starts an adapter (adding ``--log-dir DIR``).
"""

from __future__ import annotations

import sys

if not __package__:
    # Run as a folder: make the package importable, and keep this folder's
    # modules from shadowing top-level ones.
    import os as _os

    _here = _os.path.dirname(_os.path.abspath(__file__))
    if sys.path and _os.path.abspath(sys.path[0] or ".") == _here:
        sys.path.pop(0)
    sys.path.insert(0, _os.path.dirname(_os.path.dirname(_here)))

import argparse
import json
import os
import socket
import threading
import time

from dapper import __version__, access_token
from dapper.adapter.launch_keys import ATTACH_KEYS, LAUNCH_KEYS
from dapper.adapter.relay import AdapterRelay
from dapper.protocol import log_files
from dapper.protocol.connection import Connection, socket_connection
from dapper.protocol.log_files import ProtocolTrace, adapter_log_path, open_trace


def serve_stdio(trace: ProtocolTrace | None) -> None:
    stdin = sys.stdin.buffer
    stdout = sys.stdout.buffer
    # Nothing but DAP may reach stdout: stray prints go to stderr.
    sys.stdout = sys.stderr
    AdapterRelay(Connection(stdin, stdout, name="client", trace=trace)).serve()


#: Sessions served at once by ``--port``; more connections are closed at once.
MAX_SESSIONS = 16
#: Seconds a ``--port`` client has to send ``launch`` or ``attach``.
GREETING_TIMEOUT = 30.0


def serve_tcp(host: str, port: int, trace: ProtocolTrace | None, token: str | None = None) -> None:
    """Serve ``host:port``; with ``token``, each client must send it in launch/attach."""
    listener = socket.create_server((host, port), reuse_port=False)
    bound = listener.getsockname()
    print(f"dapper.adapter: listening on {bound[0]}:{bound[1]}", file=sys.stderr, flush=True)
    slots = threading.BoundedSemaphore(MAX_SESSIONS)
    watch = _GreetingWatch()
    while True:
        sock, peer = listener.accept()
        if not slots.acquire(blocking=False):
            print(
                f"dapper.adapter: refused {peer[0]}:{peer[1]}: {MAX_SESSIONS} sessions are open",
                file=sys.stderr,
                flush=True,
            )
            sock.close()
            continue
        session = AdapterRelay(
            socket_connection(sock, name="client", trace=trace), required_token=token
        )
        # An idle connection is closed; launch/attach lift the limit.
        watch.add(session)
        threading.Thread(
            target=_serve_session, args=(session, slots), name="dapper.session", daemon=True
        ).start()


class _GreetingWatch:
    """Closes connections that sent no ``launch``/``attach`` within
    ``GREETING_TIMEOUT`` seconds: one thread for all of them."""

    def __init__(self) -> None:
        self._waiting: list[tuple[float, AdapterRelay]] = []
        self._cond = threading.Condition()
        threading.Thread(target=self._run, name="dapper.greetings", daemon=True).start()

    def add(self, session: AdapterRelay) -> None:
        with self._cond:
            self._waiting.append((time.monotonic() + GREETING_TIMEOUT, session))
            self._cond.notify()

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._waiting:
                    self._cond.wait()
                deadline, session = self._waiting[0]
                left = deadline - time.monotonic()
                if left > 0:
                    self._cond.wait(left)
                    continue
                self._waiting.pop(0)
            session.close_unless_greeted()


def _serve_session(session: AdapterRelay, slots: threading.BoundedSemaphore) -> None:
    try:
        session.serve()
    finally:
        slots.release()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m dapper.adapter", description="Dapper's Debug Adapter Protocol server."
    )
    parser.add_argument("--port", type=int, help="serve TCP on this port instead of stdio")
    parser.add_argument("--host", default="127.0.0.1", help="host for --port (default: loopback)")
    parser.add_argument(
        "--token-file",
        help="with --port: clients must send the token in this file as 'accessToken' "
        f"in launch/attach (or set ${access_token.TOKEN_ENV}; beyond loopback one is "
        "generated and printed when neither is given)",
    )
    parser.add_argument(
        "--no-token",
        action="store_true",
        help="with --port beyond loopback: accept clients without a token (unsafe)",
    )
    parser.add_argument("--log-file", help="write a full protocol trace to this file")
    parser.add_argument(
        "--print-launch-keys",
        action="store_true",
        help="print the launch and attach keys this adapter accepts (JSON) and exit",
    )
    parser.add_argument(
        "--log-dir",
        metavar="DIR",
        help="write the protocol trace to a file in DIR (as debugpy's adapter does)",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    args = parser.parse_args(argv)
    # --port only: over stdio the variable is the program's to see.
    env_token = access_token.take_env(access_token.TOKEN_ENV) if args.port is not None else None
    if args.port is None and (args.token_file or args.no_token):
        parser.error("--token-file and --no-token apply to --port only")
    token = None
    if args.port is not None:
        try:
            token = access_token.listen_token(
                args.host,
                token_file=args.token_file,
                no_token=args.no_token,
                env_token=env_token,
                who="dapper.adapter",
            )
        except ValueError as exc:
            parser.error(str(exc))
    if args.print_launch_keys:
        from dapper._frame_eval.config import FRAME_EVAL_KEYS

        tables = {"launch": LAUNCH_KEYS, "attach": ATTACH_KEYS, "frameEval": FRAME_EVAL_KEYS}
        print(json.dumps({name: list(keys) for name, keys in tables.items()}))
        return 0
    log_file = args.log_file
    log_files.log_dir = args.log_dir
    if log_file is None and args.log_dir:
        log_file = adapter_log_path(args.log_dir)
    trace = None
    if log_file:
        try:
            trace = open_trace(log_file)
        except OSError as exc:
            print(f"dapper.adapter: cannot write the log {log_file}: {exc}", file=sys.stderr)
            return 2
    try:
        if args.port is not None:
            serve_tcp(args.host, args.port, trace, token)
        else:
            serve_stdio(trace)
    except KeyboardInterrupt:
        return 0
    except OSError as exc:
        print(f"dapper.adapter: {exc}", file=sys.stderr)
        return 1
    os._exit(0)  # daemon relay threads must not keep a finished adapter alive


if __name__ == "__main__":
    sys.exit(main())
