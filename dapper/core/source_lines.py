"""Executable lines of a source file, and the function scope each line belongs to.

A breakpoint on a line without code (blank, comment, docstring) moves to the
next line with code *in the same function*; it must not slide out of a function
into whatever code follows it. Lines come from ``co_lines()`` of every code
object compiled from the source (what the interpreter reports as line events);
function extents come from the AST, widened by trailing comments indented
inside the function.
"""

from __future__ import annotations

import ast
import bisect
import linecache
import os
import tokenize
from dataclasses import dataclass
from types import CodeType

from dapper import os_threads

__all__ = [
    "LineResolution",
    "Scope",
    "SourceLines",
    "SourceUnavailableError",
    "get_source_lines",
    "source_lines_from_text",
]


class SourceUnavailableError(Exception):
    """The source cannot be read or compiled; ``str(exc)`` is a user-facing message."""


@dataclass(frozen=True)
class Scope:
    """A module, class or function body: lines ``start..end`` of the file.

    ``code_lines`` are the lines holding code of this scope, including code of
    lambdas, comprehensions and generator expressions written inside it (but not
    of nested functions or classes, which are scopes of their own).
    """

    name: str
    start: int
    end: int
    code_lines: tuple[int, ...]


@dataclass(frozen=True)
class LineResolution:
    """Where a breakpoint requested on a line lands: ``line`` or None plus a reason."""

    line: int | None
    message: str | None = None


class SourceLines:
    """Executable lines of one source text, answering "where does line N land?"."""

    def __init__(self, filename: str, text: str) -> None:
        self.filename = filename
        self._texts = text.splitlines()
        try:
            tree = ast.parse(text, filename)
            module_code = compile(tree, filename, "exec", dont_inherit=True)
        except (SyntaxError, ValueError) as exc:
            raise SourceUnavailableError(_describe_compile_error(filename, exc)) from exc
        extents = self._scope_extents(tree)
        scope_lines: dict[tuple[str, int], set[int]] = {}
        qualnames: dict[tuple[str, int], str] = {}
        all_lines: set[int] = set()
        _collect(module_code, ("<module>", 0), scope_lines, qualnames, all_lines)
        scopes = []
        for (name, first), lines in scope_lines.items():
            qualname = qualnames.get((name, first), name)
            if first == 0:
                scopes.append(Scope("<module>", 1, max(len(self._texts), 1), tuple(sorted(lines))))
                continue
            end = extents.get((name, first))
            if end is None:  # no matching AST node: fall back to the code's own lines
                end = max(lines, default=first)
            scopes.append(Scope(qualname, first, end, tuple(sorted(lines))))
        #: innermost first: later start, then earlier end
        self._scopes = sorted(scopes, key=lambda s: (-s.start, s.end))
        self.executable_lines: frozenset[int] = frozenset(all_lines)
        self._sorted_lines = sorted(all_lines)

    @property
    def line_count(self) -> int:
        return len(self._texts)

    @property
    def scopes(self) -> list[Scope]:
        return list(self._scopes)

    def scope_at(self, line: int) -> Scope:
        """The innermost scope whose extent contains ``line`` (the module at worst)."""
        for scope in self._scopes:
            if scope.start <= line <= scope.end:
                return scope
        return self._scopes[-1]

    def resolve(self, line: int) -> LineResolution:
        """The line a breakpoint on ``line`` lands on, or None with the reason."""
        if line < 1:
            return LineResolution(None, f"Line {line} is not a valid line number.")
        if line > len(self._texts):
            return LineResolution(
                None, f"Line {line} is past the end of the file ({len(self._texts)} lines)."
            )
        if line in self.executable_lines:
            return LineResolution(line)
        scope = self.scope_at(line)
        index = bisect.bisect_right(scope.code_lines, line)
        if index < len(scope.code_lines):
            return LineResolution(scope.code_lines[index])
        where = "the module" if scope.name == "<module>" else f"'{scope.name}'"
        return LineResolution(None, f"No executable code at or after line {line} in {where}.")

    def lines_between(self, start: int, end: int) -> list[int]:
        """Executable lines in ``start..end`` (inclusive), ascending."""
        lo = bisect.bisect_left(self._sorted_lines, start)
        hi = bisect.bisect_right(self._sorted_lines, end)
        return self._sorted_lines[lo:hi]

    def _scope_extents(self, tree: ast.AST) -> dict[tuple[str, int], int]:
        """(name, first line incl. decorators) -> last line of each def/class."""
        extents = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                first = min([node.lineno] + [d.lineno for d in node.decorator_list])
                end = node.end_lineno or node.lineno
                extents[(node.name, first)] = self._with_trailing_comments(end, node.col_offset)
        return extents

    def _with_trailing_comments(self, end: int, column: int) -> int:
        """Widen ``end`` over comment lines indented deeper than the header."""
        last = end
        for number in range(end + 1, len(self._texts) + 1):
            text = self._texts[number - 1].expandtabs(8)
            stripped = text.lstrip()
            if not stripped:
                continue
            if stripped.startswith("#") and len(text) - len(stripped) > column:
                last = number
                continue
            break
        return last


