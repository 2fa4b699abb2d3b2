"""Bookkeeping every Python-level backend shares: state setters, the per-code
decision cache, the per-thread callback guard and the stats counters.

Subclasses implement ``_install``, ``_refresh`` (make a state change effective
now, in running frames too) and the three shutdown steps, which ``shutdown``
runs in this order: hook, thread-local trace state, bookkeeping (so no event
arrives once the state it needs is gone).
"""

from __future__ import annotations

import itertools
import logging
import sys
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Mapping
from types import CodeType, FrameType
from typing import Any

from dapper import os_threads
from dapper._frame_eval.backend import DebuggerCallbacks
from dapper._frame_eval.debug_state import EXC_NONE, CountedHit, DebugState, StepRequest
from dapper._frame_eval.decision import FrameDecision, code_lines, decide_code
from dapper.paths import canonical_path, is_debugger_file

log = logging.getLogger("dapper.frame_eval")

#: counters every backend reports (FrameEvalRuntime.get_stats adds missing ones as 0)
STAT_NAMES = (
    "slow_path_attempts",
    "slow_path_activations",
    "scoped_trace_installs",
    "call_events",
    "line_events",
    "return_events",
    "exception_events",
    "unwind_events",
    "codes_instrumented",
    "decision_cache_hits",
    "decision_cache_misses",
    "callbacks_suppressed",
    "instrumented_code_objects",
    "instrumented_functions",
    "instrumentation_fallbacks",
    "instrumented_hits",
)

_EMPTY: frozenset[int] = frozenset()
#: most code objects whose decision is cached (and so kept alive) at once
CODE_CACHE_LIMIT = 8192


