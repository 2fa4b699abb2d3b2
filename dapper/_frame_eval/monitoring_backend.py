"""The ``sys.monitoring`` backend (CPython 3.12+): near-zero cost until a breakpoint.

``PY_START`` is the only global event while nothing is set: it sees each code
object once, remembers it under its canonical file name and returns ``DISABLE``
for code that needs nothing, so that code then runs at full speed. Code that
holds a breakpoint (or is stepped through) gets ``LINE``/``PY_RETURN``/``PY_YIELD``
local events through ``LocalEventsTracer``; every change ends with
``restart_events()`` so earlier ``DISABLE`` answers are reconsidered.
"""

from __future__ import annotations

import sys
import weakref
from collections.abc import Iterator
from types import CodeType
from typing import Any

from dapper import os_threads
from dapper._frame_eval.backend_base import BackendBase
from dapper._frame_eval.decision import FrameDecision, decide_frame
from dapper._frame_eval.local_events import LocalEventsTracer
from dapper.paths import canonical_path, is_debugger_file

_get_ident = os_threads.get_ident
_SKIP = FrameDecision.SKIP
_TRACE = FrameDecision.TRACE
_TRACE_EXCEPTIONS = FrameDecision.TRACE_EXCEPTIONS


class MonitoringBackend(BackendBase):
    """Scoped debugger events through ``sys.monitoring`` (tool ``DEBUGGER_ID``)."""

    name = "sys.monitoring"

    def __init__(self) -> None:
        super().__init__()
        self.tracer = LocalEventsTracer(self)
        self._DISABLE = sys.monitoring.DISABLE
        #: canonical file name -> {id(code): code} seen starting (for new breakpoints);
        #: by identity, as equal code objects (a reloaded module's) are distinct code
        self._codes_by_file: dict[str, weakref.WeakValueDictionary[int, CodeType]] = {}

    # -- install / shutdown --------------------------------------------------------------
    def _install(self) -> None:
        mon = sys.monitoring
        self.tracer.acquire()
        mon.register_callback(self.tracer.tool_id, mon.events.PY_START, self._on_start)
        self.tracer.set_global_events(mon.events.PY_START)

    def _remove_hook(self) -> None:
        self.tracer.release()

    def _clear_thread_state(self) -> None:
        """Nothing is stored per frame or per thread: local events live on code."""

    def _clear_bookkeeping(self) -> None:
        super()._clear_bookkeeping()
        self._codes_by_file.clear()

    def get_stats(self) -> dict[str, int]:
        stats = super().get_stats()
        stats["codes_active"] = len(self.tracer.active_codes)
        stats["codes_discovered"] = sum(len(s) for s in list(self._codes_by_file.values()))
        return stats

    # -- making state changes effective ---------------------------------------------------
    def _refresh(self) -> None:
        if not self.installed:
            return
        tracer = self.tracer
        state = self.state
        if not state.stepping:
            tracer.clear_stepping()
        for code in self._candidate_codes():
            tracer.sync(code)
        tracer.sync_all()
        # Frames of stepping or pausing threads get events in their running code.
        for tid, frame in self.live_user_frames():
            step = state.stepping.get(tid)
            if step is None:
                continue
            code = frame.f_code
            if (
                step.kind == "pause"
                or decide_frame(code, state, tid, self.code_info(code)[0]) == _TRACE
            ):
                tracer.activate(code, stepping=True)
        if state.stepping:
            for step in state.stepping.values():
                if step.frame is not None:
                    tracer.activate(step.frame.f_code, stepping=True)
        tracer.update_global_events()
        tracer.restart()

    def _candidate_codes(self) -> Iterator[CodeType]:
        """Code that may need local events now: code of live frames on every thread
        (with the functions nested in it) and code seen in files with breakpoints."""
        seen: set[int] = set()  # ids: equal code objects are still distinct code
        for _tid, frame in self.live_user_frames():
            for code in _with_nested(frame.f_code):
                if id(code) not in seen:
                    seen.add(id(code))
                    yield code
        for filename in list(self.state.line_breakpoints):
            codes = self._codes_by_file.get(filename)
            if codes is None:
                continue
            for code in list(codes.values()):
                if id(code) not in seen:
                    seen.add(id(code))
                    yield code

    # -- PY_START (hot only until DISABLE) --------------------------------------------------
    def _on_start(self, code: CodeType, offset: int) -> Any:
        tid = _get_ident()
        state = self.state
        if tid in self._busy or tid in state.ignored_threads:
            return None
        if is_debugger_file(code.co_filename):
            return self._DISABLE
        stats = self.stats
        stats["slow_path_attempts"] += 1
        filename = canonical_path(code.co_filename)
        codes = self._codes_by_file.get(filename)
        if codes is None:
            codes = self._codes_by_file[filename] = weakref.WeakValueDictionary()
        codes[id(code)] = code
        decision = self.code_info(code)[0]
        stepping = state.stepping
        if stepping:
            decision = decide_frame(code, state, tid, decision)
        if decision != _TRACE:
            if stepping and any(s.traces_new_frames for s in stepping.values()):
                return None
            # Exceptions arrive through global RAISE/PY_UNWIND: no PY_START needed.
            return self._DISABLE
        stats["slow_path_activations"] += 1
        self.tracer.activate(code, stepping=code_is_stepped(code, self, tid))
        if not stepping and not state.function_breakpoints:
            # on_call serves function breakpoints and stepping only; the code's
            # local events are on now. Until the next change, starts need nothing.
            return self._DISABLE
        stats["call_events"] += 1
        self.deliver(self.callbacks.on_call, sys._getframe(1))  # type: ignore[union-attr]  # installed
        return None


def code_is_stepped(code: CodeType, backend: MonitoringBackend, tid: int) -> bool:
    """True when ``code`` is traced only because thread ``tid`` steps."""
    return tid in backend.state.stepping and backend.code_info(code)[0] != _TRACE


def _with_nested(code: CodeType) -> Iterator[CodeType]:
    stack = [code]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(c for c in current.co_consts if isinstance(c, CodeType))
