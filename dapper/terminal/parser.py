"""Reading what the user typed: pdb's command names and aliases, breakpoint
locations, and telling commands apart from Python statements."""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Each command's canonical name and every spelling the user may type.
_SPELLINGS = {
    "break": "b break",
    "tbreak": "tbreak",
    "clear": "cl clear",
    "disable": "disable",
    "enable": "enable",
    "condition": "condition",
    "ignore": "ignore",
    "commands": "commands",
    "continue": "c cont continue",
    "next": "n next",
    "step": "s step",
    "return": "r return",
    "until": "unt until",
    "jump": "j jump",
    "where": "w where bt",
    "up": "u up",
    "down": "d down",
    "list": "l list",
    "longlist": "ll longlist",
    "p": "p",
    "pp": "pp",
    "display": "display",
    "undisplay": "undisplay",
    "args": "a args",
    "retval": "rv retval",
    "threads": "threads",
    "thread": "thread",
    "processes": "processes",
    "process": "process",
    "catch": "catch",
    "exceptions": "exceptions",
    "debug": "debug",
    "help": "h help",
    "quit": "q quit exit",
    "restart": "restart",
    "run": "run",
    "whatis": "whatis",
    "source": "source",
    "alias": "alias",
    "unalias": "unalias",
    "interact": "interact",
    "backend": "backend",
}
ALIASES: dict[str, str] = {
    spelling: name for name, spellings in _SPELLINGS.items() for spelling in spellings.split()
}

_ASSIGNMENT = re.compile(r"^\s*(=(?!=)|[-+*/%&|^@]=|//=|\*\*=|>>=|<<=)")


@dataclass(frozen=True)
class Command:
    """One line: ``name`` is a canonical command name, or ``None`` for Python code."""

    name: str | None
    arg: str


def parse_command(line: str) -> Command:
    """Split a line into a command and its argument.

    ``!`` forces Python. A command word followed by an assignment (``n = 3``)
    is Python too, as in pdb.
    """
    text = line.strip()
    if text.startswith("!"):
        return Command(None, text[1:].strip())
    word, _, rest = text.partition(" ")
    name = ALIASES.get(word)
    if name is None or _ASSIGNMENT.match(rest):
        return Command(None, text)
    return Command(name, rest.strip())


@dataclass(frozen=True)
class Location:
    """Where ``break`` should go: a file and line, or a function name."""

    file: str | None = None
    line: int | None = None
    function: str | None = None
    condition: str | None = None


class ParseError(ValueError):
    """A user-facing message about input that cannot be understood."""


def parse_location(arg: str) -> Location:
    """``[file:]line`` or ``function``, optionally followed by ``, condition``."""
    where, comma, condition = arg.partition(",")
    where = where.strip()
    cond = condition.strip() or None
    if comma and cond is None:
        raise ParseError("a condition must follow the comma")
    if not where:
        raise ParseError("missing a line number or function name")
    file, colon, line_text = where.rpartition(":")
    if colon and line_text.strip().isdigit():
        if not file.strip():
            raise ParseError(f"missing a file name in {where!r}")
        return Location(file=file.strip(), line=int(line_text), condition=cond)
    if where.isdigit():
        return Location(line=int(where), condition=cond)
    if re.fullmatch(r"[A-Za-z_][\w.]*", where):
        return Location(function=where, condition=cond)
    raise ParseError(f"{where!r} is not a line number, file:line or function name")


def parse_numbers(arg: str, what: str = "breakpoint number") -> list[int]:
    """Space-separated positive integers, e.g. breakpoint numbers."""
    numbers = []
    for part in arg.split():
        if not part.isdigit():
            raise ParseError(f"{part!r} is not a {what}")
        numbers.append(int(part))
    return numbers


def parse_count(arg: str, default: int = 1) -> int:
    """An optional positive count, as ``up 2`` takes."""
    text = arg.strip()
    if not text:
        return default
    if not text.isdigit() or int(text) < 1:
        raise ParseError(f"{text!r} is not a positive count")
    return int(text)
