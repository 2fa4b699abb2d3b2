"""Path rules shared by core and backends: canonical file names and code kinds.

Canonical names let a client path and a ``co_filename`` compare equal after
symlinks and case rules; the kind of a file (debugger, library, user) drives
``justMyCode`` and keeps the debugger out of its own way.
"""

from __future__ import annotations

import os
import sys
import sysconfig
from collections.abc import Callable
from functools import lru_cache

_DAPPER_DIR = os.path.normcase(os.path.dirname(os.path.realpath(__file__))) + os.sep


@lru_cache(maxsize=65536)
def canonical_path(path: str) -> str:
    """Absolute, symlink-free, case-normalised form of ``path`` (cached)."""
    if not path or (path.startswith("<") and path.endswith(">")):
        return path
    return os.path.normcase(os.path.realpath(os.path.abspath(path)))


def _library_roots() -> tuple[str, ...]:
    roots: set[str] = set()
    for key in ("stdlib", "platstdlib", "purelib", "platlib"):
        try:
            value = sysconfig.get_path(key)
        except KeyError:  # pragma: no cover - exotic installs
            continue
        if value:
            roots.add(canonical_path(value) + os.sep)
    for prefix in {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}:
        lib = os.path.join(prefix, "lib")
        if os.path.isdir(lib):
            roots.add(canonical_path(lib) + os.sep)
    return tuple(sorted(roots))


_LIBRARY_ROOTS = _library_roots()


@lru_cache(maxsize=65536)
def is_debugger_file(filename: str) -> bool:
    """True for Dapper's own files: the debugger never stops or traces there."""
    return canonical_path(filename).startswith(_DAPPER_DIR)


@lru_cache(maxsize=65536)
def is_library_file(filename: str) -> bool:
    """True for the standard library, site-packages, frozen and generated code."""
    if not filename:
        return True
    if filename.startswith("<"):
        # "<string>", "<stdin>" and exec'd code are the user's; frozen modules are not.
        return filename.startswith("<frozen")
    path = canonical_path(filename)
    if "site-packages" in path or "dist-packages" in path:
        return True
    return path.startswith(_LIBRARY_ROOTS) and not path.startswith(_DAPPER_DIR)


_rules: Callable[[str], bool | None] | None = None


def set_user_code_rules(decide: Callable[[str], bool | None] | None) -> None:
    """Install ``rules`` (``core.user_code_rules``): ``decide(canonical path)`` is
    True/False where a rule overrides the library split, None elsewhere."""
    global _rules
    _rules = decide
    _ruled.cache_clear()


@lru_cache(maxsize=65536)
def _ruled(filename: str) -> bool | None:
    return _rules(canonical_path(filename)) if _rules is not None else None


def is_user_file(filename: str) -> bool:
    """True for code ``justMyCode`` treats as the user's."""
    if is_debugger_file(filename):
        return False
    if _rules is not None and not filename.startswith("<"):
        ruled = _ruled(filename)
        if ruled is not None:
            return ruled
    return not is_library_file(filename)
