"""The tracing family: ``sys.monitoring`` on 3.12+, ``sys.settrace`` everywhere.

``TracingBackend(kind)`` builds the requested member (``"auto"`` picks
``sys.monitoring`` where the interpreter has it); ``SettraceBackend`` and
``MonitoringBackend`` can also be used directly.
"""

from __future__ import annotations

import sys

from dapper._frame_eval.backend_base import BackendBase
from dapper._frame_eval.settrace_backend import SettraceBackend

HAS_MONITORING = sys.version_info >= (3, 12) and hasattr(sys, "monitoring")

if HAS_MONITORING:
    from dapper._frame_eval.monitoring_backend import MonitoringBackend
else:  # pragma: no cover - depends on the interpreter

    class MonitoringBackend(BackendBase):  # type: ignore[no-redef]
        """Placeholder below 3.12: constructing it says why it cannot run."""

        name = "sys.monitoring"

        def __init__(self) -> None:
            raise RuntimeError("sys.monitoring needs Python 3.12+")


def TracingBackend(kind: str = "auto") -> BackendBase:  # noqa: N802 - factory named as the family
    """A new backend of the tracing family: ``auto``, ``sys.monitoring`` or ``settrace``."""
    if kind == "auto":
        kind = "sys.monitoring" if HAS_MONITORING else "settrace"
    if kind == "sys.monitoring":
        return MonitoringBackend()
    if kind == "settrace":
        return SettraceBackend()
    raise ValueError(f"unknown tracing backend {kind!r} (auto, sys.monitoring, settrace)")


__all__ = ["TracingBackend", "SettraceBackend", "MonitoringBackend", "HAS_MONITORING"]
