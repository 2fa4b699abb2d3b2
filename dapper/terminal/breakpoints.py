"""The client's own breakpoint table, numbered as pdb numbers them.

DAP replaces all breakpoints of a file at once, so the table is the truth and
is sent whole; enabling, temporary breakpoints, ignore counts and command
lists live here, conditions travel to the engine.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Breakpoint:
    number: int
    file: str | None  # None for a function breakpoint
    line: int | None
    function: str | None = None
    condition: str | None = None
    temporary: bool = False
    enabled: bool = True
    ignore: int = 0
    hits: int = 0
    commands: list[str] = field(default_factory=list)
    verified: bool = False
    #: not verified yet, but will be once its module loads
    pending: bool = False
    message: str | None = None

    def where(self) -> str:
        return f"{self.file}:{self.line}" if self.file else str(self.function)


class BreakpointTable:
    """Numbered breakpoints; ``specs_for_file``/``function_specs`` build requests."""

    def __init__(self) -> None:
        self._next = 1
        self.items: dict[int, Breakpoint] = {}

    def add(self, **fields: Any) -> Breakpoint:
        bp = Breakpoint(number=self._next, **fields)
        self._next += 1
        self.items[bp.number] = bp
        return bp

    def get(self, number: int) -> Breakpoint:
        bp = self.items.get(number)
        if bp is None:
            raise KeyError(f"there is no breakpoint number {number}")
        return bp

    def discard(self, bp: Breakpoint) -> None:
        """Take back a breakpoint that could not be set: its number is free
        again, as pdb never numbers a failed ``break``."""
        self.items.pop(bp.number, None)
        if bp.number == self._next - 1:
            self._next -= 1

    def remove(self, number: int) -> Breakpoint:
        bp = self.get(number)
        del self.items[number]
        return bp

    def files(self) -> set[str]:
        return {bp.file for bp in self.items.values() if bp.file}

    def in_file(self, file: str) -> list[Breakpoint]:
        """Enabled breakpoints of ``file``, in the order their specs are sent."""
        return [bp for bp in self.items.values() if bp.file == file and bp.enabled]

    def specs_for_file(self, file: str) -> list[dict[str, Any]]:
        return [_spec(bp, {"line": bp.line}) for bp in self.in_file(file)]

    def functions(self) -> list[Breakpoint]:
        return [bp for bp in self.items.values() if bp.function and bp.enabled]

    def function_specs(self) -> list[dict[str, Any]]:
        return [_spec(bp, {"name": bp.function}) for bp in self.functions()]


def _spec(bp: Breakpoint, base: dict[str, Any]) -> dict[str, Any]:
    if bp.condition:
        base["condition"] = bp.condition
    return base
