"""Which source files are loaded: the canonical ``__file__`` of every module in ``sys.modules``.

A breakpoint in a file no module has loaded yet is reported "not loaded yet"
until the file is loaded. Scanning is incremental: a module already seen (same
name, same object) is not looked at again.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from types import ModuleType

from dapper import os_threads
from dapper.paths import canonical_path

__all__ = ["LoadedFiles", "is_loaded"]


class LoadedFiles:
    """Canonical files of loaded modules, plus files added explicitly (the main script)."""

    def __init__(self, modules: Mapping[str, ModuleType] | None = None) -> None:
        self._modules = sys.modules if modules is None else modules
        self._seen: dict[str, int] = {}
        self._files: set[str] = set()
        self._lock = os_threads.allocate_lock()

    def add(self, filename: str) -> None:
        """Count ``filename`` as loaded (e.g. the script ``__main__`` is running)."""
        with self._lock:
            self._files.add(canonical_path(filename))

    def is_loaded(self, canonical: str) -> bool:
        """True when a loaded module's ``__file__`` is ``canonical`` (a canonical path)."""
        if canonical in self._files:
            return True
        self._refresh()
        return canonical in self._files

    def _refresh(self) -> None:
        with self._lock:
            for name, module in list(self._modules.items()):
                if self._seen.get(name) == id(module):
                    continue
                self._seen[name] = id(module)
                filename = getattr(module, "__file__", None)
                if isinstance(filename, str) and filename:
                    self._files.add(canonical_path(filename))


_default = LoadedFiles()


def is_loaded(canonical: str) -> bool:
    """True when some module in ``sys.modules`` was loaded from ``canonical``."""
    return _default.is_loaded(canonical)
