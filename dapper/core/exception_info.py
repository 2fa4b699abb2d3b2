"""What ``exceptionInfo`` tells about an exception, with its chain of causes."""

from __future__ import annotations

import traceback
from typing import NamedTuple

from dapper.core.code_runner import error_message

# Deep or cyclic chains (a raise in an except in an except ...) are cut here.
_MAX_CHAIN = 16


class ExceptionDetails(NamedTuple):
    """One exception of a chain; ``inner`` is its cause or context."""

    message: str
    type_name: str
    full_type_name: str  # module-qualified, except builtins and __main__
    stack_trace: str
    inner: ExceptionDetails | None = None


def _names(exc: BaseException) -> tuple[str, str]:
    """(qualified type name, module-qualified type name)."""
    tp = type(exc)
    qualname = getattr(tp, "__qualname__", tp.__name__)
    module = getattr(tp, "__module__", None)
    full = qualname if module in (None, "builtins", "__main__") else f"{module}.{qualname}"
    return qualname, full


def exception_text(exc: BaseException) -> str:
    """``str(exc)``, or what its ``__str__`` raised: user code must not break a stop."""
    try:
        return str(exc)
    except Exception as error:
        return f"<str raised {error_message(error)}>"


def _stack_trace(exc: BaseException) -> str:
    try:
        return "".join(traceback.format_exception(type(exc), exc, exc.__traceback__, chain=False))
    except Exception as error:
        return f"<traceback unavailable: {error_message(error)}>"


def _inner(exc: BaseException) -> BaseException | None:
    if exc.__cause__ is not None:
        return exc.__cause__
    if exc.__context__ is not None and not exc.__suppress_context__:
        return exc.__context__
    return None


def exception_repr(exc: BaseException) -> str:
    """``repr(exc)``, as pdb's ``exceptions`` lists it (its type and message
    when that repr raises)."""
    try:
        return repr(exc)
    except Exception:  # the program's own __repr__ raised
        return f"{type(exc).__name__}: {exception_text(exc)}"


def exception_chain(exc: BaseException) -> list[BaseException]:
    """``exc`` and the exceptions it was raised from or while handling, the
    first raised first (pdb's ``exceptions`` numbering; cut when deep or cyclic)."""
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and len(chain) < _MAX_CHAIN and all(current is not e for e in chain):
        chain.append(current)
        current = _inner(current)
    return chain[::-1]


def exception_details(exc: BaseException, _seen: set[int] | None = None) -> ExceptionDetails:
    """``exc`` and the chain of its causes (cut when deep or cyclic)."""
    seen = _seen if _seen is not None else set()
    seen.add(id(exc))
    type_name, full_type_name = _names(exc)
    message = exception_text(exc)
    stack_trace = _stack_trace(exc)
    inner = _inner(exc)
    details = None
    if inner is not None and id(inner) not in seen and len(seen) < _MAX_CHAIN:
        details = exception_details(inner, seen)
    return ExceptionDetails(message, type_name, full_type_name, stack_trace, details)
