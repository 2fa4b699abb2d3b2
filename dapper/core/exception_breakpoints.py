"""Exception breakpoint filters: ``raised``, ``uncaught``, ``userUnhandled``,
each with an optional condition naming exception types."""

from __future__ import annotations

import weakref
from collections.abc import Iterable
from dataclasses import dataclass, field
from types import FrameType

from dapper._frame_eval.debug_state import EXC_NONE, EXC_RAISED, EXC_USER_UNHANDLED
from dapper.core.errors import DebuggerError
from dapper.core.exception_filters import FILTER_NAMES
from dapper.core.frame_kinds import is_debugger_frame, is_user_frame

_NAMES = FILTER_NAMES
#: Control-flow exceptions that never stop on "raised".
_QUIET = (StopIteration, StopAsyncIteration, GeneratorExit)
#: exceptionInfo's break mode of a stop → the filter that asked for it
_FILTER_OF_BREAK_MODE = {
    "always": "raised",
    "userUnhandled": "userUnhandled",
    "unhandled": "uncaught",
}


@dataclass
class ExceptionFilters:
    """The filters in force, with their type conditions (empty: any type)."""

    enabled: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: ``breakOnSystemExitZero``: ``sys.exit(0)`` / ``sys.exit()`` stop like any exception
    break_on_system_exit_zero: bool = False
    _reported: weakref.WeakSet = field(default_factory=weakref.WeakSet)
    #: an exception that stopped as raised still stops once more as uncaught
    _reported_uncaught: weakref.WeakSet = field(default_factory=weakref.WeakSet)

    def configure(self, requested: Iterable[tuple[str, str]]) -> list[str]:
        """Turn on the ``(filter name, type condition)`` pairs (condition "":
        any type), turning off the rest; returns the filter names set, in order."""
        enabled: dict[str, tuple[str, ...]] = {}
        results: list[str] = []
        for name, condition in requested:
            if name not in _NAMES:
                raise DebuggerError(f"unknown exception filter {name!r}")
            enabled[name] = parse_type_condition(condition) if condition else ()
            results.append(name)
        self.enabled = enabled
        return results

    @property
    def mode(self) -> int:
        mode = EXC_NONE
        if "raised" in self.enabled:
            mode |= EXC_RAISED
        if "userUnhandled" in self.enabled:
            mode |= EXC_USER_UNHANDLED
        return mode

    def still_wanted(self, break_mode: str, exc: BaseException) -> bool:
        """Whether the filter behind a stop in ``break_mode`` (``always``,
        ``userUnhandled``, ``unhandled``) still asks to stop for ``exc``."""
        return self._matches(_FILTER_OF_BREAK_MODE.get(break_mode, ""), exc)

    def _matches(self, name: str, exc: BaseException) -> bool:
        if name not in self.enabled:
            return False
        types = self.enabled[name]
        return not types or exception_matches(exc, types)

    def _is_quiet(self, exc: BaseException) -> bool:
        return isinstance(exc, _QUIET) or (
            _is_clean_exit(exc) and not self.break_on_system_exit_zero
        )

    def stop_on_raise(self, frame: FrameType, exc: BaseException, just_my_code: bool) -> bool:
        """'raised': the first frame an exception is raised in (not each frame it crosses)."""
        if self._is_quiet(exc):
            return False
        tb = exc.__traceback__
        if tb is None or tb.tb_next is not None or tb.tb_frame is not frame:
            return False
        if just_my_code and not is_user_frame(frame):
            return False
        if not self._matches("raised", exc) or self._seen(exc):
            return False
        return True

    def stop_on_unwind(self, frame: FrameType, exc: BaseException) -> bool:
        """'userUnhandled': an exception leaves user code for library code."""
        if self._is_quiet(exc):
            return False
        caller = frame.f_back
        if caller is None or is_debugger_frame(caller):
            return False  # leaving the program: that is 'uncaught'
        if not is_user_frame(frame) or is_user_frame(caller):
            return False
        return self._matches("userUnhandled", exc) and not self._seen(exc)

    def stop_on_uncaught(self, exc: BaseException) -> bool:
        """'uncaught': the exception ends the program or a thread. A non-zero
        ``SystemExit`` counts, as in debugpy; ``sys.exit(0)`` only when asked."""
        if isinstance(exc, KeyboardInterrupt) or self._is_quiet(exc):
            return False
        return self._matches("uncaught", exc) and not self._seen(exc, self._reported_uncaught)

    def _seen(self, exc: BaseException, reported: weakref.WeakSet | None = None) -> bool:
        """Each exception object stops at most once per kind of stop."""
        reported = self._reported if reported is None else reported
        try:
            if exc in reported:
                return True
            reported.add(exc)
        except TypeError:  # not weak-referenceable
            return False
        return False


def parse_type_condition(condition: str) -> tuple[str, ...]:
    """``"ValueError, KeyError"`` → ``("ValueError", "KeyError")``."""
    names = tuple(part.strip() for part in condition.split(",") if part.strip())
    for name in names:
        if not all(piece.isidentifier() for piece in name.split(".")):
            raise DebuggerError(f"exception condition must name exception types, got {name!r}")
    return names


def exception_matches(exc: BaseException, names: tuple[str, ...]) -> bool:
    """True if ``exc`` is an instance of a type named in ``names`` (by name or qualified name)."""
    for cls in type(exc).__mro__:
        qualified = f"{cls.__module__}.{cls.__qualname__}"
        if cls.__name__ in names or cls.__qualname__ in names or qualified in names:
            return True
    return False


def _is_clean_exit(exc: BaseException) -> bool:
    return isinstance(exc, SystemExit) and exc.code in (None, 0)
