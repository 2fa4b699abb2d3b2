"""Keeps instrumented twins in step with the breakpoints of one backend.

When the shared decision sends a frame of function code down the traced path
because of a breakpoint line, the backend hands the code to ``on_traced``:
its twin is built (once per code and breakpoint set), published in
``DebugState`` so that the decision sends twin frames down the fast path, and
the functions that own the code are swapped to it. After every breakpoint
change ``sync`` retires the twins whose breakpoints changed: their functions
get the original code back and frames still running them are traced again.
"""

from __future__ import annotations

import logging
import sys
import weakref
from collections.abc import Callable
from types import CodeType, FrameType, FunctionType
from typing import Any

from dapper import interpreters, os_threads
from dapper._frame_eval.debug_state import CountedHit, LineHitCounter
from dapper._frame_eval.decision import code_lines, instrumentable
from dapper._frame_eval.instrumentation.builder import CannotInstrumentError, build_twin
from dapper._frame_eval.instrumentation.owners import functions_owning, restore_code, swap_code
from dapper.paths import canonical_path

__all__ = ["Instrumenter", "Twin", "SUPPORTED"]

log = logging.getLogger("dapper.frame_eval")

#: interpreters the builder's output was tested on (the corpus and property tests)
SUPPORTED = interpreters.FIRST_SUPPORTED <= sys.version_info[:2] <= interpreters.LAST_TESTED
#: how many refusals are remembered (a code whose breakpoints did not change
#: is not tried again on every decision)
_FAILED_LIMIT = 4096

_Key = tuple[CodeType, tuple[tuple[int, "str | None"], ...], tuple[tuple[int, LineHitCounter], ...]]


class Twin:
    """One original code object, its instrumented twin and the functions swapped to it."""

    def __init__(
        self,
        original: CodeType,
        conditions: dict[int, str | None],
        host: Any,
        counters: dict[int, LineHitCounter] | None = None,
    ) -> None:
        #: the backend while the twin is active; None once retired (the twin's
        #: code holds the hook, which holds this record: code objects are not
        #: collected in cycles, so retiring cuts every reference out of it)
        self.host: Any = host
        self.original = original
        self.conditions = conditions
        #: line -> the breakpoint's hit counter the twin's check counts with
        self.counters: dict[int, LineHitCounter] = counters or {}
        #: line -> compiled inline condition (built on first use, off the hot path)
        self.compiled_conditions: dict[int, CodeType] = {}
        self.code: CodeType | None = None
        self.owners: list[weakref.ref[FunctionType]] = []
        self.canonical = canonical_path(original.co_filename)


