"""``FrameEvalManager``: the one place that picks a backend, falls back, logs why,
starts it and shuts everything down in order.

Selection (``auto``): on 3.12+ ``sys.monitoring`` (a pass-through eval-frame hook
costs +30-40% on call-heavy code there, ``sys.monitoring`` with ``DISABLE`` ~0%);
on 3.11 the eval-frame hook when the policy allows it, else ``settrace``.
"""

from __future__ import annotations

import importlib
import logging
from typing import Any

from dapper._frame_eval.backend import DebuggerCallbacks, FrameEvalBackend
from dapper._frame_eval.compatibility_policy import FrameEvalCompatibilityPolicy, PolicyAnswer
from dapper._frame_eval.config import FrameEvalConfig
from dapper._frame_eval.debug_state import DebugState
from dapper._frame_eval.runtime import FrameEvalRuntime
from dapper._frame_eval.tracing_backend import TracingBackend

LOGGER_NAME = "dapper.frame_eval"
EVAL_FRAME_MODULE = "dapper._frame_eval.eval_frame_backend"
AUTO_312_REASON = (
    "on Python 3.12+ an eval-frame hook stops CPython inlining Python calls: "
    "breakpoint elsewhere, 2M calls, measured 1.31x plain (3.12) / 1.17x (3.13) / "
    "0.95x (3.14) / 0.94x (3.15) with eval_frame vs 0.97x / 0.89x / 0.71x / 0.66x "
    "with sys.monitoring in the same rounds, so auto uses sys.monitoring"
)
AUTO_311_REASON = (
    "auto: eval_frame is the cheapest backend on Python 3.11 (breakpoint elsewhere, "
    "2M calls: measured 1.09x plain vs 8.9x with settrace)"
)


class BackendUnavailableError(RuntimeError):
    """The requested backend cannot run here and falling back is not allowed."""


