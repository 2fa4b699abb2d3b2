"""Write a local variable of a running (stopped) frame so the program sees it.

On 3.13 ``frame.f_locals`` is a write-through proxy (PEP 667). On 3.11/3.12 it
is a snapshot dict: the value must be copied back into the frame's fast locals
with ``PyFrame_LocalsToFast``, or the function would go on with the old value.
"""

from __future__ import annotations

import ctypes
import sys
from types import FrameType
from typing import Any

from dapper.core.shown_frame import ShownFrame

_WRITE_THROUGH = sys.version_info >= (3, 13)

if not _WRITE_THROUGH:
    _locals_to_fast = ctypes.pythonapi.PyFrame_LocalsToFast
    _locals_to_fast.argtypes = [ctypes.py_object, ctypes.c_int]
    _locals_to_fast.restype = None


def write_local(frame: ShownFrame, name: str, value: Any) -> None:
    """Bind ``name`` to ``value`` in ``frame``'s locals, visible to the running code.

    A frame presented in place of a real one (a template's, ``Debugger.presenters``)
    has a plain mapping as ``f_locals``: it is written as it is."""
    if not isinstance(frame, FrameType):
        frame.f_locals[name] = value
        return
    frame_locals = frame.f_locals  # 3.11/3.12: refreshed from the fast locals first
    frame_locals[name] = value
    if not _WRITE_THROUGH:
        _locals_to_fast(frame, 0)
