"""The breakpoint registry: what the client asked for, and whether a hit stops.

The engine hands the breakpoints a client asks for (``BreakpointSpec``) to
``BreakpointRegistry``; it answers with a ``BreakpointStatus`` each and keeps,
per canonical file, the lines a backend must watch (``lines_for``) and the
function names it must watch (``function_names``). When a backend reports a
line or call, ``check_line`` / ``check_call`` decide: stop, log, or ignore.
Everything that can be compiled or validated is done when a breakpoint is set,
so the hit path only evaluates.
"""

from __future__ import annotations

import itertools
import keyword
import os
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import CodeType, FrameType
from typing import Any, NamedTuple

from dapper import os_threads
from dapper._frame_eval.debug_state import CountedHit, LineHitCounter
from dapper.core.hit_condition import (
    HitCondition,
    HitCounter,
    InvalidHitConditionError,
    parse_hit_condition,
)
from dapper.core.loaded_files import LoadedFiles
from dapper.core.log_message import InvalidLogMessageError, LogMessage, parse_log_message
from dapper.core.shown_frame import ShownFrame
from dapper.core.source_lines import SourceLines, SourceUnavailableError, get_source_lines
from dapper.core.text_lines import TextLines, is_text_file
from dapper.paths import canonical_path

__all__ = [
    "BreakpointRegistry",
    "BreakpointSpec",
    "BreakpointStatus",
    "HitDecision",
    "NOT_LOADED_MESSAGE",
]

NOT_LOADED_MESSAGE = (
    "The module of this file is not loaded yet; the breakpoint will be verified when it is."
)


class BreakpointSpec(NamedTuple):
    """One breakpoint a client asks for: a line (``setBreakpoints``) or a
    function ``name``. The options are as sent (any JSON value): a wrong type
    is the breakpoint's error message, not a failed request. The engine reads
    it from DAP's ``SourceBreakpoint`` / ``FunctionBreakpoint``."""

    line: int | None = None
    name: str = ""
    condition: object = None
    hit_condition: object = None
    log_message: object = None


class BreakpointStatus(NamedTuple):
    """What the client is told about one breakpoint: whether it is verified,
    where it landed and why not. ``source`` is what the engine passed with the
    file's breakpoints, handed back unchanged (core never reads it). The engine
    turns it into a DAP ``Breakpoint`` (``dapper/engine/breakpoints.py``)."""

    id: int
    verified: bool
    source: object = None
    line: int | None = None
    message: str | None = None


@dataclass
class HitDecision:
    """What core does after a line or call event.

    ``stop``: pause the thread (``breakpoint_ids`` are the ones that asked to, for
    the ``stopped`` event's ``hitBreakpointIds``). ``log_messages``: logpoint
    output to send. ``condition_errors``: conditions that raised (they stop too).
    ``verified_now``: breakpoints that this hit proved loaded; send them as
    ``breakpoint`` events with reason ``changed``.
    """

    stop: bool = False
    breakpoint_ids: list[int] = field(default_factory=list)
    log_messages: list[str] = field(default_factory=list)
    condition_errors: list[str] = field(default_factory=list)
    verified_now: list[BreakpointStatus] = field(default_factory=list)


@dataclass(frozen=True)
class _Options:
    """Compiled ``condition`` / ``hitCondition`` / ``logMessage`` of one breakpoint."""

    condition_text: str | None = None
    condition: CodeType | None = None
    hit_condition: HitCondition | None = None
    log_message: LogMessage | None = None
    error: str | None = None

    @staticmethod
    def key(spec: BreakpointSpec) -> tuple[object, object, object]:
        return (spec.condition, spec.hit_condition, spec.log_message)


def _compile_options(spec: BreakpointSpec) -> _Options:
    condition_text = spec.condition or None
    condition = None
    if condition_text is not None:
        if not isinstance(condition_text, str):
            return _Options(error="The condition must be a string.")
        try:
            condition = compile(condition_text, "<breakpoint condition>", "eval", dont_inherit=True)
        except SyntaxError as exc:
            return _Options(error=f"Invalid condition {condition_text!r}: {exc.msg}.")
    hit_text = spec.hit_condition
    hit_condition = None
    if hit_text is not None and hit_text != "":
        if not isinstance(hit_text, str):
            return _Options(error="The hit condition must be a string.")
        try:
            hit_condition = parse_hit_condition(hit_text)
        except InvalidHitConditionError as exc:
            return _Options(error=str(exc))
    log_text = spec.log_message
    log_message = None
    if log_text:
        if not isinstance(log_text, str):
            return _Options(error="The log message must be a string.")
        try:
            log_message = parse_log_message(log_text)
        except InvalidLogMessageError as exc:
            return _Options(error=str(exc))
    return _Options(condition_text, condition, hit_condition, log_message)