class BackendBase(ABC):
    """Shared part of ``FrameEvalBackend`` implementations written in Python."""

    name = "base"
    #: whether ending steps needs ``_refresh`` (False where refreshing only ever
    #: adds events to running frames, and a thread with no step needs none more)
    refresh_on_step_end = True

    def __init__(self) -> None:
        self.state: DebugState = DebugState()
        self.callbacks: DebuggerCallbacks | None = None
        self.installed = False
        #: code -> (state version, (decision, breakpoint lines of that code))
        self._code_cache: dict[CodeType, tuple[int, tuple[FrameDecision, frozenset[int]]]] = {}
        #: (code, version, info) of the last lookup (no hashing when it repeats)
        self._last_info: tuple[Any, int, Any] = (None, -1, None)
        #: idents of threads currently inside a callback (no re-entry)
        self._busy: set[int] = set()
        #: thread -> (id(frame), line, by the hook) of a twin's line core has just
        #: seen: through a line event, so the twin's check that runs next on that
        #: line must not report it again (``take_seen_line``); or through the check
        #: while the thread goes on stepping, so the line event 3.11 sends for that
        #: same line once the frame is traced must not either (``deliver_line``)
        self._seen_lines: dict[int, tuple[int, int, bool]] = {}
        #: thread -> (id(frame), line) of its last line event (``_rerun_after_a_check``)
        self._last_lines: dict[int, tuple[int, int]] = {}
        self.stats: dict[str, int] = dict.fromkeys(STAT_NAMES, 0)
        #: builds and swaps breakpoint-instrumented twins (None: switched off)
        self.instrumenter: Any = None
        self.instrumentation_reason = "not enabled"

    def enable_instrumentation(self, enabled: bool) -> None:
        """Use instrumented code objects for breakpoint lines (before ``install``)."""
        from dapper._frame_eval.instrumentation.instrumenter import SUPPORTED, Instrumenter

        if not enabled:
            self.instrumenter = None
            self.instrumentation_reason = "switched off (frameEval.instrumentedCode: false)"
        elif not SUPPORTED:
            self.instrumenter = None
            self.instrumentation_reason = "not tested on this Python version"
        else:
            self.instrumenter = Instrumenter(self)
            self.instrumentation_reason = "on"

    # -- FrameEvalBackend ------------------------------------------------------
    def install(self, callbacks: DebuggerCallbacks, state: DebugState) -> None:
        if self.installed:
            raise RuntimeError(f"{self.name} backend is already installed")
        self.callbacks = callbacks
        self.state = state
        self._install()
        self.installed = True
        self._refresh()

    def shutdown(self) -> None:
        if not self.installed:
            return
        try:
            if self.instrumenter is not None:
                self.instrumenter.retire_all()
            self._remove_hook()
            self.installed = False
            self._clear_thread_state()
        finally:
            self.installed = False
            self._clear_bookkeeping()

    def renew_locks_after_fork(self) -> None:
        """In a forked child, before ``shutdown``: locks a vanished thread may hold.

        The base keeps its shared state under ``DebugState.lock``, which the
        debugger renews; backends with locks of their own renew them here.
        """
        return None

    def set_line_breakpoints(self, filename: str, lines: Iterable[int]) -> None:
        key = canonical_path(filename)
        with self.state.lock:
            new = frozenset(lines)
            if new:
                self.state.line_breakpoints[key] = new
            else:
                self.state.line_breakpoints.pop(key, None)
            self.state.bump()
        self._sync_instrumentation(key)
        self._refresh()

    def set_function_breakpoints(self, names: Iterable[str]) -> None:
        with self.state.lock:
            self.state.function_breakpoints = frozenset(names)
            self.state.bump()
        self._sync_instrumentation(None)
        self._refresh()

    def _sync_instrumentation(self, canonical: str | None) -> None:
        instrumenter = self.instrumenter
        if instrumenter is None or not self.installed:
            return
        try:
            instrumenter.sync(canonical)
        except Exception:  # the traced path still serves every breakpoint
            log.exception("instrumented code could not be updated")

    def set_exception_mode(self, mode: int) -> None:
        with self.state.lock:
            self.state.exception_mode = int(mode)
            self.state.bump()
        self._refresh()

    def set_stepping(self, thread_id: int, step: StepRequest | None) -> None:
        self.set_stepping_all({thread_id: step})

    def set_stepping_all(self, requests: Mapping[int, StepRequest | None]) -> None:
        started = False
        with self.state.lock:
            for thread_id, step in requests.items():
                if step is None:
                    self.state.stepping.pop(thread_id, None)
                    self._seen_lines.pop(thread_id, None)
                else:
                    self.state.stepping[thread_id] = step
                    started = True
            self.state.bump()
        if started or self.refresh_on_step_end:
            self._refresh()  # once: it walks every thread's frames

    def ignore_thread(self, thread_id: int) -> None:
        with self.state.lock:
            self.state.ignored_threads.add(thread_id)
            self.state.bump()
        self._refresh()

    def get_stats(self) -> dict[str, int]:
        stats = dict(self.stats)
        stats["cached_codes"] = len(self._code_cache)
        return stats

    # -- helpers for subclasses ---------------------------------------------------
    def code_info(self, code: CodeType) -> tuple[FrameDecision, frozenset[int]]:
        """``decide_code`` for ``code`` and its breakpoint lines, cached per version."""
        version = self.state.version
        # Hot events repeat the same code: an identity check skips hashing the
        # code object (which hashes its contents, uncached).
        last = self._last_info
        if last[0] is code and last[1] == version:
            self.stats["decision_cache_hits"] += 1
            return last[2]
        cached = self._code_cache.get(code)
        if cached is not None and cached[0] == version:
            self.stats["decision_cache_hits"] += 1
            self._last_info = (code, version, cached[1])
            return cached[1]
        self.stats["decision_cache_misses"] += 1
        decision = decide_code(code, self.state)
        if decision == FrameDecision.TRACE and self.instrumenter is not None:
            # Give the code a twin for the next calls; this frame is traced.
            self.instrumenter.on_traced(code)
        elif decision == FrameDecision.INSTRUMENTED:
            # Frames that still run the original code are traced.
            decision = FrameDecision.TRACE
        bp_lines = _EMPTY
        if decision == FrameDecision.TRACE:
            lines = self.state.line_breakpoints.get(canonical_path(code.co_filename))
            if lines:
                bp_lines = lines & code_lines(code)
        info = (decision, bp_lines)
        cache = self._code_cache
        if len(cache) >= CODE_CACHE_LIMIT:
            # The cache holds its code objects alive: a program that keeps
            # generating code (exec, templates) must not grow without end.
            # Drop the oldest half; code still in use is decided again.
            for old in list(itertools.islice(cache, len(cache) // 2)):
                del cache[old]
        cache[code] = (version, info)
        self._last_info = (code, version, info)
        return info

    def exceptions_wanted(self) -> bool:
        return self.state.exception_mode != EXC_NONE

    def deliver(self, method: Callable[..., Any], *args: Any) -> None:
        """Call a ``DebuggerCallbacks`` method unless this thread is already inside
        one (core evaluating on a stopped thread must not hit breakpoints)."""
        tid = os_threads.get_ident()
        busy = self._busy
        if tid in busy:
            self.stats["callbacks_suppressed"] += 1
            return
        busy.add(tid)
        try:
            method(*args)
        except Exception:
            log.exception("debugger callback %s failed", getattr(method, "__name__", method))
        finally:
            busy.discard(tid)

    def without_events(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Call ``fn`` with no debugger events on this thread, also when the
        thread is already inside a callback (then nothing changes). Debugger
        work on a user thread (sending an event, holding a lock) must never be
        paused halfway: the engine thread could wait on it forever."""
        tid = os_threads.get_ident()
        busy = self._busy
        if tid in busy:
            return fn(*args)
        busy.add(tid)
        try:
            return fn(*args)
        finally:
            busy.discard(tid)

    def with_events(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Call ``fn`` with this thread's debugger events on, also when the
        thread is inside a callback (stopped, running a job): the code it runs
        can stop at breakpoints and steps as the program's own code does (a
        nested debug). The interpreter holds events off inside a trace or
        monitoring callback; ``sys.call_tracing`` lifts that for the call."""
        tid = os_threads.get_ident()
        busy = self._busy
        was_busy = tid in busy
        busy.discard(tid)
        trace = sys.gettrace()
        try:
            return self._call_with_events(fn, args)
        finally:
            if sys.gettrace() is not trace:
                # An exception that left a trace function (quitting a nested
                # debug) removed this thread's: put it back.
                sys.settrace(trace)
            if was_busy:
                busy.add(tid)

    def _call_with_events(self, fn: Callable[..., Any], args: tuple) -> Any:
        return sys.call_tracing(_with_trace_renewed, (fn, args))

    def deliver_line(self, tid: int, frame: FrameType) -> None:
        """``deliver(callbacks.on_line, frame)`` for thread ``tid``, which the
        caller found outside any callback (the hot path: no second check)."""
        self.stats["line_events"] += 1
        here = (id(frame), frame.f_lineno)
        if self._last_lines.get(tid) == here and _rerun_after_a_check(frame):
            return
        self._last_lines[tid] = here
        seen_lines = self._seen_lines
        if seen_lines:
            seen = seen_lines.pop(tid, None)
            if seen is not None and seen[:2] == (id(frame), frame.f_lineno):
                # The twin's check reported this run of the line already (True),
                # or core saw it through the event just before (False): a twin's
                # check with a condition ends in a jump the compiler gives no
                # line, so 3.11 reports the line a second time after it.
                return
        busy = self._busy
        busy.add(tid)
        try:
            self.callbacks.on_line(frame)  # type: ignore[union-attr]
        except Exception:
            log.exception("debugger callback %s failed", "on_line")
        finally:
            try:
                if self.state.instrumented_twins or self._seen_lines:
                    self._note_seen_line(tid, frame)
            finally:
                busy.discard(tid)

    def _note_seen_line(self, tid: int, frame: FrameType) -> None:
        """After core saw ``frame``'s line: remember it when the twin's check on
        that line is about to call the hook (so the hook does not report it twice)."""
        self._seen_lines.pop(tid, None)
        instrumenter = self.instrumenter
        twin = self.state.instrumented_twins.get(id(frame.f_code))
        if twin is None or instrumenter is None:
            return
        line = frame.f_lineno  # read after core returns: a stop may have jumped
        if line not in twin.conditions:
            return
        if tid in self.state.stepping or instrumenter.check_calls_hook(twin, frame, line):
            # Stepping: the next line event replaces this (or the step ends and
            # ``set_stepping`` forgets it). Not stepping: the thread stopped here
            # and runs on untraced, so remember it only if the hook surely comes.
            self._seen_lines[tid] = (id(frame), line, False)

    def take_seen_line(self, tid: int, frame: FrameType) -> bool:
        """Whether core already saw ``frame``'s current line through a line event
        (a twin's check runs right after that event on the same line).

        Any later line event of the thread that core does not get forgets it
        (``forget_seen_line``), so only the check that follows the event matches:
        a line event can be delivered, or not, on every run of a line, depending
        on whether the thread steps just then.
        """
        if self._seen_lines.pop(tid, None) != (id(frame), frame.f_lineno, False):
            return False
        if tid in self.state.stepping:
            # The check goes on and ends in a jump with no line: the line
            # event 3.11 then sends for the same line is this run again.
            self._seen_lines[tid] = (id(frame), frame.f_lineno, True)
        return True

    def has_seen_lines(self) -> bool:
        """Whether any thread has a line ``take_seen_line`` may match (cheap)."""
        return bool(self._seen_lines)

    def forget_seen_line(self, tid: int) -> None:
        """A line event of ``tid`` went past core: no check may match the last one."""
        self._seen_lines.pop(tid, None)

    def deliver_instrumented(
        self, tid: int, frame: FrameType, condition: bool | BaseException | CountedHit | None
    ) -> None:
        """A twin reached a breakpoint line of ``frame`` (``condition``: its
        result when the twin evaluated it, None when core must; a ``CountedHit``
        when the twin also counted the hit and it matched)."""
        self.stats["instrumented_hits"] += 1
        busy = self._busy
        busy.add(tid)
        try:
            if condition is None:
                self.callbacks.on_line(frame)  # type: ignore[union-attr]
            else:
                self.callbacks.on_line(frame, condition)  # type: ignore[union-attr]
        except Exception:
            log.exception("debugger callback %s failed", "on_line")
        finally:
            busy.discard(tid)
            if tid in self.state.stepping:
                # The frame is traced from now on; on 3.11 its next instruction,
                # still on this line, may raise a line event for it.
                self._seen_lines[tid] = (id(frame), frame.f_lineno, True)

    def in_callback(self, thread_id: int) -> bool:
        return thread_id in self._busy

    def live_user_frames(self) -> Iterator[tuple[int, FrameType]]:
        """(thread ident, frame) for every frame of every thread that is not
        ignored, outside Dapper's own code, innermost first."""
        ignored = self.state.ignored_threads
        for tid, top in sys._current_frames().items():
            if tid in ignored:
                continue
            frame: FrameType | None = top
            while frame is not None:
                if not is_debugger_file(frame.f_code.co_filename):
                    yield tid, frame
                frame = frame.f_back

    # -- for subclasses ---------------------------------------------------------
    @abstractmethod
    def _install(self) -> None:
        """Register the hook / trace function / monitoring tool."""

    @abstractmethod
    def _refresh(self) -> None:
        """Make the current ``state`` effective now, including in running frames."""

    @abstractmethod
    def _remove_hook(self) -> None:
        """First shutdown step: stop new events at the source."""

    @abstractmethod
    def _clear_thread_state(self) -> None:
        """Second shutdown step: per-frame and per-thread trace state."""

    def _clear_bookkeeping(self) -> None:
        """Last shutdown step: caches and references to core."""
        self._code_cache.clear()
        self._last_info = (None, -1, None)
        self._busy.clear()
        self.callbacks = None


def _with_trace_renewed(fn: Callable[..., Any], args: tuple) -> Any:
    """Inside ``sys.call_tracing``: on 3.11 whether a call is traced follows
    the calling frame's state, which the call does not renew; setting the
    thread's trace function again does."""
    if _TRACE_STATE_PER_FRAME:
        trace = sys.gettrace()
        if trace is not None:
            sys.settrace(trace)
    return fn(*args)


_TRACE_STATE_PER_FRAME = sys.version_info < (3, 12)


def _rerun_after_a_check(frame: FrameType) -> bool:
    """Whether a line event that repeats the thread's last one (same frame,
    same line) is 3.11 reporting a twin's line again after the line's check:
    the check ends in a jump the compiler gives no line, so the original
    statement that follows looks like a new line. A real run of a line starts
    at its first instruction; this one starts in the middle. (A twin retired
    while its frame runs is traced, and its checks still run.)"""
    code = frame.f_code
    if not any(getattr(const, "dapper_twin_hook", False) for const in code.co_consts):
        return False
    line = frame.f_lineno
    starts = [start for start, _end, number in code.co_lines() if number == line]
    return bool(starts) and frame.f_lasti > min(starts)
