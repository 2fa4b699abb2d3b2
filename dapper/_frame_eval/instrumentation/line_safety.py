"""Which breakpoint lines may get an inserted check, and where it goes.

The traced path reports a line each time execution enters it from another
line or jumps back within it. An inserted statement runs each time control
reaches the statement it precedes. The two agree only when the line starts a
statement, is reached only through that statement's first instruction, and
holds one contiguous run of instructions; everything else is refused with a
reason, and that line keeps being traced.
"""

from __future__ import annotations

import ast
import dis
from dataclasses import dataclass
from types import CodeType

__all__ = ["CannotInstrumentError", "Insertion", "find_function_node", "plan_insertion"]

_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
_LOOPS = (ast.For, ast.AsyncFor, ast.While)
_JUMPS = frozenset(dis.hasjrel) | frozenset(dis.hasjabs)


class CannotInstrumentError(Exception):
    """This code object or line cannot safely get a check; it keeps being traced."""


@dataclass(frozen=True)
class Insertion:
    """Insert the check into ``body`` (a statement list of the AST) at ``index``."""

    line: int
    body: list[ast.stmt]
    index: int
    statement: ast.stmt


def find_function_node(
    tree: ast.Module, qualname: str, firstlineno: int
) -> ast.FunctionDef | ast.AsyncFunctionDef:
    """The ``def`` whose code object has this qualified name and first line."""

    def walk(node: ast.AST, prefix: str) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (*_FUNCTIONS, ast.ClassDef)):
                name = prefix + child.name
                first = child.decorator_list[0].lineno if child.decorator_list else child.lineno
                if isinstance(child, _FUNCTIONS):
                    if name == qualname and first == firstlineno:
                        return child
                    found = walk(child, name + ".<locals>.")
                else:
                    found = walk(child, name + ".")
                if found is not None:
                    return found
            elif isinstance(child, ast.Lambda):
                continue  # a lambda's body is an expression: nothing to insert into
            else:
                found = walk(child, prefix)
                if found is not None:
                    return found
        return None

    node = walk(tree, "")
    if node is None:
        raise CannotInstrumentError(f"no def for {qualname} at line {firstlineno}")
    return node


def _header_end(node: ast.AST) -> int | None:
    """Last line of a compound statement's header (None: no code of its own)."""
    if isinstance(node, (ast.If, ast.While)):
        return node.test.end_lineno
    if isinstance(node, (ast.For, ast.AsyncFor)):
        return node.iter.end_lineno
    if isinstance(node, (ast.With, ast.AsyncWith)):
        return max(item.context_expr.end_lineno or 0 for item in node.items)
    if isinstance(node, ast.Match):
        return node.subject.end_lineno
    if isinstance(node, ast.ExceptHandler):
        return node.type.end_lineno if node.type is not None else node.lineno
    if isinstance(node, ast.match_case):
        return (node.guard or node.pattern).end_lineno
    return None


def _bodies(node: ast.AST) -> list[tuple[ast.AST, list[ast.stmt]]]:
    """(owner, statement list) for each block directly inside ``node``."""
    blocks: list[tuple[ast.AST, list[ast.stmt]]] = []
    for name in ("body", "orelse", "finalbody"):
        body = getattr(node, name, None)
        if isinstance(body, list) and body and isinstance(body[0], ast.stmt):
            blocks.append((node, body))
    for handler in getattr(node, "handlers", ()):
        blocks.append((handler, handler.body))
    for case in getattr(node, "cases", ()):
        blocks.append((case, case.body))
    return blocks


def _find_statement(
    function: ast.AST, line: int
) -> tuple[list[ast.stmt], int, ast.stmt, list[ast.AST]]:
    """First statement (pre-order) of ``function``'s own body starting on ``line``."""
    spanning: list[ast.stmt] = []

    def search(
        node: ast.AST, ancestors: list[ast.AST]
    ) -> tuple[list[ast.stmt], int, ast.stmt, list[ast.AST]] | None:
        for owner, body in _bodies(node):
            chain = ancestors + ([owner] if owner is not node else [])
            for index, stmt in enumerate(body):
                if stmt.lineno == line:
                    return body, index, stmt, chain
                if stmt.lineno < line <= (stmt.end_lineno or stmt.lineno):
                    spanning.append(stmt)
                    if isinstance(stmt, _SCOPES):
                        continue  # a nested def or class: its lines are not ours
                    found = search(stmt, [*chain, stmt])
                    if found is not None:
                        return found
        return None

    found = search(function, [function])
    if found is None:
        raise CannotInstrumentError(f"no statement of this function starts on line {line}")
    body, index, stmt, ancestors = found
    for outer in spanning:
        if outer not in ancestors:
            raise CannotInstrumentError(f"line {line} continues a statement of an earlier line")
    for ancestor in ancestors[1:]:
        end = _header_end(ancestor)
        if end is not None and line <= end:
            raise CannotInstrumentError(f"line {line} is part of a compound statement's header")
    return body, index, stmt, ancestors


def _check_bytecode(code: CodeType, line: int) -> None:
    """The line's instructions are one run, entered only at its first instruction."""
    runs: list[list[int]] = []
    for start, end, number in code.co_lines():
        if number != line or start == end:
            continue
        if runs and runs[-1][1] == start:
            runs[-1][1] = end
        else:
            runs.append([start, end])
    if len(runs) != 1:
        raise CannotInstrumentError(f"line {line} runs in {len(runs)} separate pieces")
    first, last = runs[0]
    bytecode = dis.Bytecode(code)
    for instr in bytecode:
        if instr.opcode not in _JUMPS or not isinstance(instr.argval, int):
            continue
        target = instr.argval
        if first < target < last:
            raise CannotInstrumentError(f"a jump lands inside line {line}")
        if target == first and first <= instr.offset < last:
            raise CannotInstrumentError(f"line {line} loops back to its own start")
    # ``exception_entries`` (3.11+) is not in typeshed's ``dis.Bytecode``.
    for entry in getattr(bytecode, "exception_entries", ()):
        if first <= entry.target < last:
            raise CannotInstrumentError(f"an exception handler starts on line {line}")


def plan_insertion(
    code: CodeType, function: ast.FunctionDef | ast.AsyncFunctionDef, line: int
) -> Insertion:
    """Where the check for ``line`` goes in ``function``'s tree, or ``CannotInstrumentError``."""
    body, index, stmt, _ = _find_statement(function, line)
    if isinstance(stmt, (*_FUNCTIONS, ast.ClassDef)) and stmt.decorator_list:
        raise CannotInstrumentError(f"line {line} is a decorated definition")
    if (
        body is function.body
        and index == 0
        and isinstance(stmt, ast.Expr)
        and isinstance(stmt.value, ast.Constant)
        and isinstance(stmt.value.value, str)
    ):
        raise CannotInstrumentError(f"line {line} is the docstring")
    if isinstance(stmt, (ast.Global, ast.Nonlocal)):
        raise CannotInstrumentError(f"line {line} is a declaration")
    if isinstance(stmt, _LOOPS):
        # Its header runs once per iteration, a check before it once: 3.11-3.13
        # split such a header in pieces, but 3.14 compiles one run that the loop
        # jumps back to, which the bytecode check alone would not see.
        raise CannotInstrumentError(f"line {line} starts a loop")
    _check_bytecode(code, line)
    return Insertion(line, body, index, stmt)
