"""Facts about frames that stepping needs: suspension points and code kinds."""

from __future__ import annotations

import dis
import inspect
from types import FrameType

from dapper.paths import is_debugger_file, is_user_file

_YIELD_VALUE = dis.opmap["YIELD_VALUE"]
_RESUME = dis.opmap.get("RESUME", -1)
_RETURNS = frozenset(
    dis.opmap[name] for name in ("RETURN_VALUE", "RETURN_CONST") if name in dis.opmap
)
_SUSPENDABLE = inspect.CO_GENERATOR | inspect.CO_COROUTINE | inspect.CO_ASYNC_GENERATOR


def is_suspending(frame: FrameType) -> bool:
    """True when a 'return' from ``frame`` is a yield/await, not the end of it."""
    if not frame.f_code.co_flags & _SUSPENDABLE:
        return False
    code = frame.f_code.co_code
    lasti = frame.f_lasti
    if lasti < 0 or lasti >= len(code):
        return False
    op = code[lasti]
    if op == _YIELD_VALUE:
        return True
    # 3.13 reports the RESUME that follows the yield.
    return op == _RESUME and lasti >= 2 and code[lasti - 2] == _YIELD_VALUE


def is_returning(frame: FrameType) -> bool:
    """True when ``frame`` leaves through a return instruction, not because an
    exception unwinds it (``settrace`` reports both as a 'return' event)."""
    code = frame.f_code.co_code
    lasti = frame.f_lasti
    return 0 <= lasti < len(code) and code[lasti] in _RETURNS


def is_coroutine_frame(frame: FrameType) -> bool:
    return bool(frame.f_code.co_flags & (inspect.CO_COROUTINE | inspect.CO_ASYNC_GENERATOR))


def is_user_frame(frame: FrameType) -> bool:
    return is_user_file(frame.f_code.co_filename)


def is_debugger_frame(frame: FrameType) -> bool:
    return is_debugger_file(frame.f_code.co_filename)
