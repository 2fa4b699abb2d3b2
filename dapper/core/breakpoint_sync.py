"""Keeping the backend's view of breakpoints in step with the registry.

The registry (``BreakpointRegistry``, ``ExceptionFilters``) knows what the
client asked for; the backend needs plain sets in ``DebugState``. Before the
backend is installed the sets are written to the state directly, so the
backend starts with them.
"""

from __future__ import annotations

from dapper._frame_eval.backend import FrameEvalBackend
from dapper._frame_eval.debug_state import DebugState
from dapper.core.breakpoints import BreakpointRegistry, BreakpointSpec, BreakpointStatus
from dapper.core.exception_breakpoints import ExceptionFilters
from dapper.paths import canonical_path


class BreakpointSync:
    """Sets breakpoints and exception filters, and passes them on to the backend."""

    def __init__(self, state: DebugState) -> None:
        self.state = state
        self.registry = BreakpointRegistry()
        self.exceptions = ExceptionFilters()
        self.backend: FrameEvalBackend | None = None

    def attach(self, backend: FrameEvalBackend) -> None:
        self.backend = backend
        backend.set_exception_mode(self.exceptions.mode)

    def set_breakpoints(
        self, path: str, specs: list[BreakpointSpec], source: object = None
    ) -> list[BreakpointStatus]:
        """The breakpoints of one file; the backend sees the verified lines."""
        result = self.registry.set_breakpoints(path, specs, source)
        self.sync_lines(canonical_path(path))
        return result

    def set_function_breakpoints(self, specs: list[BreakpointSpec]) -> list[BreakpointStatus]:
        result = self.registry.set_function_breakpoints(specs)
        names = self.registry.function_names()
        with self.state.lock:
            if self.backend is not None:
                self.backend.set_function_breakpoints(names)
            else:
                self.state.function_breakpoints = frozenset(names)
                self.state.bump()
        return result

    def set_exception_breakpoints(self, requested: list[tuple[str, str]]) -> list[str]:
        result = self.exceptions.configure(requested)
        with self.state.lock:
            if self.backend is not None:
                self.backend.set_exception_mode(self.exceptions.mode)
            else:
                self.state.exception_mode = self.exceptions.mode
                self.state.bump()
        return result

    def file_loaded(self, canonical: str) -> list[BreakpointStatus]:
        """A file with pending breakpoints started running: verify them; the changed ones."""
        changed = self.registry.mark_loaded(canonical)
        self.sync_lines(canonical)
        return changed

    def sync_lines(self, canonical: str) -> None:
        lines = frozenset(self.registry.lines_for(canonical))
        with self.state.lock:
            self.state.line_conditions[canonical] = self.registry.inline_conditions(canonical)
            self.state.line_hit_counters[canonical] = self.registry.inline_hit_counters(canonical)
            if self.backend is not None:
                self.backend.set_line_breakpoints(canonical, lines)
            elif lines:
                self.state.line_breakpoints[canonical] = lines
                self.state.bump()
            else:
                self.state.line_breakpoints.pop(canonical, None)
                self.state.bump()

    def has_line_breakpoint(self, canonical: str, line: int) -> bool:
        lines = self.state.line_breakpoints.get(canonical)
        return bool(lines) and line in lines  # type: ignore[operator]

    def clear(self) -> None:
        """The client went away: no breakpoints, stop only on uncaught exceptions."""
        backend = self.backend
        if backend is not None:
            for canonical in list(self.state.line_breakpoints):
                backend.set_line_breakpoints(canonical, ())
            backend.set_function_breakpoints(())
        suffixes = self.registry.text_suffixes
        self.registry = BreakpointRegistry()
        self.registry.text_suffixes = suffixes
        self.exceptions.enabled = {"uncaught": ()}
        if backend is not None:
            backend.set_exception_mode(self.exceptions.mode)
