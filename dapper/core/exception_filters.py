"""The exception filters a client can turn on, and what their conditions mean
(a module of their own, light to import: the adapter names them in its
``initialize`` answer before any engine runs)."""

from __future__ import annotations

from typing import NamedTuple


class ExceptionFilter(NamedTuple):
    """One exception filter a client can turn on (each takes a condition
    naming exception types, see ``CONDITION_HELP``)."""

    name: str
    label: str
    description: str
    default: bool


_TYPE_CONDITION = "Exception types to stop on, e.g. ValueError, KeyError"

FILTERS = (
    ExceptionFilter("raised", "Raised Exceptions", "Stop wherever an exception is raised.", False),
    ExceptionFilter(
        "uncaught",
        "Uncaught Exceptions",
        "Stop when an exception is not handled and would end the program or thread.",
        True,
    ),
    ExceptionFilter(
        "userUnhandled",
        "User Uncaught Exceptions",
        "Stop when an exception raised in your code is not handled by your code.",
        False,
    ),
)
#: what a filter's condition means (every filter takes one)
CONDITION_HELP = _TYPE_CONDITION
#: the names of ``FILTERS``
FILTER_NAMES = frozenset(f.name for f in FILTERS)
