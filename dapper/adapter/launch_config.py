"""Validating ``launch`` and ``attach`` arguments (debugpy-compatible names).

Keys the adapter does not know (``type``, ``request``, ``name``,
``preLaunchTask``, …) are ignored; known keys with a wrong type are a clear
error naming the key.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from typing import Any

from dapper._frame_eval.config import FrameEvalConfig
from dapper.protocol.child_link import DEFAULT_WAIT
from dapper.protocol.messages import RequestError

CONSOLES = ("internalConsole", "integratedTerminal", "externalTerminal")

#: Every ``launch`` key the adapter or the engine reads. Editor integrations
#: (editors/vscode's configuration schema) are checked against these tables,
#: and tests/test_launch_keys.py fails when code reads a key missing here.
LAUNCH_KEYS = (
    "program",
    "module",
    "code",
    "args",
    "cwd",
    "env",
    "python",
    "console",
    "stopOnEntry",
    "justMyCode",
    "noDebug",
    "frameEval",
    "pathMappings",
    "subProcess",
    "subProcessWait",
    "django",
    "jinja",
)
#: Every ``attach`` key, likewise.
ATTACH_KEYS = (
    "connect",
    "host",
    "port",
    "listen",
    "processId",
    "justMyCode",
    "frameEval",
    "pathMappings",
    "accessToken",
    "subProcess",
    "subProcessId",
    "django",
    "jinja",
    "subProcessExit",
)


@dataclass
class LaunchConfig:
    kind: str  # "file" | "-m" | "-c"
    target: str
    args: list[str] = field(default_factory=list)
    cwd: str | None = None
    env: dict[str, str] = field(default_factory=dict)
    python: list[str] = field(default_factory=lambda: [sys.executable])
    console: str = "internalConsole"
    no_debug: bool = False
    #: debug the program's Python children too (debugpy's ``subProcess``)
    sub_process: bool = True
    #: seconds a child waits for its session before running on (``subProcessWait``)
    sub_process_wait: float = DEFAULT_WAIT

    def debuggee_argv(self, connect_port: int) -> list[str]:
        return [
            *self.python,
            "-m",
            "dapper",
            "--connect",
            f"127.0.0.1:{connect_port}",
            "--adapter",
            *([self.target] if self.kind == "file" else [self.kind, self.target]),
            *self.args,
        ]


def _typed(arguments: dict[str, Any], key: str, kind: type | tuple[type, ...], what: str) -> Any:
    value = arguments.get(key)
    if value is not None and not isinstance(value, kind):
        raise RequestError(f"launch argument '{key}' must be {what}, got {type(value).__name__}")
    return value


def parse_launch(arguments: dict[str, Any]) -> LaunchConfig:
    """Build a ``LaunchConfig`` or raise ``RequestError`` naming the bad key."""
    if not isinstance(arguments, dict):
        raise RequestError("launch arguments must be an object")
    program = _typed(arguments, "program", str, "a string")
    module = _typed(arguments, "module", str, "a string")
    code = _typed(arguments, "code", (str, list), "a string")
    given = [
        name for name, value in (("program", program), ("module", module), ("code", code)) if value
    ]
    if len(given) != 1:
        raise RequestError(
            "launch needs exactly one of 'program', 'module' or 'code'"
            + (f" (got {', '.join(given)})" if given else "")
        )
    cwd = _typed(arguments, "cwd", str, "a string")
    if cwd is not None and not os.path.isdir(cwd):
        raise RequestError(f"launch argument 'cwd' is not a directory: {cwd}")
    args = _typed(arguments, "args", (list, str), "an array of strings")
    if isinstance(args, str):
        args = args.split()
    if args is not None and not all(isinstance(a, str) for a in args):
        raise RequestError("launch argument 'args' must be an array of strings")
    env = _typed(arguments, "env", dict, "an object")
    if env is not None and not all(
        isinstance(k, str) and isinstance(v, (str, type(None))) for k, v in env.items()
    ):
        raise RequestError("launch argument 'env' must map names to strings")
    python = _typed(arguments, "python", (str, list), "a string or an array of strings")
    if isinstance(python, str):
        python = [python]
    if python is not None and (not python or not all(isinstance(p, str) for p in python)):
        raise RequestError(
            "launch argument 'python' must be a non-empty string or array of strings"
        )
    console = _typed(arguments, "console", str, "a string") or "internalConsole"
    if console not in CONSOLES:
        raise RequestError(
            f"launch argument 'console' must be one of {', '.join(CONSOLES)}, got {console!r}"
        )
    for key in ("stopOnEntry", "justMyCode", "noDebug", "subProcess", "django", "jinja"):
        _typed(arguments, key, bool, "a boolean")
    wait = _typed(arguments, "subProcessWait", (int, float), "a number of seconds")
    if wait is not None and (isinstance(wait, bool) or not 0 <= wait <= 3600):
        raise RequestError("launch argument 'subProcessWait' must be from 0 to 3600 seconds")
    frame_eval = _typed(arguments, "frameEval", dict, "an object")
    if frame_eval is not None:
        try:
            FrameEvalConfig.from_dict(frame_eval)
        except ValueError as exc:
            raise RequestError(f"invalid launch argument 'frameEval': {exc}") from None

    if program:
        base = cwd or os.getcwd()
        path = program if os.path.isabs(program) else os.path.join(base, program)
        if not os.path.isfile(path):
            raise RequestError(f"program does not exist: {program}")
        kind, target = "file", os.path.abspath(path)
    elif module:
        kind, target = "-m", module
    else:
        kind, target = "-c", code if isinstance(code, str) else "\n".join(code)
    return LaunchConfig(
        kind=kind,
        target=target,
        args=list(args or []),
        cwd=cwd,
        env={k: v for k, v in (env or {}).items()},
        python=list(python) if python else [sys.executable],
        console=console,
        no_debug=bool(arguments.get("noDebug", False)),
        sub_process=arguments.get("subProcess") is not False,
        sub_process_wait=DEFAULT_WAIT if wait is None else float(wait),
    )


def parse_attach(arguments: dict[str, Any]) -> tuple[str, int]:
    """``connect: {host, port}`` or debugpy's top-level ``host``/``port``."""
    if not isinstance(arguments, dict):
        raise RequestError("attach arguments must be an object")
    connect = arguments.get("connect")
    if connect is not None and not isinstance(connect, dict):
        raise RequestError("attach argument 'connect' must be an object with 'host' and 'port'")
    source = connect if connect is not None else arguments
    host = source.get("host", "127.0.0.1")
    port = source.get("port")
    if not isinstance(host, str):
        raise RequestError("attach argument 'host' must be a string")
    if isinstance(port, str) and port.isdigit():
        port = int(port)
    if not isinstance(port, int) or isinstance(port, bool) or not 0 < port < 65536:
        raise RequestError("attach needs 'connect.port' (or 'port'): an integer from 1 to 65535")
    child = arguments.get("subProcessId")
    if child is not None and (not isinstance(child, int) or isinstance(child, bool)):
        raise RequestError("attach argument 'subProcessId' must be a process id")
    exits = arguments.get("subProcessExit")
    if exits is not None and not isinstance(exits, dict):
        raise RequestError(
            "attach argument 'subProcessExit' must be an object (from startDebugging)"
        )
    return host, port
