"""Whether each backend can run in this process, and if not, one short reason why.

Only real conflicts count: the interpreter, its version, the compiled extension,
another tool already holding the trace function or the ``sys.monitoring``
debugger slot, and coverage measurement. An editor's environment variables or an
imported ``pdb`` are not conflicts.
"""

from __future__ import annotations

import importlib
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from dapper import interpreters

EXTENSION_MODULE = "dapper._frame_eval._frame_evaluator"
TOOL_NAME = "dapper"


@dataclass(frozen=True)
class PolicyAnswer:
    """``ok`` and, when not ok, why (when ok, a short note of what was checked)."""

    ok: bool
    reason: str

    def __bool__(self) -> bool:
        return self.ok


def _callable_module(fn: Any) -> str:
    owner = getattr(fn, "__self__", None) or fn
    module = getattr(fn, "__module__", None) or ""
    return f"{module} {type(owner).__module__} {type(owner).__qualname__}"


def _is_coverage_tracer(fn: Any) -> bool:
    return "coverage" in _callable_module(fn).lower()


def _monitoring_tool_names() -> dict[int, str]:
    monitoring = getattr(sys, "monitoring", None)
    if monitoring is None:
        return {}
    names = {}
    for tool_id in range(6):
        name = monitoring.get_tool(tool_id)
        if name is not None:
            names[tool_id] = name
    return names


def coverage_reason() -> str | None:
    """Why coverage measurement is active, or None (checked for real, no guessing)."""
    for fn in (sys.gettrace(), threading.gettrace()):
        if fn is not None and _is_coverage_tracer(fn):
            return "coverage measurement is active (coverage's trace function is set)"
    for tool_id, name in _monitoring_tool_names().items():
        if "coverage" in name.lower():
            return f"coverage measurement is active (sys.monitoring tool {tool_id} is {name!r})"
    module = sys.modules.get("coverage")
    cov_class = getattr(module, "Coverage", None) if module is not None else None
    current = getattr(cov_class, "current", None)
    if callable(current):
        try:
            cov = current()
        except Exception:  # pragma: no cover - a broken coverage install
            cov = None
        if cov is not None and getattr(cov, "_started", False):
            return "coverage measurement is active (a coverage.Coverage is started)"
    return None


def foreign_trace_reason() -> str | None:
    """Why another trace function is in the way, or None."""
    fn = sys.gettrace()
    if fn is not None:
        return f"another trace function is already set (sys.gettrace() is {_describe(fn)})"
    fn = threading.gettrace()
    if fn is not None:
        return f"another trace function is already set (threading.gettrace() is {_describe(fn)})"
    return None


def _describe(fn: Any) -> str:
    return getattr(fn, "__qualname__", None) or type(fn).__qualname__


class FrameEvalCompatibilityPolicy:
    """Answers, for the running interpreter, which backends may be used.

    ``version`` and ``implementation`` default to the running interpreter; they
    exist so the version rules can be checked for interpreters other than this one.
    ``eval_frame_conflict`` is the seam for the hook's own check of a foreign
    eval-frame function; by default it asks the compiled extension, when that
    offers ``foreign_eval_frame_hook()``.
    """

    def __init__(
        self,
        *,
        version: tuple[int, int] | None = None,
        implementation: str | None = None,
        eval_frame_conflict: Callable[[], str | None] | None = None,
        free_threaded: bool | None = None,
    ) -> None:
        self.version = version or sys.version_info[:2]
        self.implementation = implementation or sys.implementation.name
        self.free_threaded = (
            interpreters.is_free_threaded() if free_threaded is None else free_threaded
        )
        self._eval_frame_conflict = eval_frame_conflict or self._ask_extension_for_conflict

    # -- individual checks -------------------------------------------------
    def _interpreter_reason(self) -> str | None:
        if self.implementation != "cpython":
            return f"not CPython (this is {self.implementation})"
        if self.version < interpreters.FIRST_SUPPORTED:
            return f"Dapper needs CPython 3.11 or newer (this is {_fmt(self.version)})"
        return None

    def _eval_frame_version_reason(self) -> str | None:
        first, last = interpreters.FIRST_SUPPORTED, interpreters.LAST_TESTED
        if not first <= self.version <= last:
            return (
                f"eval_frame is built for CPython {_fmt(first)}-{_fmt(last)} only: it reads "
                f"the interpreter's private frame layout (this is {_fmt(self.version)})"
            )
        if self.free_threaded:
            return (
                "free-threaded build (Py_GIL_DISABLED): the compiled hook's shared state "
                "assumes the GIL, and importing it would turn the GIL back on for the "
                "whole program"
            )
        return None

    def _extension_reason(self) -> str | None:
        try:
            importlib.import_module(EXTENSION_MODULE)
        except ImportError as exc:
            return f"compiled extension {EXTENSION_MODULE} is not importable ({exc})"
        return None

    @staticmethod
    def _ask_extension_for_conflict() -> str | None:
        module = sys.modules.get(EXTENSION_MODULE)
        probe = getattr(module, "foreign_eval_frame_hook", None)
        if callable(probe) and probe():
            return "another eval-frame hook is already installed"
        return None

    def _monitoring_slot_reason(self) -> str | None:
        monitoring = getattr(sys, "monitoring", None)
        if monitoring is None:
            return "sys.monitoring is not available"
        holder = monitoring.get_tool(monitoring.DEBUGGER_ID)
        if holder is not None:
            return f"the sys.monitoring DEBUGGER tool slot is taken by {holder!r}"
        return None

    # -- answers ---------------------------------------------------------------
    def can_use_eval_frame(self) -> PolicyAnswer:
        reason = self._interpreter_reason()
        reason = reason or self._eval_frame_version_reason()
        reason = reason or coverage_reason() or foreign_trace_reason()
        if reason is None and self.version >= (3, 12):
            # On 3.12+ the scoped part of eval_frame runs on sys.monitoring local events.
            reason = self._monitoring_slot_reason()
        reason = reason or self._extension_reason() or self._eval_frame_conflict()
        return _answer(reason, "eval_frame hook can be installed")

    def can_use_monitoring(self) -> PolicyAnswer:
        reason = self._interpreter_reason()
        if reason is None and self.version < (3, 12):
            reason = f"sys.monitoring needs Python 3.12+ (this is {_fmt(self.version)})"
        reason = reason or self._monitoring_slot_reason() or coverage_reason()
        return _answer(reason, "sys.monitoring DEBUGGER slot is free")

    def can_use_settrace(self) -> PolicyAnswer:
        reason = self._interpreter_reason() or coverage_reason() or foreign_trace_reason()
        return _answer(reason, "no other trace function is set")


def _answer(reason: str | None, ok_note: str) -> PolicyAnswer:
    return PolicyAnswer(False, reason) if reason else PolicyAnswer(True, ok_note)


def _fmt(version: tuple[int, int]) -> str:
    return f"{version[0]}.{version[1]}"
