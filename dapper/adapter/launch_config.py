"""Validating ``launch`` and ``attach`` arguments (debugpy-compatible names).

Types are checked against the key table (``launch_keys``); this module gives
the values their meaning: which program, its argv, interpreter, directory and
environment, and where its output goes.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from typing import Any

from dapper.adapter.env_file import EnvFileError, read_env_file
from dapper.adapter.launch_keys import ATTACH_KEYS, LAUNCH_KEYS, check_types
from dapper.adapter.program_args import EXPANSIONS, shell_text, split_args
from dapper.protocol.child_link import DEFAULT_WAIT
from dapper.protocol.messages import RequestError

CONSOLES = ("internalConsole", "integratedTerminal", "externalTerminal")

#: ``LAUNCH_KEYS``/``ATTACH_KEYS`` (``launch_keys``): every key the adapter or
#: the engine reads, with its type. Editor integrations (editors/vscode's
#: configuration schema) are checked against them, and
#: tests/unit/test_launch_keys.py fails when code reads a key missing there.
__all__ = ["ATTACH_KEYS", "LAUNCH_KEYS", "LaunchConfig", "parse_launch"]


@dataclass
class LaunchConfig:
    kind: str  # "file" | "-m" | "-c"
    target: str
    args: list[str] = field(default_factory=list)
    cwd: str | None = None
    env: dict[str, str | None] = field(default_factory=dict)
    python: list[str] = field(default_factory=lambda: [sys.executable])
    console: str = "internalConsole"
    no_debug: bool = False
    #: debug the program's Python children too (debugpy's ``subProcess``)
    sub_process: bool = True
    #: seconds a child waits for its session before running on (``subProcessWait``)
    sub_process_wait: float = DEFAULT_WAIT

    #: the interpreter's own options (``pythonArgs``), before ``-m dapper``
    python_args: list[str] = field(default_factory=list)
    #: ``args`` as one string for a shell to interpret (runInTerminal only)
    args_text: str | None = None
    #: ``redirectOutput``; None: the console's default (only internalConsole shows output)
    redirect_output: bool | None = None
    console_name: str | None = None

    def launcher_argv(self, connect_port: int) -> list[str]:
        """Everything before the program's own arguments."""
        return [
            *self.python,
            *self.python_args,
            "-m",
            "dapper",
            "--connect",
            f"127.0.0.1:{connect_port}",
            "--adapter",
            *([self.target] if self.kind == "file" else [self.kind, self.target]),
        ]

    def debuggee_argv(self, connect_port: int) -> list[str]:
        return [*self.launcher_argv(connect_port), *self.args]


def parse_launch(arguments: dict[str, Any]) -> LaunchConfig:
    """Build a ``LaunchConfig`` or raise ``RequestError`` naming the bad key."""
    if not isinstance(arguments, dict):
        raise RequestError("launch arguments must be an object")
    check_types(arguments, LAUNCH_KEYS)
    program = arguments.get("program")
    module = arguments.get("module")
    code = arguments.get("code")
    given = [
        name for name, value in (("program", program), ("module", module), ("code", code)) if value
    ]
    if len(given) != 1:
        raise RequestError(
            "launch needs exactly one of 'program', 'module' or 'code'"
            + (f" (got {', '.join(given)})" if given else "")
        )
    cwd = arguments.get("cwd")
    if cwd is not None and not os.path.isdir(cwd):
        raise RequestError(f"launch argument 'cwd' is not a directory: {cwd}")
    expansion = arguments.get("argsExpansion") or "shell"
    if expansion not in EXPANSIONS:
        raise RequestError(f"'argsExpansion' must be one of {', '.join(EXPANSIONS)}")
    raw_args = arguments.get("args")
    try:
        args = split_args(raw_args, expansion)
    except ValueError as exc:
        raise RequestError(f"'args' cannot be split like a shell would: {exc}") from None
    env = _environment(arguments)
    python = arguments.get("python")
    if isinstance(python, str):
        python = [python]
    if python is not None and not python:
        raise RequestError(
            "launch argument 'python' must be a non-empty string or array of strings"
        )
    console = arguments.get("console") or "internalConsole"
    if console not in CONSOLES:
        raise RequestError(
            f"launch argument 'console' must be one of {', '.join(CONSOLES)}, got {console!r}"
        )
    wait = arguments.get("subProcessWait")
    if wait is not None and not 0 <= wait <= 3600:
        raise RequestError("launch argument 'subProcessWait' must be from 0 to 3600 seconds")
    frame_eval = arguments.get("frameEval")
    if frame_eval is not None:
        try:
            from dapper._frame_eval.config import FrameEvalConfig

            FrameEvalConfig.from_dict(frame_eval)
        except ValueError as exc:
            raise RequestError(f"invalid launch argument 'frameEval': {exc}") from None

    if program:
        base = cwd or os.getcwd()
        path = program if os.path.isabs(program) else os.path.join(base, program)
        if not os.path.isfile(path):
            raise RequestError(f"program does not exist: {program}")
        kind, target = "file", os.path.abspath(path)
        if cwd is None:
            cwd = os.path.dirname(target)  # debugpy's default: the program's folder
    elif module:
        kind, target = "-m", module
    else:
        kind, target = "-c", code if isinstance(code, str) else "\n".join(code or [])
    return LaunchConfig(
        kind=kind,
        target=target,
        args=args,
        cwd=cwd,
        env=env,
        python=list(python) if python else [sys.executable],
        console=console,
        no_debug=bool(arguments.get("noDebug", False)),
        sub_process=arguments.get("subProcess") is not False,
        sub_process_wait=DEFAULT_WAIT if wait is None else float(wait),
        python_args=list(arguments.get("pythonArgs") or []),
        args_text=shell_text(raw_args, expansion),
        redirect_output=arguments.get("redirectOutput"),
        console_name=arguments.get("consoleName"),
    )


def _environment(arguments: dict[str, Any]) -> dict[str, str | None]:
    """``envFile`` then ``env`` on top; a ``null`` value removes the variable."""
    env = arguments.get("env") or {}
    if not all(isinstance(v, (str, type(None))) for v in env.values()):
        raise RequestError("launch argument 'env' must map names to strings")
    merged: dict[str, str | None] = {}
    env_file = arguments.get("envFile")
    if env_file:
        base = {k: v for k, v in {**os.environ, **env}.items() if v is not None}
        try:
            merged.update(read_env_file(env_file, base))
        except FileNotFoundError:
            pass  # the Python extension sends ${workspaceFolder}/.env whether it exists or not
        except (OSError, EnvFileError, UnicodeDecodeError) as exc:
            raise RequestError(f"cannot read 'envFile' {env_file}: {exc}") from None
    merged.update(env)
    return merged