def _describe_error(exc: BaseException) -> str:
    message = str(exc)
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


class _Breakpoint:
    """One line or function breakpoint: its options, hit count and status."""

    def __init__(
        self, bp_id: int, options: _Options, options_key: tuple[object, object, object]
    ) -> None:
        self.id = bp_id
        self.options = options
        self.options_key = options_key
        #: hits counted so far (by core, or in the frame by instrumented code)
        self.counter = HitCounter(options.hit_condition)
        self.verified = False
        self.message: str | None = None
        self.requested_line: int | None = None
        self.line: int | None = None  # where it landed (None: unverifiable)
        self.source: object = None
        #: the condition raised once already (reported, and stopped at then)
        self.condition_failed = False

    @property
    def armed(self) -> bool:
        """Can this breakpoint be hit (verified, or only waiting for its module)?"""
        return self.options.error is None and self.line is not None

    def status(self) -> BreakpointStatus:
        # where it landed, else where it was asked for (a function breakpoint: neither)
        line = self.line if self.line is not None else self.requested_line
        return BreakpointStatus(
            self.id,
            self.verified,
            self.source,
            line if isinstance(line, int) else None,
            self.message or None,
        )

    def evaluate(self, frame: ShownFrame, decision: HitDecision, lock: threading.Lock) -> None:
        """Condition, then hit count and hit condition, then log or stop."""
        self.finish(frame, decision, lock, self.condition_result(frame))

    def condition_result(self, frame: ShownFrame) -> bool | Exception:
        """The condition's truth in ``frame`` (True without one), or the error it raised."""
        condition = self.options.condition
        if condition is None:
            return True
        try:
            return bool(eval(condition, frame.f_globals, frame.f_locals))  # noqa: S307
        except Exception as exc:  # a broken condition stops, and says why
            return exc

    def finish(
        self,
        frame: ShownFrame,
        decision: HitDecision,
        lock: threading.Lock,
        condition: bool | Exception,
        counted: bool = False,
    ) -> None:
        """What ``evaluate`` does once the condition's result is known
        (``counted``: instrumented code already counted this hit, and it matched)."""
        options = self.options
        if isinstance(condition, Exception):
            # The first error stops and is reported with the breakpoint's
            # place; later ones count as false, so a broken condition neither
            # floods the console nor stops on every hit (decisions/007).
            with lock:
                first = not self.condition_failed
                self.condition_failed = True
            if not first:
                return
            decision.stop = True
            decision.breakpoint_ids.append(self.id)
            code = frame.f_code
            decision.condition_errors.append(
                f"the condition {options.condition_text!r} of the breakpoint at "
                f"{code.co_filename}:{frame.f_lineno} raised {_describe_error(condition)}; "
                "stopped this once, later errors count as false"
            )
            return
        if not condition:
            return
        if not counted and not self.counter.hit():
            return
        if options.log_message is not None:
            decision.log_messages.append(
                options.log_message.render(frame.f_globals, frame.f_locals)
            )
            return
        decision.stop = True
        decision.breakpoint_ids.append(self.id)


#: What ``check_line`` returns when nothing happens: shared, so an unmet
#: condition on a hot line allocates nothing (read-only: tuples, not lists).
_MISS = HitDecision(False, (), (), (), ())  # type: ignore[arg-type]


def _valid_function_name(name: str) -> bool:
    parts = name.split(".")
    return (
        all(
            part == "<locals>" or (part.isidentifier() and not keyword.iskeyword(part))
            for part in parts
        )
        and parts[-1] != "<locals>"
    )


_NO_LINES: Mapping[int, tuple[_Breakpoint, ...]] = {}  # read-only default