class Instrumenter:
    """Builds, swaps and retires the twins of one backend.

    Everything runs under ``DebugState.lock``, the lock core already holds
    when it changes breakpoints, so the two never wait on each other.
    """

    def __init__(self, host: Any) -> None:
        #: the backend (``BackendBase``): ``state``, ``stats``, ``deliver_instrumented``
        self.host = host
        self._failed: dict[_Key, str] = {}

    # -- building ------------------------------------------------------------------
    def wanted(self, code: CodeType) -> dict[int, str | None]:
        """Breakpoint lines of ``code`` with their inline conditions ({}: none)."""
        state = self.host.state
        canonical = canonical_path(code.co_filename)
        lines = state.line_breakpoints.get(canonical)
        if not lines:
            return {}
        mine = lines & code_lines(code)
        if not mine or not instrumentable(code, state):
            return {}
        conditions = state.line_conditions.get(canonical, {})
        return {line: conditions.get(line) for line in sorted(mine)}

    def wanted_counters(self, code: CodeType, lines: Any) -> dict[int, LineHitCounter]:
        """Hit counters of those breakpoint ``lines`` of ``code`` that count in the frame."""
        counters = self.host.state.line_hit_counters.get(canonical_path(code.co_filename), {})
        return {line: counters[line] for line in lines if line in counters}

    def on_traced(self, code: CodeType) -> None:
        """``code`` was decided TRACE for its breakpoint lines: give it a twin
        if it can have one, and swap the functions that own it."""
        if any(getattr(const, "dapper_twin_hook", False) for const in code.co_consts):
            return  # a retired twin: frames still running it are traced
        state = self.host.state
        with state.lock:
            wanted = self.wanted(code)
            if not wanted:
                return
            counters = self.wanted_counters(code, wanted)
            key: _Key = (code, tuple(wanted.items()), tuple(counters.items()))
            if key in self._failed or id(code) in state.instrumented_originals:
                return
            twin = Twin(code, wanted, self.host, counters)
            try:
                count_hooks = {
                    line: self._make_counting_hook(twin, counter)
                    for line, counter in counters.items()
                }
                built, lines = build_twin(code, wanted, self._make_hook(twin), count_hooks)
                if lines != frozenset(wanted):
                    missing = ", ".join(str(n) for n in sorted(frozenset(wanted) - lines))
                    raise CannotInstrumentError(f"line {missing} cannot take a check")
                owners = functions_owning(code)
                if not owners:
                    raise CannotInstrumentError("no function object owns this code")
            except CannotInstrumentError as exc:
                self._refuse(key, code, str(exc))
                return
            except Exception as exc:  # never let the builder break the program
                log.exception("instrumenting %s failed", code.co_qualname)
                self._refuse(key, code, f"{type(exc).__name__}: {exc}")
                return
            twin.code = built
            state.instrumented_originals[id(code)] = twin
            state.instrumented_twins[id(built)] = twin
            state.bump()
            twin.owners = swap_code(owners, code, built)
            self._count()

    def _refuse(self, key: _Key, code: CodeType, reason: str) -> None:
        if len(self._failed) >= _FAILED_LIMIT:
            self._failed.clear()
        self._failed[key] = reason
        self.host.stats["instrumentation_fallbacks"] += 1
        log.debug("%s keeps scoped tracing: %s", code.co_qualname, reason)

    # -- retiring --------------------------------------------------------------------
    def sync(self, canonical: str | None = None) -> None:
        """Retire the twins (of one file, or all) whose breakpoints changed; the
        backend's refresh then traces frames still running them."""
        state = self.host.state
        with state.lock:
            for twin in list(state.instrumented_originals.values()):
                if canonical is not None and twin.canonical != canonical:
                    continue
                wanted = self.wanted(twin.original)
                if wanted != twin.conditions or (
                    self.wanted_counters(twin.original, wanted) != twin.counters
                ):
                    self._retire(twin)

    def retire_all(self) -> None:
        """Every function gets its original code back (shutdown, detach)."""
        state = self.host.state
        with state.lock:
            for twin in list(state.instrumented_originals.values()):
                self._retire(twin)
            self._failed.clear()

    def _retire(self, twin: Twin) -> None:
        state = self.host.state
        if state.instrumented_originals.get(id(twin.original)) is twin:
            del state.instrumented_originals[id(twin.original)]
        if twin.code is not None and state.instrumented_twins.get(id(twin.code)) is twin:
            del state.instrumented_twins[id(twin.code)]
        state.bump()
        if twin.code is not None:
            restore_code(twin.owners, twin.original, twin.code)
        twin.owners = []
        twin.code = None
        twin.host = None
        self._count()

    def _count(self) -> None:
        twins = list(self.host.state.instrumented_originals.values())
        stats = self.host.stats
        stats["instrumented_code_objects"] = len(twins)
        stats["instrumented_functions"] = sum(
            1
            for twin in twins
            for ref in twin.owners
            if (function := ref()) is not None and function.__code__ is twin.code
        )

    def failures(self) -> dict[str, str]:
        """Qualified name -> why it keeps scoped tracing."""
        return {code.co_qualname: reason for (code, _, _), reason in self._failed.items()}

    # -- the hook the twin calls ----------------------------------------------------
    @staticmethod
    def check_calls_hook(twin: Twin, frame: FrameType, line: int) -> bool:
        """Whether the twin's check on ``line``, about to run in ``frame``, will
        call the hook: always for a line whose condition core evaluates, else
        when its inline condition holds or raises (evaluated here the same way)."""
        condition = twin.conditions.get(line)
        if condition is None:
            return True
        compiled = twin.compiled_conditions.get(line)
        if compiled is None:
            try:
                compiled = compile(condition, "<breakpoint condition>", "eval")
            except SyntaxError:
                return True
            twin.compiled_conditions[line] = compiled
        try:
            # The user's own condition, in their frame, as the twin evaluates it.
            return bool(eval(compiled, frame.f_globals, frame.f_locals))  # noqa: S307
        except Exception:  # noqa: BLE001 - a raising condition calls the hook too
            return True

    @staticmethod
    def _make_hook(twin: Twin) -> Callable[[bool | None], None]:
        getframe = sys._getframe
        get_ident = os_threads.get_ident
        exc_info = sys.exc_info

        def hook(condition: bool | None) -> None:
            """Called by the twin at a breakpoint line whose condition held
            (True), raised (False) or is left to core (None)."""
            host = twin.host
            if host is None:
                return  # retired while a frame was running it: tracing has it
            state = host.state
            tid = get_ident()
            if tid in state.ignored_threads or host.in_callback(tid):
                return
            frame: FrameType = getframe(1)
            if host.take_seen_line(tid, frame):
                return  # this line's event reached core already (the thread steps)
            if condition is False:
                host.deliver_instrumented(tid, frame, exc_info()[1])
            else:
                host.deliver_instrumented(tid, frame, condition)

        hook.dapper_twin_hook = True  # type: ignore[attr-defined]
        return hook

    @staticmethod
    def _make_counting_hook(twin: Twin, counter: LineHitCounter) -> Callable[[], None]:
        getframe = sys._getframe
        get_ident = os_threads.get_ident
        hit = counter.hit
        counted = CountedHit(counter)

        def count() -> None:
            """Called by the twin at a breakpoint line with a hit condition, where
            its condition held (or it has none): count the hit in the breakpoint's
            own counter, and report it only when it matches."""
            host = twin.host
            if host is None:
                return  # retired while a frame was running it: tracing has it
            tid = get_ident()
            if tid in host.state.ignored_threads or host.in_callback(tid):
                return  # core would not have seen this line either: no hit
            if host.has_seen_lines() and host.take_seen_line(tid, getframe(1)):
                return  # this line's event reached core, which counted it
            if hit():
                host.deliver_instrumented(tid, getframe(1), counted)

        count.dapper_twin_hook = True  # type: ignore[attr-defined]
        return count