class FrameEvalManager:
    """Selects, starts and stops the backend for one debug session."""

    def __init__(
        self,
        config: FrameEvalConfig | None = None,
        policy: FrameEvalCompatibilityPolicy | None = None,
        logger: logging.Logger | None = None,
    ) -> None:
        self.config = config or FrameEvalConfig()
        self.policy = policy or FrameEvalCompatibilityPolicy()
        self.logger = logger or logging.getLogger(LOGGER_NAME)
        self.runtime = FrameEvalRuntime()
        self.backend: FrameEvalBackend | None = None
        self._last_fallback_reason: str | None = None

    # -- policy answers, including the eval-frame backend module itself ------------------
    def eval_frame_answer(self) -> PolicyAnswer:
        answer = self.policy.can_use_eval_frame()
        if not answer.ok:
            return answer
        try:
            importlib.import_module(EVAL_FRAME_MODULE)
        except ImportError as exc:
            return PolicyAnswer(False, f"{EVAL_FRAME_MODULE} is not importable ({exc})")
        return answer

    def tracing_answer(self, kind: str) -> PolicyAnswer:
        if kind == "sys.monitoring":
            return self.policy.can_use_monitoring()
        return self.policy.can_use_settrace()

    # -- selection --------------------------------------------------------------------------
    def choose(self) -> tuple[str, str, str | None]:
        """(backend name, why, reason the requested backend was refused or None).

        Raises ``BackendUnavailableError`` when nothing that may be used can run.
        """
        cfg = self.config
        if cfg.backend == "auto":
            return self._choose_auto()
        if cfg.backend == "eval_frame":
            answer = self.eval_frame_answer()
            if answer.ok:
                return "eval_frame", "requested eval_frame", None
            if not cfg.fallback_to_tracing:
                raise BackendUnavailableError(f"eval_frame backend unavailable: {answer.reason}")
            name, why = self._choose_tracing("auto")
            return name, f"eval_frame unavailable ({answer.reason}); {why}", answer.reason
        return self._choose_requested_tracing(cfg.tracing_backend)

    def _choose_auto(self) -> tuple[str, str, str | None]:
        if self.policy.version >= (3, 12):
            name, why = self._choose_tracing("auto")
            if name == "sys.monitoring":
                return name, AUTO_312_REASON, None
            return name, why, None
        answer = self.eval_frame_answer()
        if answer.ok:
            return "eval_frame", AUTO_311_REASON, None
        name, why = self._choose_tracing("auto")
        return name, f"auto: eval_frame unavailable ({answer.reason}); {why}", None

    def _choose_requested_tracing(self, kind: str) -> tuple[str, str, str | None]:
        if kind == "auto":
            name, why = self._choose_tracing("auto")
            return name, why, None
        answer = self.tracing_answer(kind)
        if answer.ok:
            return kind, f"requested {kind}", None
        other = "settrace" if kind == "sys.monitoring" else None
        if other is None or not self.config.fallback_to_tracing:
            raise BackendUnavailableError(f"{kind} backend unavailable: {answer.reason}")
        other_answer = self.tracing_answer(other)
        if not other_answer.ok:
            raise BackendUnavailableError(
                f"{kind} backend unavailable: {answer.reason}; {other}: {other_answer.reason}"
            )
        return other, f"{kind} unavailable ({answer.reason}); using {other}", answer.reason

    def _choose_tracing(self, kind: str) -> tuple[str, str]:
        reasons = []
        if self.policy.version >= (3, 12):
            answer = self.policy.can_use_monitoring()
            if answer.ok:
                return "sys.monitoring", "tracing family: sys.monitoring on Python 3.12+"
            reasons.append(f"sys.monitoring: {answer.reason}")
        answer = self.policy.can_use_settrace()
        if answer.ok:
            prefix = f"{reasons[0]}; " if reasons else ""
            return "settrace", f"{prefix}tracing family: settrace"
        reasons.append(f"settrace: {answer.reason}")
        raise BackendUnavailableError("no backend can run: " + "; ".join(reasons))

    # -- lifetime ---------------------------------------------------------------------------
    def start(self, callbacks: DebuggerCallbacks, state: DebugState) -> FrameEvalBackend:
        """Select and install a backend; returns it (also kept as ``self.backend``)."""
        if self.backend is not None:
            raise RuntimeError("FrameEvalManager is already started; call shutdown() first")
        name, why, refused = self.choose()
        self._log_fallback(refused, name)
        backend = self._make_backend(name)
        enable = getattr(backend, "enable_instrumentation", None)
        if enable is not None:
            enable(self.config.instrumented_code)
        backend.install(callbacks, state)
        self.backend = backend
        self.runtime._activate(backend, self.config, why, refused and self.config.backend)
        return backend

    def shutdown(self) -> None:
        """Hook, then thread-local trace state, then bookkeeping (all inside the
        backend's ``shutdown``), then the manager's own selection state."""
        backend, self.backend = self.backend, None
        try:
            if backend is not None:
                backend.shutdown()
        finally:
            self.runtime._deactivate()

    def shutdown_in_forked_child(self) -> None:
        """A forked child runs without the debugger: remove the backend there."""
        if self.backend is not None:
            self.backend.renew_locks_after_fork()
        self.shutdown()

    def _make_backend(self, name: str) -> Any:
        if name == "eval_frame":
            module = importlib.import_module(EVAL_FRAME_MODULE)
            return module.EvalFrameBackend()
        return TracingBackend(name)

    def _log_fallback(self, refused: str | None, chosen: str) -> None:
        if refused is None:
            self._last_fallback_reason = None
            return
        if refused == self._last_fallback_reason:
            return
        self._last_fallback_reason = refused
        self.logger.warning(
            "Dapper: requested backend %r is unavailable (%s); falling back to %s",
            self.config.backend
            if self.config.backend != "tracing"
            else self.config.tracing_backend,
            refused,
            chosen,
        )
