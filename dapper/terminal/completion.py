"""Tab completion at the prompt: command names (and aliases) for the first
word, file names for ``break``'s location, and for everything else the names
in the current frame and attribute chains, asked of the program through DAP's
``completions`` request (nothing of the program runs to answer it)."""

from __future__ import annotations

import glob
import os
from typing import TYPE_CHECKING, Any

from dapper.terminal.client import TerminalRequestError
from dapper.terminal.parser import ALIASES

if TYPE_CHECKING:
    from dapper.terminal.commands import Commands

#: what ends a completed word: not '.', '/' or ':' (attribute chains, paths, FILE:LINE)
DELIMITERS = " \t\n`~!@#$%^&*()-=+[{]}\\|;'\",<>?"
_FILE_COMMANDS = {"break", "tbreak", "clear"}


class Completer:
    """``readline``'s completer for one prompt loop."""

    def __init__(self, commands: Commands, line_buffer: Any) -> None:
        self.commands = commands
        #: () -> (whole line, index where the word being completed starts)
        self.line_buffer = line_buffer
        self._matches: list[str] = []

    def complete(self, text: str, state: int) -> str | None:
        if state == 0:
            try:
                line, begin = self.line_buffer()
                self._matches = self.matches(line, begin, text)
            except Exception:  # noqa: BLE001 - a completer must never break the prompt
                self._matches = []
        return self._matches[state] if state < len(self._matches) else None

    def matches(self, line: str, begin: int, text: str) -> list[str]:
        before = line[:begin]
        if not before.strip():
            words = {*ALIASES, *self.commands.aliases}
            found = sorted(w + " " for w in words if w.startswith(text))
            return found + [m for m in self.expression(text) if m + " " not in found]
        command = ALIASES.get(before.split()[0])
        if command in _FILE_COMMANDS and len(before.split()) == 1:
            return self.files(text) + self.expression(text)
        return self.expression(text)

    def expression(self, text: str) -> list[str]:
        """Names and attributes the program's current frame offers."""
        session = self.commands.session
        arguments: dict[str, Any] = {"text": text, "column": len(text) + 1}
        if session.stopped and session.frame is not None:
            arguments["frameId"] = session.frame["id"]
        try:
            targets = session.client.request("completions", arguments, timeout=5).get("targets", [])
        except TerminalRequestError:
            return []
        found = []
        for item in targets:
            replaced = item.get("length", 0)
            # ``start`` counts from 1: the session said columnsStartAt1.
            start = item["start"] - 1 if "start" in item else len(text) - replaced
            found.append(text[:start] + (item.get("text") or item.get("label", "")))
        return sorted(set(found))

    def files(self, text: str) -> list[str]:
        """Python files and directories, for ``b FILE:LINE``: relative to the
        working directory, or (a bare name) in the current file's directory,
        where ``break`` looks too."""
        found = set()
        bases = [""]
        if os.sep not in text:
            try:
                bases.append(os.path.dirname(self.commands.session.current_file()))
            except TerminalRequestError:
                pass
        for base in bases:
            pattern = os.path.join(glob.escape(base), glob.escape(os.path.expanduser(text)))
            for path in glob.glob(pattern + "*"):
                shown = os.path.relpath(path, base) if base else path
                if os.path.isdir(path):
                    found.add(shown + os.sep)
                elif path.endswith(".py"):
                    found.add(shown + ":")
        return sorted(found)
