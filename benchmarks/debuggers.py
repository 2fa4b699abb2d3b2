"""The debuggers a benchmark can run under: plain Python, each Dapper backend
available on this interpreter, and debugpy when it is installed."""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
from dataclasses import dataclass, field
from typing import Any

import dapper

#: Directory that holds the ``dapper`` package, put on the debuggee's path so a
#: checkout works as well as an installed copy.
DAPPER_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(dapper.__file__)))

#: Exception type the workloads never raise: the ``raised`` filter is limited to
#: it so every raise is examined by the debugger but none stops.
UNRAISED_TYPE = "ZeroDivisionError"


@dataclass(frozen=True)
class Debugger:
    """One column of the results: how a workload is run."""

    name: str
    kind: str  # "plain" | "dapper" | "debugpy"
    frame_eval: dict[str, Any] = field(default_factory=dict)
    #: ``noDebug: true`` ("Run Without Debugging"): the debugger's launch path, no debugging
    no_debug: bool = False

    @property
    def is_plain(self) -> bool:
        return self.kind == "plain"

    def adapter_argv(self) -> list[str]:
        """Command line of the stdio DAP adapter that launches the debuggee."""
        module = "dapper.adapter" if self.kind == "dapper" else "debugpy.adapter"
        return [sys.executable, "-m", module]

    def launch_extras(self) -> dict[str, Any]:
        """Debugger-specific ``launch`` arguments."""
        extras: dict[str, Any] = {"noDebug": True} if self.no_debug else {}
        if self.kind == "dapper" and self.frame_eval:
            extras["frameEval"] = dict(self.frame_eval)
        return extras

    def exception_arguments(self, raised: bool) -> dict[str, Any]:
        """``setExceptionBreakpoints`` arguments: the editor default
        (``uncaught``), plus ``raised`` limited to a type never raised."""
        if not raised:
            return {"filters": ["uncaught"]}
        if self.kind == "dapper":
            return {
                "filters": ["uncaught"],
                "filterOptions": [{"filterId": "raised", "condition": UNRAISED_TYPE}],
            }
        # debugpy has no condition on filters; exceptionOptions names the types.
        return {
            "filters": [],
            "exceptionOptions": [
                {
                    "path": [{"names": ["Python Exceptions"]}, {"names": [UNRAISED_TYPE]}],
                    "breakMode": "always",
                },
                {"path": [{"names": ["Python Exceptions"]}], "breakMode": "unhandled"},
            ],
        }


PLAIN = Debugger("plain", "plain")


def _tracing(name: str) -> dict[str, Any]:
    return {"backend": "tracing", "tracing_backend": name, "fallback_to_tracing": False}


def _eval_frame_importable() -> tuple[bool, str]:
    try:
        importlib.import_module("dapper._frame_eval._frame_evaluator")
    except Exception as exc:  # noqa: BLE001 - any failure means "not available"
        return (
            False,
            f"dapper._frame_eval._frame_evaluator does not import ({exc.__class__.__name__})",
        )
    return True, ""


def _debugpy_version() -> str | None:
    if importlib.util.find_spec("debugpy") is None:
        return None
    try:
        return importlib.import_module("debugpy").__version__
    except Exception:  # noqa: BLE001
        return None


#: Rows only measured when asked for by name (``--debuggers dapper-noDebug``).
NO_DEBUG = (Debugger("dapper-noDebug", "dapper", no_debug=True),)
NO_DEBUG_DEBUGPY = Debugger("debugpy-noDebug", "debugpy", no_debug=True)


def available_debuggers(
    *, with_debugpy: bool = True, traced_too: bool = False, with_no_debug: bool = False
) -> tuple[list[Debugger], list[dict[str, str]]]:
    """Debuggers to measure here (plain first), and those skipped with why.

    ``traced_too``: each Dapper backend also with instrumented code switched off
    (``frameEval.instrumentedCode: false``), as ``dapper-<backend>-traced``.
    """
    found = [PLAIN, Debugger("dapper-settrace", "dapper", _tracing("settrace"))]
    skipped: list[dict[str, str]] = []
    if sys.version_info >= (3, 12):
        found.append(Debugger("dapper-sys.monitoring", "dapper", _tracing("sys.monitoring")))
    else:
        skipped.append({"debugger": "dapper-sys.monitoring", "reason": "needs Python 3.12+"})
    ok, why = _eval_frame_importable()
    if ok:
        found.append(
            Debugger(
                "dapper-eval_frame",
                "dapper",
                {"backend": "eval_frame", "fallback_to_tracing": False},
            )
        )
    else:
        skipped.append({"debugger": "dapper-eval_frame", "reason": why})
    if traced_too:
        found += [
            Debugger(f"{d.name}-traced", "dapper", {**d.frame_eval, "instrumentedCode": False})
            for d in list(found)
            if d.kind == "dapper"
        ]
    if not with_debugpy:
        skipped.append({"debugger": "debugpy", "reason": "left out (--no-debugpy)"})
    elif _debugpy_version() is None:
        skipped.append({"debugger": "debugpy", "reason": "not installed (pip install .[bench])"})
    else:
        found.append(Debugger("debugpy", "debugpy"))
    if with_no_debug:
        found += NO_DEBUG
        if with_debugpy and _debugpy_version() is not None:
            found.append(NO_DEBUG_DEBUGPY)
    return found, skipped


def versions() -> dict[str, str | None]:
    """Versions of the debuggers, for the results header."""
    return {"dapper": getattr(dapper, "__version__", None), "debugpy": _debugpy_version()}


def compile_dapper() -> None:
    """Write the bytecode of Dapper's modules, as installing it does.

    A checkout run with ``PYTHONDONTWRITEBYTECODE`` set (or from a read-only
    tree) otherwise compiles every module from source in every adapter and
    debugged process, while debugpy, installed by pip, loads its bytecode."""
    import compileall

    compileall.compile_dir(os.path.join(DAPPER_ROOT, "dapper"), quiet=1)


def debuggee_env(extra: dict[str, str]) -> dict[str, str]:
    """The environment for an adapter or debuggee: ours, with Dapper importable."""
    env = dict(os.environ)
    path = env.get("PYTHONPATH")
    env["PYTHONPATH"] = DAPPER_ROOT + (os.pathsep + path if path else "")
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra)
    return env
