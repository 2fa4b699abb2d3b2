"""Scoped debugger events on ``sys.monitoring`` local events (CPython 3.12+).

This is the layer both the ``sys.monitoring`` backend and the eval-frame
backend (for its scoped part on 3.12+) build on. It owns the
``sys.monitoring.DEBUGGER_ID`` tool and turns per-code local events on and off;
it delivers events to the host backend's ``DebuggerCallbacks`` with the host's
thread, stepping and re-entry filtering.

API (``host`` is a ``BackendBase``: it supplies ``state``, ``callbacks``,
``code_info``, ``deliver`` and ``stats``)::

    tracer = LocalEventsTracer(host)
    tracer.acquire(global_events=0)  # claim the tool id ("dapper"), register callbacks;
                                     # RuntimeError if the slot is taken
    tracer.activate(code, stepping=False)  # LINE, PY_RETURN, PY_YIELD for this code;
                                     # stepping=True marks it as needed only while a
                                     # thread steps (dropped by clear_stepping())
    tracer.deactivate(code)          # no local events for this code
    tracer.sync(code)                # local events = what state now asks for this code
    tracer.sync_all()                # sync every code that has local events
    tracer.activate_stack(frame)     # activate (stepping) each code from frame outwards
    tracer.clear_stepping()          # drop stepping-only activations
    tracer.set_global_events(bits)   # extra global events (e.g. PY_START) of the owner
    tracer.update_global_events()    # exception events on/off from state; call after changes
    tracer.restart()                 # sys.monitoring.restart_events(): undo DISABLE
    tracer.release()                 # clear all local/global events and callbacks, free tool
    tracer.active_codes              # code objects that currently have local events

Filtering: a ``LINE`` event reaches ``on_line`` when the line holds a breakpoint
of that code or the thread steps (in, over or pause; a step out skips its own
frame's lines and waits for its return); otherwise the callback returns
``DISABLE``, but never while a thread's step needs that code's lines
(``DISABLE`` is process-wide).
``PY_RETURN``/``PY_YIELD`` reach ``on_return`` only for a stepping thread, which
also activates the caller's code so the step lands in the caller. ``RAISE``
(``on_exception``) and ``PY_UNWIND`` (``on_unwind``) are global events, on only
while an exception filter is set (``PY_UNWIND`` also while a thread steps); they
are delivered for code whose decision is not ``SKIP``. Ignored threads and
threads already inside a callback get nothing.
"""

from __future__ import annotations

import sys
from types import CodeType, FrameType
from typing import TYPE_CHECKING, Any

from dapper import os_threads
from dapper._frame_eval.decision import FrameDecision
from dapper.paths import is_debugger_file

if TYPE_CHECKING:
    from dapper._frame_eval.backend_base import BackendBase

TOOL_NAME = "dapper"
_get_ident = os_threads.get_ident
_getframe = sys._getframe
_SKIP = FrameDecision.SKIP
_TRACE = FrameDecision.TRACE


def _lines_wanted(stepping: dict[int, Any], code: CodeType) -> bool:
    """True when some thread's step needs ``code``'s line events: any step but
    a step out of a frame of ``code`` (that one waits for the return)."""
    for step in list(stepping.values()):
        if step.kind != "out" or step.frame is None or step.frame.f_code is not code:
            return True
    return False


