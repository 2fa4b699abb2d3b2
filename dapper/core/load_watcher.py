"""Watching code start to run, through the one audit hook Dapper installs.

Two jobs: breakpoints in files not imported yet are verified when their code
first runs (``exec`` events), and source compiled from strings is remembered
so a client can show it (``compile`` events). The compiled filter
(``dapper/_audit_filter.pyx``) wakes Python only for those two events; a plain
Python hook would run for every ``id()`` call in the program.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from dapper.core.frame_kinds import is_debugger_frame
from dapper.core.sources import SourceRegistry
from dapper.paths import canonical_path


class ModuleLoadWatcher:
    """Calls ``on_file_loaded(canonical)`` when code of a pending file first runs."""

    def __init__(
        self,
        sources: SourceRegistry,
        pending_files: Callable[[], set[str]],
        on_file_loaded: Callable[[str], None],
    ) -> None:
        self.sources = sources
        self.pending_files = pending_files
        self.on_file_loaded = on_file_loaded
        self._installed = False
        #: False when Dapper must leave nothing behind (attach by pid): the hook
        #: could not be removed, so pending files are not watched for
        self.enabled = True
        self._filter: Any = None
        self._watching_loads = False

    def install(self) -> None:
        """Install the audit hook once (audit hooks cannot be removed)."""
        if not self.enabled:
            return
        if self._installed:
            if self._filter is not None:
                # "exec" also fires for every eval() of a breakpoint condition.
                self._filter.set_events(exec_events=self._watching_loads, compile_events=True)
            return
        self._installed = True
        try:
            from dapper import _audit_filter
        except ImportError:
            sys.addaudithook(self._on_audit)
        else:
            self._filter = _audit_filter
            _audit_filter.install(self._on_audit, exec_events=self._watching_loads)

    def watch_loads(self) -> None:
        """Start watching ``exec`` events if some breakpoints wait for their file."""
        if self._watching_loads or not self.pending_files():
            return
        self._watching_loads = True
        self.install()

    def forget_after_fork(self) -> None:
        if self._filter is not None:
            self._filter.uninstall()

    def _on_audit(self, event: str, args: tuple) -> None:
        # Called for every audit event in the process: keep the common case tiny.
        if event == "compile":
            if len(args) == 2 and isinstance(args[1], str) and args[1].startswith("<"):
                caller = sys._getframe(1)
                if not is_debugger_frame(caller):
                    self.sources.remember_compiled(args[1], args[0])
            return
        if event != "exec" or not self._watching_loads:
            return
        code = args[0] if args else None
        filename = getattr(code, "co_filename", None)
        if not isinstance(filename, str):
            return
        pending = self.pending_files()
        if not pending:
            return
        canonical = canonical_path(filename)
        if canonical not in pending:
            return
        self.on_file_loaded(canonical)