def _collect(
    code: CodeType,
    scope_key: tuple[str, int],
    scope_lines: dict[tuple[str, int], set[int]],
    qualnames: dict[tuple[str, int], str],
    all_lines: set[int],
) -> None:
    """Walk ``code`` and its nested code objects, filing lines under their scope."""
    own = {line for _, _, line in code.co_lines() if line}  # None: no line; 0: RESUME
    all_lines.update(own)
    scope_lines.setdefault(scope_key, set()).update(own)
    for const in code.co_consts:
        if isinstance(const, CodeType):
            named = not const.co_name.startswith("<")
            key = (const.co_name, const.co_firstlineno) if named else scope_key
            if named:
                qualnames[key] = const.co_qualname
            _collect(const, key, scope_lines, qualnames, all_lines)


def _describe_compile_error(filename: str, exc: Exception) -> str:
    name = os.path.basename(filename) or filename
    if isinstance(exc, SyntaxError):
        where = f" (line {exc.lineno})" if exc.lineno else ""
        return f"Cannot parse {name}: {exc.msg}{where}."
    return f"Cannot compile {name}: {exc}."


_cache: dict[str, tuple[object, SourceLines]] = {}
_cache_lock = os_threads.allocate_lock()


def source_lines_from_text(filename: str, text: str) -> SourceLines:
    """Analyse ``text`` as the source of ``filename`` (not cached)."""
    return SourceLines(filename, text)


def get_source_lines(filename: str) -> SourceLines:
    """Executable lines of ``filename``, cached per (path, mtime, size).

    Files are read with their declared encoding (``tokenize.open``). Names with
    no file on disk (``<string>``, notebook cells) come from ``linecache``.
    Raises ``SourceUnavailableError`` with a user-facing message.
    """
    try:
        stat = os.stat(filename)
    except (OSError, ValueError):
        stat = None
    if stat is not None:
        key: object = ("file", stat.st_mtime_ns, stat.st_size)
    else:
        lines = linecache.getlines(filename)
        if not lines:
            raise SourceUnavailableError(f"Source for {filename} is not available.")
        text = "".join(lines)
        key = ("linecache", len(text), hash(text))
    with _cache_lock:
        cached = _cache.get(filename)
    if cached is not None and cached[0] == key:
        return cached[1]
    if stat is not None:
        try:
            with tokenize.open(filename) as handle:
                text = handle.read()
        except (OSError, SyntaxError, UnicodeDecodeError) as exc:
            raise SourceUnavailableError(f"Cannot read {filename}: {exc}") from exc
    result = SourceLines(filename, text)
    with _cache_lock:
        _cache[filename] = (key, result)
    return result
