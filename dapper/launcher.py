"""The debuggee launcher: ``python -m dapper (--listen|--connect) … (FILE | -m MODULE | -c CODE)``.

Starts the engine on its own thread, waits for the client when asked, installs
the backend on the main thread, then runs the program as ``__main__`` and
reports how it ended.
"""

from __future__ import annotations

import argparse
import atexit
import builtins
import json
import logging
import os
import runpy
import sys
import threading
import traceback
import types
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from dapper import (
    __version__,
    access_token,
    child_exits,
    child_session,
    fork_session,
    orphan_guard,
    subprocess_patch,
)
from dapper._frame_eval.config import FrameEvalConfig
from dapper.core import thread_events
from dapper.engine import breakpoint_hook, console_log
from dapper.protocol import child_link

if TYPE_CHECKING:
    from dapper.engine.engine import Engine

BACKEND_NAMES = ("auto", "eval_frame", "tracing", "sys.monitoring", "settrace")


class UsageError(Exception):
    pass


def parse_address(text: str, *, default_host: str = "127.0.0.1") -> tuple[str, int]:
    """``PORT`` or ``HOST:PORT`` → (host, port)."""
    host, sep, port = text.rpartition(":")
    if not sep:
        host, port = default_host, text
    host = host.strip("[]") or default_host
    try:
        number = int(port)
    except ValueError:
        raise UsageError(f"invalid port in {text!r}") from None
    if not 0 <= number <= 65535:
        raise UsageError(f"port out of range in {text!r}")
    return host, number


