"""Jinja2's generated Python code, compiled with the template's line numbers.

Jinja2 compiles a template to Python source whose ``co_filename`` is the
template file, and keeps a ``debug_info`` table from template lines to the
generated lines. Recompiling that source with every statement moved to its
template line makes each generated line *be* a template line: line
breakpoints, stepping, exception stops and tracebacks work on the template with
no per-line translation while the program runs. ``debug_info`` is rewritten to
the identity so Jinja2's own traceback rewriting keeps the right lines.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from types import CodeType
from typing import Any

_DEBUG_INFO = re.compile(r"^debug_info = '([0-9=&]*)'$", re.MULTILINE)


def template_line_table(source: str) -> list[tuple[int, int]] | None:
    """(generated line, template line) pairs from ``debug_info``, sorted; None if absent."""
    found = _DEBUG_INFO.search(source)
    if found is None:
        return None
    pairs = []
    for item in filter(None, found.group(1).split("&")):
        template_line, _, code_line = item.partition("=")
        pairs.append((int(code_line), int(template_line)))
    pairs.sort()
    return pairs


def compile_with_template_lines(source: str, filename: str) -> CodeType:
    """Compile Jinja2's generated ``source`` so its lines are the template's."""
    table = template_line_table(source)
    if not table:
        return compile(source, filename, "exec")
    tree = ast.parse(source, filename, "exec")
    _place_block(tree.body, dict(table), 1)
    _identity_debug_info(tree, sorted({line for _, line in table}))
    return compile(tree, filename, "exec")


def _place_block(statements: list[ast.stmt], mapped: dict[int, int], inherited: int) -> None:
    """Give each statement the template line of the last mapped statement
    before it in its own block or an enclosing one: code Jinja2 adds after a
    loop (``l_1_item = missing``) belongs to the loop's line, not to the last
    line of its body."""
    current = inherited
    for statement in statements:
        current = _template_line_of(statement, mapped, current)
        _place(statement, current)
        for _, value in ast.iter_fields(statement):
            if isinstance(value, list) and value and isinstance(value[0], ast.stmt):
                _place_block(value, mapped, current)
            elif isinstance(value, list):
                for item in value:
                    if isinstance(item, ast.AST):
                        _place_nested(item, mapped, current)
            elif isinstance(value, ast.AST):
                _place_nested(value, mapped, current)


def _template_line_of(statement: ast.stmt, mapped: dict[int, int], current: int) -> int:
    if statement.lineno in mapped:
        return mapped[statement.lineno]
    if not _has_blocks(statement):
        end = statement.end_lineno or statement.lineno
        for line in range(statement.lineno + 1, end + 1):
            if line in mapped:
                return mapped[line]
    return current


def _has_blocks(node: ast.AST) -> bool:
    return any(
        isinstance(value, list) and value and isinstance(value[0], ast.stmt | ast.excepthandler)
        for _, value in ast.iter_fields(node)
    )


def _place_nested(node: ast.AST, mapped: dict[int, int], current: int) -> None:
    if isinstance(node, ast.stmt):
        return  # placed by _place_block with its siblings
    if isinstance(node, ast.ExceptHandler):
        _place(node, current)
        if node.type is not None:
            _place_nested(node.type, mapped, current)
        _place_block(node.body, mapped, current)
        return
    _place(node, current)
    for child in ast.iter_child_nodes(node):
        _place_nested(child, mapped, current)


def _place(node: ast.AST, line: int) -> None:
    if "lineno" in node._attributes:
        node.lineno = line  # type: ignore[attr-defined]
        node.end_lineno = line  # type: ignore[attr-defined]
        node.col_offset = 0  # type: ignore[attr-defined]
        node.end_col_offset = 0  # type: ignore[attr-defined]


def _identity_debug_info(tree: ast.Module, template_lines: list[int]) -> None:
    identity = "&".join(f"{line}={line}" for line in template_lines)
    for statement in tree.body:
        if (
            isinstance(statement, ast.Assign)
            and len(statement.targets) == 1
            and isinstance(statement.targets[0], ast.Name)
            and statement.targets[0].id == "debug_info"
        ):
            statement.value = ast.Constant(identity, lineno=statement.lineno, col_offset=0)
            ast.fix_missing_locations(statement)


class JinjaLinePatch:
    """Makes ``jinja2.Environment`` compile templates with their own line numbers."""

    def __init__(self) -> None:
        self._environment: Any = None
        self._original: Callable[..., CodeType] | None = None

    @property
    def installed(self) -> bool:
        return self._original is not None

    def install(self, jinja2: Any) -> None:
        if self._original is not None:
            return
        environment = jinja2.Environment
        original = environment.__dict__.get("_compile")
        if original is None:
            return  # not a Jinja2 we know: leave it alone

        def _compile(self: Any, source: str, filename: str) -> CodeType:
            if not isinstance(source, str) or not filename or filename.startswith("<"):
                return original(self, source, filename)
            try:
                return compile_with_template_lines(source, filename)
            except (SyntaxError, ValueError, TypeError, RecursionError):
                return original(self, source, filename)

        _compile.__wrapped__ = original  # type: ignore[attr-defined]
        self._environment, self._original = environment, original
        environment._compile = _compile

    def uninstall(self) -> None:
        if self._original is not None:
            self._environment._compile = self._original
            self._environment = self._original = None
