"""Running a callback when the program imports a given module.

Framework support is set up only once the program imports the framework (a
program that never does pays nothing but one dictionary lookup per import).
The watcher sits first on ``sys.meta_path``, finds the module's spec through
the finders after it, and runs the callbacks once the module has executed.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Sequence
from importlib.machinery import ModuleSpec
from types import ModuleType
from typing import Any

Callback = Callable[[ModuleType], None]


class ImportWatcher:
    """Calls ``callback(module)`` once ``name`` is imported (at once if it is)."""

    def __init__(self) -> None:
        self._waiting: dict[str, list[Callback]] = {}
        self._lock = threading.Lock()
        self._finding = threading.local()

    def when_imported(self, name: str, callback: Callback) -> None:
        module = sys.modules.get(name)
        if module is not None:
            callback(module)
            return
        with self._lock:
            self._waiting.setdefault(name, []).append(callback)
            if self not in sys.meta_path:
                sys.meta_path.insert(0, self)

    def uninstall(self) -> None:
        with self._lock:
            self._waiting.clear()
            if self in sys.meta_path:
                sys.meta_path.remove(self)

    # -- the meta path finder protocol --
    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: Any = None
    ) -> ModuleSpec | None:
        if fullname not in self._waiting or getattr(self._finding, "active", False):
            return None
        self._finding.active = True
        try:
            spec = self._find_with_others(fullname, path, target)
        finally:
            self._finding.active = False
        loader = spec.loader if spec is not None else None
        if loader is None or not hasattr(loader, "exec_module"):
            return spec
        with self._lock:
            callbacks = self._waiting.pop(fullname, [])
            if not self._waiting and self in sys.meta_path:
                sys.meta_path.remove(self)
        original = loader.exec_module

        def exec_module(module: ModuleType) -> None:
            original(module)
            loader.exec_module = original  # type: ignore[method-assign]
            for callback in callbacks:
                try:
                    callback(module)
                except Exception:  # noqa: BLE001 - the program's import must not fail for us
                    pass

        loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec

    def _find_with_others(
        self, fullname: str, path: Sequence[str] | None, target: Any
    ) -> ModuleSpec | None:
        for finder in list(sys.meta_path):
            if finder is self:
                continue
            find = getattr(finder, "find_spec", None)
            if find is None:
                continue
            spec = find(fullname, path, target)
            if spec is not None:
                return spec
        return None
