"""``stepInTargets``: the calls on a frame's current line, in the order they run.

The line's source is parsed (with a ``pass`` body added for compound headers
such as ``for x in f():``) and its calls listed innermost first, the order
CPython evaluates them. A ``stepIn`` with a target then runs until a frame of
that name starts, or the line is done.
"""

from __future__ import annotations

import ast
import linecache
from types import FrameType
from typing import NamedTuple


class Target(NamedTuple):
    """A place a step or a jump can go: a call on the line, or a line."""

    id: int
    label: str
    line: int


def _parse_line(text: str) -> ast.AST | None:
    stripped = text.strip()
    if stripped.startswith("elif "):
        stripped = stripped[2:]  # parse the condition as an ``if``
    for candidate in (stripped, stripped + "\n    pass", stripped.rstrip(":") + ":\n    pass"):
        try:
            return ast.parse(candidate)
        except SyntaxError:
            continue
    return None


def _calls_in_order(node: ast.AST) -> list[ast.Call]:
    """Calls in evaluation order: arguments and callee before the call itself."""
    found: list[ast.Call] = []

    def visit(current: ast.AST) -> None:
        for child in ast.iter_child_nodes(current):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
                continue
            visit(child)
        if isinstance(current, ast.Call):
            found.append(current)

    visit(node)
    return found


def step_in_targets(frame: FrameType) -> list[Target]:
    """The calls on the line ``frame`` is on, in the order they run (ids start at 1)."""
    line = frame.f_lineno
    text = linecache.getline(frame.f_code.co_filename, line, frame.f_globals)
    tree = _parse_line(text) if text else None
    if tree is None:
        return []
    targets = []
    for index, call in enumerate(_calls_in_order(tree), start=1):
        label = ast.unparse(call.func)
        targets.append(Target(index, label, line))
    return targets


def target_name(label: str) -> str:
    """The function name a frame of the target will have (``a.b.c`` → ``c``)."""
    return label.rsplit(".", 1)[-1].split("(", 1)[0].strip()
