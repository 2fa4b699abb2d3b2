"""Which Python interpreters Dapper runs on, and one sentence saying why not.

The debugger's own code needs CPython 3.11+ (``co_qualname``, ``co_positions``, the
3.11 frame API); an older interpreter would start the program and then fail inside
the debugger, so a launch asks the interpreter first and refuses at once.
"""

from __future__ import annotations

import subprocess
import sys
import sysconfig

FIRST_SUPPORTED = (3, 11)
#: The newest version the compiled modules are built and tested for.
LAST_TESTED = (3, 15)

# Printed by the interpreter under test: implementation, full version, GIL state.
_PROBE = (
    "import sys, sysconfig; "
    "print(sys.implementation.name, '.'.join(map(str, sys.version_info[:3])), "
    "int(bool(sysconfig.get_config_var('Py_GIL_DISABLED'))))"
)


def refusal(implementation: str, version: tuple[int, ...], where: str) -> str | None:
    """Why Dapper cannot debug with this interpreter, or None when it can."""
    text = ".".join(map(str, version))
    if implementation != "cpython":
        return f"Dapper needs CPython 3.11 or newer; {where} is {implementation} {text}"
    if tuple(version[:2]) < FIRST_SUPPORTED:
        return f"Dapper needs CPython 3.11 or newer; {where} is {text}"
    return None


def refusal_for_running() -> str | None:
    """``refusal`` for the interpreter running this code."""
    return refusal(sys.implementation.name, tuple(sys.version_info[:3]), sys.executable)


def probe_refusal(
    python: list[str],
    *,
    env: dict[str, str] | None = None,
    cwd: str | None = None,
    timeout: float = 30.0,
) -> str | None:
    """Ask the interpreter ``python`` (argv prefix) what it is; the refusal, or None.

    An interpreter that cannot run at all is refused with what went wrong.
    """
    where = " ".join(python)
    try:
        done = subprocess.run(
            [*python, "-c", _PROBE],
            capture_output=True,
            text=True,
            env=env,
            cwd=cwd,
            timeout=timeout,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        return f"cannot run the interpreter {where}: {exc}"
    fields = done.stdout.split()
    if done.returncode != 0 or len(fields) != 3:
        detail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return f"cannot run the interpreter {where}: {detail}"
    implementation, text, _ = fields
    try:
        version = tuple(int(part) for part in text.split("."))
    except ValueError:
        return f"cannot tell the version of {where} (it printed {text!r})"
    return refusal(implementation, version, where)


def is_free_threaded() -> bool:
    """True on a free-threaded build (PEP 703), whether or not the GIL is back on."""
    return bool(sysconfig.get_config_var("Py_GIL_DISABLED"))


def gil_disabled() -> bool:
    """True when this process runs without the GIL right now."""
    is_enabled = getattr(sys, "_is_gil_enabled", None)
    return is_enabled is not None and not is_enabled()