def parse_args(argv: list[str]) -> argparse.Namespace:
    """Parse launcher options up to the program; the rest is the program's argv."""
    parser = argparse.ArgumentParser(
        prog="python -m dapper",
        description="Run a Python program under the Dapper debugger engine.",
        usage="python -m dapper (--listen [HOST:]PORT | --connect HOST:PORT) [--wait-for-client] "
        "[--backend NAME] [--token-file PATH | --no-token] (FILE | -m MODULE | -c CODE | --pid PID) "
        "[ARGS...]",
    )
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--listen", metavar="[HOST:]PORT", help="serve DAP on this address")
    where.add_argument(
        "--connect", metavar="HOST:PORT", help="connect to a DAP adapter at this address"
    )
    parser.add_argument(
        "--wait-for-client",
        action="store_true",
        help="run the program only after configurationDone",
    )
    parser.add_argument("--backend", choices=BACKEND_NAMES, default=None)
    parser.add_argument(
        "--token-file",
        metavar="PATH",
        help="with --listen: clients must send this file's content as 'accessToken' in attach; "
        "with --connect: the adapter's 'accessToken', sent to prove who we are "
        f"(or set ${access_token.TOKEN_ENV})",
    )
    parser.add_argument(
        "--no-token",
        action="store_true",
        help="with --listen beyond loopback: accept clients without a token (unsafe)",
    )
    parser.add_argument(
        "--pid",
        type=int,
        metavar="PID",
        help="instead of running a program, start the engine in this running Python "
        "program (CPython 3.14+; 3.11-3.13 with gdb on PATH) for one session",
    )
    parser.add_argument("--adapter", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--version", action="version", version=f"dapper {__version__}")
    parser.add_argument("--log-to", metavar="DIR", help="write the engine's protocol log in DIR")
    parser.add_argument(
        "--log-to-stderr", action="store_true", help="write the engine's protocol log to stderr"
    )
    parser.add_argument(
        "--configure-KEY",
        metavar="VALUE",
        dest="_configure_help",
        help=f"a default for a launch/attach key: {', '.join(CONFIGURABLE)}",
    )
    # Split off the program: everything from FILE, -m or -c on belongs to it.
    own: list[str] = []
    configure: dict[str, object] = {}
    rest = list(argv)
    while rest:
        arg = rest[0]
        if arg in ("-m", "-c"):
            break
        if arg.startswith("--configure-"):
            rest.pop(0)
            key = arg[len("--configure-") :]
            if key not in CONFIGURABLE:
                parser.error(f"{arg}: not a key Dapper reads ({', '.join(CONFIGURABLE)})")
            if not rest:
                parser.error(f"{arg} needs a value")
            configure[key] = configured_value(rest.pop(0))
            continue
        if arg.startswith("-") and arg != "-":
            own.append(rest.pop(0))
            if (
                arg in ("--listen", "--connect", "--backend", "--token-file", "--pid", "--log-to")
                and rest
            ):
                own.append(rest.pop(0))
            continue
        break
    args = parser.parse_args(own)
    args.configure = configure
    if args.pid is not None:
        if rest:
            parser.error("--pid takes no program to run")
        args.kind, args.target, args.program_args = "pid", "", []
        return args
    if not rest:
        parser.error("nothing to run: give FILE, -m MODULE or -c CODE")
    if rest[0] in ("-m", "-c"):
        if len(rest) < 2:
            parser.error(f"{rest[0]} needs an argument")
        args.kind, args.target, args.program_args = rest[0], rest[1], rest[2:]
    else:
        args.kind, args.target, args.program_args = "file", rest[0], rest[1:]
    return args


#: Keys ``--configure-<key> VALUE`` sets for the engine (debugpy's option).
CONFIGURABLE = ("justMyCode", "showReturnValue", "breakOnSystemExitZero", "rules", "stopOnEntry")


def configured_value(text: str) -> object:
    """``true``/``false`` as booleans, JSON values as such, anything else as text."""
    lowered = text.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    try:
        return json.loads(text)
    except ValueError:
        return text


def run_program(kind: str, target: str, program_args: list[str]) -> None:
    """Run the user's program as ``__main__`` (raises whatever it raises)."""
    if kind == "-m":
        sys.argv = [target, *program_args]
        _set_script_path(os.getcwd())
        runpy.run_module(target, run_name="__main__", alter_sys=True)
        return
    main = types.ModuleType("__main__")
    main.__dict__["__builtins__"] = builtins
    if kind == "-c":
        sys.argv = ["-c", *program_args]
        _set_script_path("")
        code = compile(target, "<string>", "exec", dont_inherit=True)
        import linecache

        linecache.cache["<string>"] = (len(target), None, target.splitlines(True), "<string>")
    else:
        path = os.path.abspath(target)
        sys.argv = [target, *program_args]
        _set_script_path(os.path.dirname(path))
        main.__file__ = path
        with open(path, "rb") as handle:
            source = handle.read()
        code = compile(source, path, "exec", dont_inherit=True)
    sys.modules["__main__"] = main
    exec(code, main.__dict__)  # noqa: S102 - running the user's -c program


def plain_orig_argv(
    kind: str, target: str, program_args: list[str], orig_argv: list[str], original: list[Any]
) -> list[str] | None:
    """``sys.orig_argv`` as a plain run of the program has it, or None to leave
    it. Reloaders (werkzeug's, Django's autoreload) re-run the program from it;
    with the launcher's own command they would start a second launcher.

    A child gets the command its parent asked for (``original``); the launched
    program keeps the interpreter's options from ``python [options] -m dapper``.
    """
    if len(original) == 2 and isinstance(original[1], list):
        argv = original[1]
        return list(argv) if all(isinstance(a, str) for a in argv) else None
    for i in range(1, len(orig_argv) - 1):
        if orig_argv[i] == "-m" and orig_argv[i + 1] in ("dapper", "dapper.launcher"):
            options = orig_argv[1:i]
            break
    else:
        return None
    program = [target] if kind == "file" else [kind, target]
    return [orig_argv[0], *options, *program, *program_args]


def _set_script_path(entry: str) -> None:
    """sys.path[0] as a plain run of the program would have it (the launcher's
    own entry is replaced, not pushed down)."""
    if sys.flags.safe_path:
        return
    if sys.path:
        sys.path[0] = entry
    else:
        sys.path.append(entry)


def exit_code_of(exc: SystemExit) -> int:
    code = exc.code
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


def _token_file(path: str) -> str:
    try:
        return access_token.load_file(path)
    except (OSError, ValueError) as exc:
        raise UsageError(f"cannot read the token file: {exc}") from None


def listen_token(args: argparse.Namespace, host: str, env_token: str | None) -> str | None:
    """The token ``--listen`` requires (``access_token.listen_token``)."""
    try:
        return access_token.listen_token(
            host, token_file=args.token_file, no_token=args.no_token, env_token=env_token
        )
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def connect_token(args: argparse.Namespace, env_token: str | None) -> str | None:
    """The token ``--connect`` proves to an adapter that asked for one
    (``attach`` with ``listen`` and ``accessToken``)."""
    if args.no_token:
        raise UsageError("--no-token only applies to --listen")
    if args.token_file:
        return _token_file(args.token_file)
    return env_token


def main(argv: list[str] | None = None) -> int:
    orphan_guard.die_with_parent()  # before anything else: the adapter may die any time
    # Secrets meant for us only: the program and its children never see them.
    env_token = access_token.take_env(access_token.TOKEN_ENV)
    connect_secret = access_token.take_env(access_token.CONNECT_ENV)
    inherited = child_link.take_environment()
    children_output_from_terminal = os.environ.pop(child_link.TERMINAL_OUTPUT_ENV, None) == "1"
    try:
        args = parse_args(sys.argv[1:] if argv is None else argv)
        address = parse_address(args.listen or args.connect)
        if args.listen:
            token = listen_token(args, address[0], env_token)
        else:
            token = connect_token(args, env_token)
    except UsageError as exc:
        print(f"dapper: {exc}", file=sys.stderr)
        return 2
    if args.kind == "pid":
        from dapper.adapter.attach_pid import start_from_command_line

        how = "listen" if args.listen else "connect"
        return start_from_command_line(args.pid, how, *address, token=token)
    if args.kind == "file" and not os.path.isfile(args.target):
        print(f"dapper: can't open file {args.target!r}: no such file", file=sys.stderr)
        return 2

    plain = plain_orig_argv(
        args.kind, args.target, args.program_args, list(sys.orig_argv), inherited.original
    )
    if plain is not None:
        sys.orig_argv = plain
    name = child_session.child_name(args.kind, args.target)

    from dapper.engine.engine import Engine, flush_standard_streams

    try:
        if args.backend is not None:
            config = FrameEvalConfig.from_backend_name(args.backend)
        else:
            config = FrameEvalConfig.resolve(None, os.environ)
    except ValueError as exc:
        print(f"dapper: {exc}", file=sys.stderr)
        return 2
    # A child announced before the engine was imported serves on that listener.
    early = child_session.early if args.child else None
    if args.child:
        engine_token: str | None = early.token if early is not None else access_token.generate()
    else:
        engine_token = token if args.listen else None
    engine = Engine(config, launched_by_adapter=args.adapter, access_token=engine_token)
    engine.defaults = dict(args.configure)
    if args.log_to or args.log_to_stderr:
        from dapper.protocol.log_files import adapter_log_path, open_trace, stream_trace

        try:
            engine.trace = (
                open_trace(adapter_log_path(args.log_to, "engine"))
                if args.log_to
                else stream_trace(sys.stderr)
            )
        except OSError as exc:
            print(f"dapper: cannot write the log in {args.log_to}: {exc}", file=sys.stderr)
            return 2
    console_log.route_to_client(engine.send_to_client)
    os.register_at_fork(after_in_child=engine.forget_in_forked_child)
    if args.kind == "file":
        # The script is about to run as __main__: its breakpoints are not
        # "waiting for a module", and watching for its load (an audit hook,
        # which taxes every audited call for the rest of the run) is not needed.
        engine.debugger.breakpoints.set_main_file(os.path.abspath(args.target))
    try:
        if args.connect:
            engine.connect(*address, proof=connect_secret or token)
        elif early is not None:
            host, port = engine.serve_listener(early.listener)
        else:
            host, port = engine.listen(*address)
            if not args.child:
                print(f"dapper: listening on {host}:{port}", file=sys.stderr, flush=True)
    except OSError as exc:
        print(
            f"dapper: cannot {'connect to' if args.connect else 'listen on'} {address[0]}:{address[1]}: {exc.strerror or exc}",
            file=sys.stderr,
        )
        return 2

    if inherited.children is not None:
        if not args.child:
            from dapper import child_output

            child_output.note_adapter_pipes(inherited.children, children_output_from_terminal)
        subprocess_patch.install(inherited.children)
        child_exits.install(inherited.children)
        fork_session.install(engine, inherited.children, name)
    if early is not None and inherited.children is not None:
        early.wait(engine, inherited.children)
    elif args.child and inherited.children is not None:
        child_session.wait_for_session(engine, inherited.children, name, port)
    elif args.connect or args.wait_for_client:
        engine.configured.wait()
    if engine.no_debug:
        return _run_without_debugging(engine, args)
    try:
        engine.start_backend()
    except Exception as exc:  # noqa: BLE001 - strict mode: report and end
        if not args.child:
            print(f"dapper: {exc}", file=sys.stderr)
            engine.finish(1)
            return 1
        # A child may run another interpreter than its parent, which cannot
        # give the backend the parent asked for: the program must run anyway.
        logging.getLogger("dapper").warning(
            "Dapper: %s (pid %d): %s; using the default backend", name, os.getpid(), exc
        )
        engine.config = FrameEvalConfig()
        engine.start_backend()
    # Reporting a thread's start or exit runs on that thread: no stop there.
    thread_events.install(
        lambda reason, ident: engine.debugger.without_events(
            engine.debugger.on_thread_event, reason, ident
        )
    )
    breakpoint_hook.install(lambda: fork_session.current_engine(engine).debugger)
    threading.excepthook = _thread_excepthook(engine)
    if engine.stop_on_entry:
        engine.debugger.request_entry_stop(threading.get_ident())

    def uncaught(exc: BaseException) -> None:
        current = fork_session.current_engine(engine)  # a forked child has its own
        current.debugger.on_uncaught(exc)
        if not isinstance(exc, SystemExit):
            current.debugger.quietly(_print_user_traceback, exc)

    exit_code = _run_to_end(args, uncaught)
    _wait_for_threads()
    # As the interpreter would next, but while the debugger is still on, so a
    # breakpoint in an atexit handler stops (they then do not run again).
    atexit._run_exitfuncs()
    flush_standard_streams()
    thread_events.uninstall()
    engine = fork_session.current_engine(engine)
    breakpoint_hook.uninstall()
    engine.finish(exit_code)
    return exit_code


def _run_to_end(args: argparse.Namespace, uncaught: Callable[[BaseException], None]) -> int:
    """Run the program; its exit code as the interpreter would report it."""
    from dapper.engine.engine import flush_standard_streams

    exit_code = 0
    try:
        run_program(args.kind, args.target, args.program_args)
    except SystemExit as exc:
        uncaught(exc)  # the debugger decides whether this exit counts as uncaught
        exit_code = exit_code_of(exc)
    except KeyboardInterrupt:
        traceback.print_exc()
        exit_code = 130
    except BaseException as exc:  # noqa: BLE001 - the program's uncaught exception
        uncaught(exc)
        exit_code = 1
    finally:
        flush_standard_streams()
    return exit_code


def _run_without_debugging(engine: Engine, args: argparse.Namespace) -> int:
    """``noDebug``: the program runs with no backend, no hooks and no stops;
    the engine only reports how it ended."""
    from dapper.engine.engine import flush_standard_streams

    def uncaught(exc: BaseException) -> None:
        if not isinstance(exc, SystemExit):
            _print_user_traceback(exc)

    exit_code = _run_to_end(args, uncaught)
    _wait_for_threads()
    atexit._run_exitfuncs()
    flush_standard_streams()
    engine.finish(exit_code)
    return exit_code


def _print_user_traceback(exc: BaseException) -> None:
    """Print the traceback as Python would, without the launcher's own frames."""
    tb = exc.__traceback__
    from dapper.core.frame_kinds import is_debugger_frame

    while tb is not None and (
        is_debugger_frame(tb.tb_frame)
        or tb.tb_frame.f_code.co_filename.endswith(("runpy.py", "<frozen runpy>"))
    ):
        tb = tb.tb_next
    traceback.print_exception(type(exc), exc, tb)
    sys.stderr.flush()


def _thread_excepthook(engine: Engine) -> Callable[[Any], None]:
    original = threading.excepthook

    def hook(args: threading.ExceptHookArgs) -> None:
        if args.exc_value is not None and not isinstance(args.exc_value, SystemExit):
            engine.debugger.on_uncaught(args.exc_value)
        engine.debugger.quietly(original, args)

    return hook


def _wait_for_threads() -> None:
    """Let non-daemon threads finish, as the interpreter would, before reporting exit."""
    for thread in threading.enumerate():
        if thread is threading.current_thread() or thread.daemon or not thread.is_alive():
            continue
        thread.join()
