"""Sources the client cannot read from disk (``exec``, ``<string>``), served by
``sourceReference``; plus ``loadedSources`` and ``modules``."""

from __future__ import annotations

import itertools
import linecache
import os
import sys
from collections.abc import Callable
from types import CodeType, FrameType
from typing import NamedTuple

from dapper import os_threads
from dapper.paths import canonical_path, is_debugger_file, is_user_file

_MAX_COMPILED_TEXT = 1 << 20
_MAX_COMPILED_FILES = 256
_MAX_TEXTS_PER_NAME = 32


def _defines(text: str, filename: str, code: CodeType) -> bool:
    """True if compiling ``text`` yields a code object like ``code`` (name and first line)."""
    try:
        module = compile(text, filename, "exec", dont_inherit=True)
    except (SyntaxError, ValueError):
        return False
    pending = [module]
    while pending:
        current = pending.pop()
        if current.co_name == code.co_name and current.co_firstlineno == code.co_firstlineno:
            return True
        pending.extend(const for const in current.co_consts if isinstance(const, CodeType))
    return False


class SourceInfo(NamedTuple):
    """Where code comes from: a file (``path``), or text served by ``reference``.

    The engine turns it into a DAP ``Source`` (``dapper/engine/values.py``).
    """

    name: str
    path: str | None = None
    reference: int = 0
    has_text: bool = True  # False: a reference with no text to serve


class ModuleInfo(NamedTuple):
    """A loaded module; ``path`` None for one without a file."""

    name: str
    path: str | None = None
    is_user_code: bool = False


class SourceRegistry:
    """Hands out stable ``sourceReference`` ids for code with no file."""

    def __init__(self) -> None:
        self._lock = os_threads.allocate_lock()
        self._refs: dict[str, int] = {}
        self._texts: dict[int, str] = {}
        self._counter = itertools.count(1)
        #: pseudo file name ("<string>") -> texts compiled under it, oldest first
        self._compiled: dict[str, list[str]] = {}

    def source_for(self, code: CodeType, frame_globals: dict | None = None) -> SourceInfo:
        """Where a code object comes from: a path when the file exists, else a reference."""
        filename = code.co_filename
        if filename and not filename.startswith("<") and os.path.exists(filename):
            path = os.path.realpath(os.path.abspath(filename))
            return SourceInfo(os.path.basename(path), path)
        with self._lock:
            ref = self._refs.get(filename)
            if ref is None:
                ref = next(self._counter)
                self._refs[filename] = ref
        text = self._text_of(filename, frame_globals, code)
        if text is not None:
            self._texts[ref] = text
        return SourceInfo(filename or "<unknown>", reference=ref, has_text=bool(text))

    def _text_of(self, filename: str, frame_globals: dict | None, code: CodeType) -> str | None:
        lines = linecache.getlines(filename, frame_globals)
        if lines:
            return "".join(lines)
        for text in reversed(self._compiled.get(filename, ())):
            if _defines(text, filename, code):
                return text
        return None

    def remember_compiled(self, filename: str, source: object) -> None:
        """Keep the text of a string compiled under a pseudo file name (from the
        ``compile`` audit event); many strings share a name such as ``<string>``,
        so the text served for a frame is one that defines its code."""
        if isinstance(source, bytes):
            if len(source) > _MAX_COMPILED_TEXT:
                return
            source = source.decode("utf-8", "replace")
        if not isinstance(source, str) or len(source) > _MAX_COMPILED_TEXT:
            return
        texts = self._compiled.get(filename)
        if texts is None:
            if len(self._compiled) >= _MAX_COMPILED_FILES:
                return
            texts = self._compiled[filename] = []
        if source in texts:
            return
        texts.append(source)
        del texts[:-_MAX_TEXTS_PER_NAME]

    def text(self, ref: int) -> str | None:
        return self._texts.get(ref)

    def reference_for_file(self, filename: str) -> int | None:
        """A ``sourceReference`` serving a real file's text (for a client that
        cannot open it, e.g. a remote file no path mapping covers); None if unreadable."""
        with self._lock:
            ref = self._refs.get(filename)
            if ref is not None and ref in self._texts:
                return ref
        try:
            with open(filename, encoding="utf-8", errors="replace") as handle:
                text = handle.read()
        except OSError:
            return None
        with self._lock:
            ref = self._refs.setdefault(filename, next(self._counter))
            self._texts[ref] = text
        return ref


def program_has_file(path: str, is_loaded: Callable[[str], bool]) -> bool:
    """Whether ``source`` may serve ``path`` by path: a file this program has
    loaded (a module's file, the main script, code now running, or a file
    whose lines Python has read), never any file the client names."""
    canonical = canonical_path(path)
    if is_loaded(canonical):
        return True
    if any(canonical_path(name) == canonical for name in list(linecache.cache)):
        return True
    for top in sys._current_frames().values():
        frame: FrameType | None = top
        while frame is not None:
            if canonical_path(frame.f_code.co_filename) == canonical:
                return True
            frame = frame.f_back
    return False


def loaded_sources() -> list[SourceInfo]:
    """Every loaded module that has a file."""
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
        result.append(SourceInfo(os.path.basename(path), path))
    return result


def modules() -> list[ModuleInfo]:
    """Loaded modules, by name."""
    result = []
    for name, module in sorted(list(sys.modules.items())):
        if module is None:
            continue
        path = getattr(module, "__file__", None)
        if not isinstance(path, str):
            result.append(ModuleInfo(name))
        elif not is_debugger_file(path):
            result.append(ModuleInfo(name, path, is_user_file(path)))
    return result
