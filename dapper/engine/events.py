"""Core's events as DAP events: the one place their wire shape is decided."""

from __future__ import annotations

from typing import Any

from dapper.core.events import (
    BreakpointChanged,
    ConditionError,
    CoreEvent,
    LogMessage,
    NestedDebugEnded,
    Stopped,
    ThreadChanged,
)
from dapper.engine.breakpoints import dap_breakpoint
from dapper.engine.values import dap_source


def dap_event(event: CoreEvent) -> tuple[str, dict[str, Any]]:
    """(event name, body) of the DAP event that tells a client about ``event``."""
    if isinstance(event, Stopped):
        body: dict[str, Any] = {
            "reason": event.reason,
            "threadId": event.thread_id,
            "allThreadsStopped": True,
        }
        if event.hit_breakpoint_ids:
            body["hitBreakpointIds"] = list(event.hit_breakpoint_ids)
        if event.text:
            body["text"] = event.text
            body["description"] = event.text
        return "stopped", body
    if isinstance(event, ThreadChanged):
        return "thread", {"reason": event.reason, "threadId": event.thread_id}
    if isinstance(event, BreakpointChanged):
        return "breakpoint", {"reason": "changed", "breakpoint": dap_breakpoint(event.breakpoint)}
    if isinstance(event, LogMessage):
        output: dict[str, Any] = {"category": "console", "output": event.text + "\n"}
        if event.source is not None:
            output.update(source=dap_source(event.source), line=event.line)
        return "output", output
    if isinstance(event, ConditionError):
        return "output", {
            "category": "stderr",
            "output": f"Breakpoint condition error: {event.text}\n",
        }
    if isinstance(event, NestedDebugEnded):
        said = {
            "returned": f"Nested debug returned {event.text}",
            "raised": f"Nested debug raised {event.text}",
            "quit": "Nested debug quit",
        }.get(event.outcome, "Nested debug finished")
        return "output", {"category": "console", "output": said + "\n"}
    raise TypeError(f"not a core event: {event!r}")
