"""The function objects that run a code object, and swapping their ``__code__``.

A frame runs the code its function had when it was called: assigning
``func.__code__`` sends the next calls to the twin and leaves running frames
(and started generators) on the original, where scoped tracing serves them.
"""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterable
from types import CodeType, FunctionType

__all__ = ["functions_owning", "swap_code", "restore_code"]


def functions_owning(code: CodeType) -> list[FunctionType]:
    """Every live function whose ``__code__`` is ``code`` (one heap walk)."""
    return [
        obj for obj in gc.get_referrers(code) if type(obj) is FunctionType and obj.__code__ is code
    ]


def swap_code(
    functions: Iterable[FunctionType], original: CodeType, twin: CodeType
) -> list[weakref.ref[FunctionType]]:
    """Point each function still running ``original`` at ``twin``; returns the swapped ones."""
    swapped = []
    for function in functions:
        if function.__code__ is not original:
            continue
        try:
            function.__code__ = twin
        except (ValueError, TypeError):
            continue
        swapped.append(weakref.ref(function))
    return swapped


def restore_code(
    owners: Iterable[weakref.ref[FunctionType]], original: CodeType, twin: CodeType
) -> None:
    """Give every function still running ``twin`` its ``original`` code back."""
    for ref in owners:
        function = ref()
        if function is not None and function.__code__ is twin:
            function.__code__ = original
