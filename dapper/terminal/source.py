"""Source text for listings: files read locally, code without a file fetched
through DAP ``source``, and the function around a line found with ``ast``."""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

#: Fetches the text of a DAP ``Source`` that has no readable file.
Fetcher = Callable[[dict[str, Any]], str | None]


class SourceCache:
    """Lines of each source, read once."""

    def __init__(self, fetch: Fetcher) -> None:
        self._fetch = fetch
        self._lines: dict[str, list[str] | None] = {}

    def lines(self, source: dict[str, Any]) -> list[str] | None:
        key = source.get("path") or f"<ref {source.get('sourceReference')}>"
        if key not in self._lines:
            self._lines[key] = self._load(source)
        return self._lines[key]

    def _load(self, source: dict[str, Any]) -> list[str] | None:
        path = source.get("path")
        if path and not source.get("sourceReference"):
            try:
                with open(path, encoding="utf-8", errors="replace") as handle:
                    return handle.read().splitlines()
            except OSError:
                pass
        text = self._fetch(source)
        return None if text is None else text.splitlines()

    def line(self, source: dict[str, Any], number: int) -> str | None:
        lines = self.lines(source)
        if lines is None or not 1 <= number <= len(lines):
            return None
        return lines[number - 1]


@dataclass(frozen=True)
class FunctionSpan:
    """A function's first and last line, and its parameter names in order."""

    first: int
    last: int
    parameters: tuple[str, ...]


def enclosing_function(lines: list[str], line: int) -> FunctionSpan | None:
    """The innermost ``def`` containing ``line``, or None at module level."""
    try:
        tree = ast.parse("\n".join(lines))
    except SyntaxError:
        return None
    best: ast.FunctionDef | ast.AsyncFunctionDef | None = None
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            if first <= line <= (node.end_lineno or node.lineno) and (
                best is None or node.lineno >= best.lineno
            ):
                best = node
    if best is None:
        return None
    args = best.args
    names = [a.arg for a in (*args.posonlyargs, *args.args)]
    if args.vararg:
        names.append(args.vararg.arg)
    names.extend(a.arg for a in args.kwonlyargs)
    if args.kwarg:
        names.append(args.kwarg.arg)
    first = min([best.lineno, *(d.lineno for d in best.decorator_list)])
    return FunctionSpan(first, best.end_lineno or best.lineno, tuple(names))


def list_window(arg: str, current: int, last_listed: int | None, total: int) -> tuple[int, int]:
    """The lines ``list ARG`` shows, following pdb.

    No argument: eleven lines around the current line, or the next eleven after
    a previous ``list``; ``.``: around the current line; ``N``: around N;
    ``FIRST, LAST``: that range (a LAST smaller than FIRST is a count).
    """
    text = arg.strip()
    if text in ("", "."):
        if text == "" and last_listed is not None:
            first = last_listed + 1
        else:
            first = max(1, current - 5)
        return first, min(total, first + 10)
    first_text, comma, last_text = text.partition(",")
    try:
        first = int(first_text)
        last = int(last_text) if comma else None
    except ValueError:
        raise ValueError(f"cannot list {text!r}: give a line number or FIRST, LAST") from None
    if last is None:
        first = max(1, first - 5)
        return first, min(total, first + 10)
    if last < first:
        last = first + last
    return max(1, first), min(total, last)
