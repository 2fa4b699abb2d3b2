"""Sources the client cannot read from disk (``exec``, ``<string>``), served by
``sourceReference``; plus ``loadedSources`` and ``modules``."""

from __future__ import annotations

import itertools
import linecache
import os
import sys
import threading
from types import CodeType

from dapper.paths import is_debugger_file, is_user_file

_MAX_COMPILED_TEXT = 1 << 20
_MAX_COMPILED_FILES = 256


class SourceRegistry:
    """Hands out stable ``sourceReference`` ids for code with no file."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._refs: dict[str, int] = {}
        self._texts: dict[int, str] = {}
        self._counter = itertools.count(1)
        #: pseudo file name ("<string>") -> text of the latest string compiled under it
        self._compiled: dict[str, str] = {}

    def source_for(self, code: CodeType, frame_globals: dict | None = None) -> dict:
        """DAP ``Source`` for a code object: a path when the file exists, else a reference."""
        filename = code.co_filename
        if filename and not filename.startswith("<") and os.path.exists(filename):
            path = os.path.realpath(os.path.abspath(filename))
            return {"name": os.path.basename(path), "path": path}
        with self._lock:
            ref = self._refs.get(filename)
            if ref is None:
                ref = next(self._counter)
                self._refs[filename] = ref
        text = self._text_of(filename, frame_globals)
        if text is not None:
            self._texts[ref] = text
        return {
            "name": filename or "<unknown>",
            "sourceReference": ref,
            "presentationHint": "deemphasize" if not text else "normal",
        }

    def _text_of(self, filename: str, frame_globals: dict | None) -> str | None:
        lines = linecache.getlines(filename, frame_globals)
        if lines:
            return "".join(lines)
        return self._compiled.get(filename)

    def remember_compiled(self, filename: str, source: object) -> None:
        """Keep the text of a string compiled under a pseudo file name (from the
        ``compile`` audit event); the latest compile under one name wins."""
        if isinstance(source, bytes):
            if len(source) > _MAX_COMPILED_TEXT:
                return
            source = source.decode("utf-8", "replace")
        if not isinstance(source, str) or len(source) > _MAX_COMPILED_TEXT:
            return
        if filename not in self._compiled and len(self._compiled) >= _MAX_COMPILED_FILES:
            return
        self._compiled[filename] = source

    def text(self, ref: int) -> str | None:
        return self._texts.get(ref)

    def remember(self, filename: str, text: str) -> None:
        """Record the text of code compiled from a string (e.g. ``-c CODE``)."""
        linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)


def loaded_sources() -> list[dict]:
    """DAP ``Source`` for every loaded module that has a file."""
    seen: set[str] = set()
    result = []
    for module in list(sys.modules.values()):
        path = getattr(module, "__file__", None)
        if not isinstance(path, str) or not path.endswith(".py") or is_debugger_file(path):
            continue
        path = os.path.realpath(path)
        if path in seen:
            continue
        seen.add(path)
        result.append({"name": os.path.basename(path), "path": path})
    return result


def modules() -> list[dict]:
    """DAP ``Module`` objects for loaded modules."""
    result = []
    for name, module in sorted(list(sys.modules.items())):
        if module is None:
            continue
        path = getattr(module, "__file__", None)
        entry: dict = {"id": name, "name": name}
        if isinstance(path, str):
            if is_debugger_file(path):
                continue
            entry["path"] = path
            entry["isUserCode"] = is_user_file(path)
        result.append(entry)
    return result
