"""Recognising a Python command line, so a child process can be started under Dapper.

Pure functions over argv lists: which executable is a Python interpreter (by
name, by being this interpreter, or through a ``#!`` line), and how its
arguments split into interpreter options and the program (FILE, ``-m MODULE``
or ``-c CODE``). Anything not understood is left alone: the child then runs
exactly as the program asked.
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass

_PYTHON_NAME = re.compile(r"^python(\d+(\.\d+)?)?t?(\.exe)?$")
#: Single-letter interpreter options that take a value (``-W error``, ``-Xdev``).
_WITH_VALUE = "WX"
_FLAGS = "bBdEiIOPqsSuRv"
#: multiprocessing's own helper processes that never run user code.
_INTERNAL_CODE = ("from multiprocessing.resource_tracker import",)


@dataclass(frozen=True)
class PythonCommand:
    """``python [options] (FILE | -m MODULE | -c CODE) [args]``, split."""

    interpreter: list[str]  # argv[0], or the ``#!`` interpreter and its argument
    options: list[str]
    program: list[str]  # [FILE, *args] or ["-m", MODULE, *args] or ["-c", CODE, *args]
    executable: str  # the file to execute: the interpreter (the script's, for ``#!``)

    @property
    def name(self) -> str:
        """A short label for the child: script name, module, or ``-c``."""
        first = self.program[0]
        if first == "-m":
            return self.program[1]
        if first == "-c":
            return "python -c"
        return os.path.basename(first)


def is_python_executable(path: str) -> bool:
    """Whether ``path`` names a Python interpreter (python, python3.12, this one)."""
    if _PYTHON_NAME.match(os.path.basename(path)):
        return True
    try:
        return os.path.samefile(path, sys.executable)
    except (OSError, ValueError):
        return False


def shebang_interpreter(path: str) -> list[str] | None:
    """The interpreter argv of a script whose ``#!`` line names Python."""
    try:
        with open(path, "rb") as handle:
            line = handle.readline(256)
    except (OSError, ValueError):
        return None
    if not line.startswith(b"#!"):
        return None
    words = line[2:].decode("utf-8", "replace").split()
    if not words:
        return None
    interpreter = words[0]
    if os.path.basename(interpreter) == "env" and len(words) > 1:
        if is_python_executable(words[-1]):
            return words
        return None
    return words if is_python_executable(interpreter) else None


def parse_python_argv(argv: list[str]) -> tuple[list[str], list[str]] | None:
    """Split ``argv[1:]`` of a Python interpreter into (options, program).

    None when there is no program to debug: the REPL, ``-`` (stdin),
    ``--help``/``--version``, or a command line this parser does not know.
    """
    options: list[str] = []
    index = 1
    while index < len(argv):
        arg = argv[index]
        if arg == "--":
            index += 1
            break
        if arg == "-" or not arg.startswith("-"):
            break
        if arg.startswith("--"):
            if arg == "--check-hash-based-pycs" and index + 1 < len(argv):
                options += argv[index : index + 2]
                index += 2
                continue
            return None
        position = 1
        while position < len(arg):
            letter = arg[position]
            if letter in "cm":
                value = arg[position + 1 :]
                rest_at = index + 1
                if not value:
                    if index + 1 >= len(argv):
                        return None
                    value, rest_at = argv[index + 1], index + 2
                if position > 1:
                    options.append(arg[:position])
                return options, [f"-{letter}", value, *argv[rest_at:]]
            if letter in _WITH_VALUE:
                if position > 1:
                    options.append(arg[:position])
                if arg[position + 1 :]:
                    options.append(f"-{letter}{arg[position + 1 :]}")
                elif index + 1 < len(argv):
                    options += [f"-{letter}", argv[index + 1]]
                    index += 1
                else:
                    return None
                break
            if letter not in _FLAGS:
                return None  # -h, -V, -x, or unknown: leave the command alone
            position += 1
        else:
            options.append(arg)
        index += 1
    if index >= len(argv) or argv[index] == "-":
        return None
    return options, argv[index:]


def python_command(executable: str, argv: list[str]) -> PythonCommand | None:
    """The Python command that ``execve(executable, argv)`` would run, if any."""
    if not argv:
        return None
    interpreter: list[str]
    if is_python_executable(executable):
        split = parse_python_argv(argv)
        interpreter = [argv[0]]
        runs = executable
    else:
        shebang = shebang_interpreter(executable)
        if shebang is None:
            return None
        # The kernel would run: shebang words, the script, then its arguments.
        split = ([], [executable, *argv[1:]])
        interpreter = shebang
        runs = shebang[0]
    if split is None:
        return None
    options, program = split
    if program[0] == "-c" and program[1].lstrip().startswith(_INTERNAL_CODE):
        return None
    return PythonCommand(interpreter, options, program, runs)
