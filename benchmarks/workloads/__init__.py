"""The benchmark programs, and where their marked lines are.

Each program marks its interesting lines with ``# BENCH:<name>`` comments
(``hot``: the hottest line; ``never``: a function that never runs; ``after``:
the line after the hot loop, never reached), so breakpoints follow the source
when it is edited.
"""

from __future__ import annotations

import functools
import os

from benchmarks.workloads._report import DONE_MARKER, RESULT_ENV

__all__ = [
    "DONE_MARKER",
    "OVERHEAD_WORKLOADS",
    "RESULT_ENV",
    "marker_line",
    "script",
    "template_script",
]

HERE = os.path.dirname(os.path.abspath(__file__))

#: Workloads timed for overhead, in report order (``raising`` only backs the
#: exception-filter scenario).
OVERHEAD_WORKLOADS = ("call_heavy", "hot_loop", "mixed")


def script(name: str) -> str:
    """Absolute path of the program ``name``."""
    path = os.path.join(HERE, f"{name}.py")
    if not os.path.isfile(path):
        raise ValueError(f"no benchmark program named {name!r}")
    return path


def template_script(name: str) -> str:
    """Absolute path of template ``name`` of the template workloads."""
    return os.path.join(HERE, "templates", name)


@functools.cache
def marker_line(name: str, marker: str) -> int:
    """1-based line of ``# BENCH:<marker>`` in program ``name``."""
    tag = f"# BENCH:{marker}"
    with open(script(name), encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if line.rstrip().endswith(tag):
                return number
    raise ValueError(f"{name}.py has no line marked {tag!r}")