class BreakpointRegistry:
    """Line and function breakpoints of one debug session.

    Setters run on the engine thread; ``check_line`` / ``check_call`` run on any
    debuggee thread and read immutable snapshots swapped in by the setters.
    """

    def __init__(self, loaded_files: LoadedFiles | None = None) -> None:
        self._loaded = loaded_files if loaded_files is not None else LoadedFiles()
        self._ids = itertools.count(1)
        self._lock = threading.RLock()
        self._hit_lock = os_threads.allocate_lock()
        #: canonical file -> breakpoints in request order
        self._by_file: dict[str, list[_Breakpoint]] = {}
        #: canonical file -> landed line -> armed breakpoints (snapshot read by check_line)
        self._armed: dict[str, dict[int, tuple[_Breakpoint, ...]]] = {}
        self._pending: set[str] = set()
        self._functions: list[tuple[str, _Breakpoint]] = []
        #: co_qualname -> (breakpoint, module the name requires or None) (snapshot)
        self._function_index: dict[str, tuple[tuple[_Breakpoint, str | None], ...]] = {}
        self._function_names: frozenset[str] = frozenset()
        #: suffixes of files whose breakpoints land on their lines as they are
        #: (templates, ``text_lines``) instead of on compiled Python code
        self.text_suffixes: tuple[str, ...] = ()

    # -- loading ---------------------------------------------------------------

    def set_main_file(self, filename: str) -> None:
        """Count the script being run as ``__main__`` as loaded."""
        self._loaded.add(filename)

    def is_loaded(self, canonical: str) -> bool:
        """True when a module in ``sys.modules`` (or the main script) has this canonical file."""
        return self._loaded.is_loaded(canonical)

    def pending_files(self) -> set[str]:
        """Canonical files holding breakpoints that wait for their module to load."""
        with self._lock:
            return set(self._pending)

    def mark_loaded(self, canonical: str) -> list[BreakpointStatus]:
        """Verify the breakpoints of a file that is now loaded; returns the changed ones."""
        with self._lock:
            self._loaded.add(canonical)
            if canonical not in self._pending:
                return []
            self._pending.discard(canonical)
            changed = []
            for bp in self._by_file.get(canonical, ()):
                if bp.armed and not bp.verified:
                    bp.verified = True
                    bp.message = None
                    changed.append(bp.status())
            return changed

    def refresh_loaded(self) -> list[BreakpointStatus]:
        """Check every pending file against ``sys.modules``; returns breakpoints now verified."""
        changed: list[BreakpointStatus] = []
        for canonical in sorted(self.pending_files()):
            if self._loaded.is_loaded(canonical):
                changed.extend(self.mark_loaded(canonical))
        return changed

    # -- line breakpoints ------------------------------------------------------

    def set_breakpoints(
        self, path: str, specs: Iterable[BreakpointSpec], source: object = None
    ) -> list[BreakpointStatus]:
        """Replace the breakpoints of the file ``path``; returns their statuses,
        each carrying ``source``.

        A breakpoint re-sent on the same requested line keeps its id (and its hit
        count when its options did not change).
        """
        specs = list(specs)
        if not path:
            return [self._unsourced_error(source, spec) for spec in specs]
        canonical = canonical_path(path)
        try:
            lines: SourceLines | TextLines | None = (
                TextLines(path)
                if is_text_file(path, self.text_suffixes)
                else get_source_lines(path)
            )
            source_error = None
        except SourceUnavailableError as exc:
            lines = None
            source_error = str(exc)
        loaded = self._loaded.is_loaded(canonical)
        with self._lock:
            previous: dict[int, list[_Breakpoint]] = {}
            for bp in self._by_file.get(canonical, ()):
                previous.setdefault(bp.requested_line, []).append(bp)  # type: ignore[arg-type]
            new: list[_Breakpoint] = []
            for spec in specs:
                bp = self._line_breakpoint(spec, previous)
                bp.source = source
                requested = spec.line
                valid_line = isinstance(requested, int) and not isinstance(requested, bool)
                bp.requested_line = requested if valid_line else None
                bp.line = None
                if bp.requested_line is None:
                    bp.message = "The breakpoint has no valid line number."
                elif source_error is not None:
                    bp.message = source_error
                elif bp.options.error is not None:
                    bp.message = bp.options.error
                    bp.line = lines.resolve(bp.requested_line).line  # type: ignore[union-attr]
                else:
                    landing = lines.resolve(bp.requested_line)  # type: ignore[union-attr]
                    bp.line = landing.line
                    bp.message = landing.message
                bp.verified = bp.line is not None and bp.options.error is None and loaded
                if bp.line is not None and bp.options.error is None and not loaded:
                    bp.message = NOT_LOADED_MESSAGE
                new.append(bp)
            self._install_file(canonical, new, loaded)
            return [bp.status() for bp in new]

    def _line_breakpoint(
        self, spec: BreakpointSpec, previous: dict[int, list[_Breakpoint]]
    ) -> _Breakpoint:
        key = _Options.key(spec)
        line = spec.line
        earlier = previous.get(line) if isinstance(line, int) else None
        if earlier:
            old = earlier.pop(0)
            if old.options_key == key:
                return old  # same options: keep the compiled code and the hit count
            return _Breakpoint(old.id, _compile_options(spec), key)
        return _Breakpoint(next(self._ids), _compile_options(spec), key)

    def _unsourced_error(self, source: object, spec: BreakpointSpec) -> BreakpointStatus:
        line = spec.line
        return BreakpointStatus(
            next(self._ids),
            False,
            source,
            line if isinstance(line, int) else None,
            "The source has no path; breakpoints need a file.",
        )

    def _install_file(self, canonical: str, breakpoints: list[_Breakpoint], loaded: bool) -> None:
        by_line: dict[int, list[_Breakpoint]] = {}
        for bp in breakpoints:
            if bp.line is not None and bp.options.error is None:
                by_line.setdefault(bp.line, []).append(bp)
        armed = dict(self._armed)
        by_file = dict(self._by_file)
        if by_line:
            armed[canonical] = {line: tuple(bps) for line, bps in by_line.items()}
        else:
            armed.pop(canonical, None)
        if breakpoints:
            by_file[canonical] = breakpoints
        else:
            by_file.pop(canonical, None)
        if by_line and not loaded:
            self._pending.add(canonical)
        else:
            self._pending.discard(canonical)
        self._by_file = by_file
        self._armed = armed

    def lines_for(self, canonical: str) -> frozenset[int]:
        """Lines (where breakpoints landed) the backend must watch in one canonical file.

        Includes breakpoints still waiting for their module to load, so a module
        imported later stops at them without the engine having to notice the
        import first; the first hit verifies them (``HitDecision.verified_now``).
        """
        return frozenset(self._armed.get(canonical, _NO_LINES))

    def verified_lines_for(self, canonical: str) -> frozenset[int]:
        """Landed lines of the verified breakpoints only."""
        return frozenset(
            line
            for line, bps in self._armed.get(canonical, _NO_LINES).items()
            if any(bp.verified for bp in bps)
        )

    def files(self) -> set[str]:
        """Canonical files that hold line breakpoints (verified or not)."""
        return set(self._by_file)

    def breakpoints_for(self, canonical: str) -> list[BreakpointStatus]:
        """The current statuses of the breakpoints of one canonical file."""
        with self._lock:
            return [bp.status() for bp in self._by_file.get(canonical, ())]

    def check_line(self, frame: FrameType) -> HitDecision:
        """Evaluate the breakpoints on ``frame``'s current line (cheap when there are none)."""
        return self.check_line_at(frame, canonical_path(frame.f_code.co_filename), frame.f_lineno)

    def inline_conditions(self, canonical: str) -> dict[int, str | None]:
        """Line -> the condition instrumented code may test in the frame before
        calling core: the one breakpoint's condition, or None (always call)."""
        result: dict[int, str | None] = {}
        for line, bps in self._armed.get(canonical, _NO_LINES).items():
            only = bps[0].options if len(bps) == 1 else None
            result[line] = only.condition_text if only is not None else None
        return result

    def inline_hit_counters(self, canonical: str) -> dict[int, LineHitCounter]:
        """Line -> the hit counter instrumented code may count in the frame (the
        line's one breakpoint has a hit condition), calling core only when a hit
        matches it. None while the file waits for its module: its first hit
        must reach core, which verifies the breakpoints then."""
        if canonical in self._pending:
            return {}
        return {
            line: bps[0].counter
            for line, bps in self._armed.get(canonical, _NO_LINES).items()
            if len(bps) == 1 and bps[0].options.hit_condition is not None
        }

    def check_line_at(
        self,
        frame: ShownFrame,
        canonical: str,
        line: int,
        known: bool | BaseException | CountedHit | None = None,
    ) -> HitDecision:
        """``check_line`` for a caller that already has the canonical file and line.

        ``known``: the condition's result (True, or the error it raised) when
        instrumented code already evaluated it in the frame; not evaluated again.
        A ``CountedHit``: the condition held and the hit, counted in the frame
        by the breakpoint's own counter, matched its hit condition.
        """
        file_lines = self._armed.get(canonical)
        if not file_lines:
            return _MISS
        breakpoints = file_lines.get(line)
        if not breakpoints:
            return _MISS
        if len(breakpoints) == 1 and canonical not in self._pending:
            bp = breakpoints[0]
            condition = bp.options.condition
            result: bool | Exception = True
            if isinstance(known, CountedHit):
                decision = HitDecision()
                # Counted by another breakpoint's counter (replaced since): count here.
                bp.finish(frame, decision, self._hit_lock, True, known.counter is bp.counter)
                return decision
            if known is not None and condition is not None:
                result = known if isinstance(known, Exception) else True
            elif condition is not None:
                # condition_result, inlined: a false condition here is the hot path
                try:
                    if not eval(condition, frame.f_globals, frame.f_locals):  # noqa: S307
                        return _MISS
                except Exception as exc:
                    result = exc
            decision = HitDecision()
            bp.finish(frame, decision, self._hit_lock, result)
            return decision
        decision = HitDecision()
        if canonical in self._pending:
            decision.verified_now = self.mark_loaded(canonical)
        for bp in breakpoints:
            bp.evaluate(frame, decision, self._hit_lock)
        return decision

    def breakpoint_locations(self, path: str, line: int, end_line: int | None = None) -> list[int]:
        """Where breakpoints can go: the executable lines in ``line..end_line``.

        With no ``end_line``: the line a breakpoint on ``line`` would land on.
        """
        try:
            lines = get_source_lines(path)
        except SourceUnavailableError:
            return []
        if end_line is None:
            landing = lines.resolve(line).line
            return [] if landing is None else [landing]
        return list(lines.lines_between(line, end_line))

    # -- function breakpoints --------------------------------------------------

    def set_function_breakpoints(self, specs: Iterable[BreakpointSpec]) -> list[BreakpointStatus]:
        """Replace all function breakpoints; returns their statuses.

        Names: ``func``, ``Class.method`` (any module), ``module.func``,
        ``module.Class.method``. Ids stay stable per name.
        """
        with self._lock:
            previous: dict[str, list[_Breakpoint]] = {}
            for name, bp in self._functions:
                previous.setdefault(name, []).append(bp)
            new: list[tuple[str, _Breakpoint]] = []
            for spec in specs:
                raw = spec.name
                name = raw.strip() if isinstance(raw, str) else ""
                key = _Options.key(spec)
                earlier = previous.get(name)
                if earlier:
                    old = earlier.pop(0)
                    bp = (
                        old
                        if old.options_key == key
                        else _Breakpoint(old.id, _compile_options(spec), key)
                    )
                else:
                    bp = _Breakpoint(next(self._ids), _compile_options(spec), key)
                if not _valid_function_name(name):
                    bp.message = (
                        f"Invalid function name {raw!r}: expected 'func', 'module.func', "
                        "'Class.method' or 'module.Class.method'."
                    )
                else:
                    bp.message = bp.options.error
                bp.verified = bp.message is None
                new.append((name, bp))
            self._functions = new
            index: dict[str, list[tuple[_Breakpoint, str | None]]] = {}
            for name, bp in new:
                if not bp.verified:
                    continue
                parts = name.split(".")
                for cut in range(len(parts)):
                    qualname = ".".join(parts[cut:])
                    module = ".".join(parts[:cut]) or None
                    index.setdefault(qualname, []).append((bp, module))
            self._function_index = {q: tuple(entries) for q, entries in index.items()}
            self._function_names = frozenset(name for name, bp in new if bp.verified)
            return [bp.status() for _, bp in new]

    def function_names(self) -> frozenset[str]:
        """Names of the verified function breakpoints (what the backend watches)."""
        return self._function_names

    def check_call(self, frame: FrameType) -> HitDecision:
        """Evaluate the function breakpoints matching ``frame``'s function and module.

        Call it when a function starts, not when a generator or coroutine resumes.
        """
        decision = HitDecision()
        entries = self._function_index.get(frame.f_code.co_qualname)
        if not entries:
            return decision
        module = frame.f_globals.get("__name__")
        for bp, required in entries:
            if required is None or _module_matches(required, module, frame):
                bp.evaluate(frame, decision, self._hit_lock)
        return decision


def _module_matches(required: str, module: Any, frame: FrameType) -> bool:
    """Does the frame's module answer to ``required`` (``pkg.mod`` or a tail of it)?"""
    names = [module] if isinstance(module, str) else []
    if module == "__main__":
        # A script or ``-m`` module also answers to its own name.
        spec = frame.f_globals.get("__spec__")
        spec_name = getattr(spec, "name", None)
        if isinstance(spec_name, str):
            names.append(spec_name)
        names.append(os.path.splitext(os.path.basename(frame.f_code.co_filename))[0])
    return any(name == required or name.endswith("." + required) for name in names)
