"""The syntax tree and compiled code of a module's source, proven to be what ran.

A twin is only built from source whose unmodified compilation gives back a
code object equal to the original (same bytecode, constants, names, line and
exception tables): an edited file, other compiler flags or code that did not
come from that file are refused here.
"""

from __future__ import annotations

import ast
import copy
import linecache
import threading
from collections.abc import Iterator
from types import CodeType

__all__ = ["SourceMismatchError", "ModuleSource", "find_code", "load_module_source"]


#: top-level statements compiled along with any definition (they may bind imports)
_CONTEXT = tuple(
    getattr(ast, name)
    for name in ("Import", "ImportFrom", "If", "Try", "TryStar", "With")
    if hasattr(ast, name)
)


class SourceMismatchError(Exception):
    """The source on disk does not compile to the code that is running."""


class ModuleSource:
    """One file's source text and its parsed tree.

    Code is compiled one top-level statement at a time (with the module's
    imports and the blocks that may hold some): a function's qualified name, scopes and first
    line depend only on the definitions around it, and compiling one statement
    instead of a long module is what keeps a twin cheap to build.
    """

    def __init__(self, filename: str, text: str) -> None:
        self.filename = filename
        self.text = text
        #: held while a builder edits ``tree`` in place (it puts it back)
        self.lock = threading.Lock()
        self.tree = ast.parse(text, filename)
        # Module-level imports change how functions load attributes of the
        # imported names (3.13), so they are compiled along with the statement.
        self.context = [node for node in self.tree.body if isinstance(node, _CONTEXT)]

    def top_level_for(self, code: CodeType) -> ast.stmt:
        """The top-level statement holding ``code``'s definition, with every class
        body on the way cut down to the one statement that leads to it (methods
        do not see their class's names, so the rest of a long class only costs
        compile time; the equality check in ``original_for`` proves the cut)."""
        line = code.co_firstlineno
        node = _holding(self.tree.body, line)
        if node is None:
            raise SourceMismatchError(f"line {line} of {self.filename} holds no definition")
        return _cut_classes(node, line)

    def compile_statement(self, statement: ast.stmt) -> CodeType:
        """Module code for one top-level statement (raises SyntaxError/ValueError)."""
        module = ast.Module(body=[*self.context, statement], type_ignores=[])
        return compile(module, self.filename, "exec", dont_inherit=True)

    def original_for(self, code: CodeType) -> CodeType:
        """The recompiled counterpart of ``code``; raises when it does not match."""
        try:
            compiled = self.compile_statement(self.top_level_for(code))
        except (SyntaxError, ValueError) as exc:
            raise SourceMismatchError(f"{self.filename} does not compile: {exc}") from None
        found = find_code(compiled, code.co_qualname, code.co_firstlineno)
        if found is None:
            raise SourceMismatchError(
                f"{code.co_qualname} (line {code.co_firstlineno}) is not in {self.filename}"
            )
        if found != code:
            raise SourceMismatchError(
                f"{self.filename} changed since {code.co_qualname} was compiled"
            )
        return found


def _first_line(node: ast.stmt) -> int:
    return min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", ())])


def _holding(body: list[ast.stmt], line: int) -> ast.stmt | None:
    for node in body:
        if _first_line(node) <= line <= (node.end_lineno or node.lineno):
            return node
    return None


def _cut_classes(node: ast.stmt, line: int) -> ast.stmt:
    """``node`` itself, or for a class not starting on ``line``, a shallow copy
    whose body is only the (cut) statement holding ``line``."""
    if not isinstance(node, ast.ClassDef) or _first_line(node) == line:
        return node
    inner = _holding(node.body, line)
    if inner is None:
        return node
    cut = copy.copy(node)
    cut.body = [_cut_classes(inner, line)]
    return cut


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
        raise SourceMismatchError(f"no source for {filename}")
    text = "".join(lines)
    with _cache_lock:
        cached = _cache.get(filename)
        if cached is not None and cached.text == text:
            return cached
    try:
        source = ModuleSource(filename, text)
    except (SyntaxError, ValueError) as exc:
        raise SourceMismatchError(f"{filename} does not compile: {exc}") from None
    with _cache_lock:
        if len(_cache) >= _CACHE_LIMIT:
            _cache.clear()
        _cache[filename] = source
    return source
