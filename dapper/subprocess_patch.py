"""Start the program's Python children under Dapper (``subProcess: true``).

Every way a process starts a program ends in one of a few calls:
``_posixsubprocess.fork_exec`` (``subprocess``, ``multiprocessing`` spawn and
forkserver), ``os.execv``/``os.execve`` (``os.exec*``, ``os.spawn*``) and
``os.posix_spawn``/``os.posix_spawnp``. Each is wrapped: when the command runs
Python, it becomes ``python [options] -c BOOT PROGRAM...``, where BOOT starts
the launcher in child mode, and the environment gets the link variable. Any
other command runs untouched, with the environment the program gave it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any

from dapper import fork_session
from dapper.protocol import child_link
from dapper.protocol.child_link import ChildLink
from dapper.python_command import python_command

#: The directory holding the ``dapper`` package, put on the child's sys.path by BOOT.
DAPPER_PARENT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BOOT = f"import sys;sys.path.insert(0,{DAPPER_PARENT!r});from dapper.child_boot import main;main()"

_link: ChildLink | None = None
_originals: dict[tuple[Any, str], Callable] = {}


def rewrite(
    executable: str, argv: list[str], env: Mapping[str, str]
) -> tuple[str, list[str], dict[str, str]] | None:
    """(executable, argv, env) that start this command under Dapper, or None to leave it."""
    if _link is None:
        return None
    command = python_command(executable, argv)
    if command is None:
        return None
    new_env = dict(env)
    restore = {key: new_env.get(key) for key in child_link.CHILD_ENV}
    new_env.update(child_link.CHILD_ENV)
    new_env[child_link.ENV_NAME] = child_link.payload(
        children=_link, restore=restore, path=DAPPER_PARENT, original=[executable, argv]
    )
    new_argv = [*command.interpreter, *command.options, "-c", BOOT, *command.program]
    new_executable = command.executable
    if not os.path.isabs(new_executable) and not os.path.dirname(new_executable):
        new_executable = _which(new_executable) or new_executable
    return new_executable, new_argv, new_env


def _which(name: str) -> str | None:
    """``shutil.which``, imported when first needed (not at a child's start)."""
    import shutil

    return shutil.which(name)


def _rewrite_or_none(executable: Any, argv: Any, env: Any) -> Any:
    try:
        if isinstance(executable, int):
            return None  # fexecve: no path to look at
        return rewrite(
            os.fsdecode(executable),
            [os.fsdecode(a) for a in argv],
            os.environ if env is None else env,
        )
    except Exception:  # noqa: BLE001 - never break the program's own call
        return None


def _execv(path, argv):
    changed = _rewrite_or_none(path, argv, None)
    if changed is None:
        return _originals[(os, "execv")](path, argv)
    return _originals[(os, "execve")](*changed)


def _execve(path, argv, env):
    changed = _rewrite_or_none(path, argv, env)
    return _originals[(os, "execve")](*(changed or (path, argv, env)))


def _spawner(name: str) -> Callable:
    def spawn(path, argv, env, *args, **kwargs):
        target = path
        if name == "posix_spawnp" and not os.path.dirname(os.fsdecode(path)):
            target = _which(os.fsdecode(path)) or path
        changed = _rewrite_or_none(target, argv, env)
        if changed is None:
            return _originals[(os, name)](path, argv, env, *args, **kwargs)
        return _originals[(os, "posix_spawn")](*changed, *args, **kwargs)

    spawn.__name__ = name
    return spawn


def _environ_bytes(env: Any) -> dict[str, str]:
    if env is None:
        return dict(os.environ)
    result = {}
    for item in env:
        key, _, value = os.fsdecode(item).partition("=")
        result[key] = value
    return result


def _fork_exec(args, executable_list, *rest):
    original = _originals[("_posixsubprocess", "fork_exec")]
    try:
        changed = None
        if args is not None and executable_list and _link is not None:
            candidates = [os.fsdecode(p) for p in executable_list]
            found = next((p for p in candidates if os.path.exists(p)), candidates[0])
            changed = rewrite(found, [os.fsdecode(a) for a in args], _environ_bytes(rest[3]))
    except Exception:  # noqa: BLE001 - never break the program's own call
        changed = None
    with fork_session.exec_follows():  # a preexec_fn runs fork hooks in the child
        if changed is None:
            return original(args, executable_list, *rest)
        executable, argv, env = changed
        rest = list(rest)
        rest[3] = [os.fsencode(f"{k}={v}") for k, v in env.items()]
        return original(argv, [os.fsencode(executable)], *rest)


def install(link: ChildLink) -> None:
    """Wrap the process-starting calls; Python children report to ``link``."""
    global _link
    _link = link
    if _originals:
        return
    import _posixsubprocess
    import subprocess

    _originals[("_posixsubprocess", "fork_exec")] = _posixsubprocess.fork_exec
    _posixsubprocess.fork_exec = _fork_exec
    if getattr(subprocess, "_fork_exec", None) is not None:
        setattr(subprocess, "_fork_exec", _fork_exec)  # noqa: B010 - private name
    replacements = {"execv": _execv, "execve": _execve}
    for name in ("posix_spawn", "posix_spawnp"):
        if hasattr(os, name):
            replacements[name] = _spawner(name)
    for name, wrapper in replacements.items():
        _originals[(os, name)] = getattr(os, name)
        setattr(os, name, wrapper)


def uninstall() -> None:
    """Put the original calls back (``subProcess`` turned off, tests)."""
    global _link
    _link = None
    if not _originals:
        return
    import _posixsubprocess
    import subprocess

    _posixsubprocess.fork_exec = _originals[("_posixsubprocess", "fork_exec")]
    if getattr(subprocess, "_fork_exec", None) is not None:
        setattr(subprocess, "_fork_exec", _posixsubprocess.fork_exec)  # noqa: B010 - private name
    for (owner, name), original in list(_originals.items()):
        if owner is os:
            setattr(os, name, original)
    _originals.clear()
