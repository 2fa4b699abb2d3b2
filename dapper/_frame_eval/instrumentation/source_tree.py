"""The syntax tree and compiled code of a module's source, proven to be what ran.

A twin is only built from source whose unmodified compilation gives back a
code object equal to the original (same bytecode, constants, names, line and
exception tables): an edited file, other compiler flags or code that did not
come from that file are refused here.
"""

from __future__ import annotations

import ast
import linecache
import threading
from collections.abc import Iterator
from types import CodeType

__all__ = ["SourceMismatch", "ModuleSource", "find_code", "load_module_source"]


class SourceMismatch(Exception):
    """The source on disk does not compile to the code that is running."""


class ModuleSource:
    """One file's source text, its parsed tree and its compiled module code."""

    def __init__(self, filename: str, text: str) -> None:
        self.filename = filename
        self.text = text
        self.tree = ast.parse(text, filename)
        self.module_code = compile(self.tree, filename, "exec", dont_inherit=True)

    def original_for(self, code: CodeType) -> CodeType:
        """The recompiled counterpart of ``code``; raises when it does not match."""
        found = find_code(self.module_code, code.co_qualname, code.co_firstlineno)
        if found is None:
            raise SourceMismatch(
                f"{code.co_qualname} (line {code.co_firstlineno}) is not in {self.filename}"
            )
        if found != code:
            raise SourceMismatch(f"{self.filename} changed since {code.co_qualname} was compiled")
        return found


def iter_codes(code: CodeType) -> Iterator[CodeType]:
    """``code`` and every code object nested in its constants, depth first."""
    yield code
    for const in code.co_consts:
        if isinstance(const, CodeType):
            yield from iter_codes(const)


def find_code(root: CodeType, qualname: str, firstlineno: int) -> CodeType | None:
    """The code object under ``root`` with this qualified name and first line."""
    for code in iter_codes(root):
        if code.co_qualname == qualname and code.co_firstlineno == firstlineno:
            return code
    return None


_cache: dict[str, ModuleSource] = {}
_cache_lock = threading.Lock()
_CACHE_LIMIT = 64


def load_module_source(filename: str) -> ModuleSource:
    """The parsed source of ``filename`` (as ``linecache`` has it), cached per text."""
    lines = linecache.getlines(filename)
    if not lines:
        raise SourceMismatch(f"no source for {filename}")
    text = "".join(lines)
    with _cache_lock:
        cached = _cache.get(filename)
        if cached is not None and cached.text == text:
            return cached
    try:
        source = ModuleSource(filename, text)
    except (SyntaxError, ValueError) as exc:
        raise SourceMismatch(f"{filename} does not compile: {exc}") from None
    with _cache_lock:
        if len(_cache) >= _CACHE_LIMIT:
            _cache.clear()
        _cache[filename] = source
    return source
