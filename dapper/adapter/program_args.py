"""The program's ``args``: a list as given, or one string split like a shell.

debugpy takes ``args`` as an array or a string; a string is split as a POSIX
shell would (``argsExpansion: "shell"``, the default) or passed as one
argument (``"none"``). A client that runs the program in its own terminal and
says ``argsCanBeInterpretedByShell`` gets the string itself, so the shell
expands variables and globs in it.
"""

from __future__ import annotations

import shlex

EXPANSIONS = ("shell", "none")


def split_args(args: str | list[str] | None, expansion: str = "shell") -> list[str]:
    """The program's argv after its name; ``ValueError`` for an unbalanced quote."""
    if args is None:
        return []
    if isinstance(args, list):
        return list(args)
    if expansion == "none":
        return [args]
    return shlex.split(args)


def shell_text(args: str | list[str] | None, expansion: str = "shell") -> str | None:
    """The string a shell should interpret, when ``args`` asks for one."""
    if isinstance(args, str) and expansion == "shell":
        return args
    return None