class LocalEventsTracer:
    """Per-code ``sys.monitoring`` local events delivering to ``DebuggerCallbacks``."""

    def __init__(self, host: BackendBase) -> None:
        monitoring = sys.monitoring  # AttributeError below 3.12, on purpose
        self.host = host
        self.tool_id: int = monitoring.DEBUGGER_ID
        ev = monitoring.events
        self.DISABLE = monitoring.DISABLE
        self.local_events = ev.LINE | ev.PY_RETURN | ev.PY_YIELD
        self.exception_events = ev.RAISE | ev.PY_UNWIND
        self._stepping_events = ev.PY_UNWIND
        self._owner_global_events = 0
        # Keyed by id(): code objects compare equal by content, and a reloaded
        # module's functions are new objects equal to the old ones, each needing
        # its own local events.
        #: id(code) -> (code, local events set on it)
        self._active: dict[int, tuple[CodeType, int]] = {}
        #: id(code) -> code, for codes activated only because a thread steps through them
        self._stepped: dict[int, CodeType] = {}
        self.acquired = False

    @property
    def active_codes(self) -> list[CodeType]:
        return [code for code, _ in self._active.values()]

    # -- tool lifetime -------------------------------------------------------------
    def acquire(self, global_events: int = 0) -> None:
        mon = sys.monitoring
        holder = mon.get_tool(self.tool_id)
        if holder is not None:
            raise RuntimeError(f"sys.monitoring tool {self.tool_id} is taken by {holder!r}")
        mon.use_tool_id(self.tool_id, TOOL_NAME)
        self.acquired = True
        ev = mon.events
        mon.register_callback(self.tool_id, ev.LINE, self._on_line)
        mon.register_callback(self.tool_id, ev.PY_RETURN, self._on_return)
        mon.register_callback(self.tool_id, ev.PY_YIELD, self._on_return)
        mon.register_callback(self.tool_id, ev.RAISE, self._on_raise)
        mon.register_callback(self.tool_id, ev.PY_UNWIND, self._on_unwind)
        self.set_global_events(global_events)

    def release(self) -> None:
        if not self.acquired:
            return
        mon = sys.monitoring
        mon.set_events(self.tool_id, 0)
        for code, _ in self._active.values():
            mon.set_local_events(self.tool_id, code, 0)
        self._active.clear()
        self._stepped.clear()
        for name in ("LINE", "PY_RETURN", "PY_YIELD", "RAISE", "PY_UNWIND", "PY_START"):
            mon.register_callback(self.tool_id, getattr(mon.events, name), None)
        mon.free_tool_id(self.tool_id)
        self.acquired = False
        self._owner_global_events = 0

    def set_global_events(self, bits: int) -> None:
        self._owner_global_events = bits
        self.update_global_events()

    def update_global_events(self) -> None:
        if not self.acquired:
            return
        state = self.host.state
        bits = self._owner_global_events
        if self.host.exceptions_wanted():
            bits |= self.exception_events
        if state.stepping:
            bits |= self._stepping_events
        sys.monitoring.set_events(self.tool_id, bits)

    def restart(self) -> None:
        sys.monitoring.restart_events()

    # -- per-code local events ---------------------------------------------------------
    def _set(self, code: CodeType, events: int) -> None:
        key = id(code)
        current = self._active.get(key)
        if (current[1] if current is not None else 0) == events:
            return
        sys.monitoring.set_local_events(self.tool_id, code, events)
        if events:
            if current is None:
                self.host.stats["codes_instrumented"] += 1
                self.host.stats["scoped_trace_installs"] += 1
            self._active[key] = (code, events)
        else:
            self._active.pop(key, None)

    def activate(self, code: CodeType, stepping: bool = False) -> None:
        if is_debugger_file(code.co_filename):
            return
        if stepping:
            self._stepped[id(code)] = code
        self._set(code, self.local_events)

    def deactivate(self, code: CodeType) -> None:
        self._stepped.pop(id(code), None)
        self._set(code, 0)

    def sync(self, code: CodeType) -> None:
        wanted = id(code) in self._stepped or self.host.code_info(code)[0] == _TRACE
        if wanted:
            self.activate(code)
        else:
            self._set(code, 0)

    def sync_all(self) -> None:
        for code, _ in list(self._active.values()):
            self.sync(code)

    def activate_stack(self, frame: FrameType | None) -> None:
        while frame is not None:
            self.activate(frame.f_code, stepping=True)
            frame = frame.f_back

    def clear_stepping(self) -> None:
        stepped, self._stepped = self._stepped, {}
        for code in stepped.values():
            self.sync(code)

    # -- callbacks (hot path) ------------------------------------------------------------
    def _on_line(self, code: CodeType, line: int) -> Any:
        host = self.host
        state = host.state
        stepping = state.stepping
        bp_lines = host.code_info(code)[1]
        if line not in bp_lines and not _lines_wanted(stepping, code):
            # Nobody steps, or every step is a step out of this code's frame
            # (which waits for its return): only breakpoint lines matter here.
            # The next step change restarts events.
            if host._seen_lines:
                host.forget_seen_line(_get_ident())
            return self.DISABLE
        tid = _get_ident()
        if tid in host._busy or tid in state.ignored_threads:
            return None
        if line in bp_lines:
            host.deliver_line(tid, _getframe(1))
            return None
        step = stepping.get(tid)
        if step is not None:
            frame = _getframe(1)
            if step.kind != "out" or frame is not step.frame:
                host.deliver_line(tid, frame)
                return None
        if host._seen_lines:
            host.forget_seen_line(tid)
        return None

    def _on_return(self, code: CodeType, offset: int, value: Any) -> Any:
        host = self.host
        tid = _get_ident()
        state = host.state
        if tid in host._busy or tid in state.ignored_threads:
            return None
        if tid in state.stepping:
            frame = _getframe(1)
            host.stats["return_events"] += 1
            host.deliver(host.callbacks.on_return, frame, value)  # type: ignore[union-attr]  # installed
            self._activate_caller(frame)
            return None
        if state.stepping:
            return None
        return self.DISABLE

    def _activate_caller(self, frame: FrameType) -> None:
        caller = frame.f_back
        if caller is not None:
            self.activate(caller.f_code, stepping=True)

    def _on_raise(self, code: CodeType, offset: int, exc: BaseException) -> Any:
        host = self.host
        if not host.exceptions_wanted():
            return None
        tid = _get_ident()
        if tid in host._busy or tid in host.state.ignored_threads:
            return None
        if host.code_info(code)[0] == _SKIP:
            return None
        host.stats["exception_events"] += 1
        host.deliver(host.callbacks.on_exception, _getframe(1), exc)  # type: ignore[union-attr]  # installed
        return None

    def _on_unwind(self, code: CodeType, offset: int, exc: BaseException) -> Any:
        host = self.host
        tid = _get_ident()
        state = host.state
        if tid in host._busy or tid in state.ignored_threads:
            return None
        frame = None
        if host.exceptions_wanted() and host.code_info(code)[0] != _SKIP:
            frame = _getframe(1)
            host.stats["unwind_events"] += 1
            host.deliver(host.callbacks.on_unwind, frame, exc)  # type: ignore[union-attr]  # installed
        if tid in state.stepping and id(code) in self._active:
            frame = frame or _getframe(1)
            host.stats["return_events"] += 1
            host.deliver(host.callbacks.on_return, frame, None)  # type: ignore[union-attr]  # installed
            self._activate_caller(frame)
        return None
