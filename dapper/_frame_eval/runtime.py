"""What the active backend is, why, and its counters, for status requests and ``dapper doctor``."""

from __future__ import annotations

import sys
from typing import Any

from dapper._frame_eval.backend_base import STAT_NAMES
from dapper._frame_eval.config import FrameEvalConfig

#: counters every ``get_stats()`` answer contains, whatever the backend reports
REQUIRED_STATS = STAT_NAMES


class FrameEvalRuntime:
    """Read-only view of one ``FrameEvalManager``'s selection and backend."""

    def __init__(self) -> None:
        self.backend: Any | None = None
        self.backend_name: str | None = None
        self.requested: FrameEvalConfig | None = None
        self.reason: str = "not started"
        self.fallback_from: str | None = None

    def _activate(
        self, backend: Any, requested: FrameEvalConfig, reason: str, fallback_from: str | None
    ) -> None:
        self.backend = backend
        self.backend_name = backend.name
        self.requested = requested
        self.reason = reason
        self.fallback_from = fallback_from

    def _deactivate(self) -> None:
        self.backend = None
        self.backend_name = None
        self.fallback_from = None
        self.reason = "shut down"

    def get_status(self) -> dict[str, Any]:
        backend = self.backend
        hook = False
        if backend is not None:
            hook = bool(getattr(backend, "hook_installed", backend.name == "eval_frame"))
        return {
            "active": backend is not None,
            "backend": self.backend_name,
            "hook_installed": hook,
            "reason": self.reason,
            "fallback_from": self.fallback_from,
            "requested": self.requested.to_dict() if self.requested else None,
            "instrumented_code": getattr(backend, "instrumentation_reason", "not enabled")
            if backend is not None
            else "not active",
            "interpreter": f"{sys.implementation.name} {sys.version.split()[0]}",
        }

    def get_stats(self) -> dict[str, int]:
        stats = dict.fromkeys(REQUIRED_STATS, 0)
        if self.backend is not None:
            stats.update(self.backend.get_stats())
        return stats
