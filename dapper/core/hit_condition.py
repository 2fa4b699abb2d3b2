"""DAP ``hitCondition`` strings: which hit counts of a breakpoint stop.

Accepted forms (``N`` a non-negative integer, spaces allowed around it):
``N`` (the N-th hit only), ``==N``, ``>N``, ``>=N``, ``<N``, ``<=N`` and ``%N``
(every N-th hit). Anything else is rejected when the breakpoint is set, so a
typo never silently turns into "always stop".
"""

from __future__ import annotations

import itertools
import operator
import re
from collections.abc import Callable
from dataclasses import dataclass

from dapper import os_threads

__all__ = ["HitCondition", "HitCounter", "InvalidHitConditionError", "parse_hit_condition"]

_FORM = re.compile(r"\s*(==|>=|<=|>|<|%)?\s*(\d+)\s*")

_OPERATORS: dict[str, Callable[[int, int], bool]] = {
    "==": operator.eq,
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
    "%": lambda count, n: count % n == 0,
}


class InvalidHitConditionError(ValueError):
    """``str(exc)`` explains the accepted forms."""


@dataclass(frozen=True)
class HitCondition:
    """A parsed hit condition; ``matches(count)`` with the 1-based hit count."""

    text: str
    op: str
    value: int

    def matches(self, count: int) -> bool:
        return _OPERATORS[self.op](count, self.value)


def parse_hit_condition(text: str) -> HitCondition:
    """Parse ``text`` or raise ``InvalidHitConditionError`` with a user-facing message."""
    match = _FORM.fullmatch(text)
    if match is None:
        raise InvalidHitConditionError(
            f"Invalid hit condition {text!r}: expected a number N or "
            "'==N', '>N', '>=N', '<N', '<=N' or '%N'."
        )
    op = match.group(1) or "=="
    value = int(match.group(2))
    if op == "%" and value == 0:
        raise InvalidHitConditionError(f"Invalid hit condition {text!r}: '%0' divides by zero.")
    return HitCondition(text, op, value)


class HitCounter:
    """The hit count of one breakpoint, and whether a hit matches its condition.

    Shared by core (a hit seen through a line event) and instrumented code
    (``hit``, called by the check in the frame), so both paths count the same
    hits whichever of them sees a given one.
    """

    __slots__ = ("condition", "_count", "_lock", "_matches", "_value")

    def __init__(self, condition: HitCondition | None) -> None:
        self.condition = condition
        self._count = itertools.count(1)
        self._lock = os_threads.allocate_lock()
        self._matches = _OPERATORS[condition.op] if condition is not None else None
        self._value = condition.value if condition is not None else 0

    def take(self) -> int:
        """Count one hit; its 1-based number."""
        with self._lock:
            return next(self._count)

    def hit(self) -> bool:
        """Count one hit; whether it matches the hit condition (True without one)."""
        with self._lock:
            count = next(self._count)
        matches = self._matches
        return matches is None or matches(count, self._value)
