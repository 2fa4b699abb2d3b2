"""Logpoint messages: text with ``{expression}`` parts, ``{{`` and ``}}`` escapes.

A part may also use f-string syntax: ``{x!r}``, ``{price:.2f}``, ``{x=}``.

A message is parsed and its expressions compiled once, when the breakpoint is
set; each hit only evaluates them. An expression that fails at hit time shows
its error in place (``{NameError: name 'y' is not defined}``) instead of losing
the whole message.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import CodeType
from typing import Any

__all__ = ["InvalidLogMessageError", "LogMessage", "parse_log_message"]

_QUOTES = "'\""


class InvalidLogMessageError(ValueError):
    """``str(exc)`` says what is wrong with the message."""


@dataclass(frozen=True)
class LogMessage:
    """A parsed message: literal strings and compiled expressions, in order."""

    text: str
    parts: tuple[str | CodeType, ...]

    def render(self, globals_: dict[str, Any], locals_: Mapping[str, Any]) -> str:
        out = []
        for part in self.parts:
            if isinstance(part, str):
                out.append(part)
                continue
            try:
                out.append(str(eval(part, globals_, locals_)))  # noqa: S307 - user's own expression
            except Exception as exc:  # shown in place, never raised into the debuggee
                out.append("{" + _describe_error(exc) + "}")
        return "".join(out)


def _describe_error(exc: BaseException) -> str:
    message = str(exc)
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


def parse_log_message(text: str) -> LogMessage:
    """Split ``text`` into literals and compiled ``{expression}`` parts."""
    parts: list[str | CodeType] = []
    literal: list[str] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char == "{" and text.startswith("{{", i):
            literal.append("{")
            i += 2
        elif char == "}" and text.startswith("}}", i):
            literal.append("}")
            i += 2
        elif char == "{":
            end = _closing_brace(text, i)
            source = text[i + 1 : end].strip()
            if not source:
                raise InvalidLogMessageError(
                    f"Empty expression '{{}}' at position {i} of the log message."
                )
            code = _compile_field(source)
            if literal:
                parts.append("".join(literal))
                literal = []
            parts.append(code)
            i = end + 1
        else:
            literal.append(char)
            i += 1
    if literal:
        parts.append("".join(literal))
    return LogMessage(text, tuple(parts))


def _compile_field(source: str) -> CodeType:
    """An expression, or failing that an f-string field (``x!r``, ``v:.2f``, ``x=``)."""
    try:
        return compile(source, "<log message>", "eval", dont_inherit=True)
    except SyntaxError as exc:
        error = exc
    for quote in ('"""', "'''"):
        if quote not in source and not source.endswith(quote[0]):
            try:
                return compile(
                    f"f{quote}{{{source}}}{quote}", "<log message>", "eval", dont_inherit=True
                )
            except SyntaxError:
                break
    raise InvalidLogMessageError(
        f"Invalid expression {{{source}}} in the log message: {error.msg}."
    ) from error


def _closing_brace(text: str, start: int) -> int:
    """Index of the ``}`` closing the ``{`` at ``start``; nested braces and strings skip."""
    depth = 0
    quote = None
    i = start
    while i < len(text):
        char = text[i]
        if quote:
            if char == "\\":
                i += 1
            elif char == quote:
                quote = None
        elif char in _QUOTES:
            quote = char
        elif char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    raise InvalidLogMessageError(f"Unclosed '{{' at position {start} of the log message.")
