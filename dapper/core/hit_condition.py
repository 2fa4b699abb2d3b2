"""DAP ``hitCondition`` strings: which hit counts of a breakpoint stop.

Accepted forms (``N`` a non-negative integer, spaces allowed around it):
``N`` (the N-th hit only), ``==N``, ``>N``, ``>=N``, ``<N``, ``<=N`` and ``%N``
(every N-th hit). Anything else is rejected when the breakpoint is set, so a
typo never silently turns into "always stop".
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["HitCondition", "InvalidHitConditionError", "parse_hit_condition"]

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
