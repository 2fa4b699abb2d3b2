"""Core's breakpoint statuses as DAP ``Breakpoint`` objects."""

from __future__ import annotations

from typing import Any

from dapper.core.breakpoints import NOT_LOADED_MESSAGE, BreakpointStatus


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
