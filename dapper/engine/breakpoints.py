"""Core's breakpoint statuses as DAP ``Breakpoint`` objects, and DAP's
breakpoint arguments as what core takes."""

from __future__ import annotations

from typing import Any

from dapper.core.breakpoints import NOT_LOADED_MESSAGE, BreakpointSpec, BreakpointStatus
from dapper.core.exception_breakpoints import FILTER_NAMES
from dapper.protocol.messages import RequestError


def dap_breakpoint(status: BreakpointStatus) -> dict[str, Any]:
    """The DAP ``Breakpoint`` a client is sent for ``status``."""
    result: dict[str, Any] = {"id": status.id, "verified": status.verified}
    if status.source is not None:
        result["source"] = status.source
    if status.line is not None:
        result["line"] = status.line
    if status.message:
        result["message"] = status.message
    if status.message == NOT_LOADED_MESSAGE and not status.verified:
        # verified once its module loads (DAP's machine-readable reason)
        result["reason"] = "pending"
    return result


def dap_breakpoints(statuses: list[BreakpointStatus]) -> list[dict[str, Any]]:
    return [dap_breakpoint(status) for status in statuses]


def breakpoint_spec(spec: dict[str, Any]) -> BreakpointSpec:
    """A DAP ``SourceBreakpoint`` or ``FunctionBreakpoint`` (checked by the
    request handler: an integer ``line`` or a string ``name``) as core's spec."""
    return BreakpointSpec(
        spec.get("line"),
        spec.get("name", ""),
        spec.get("condition"),
        spec.get("hitCondition"),
        spec.get("logMessage"),
    )


def exception_filters(arguments: dict[str, Any]) -> list[tuple[str, str]]:
    """``setExceptionBreakpoints`` arguments as core's ``(filter name, type
    condition)`` pairs: each of ``filters``, then each of ``filterOptions``."""
    filters = arguments.get("filters", [])
    options = arguments.get("filterOptions", [])
    if not isinstance(filters, list) or not isinstance(options, list):
        raise RequestError("'filters' and 'filterOptions' must be arrays")
    requested: list[tuple[str, str]] = []
    for name in filters:
        if name not in FILTER_NAMES:
            raise RequestError(f"unknown exception filter {name!r}")
        requested.append((name, ""))
    for option in options:
        if not isinstance(option, dict) or option.get("filterId") not in FILTER_NAMES:
            raise RequestError(f"unknown exception filter option {option!r}")
        requested.append((option["filterId"], option.get("condition") or ""))
    return requested
