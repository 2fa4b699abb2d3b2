"""Which backend the user asked for, validated once, from the launch config or the environment.

The launch/attach argument ``frameEval`` (a dict), the launcher's ``--backend`` and
the ``DAPPER_BACKEND`` variable all become one immutable ``FrameEvalConfig``; a bad
value is rejected with one message that names the offending key.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

BACKENDS = ("auto", "eval_frame", "tracing")
TRACING_BACKENDS = ("auto", "sys.monitoring", "settrace")
#: names accepted by ``--backend`` and ``DAPPER_BACKEND``
BACKEND_NAMES = ("auto", "eval_frame", "tracing", "sys.monitoring", "settrace")
ENV_VAR = "DAPPER_BACKEND"

# launch-config key -> field name (the DAP argument uses camelCase)
_KEYS = {
    "backend": "backend",
    "tracingBackend": "tracing_backend",
    "tracing_backend": "tracing_backend",
    "fallbackToTracing": "fallback_to_tracing",
    "fallback_to_tracing": "fallback_to_tracing",
    "instrumentedCode": "instrumented_code",
    "instrumented_code": "instrumented_code",
}
#: every key the ``frameEval`` object accepts (editor schemas are checked against it)
FRAME_EVAL_KEYS = tuple(_KEYS)


class FrameEvalConfigError(ValueError):
    """A backend setting that is unknown or has a value Dapper does not accept."""


@dataclass(frozen=True)
class FrameEvalConfig:
    """The requested backend: ``backend`` family, ``tracing_backend`` within the
    tracing family, whether an unavailable request may fall back to tracing, and
    whether breakpoint lines may run as instrumented code (``instrumented_code``)."""

    backend: str = "auto"
    tracing_backend: str = "auto"
    fallback_to_tracing: bool = True
    instrumented_code: bool = True

    def __post_init__(self) -> None:
        if self.backend not in BACKENDS:
            raise FrameEvalConfigError(
                f"frameEval.backend: {self.backend!r} is not one of {', '.join(BACKENDS)}"
            )
        if self.tracing_backend not in TRACING_BACKENDS:
            raise FrameEvalConfigError(
                f"frameEval.tracingBackend: {self.tracing_backend!r} is not one of "
                f"{', '.join(TRACING_BACKENDS)}"
            )
        if not isinstance(self.fallback_to_tracing, bool):
            raise FrameEvalConfigError(
                f"frameEval.fallbackToTracing: expected true or false, "
                f"got {self.fallback_to_tracing!r}"
            )
        if not isinstance(self.instrumented_code, bool):
            raise FrameEvalConfigError(
                f"frameEval.instrumentedCode: expected true or false, "
                f"got {self.instrumented_code!r}"
            )

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> FrameEvalConfig:
        """Build from the DAP ``frameEval`` argument (camelCase or snake_case keys)."""
        if data is None:
            return cls()
        if not isinstance(data, Mapping):
            raise FrameEvalConfigError(f"frameEval: expected an object, got {type(data).__name__}")
        values: dict[str, Any] = {}
        for key, value in data.items():
            field_name = _KEYS.get(key) if isinstance(key, str) else None
            if field_name is None:
                raise FrameEvalConfigError(
                    f"frameEval.{key}: unknown key (known: backend, tracingBackend, "
                    "fallbackToTracing, instrumentedCode)"
                )
            values[field_name] = value
        for name in ("backend", "tracing_backend"):
            if name in values and not isinstance(values[name], str):
                key = "backend" if name == "backend" else "tracingBackend"
                raise FrameEvalConfigError(
                    f"frameEval.{key}: expected a string, got {type(values[name]).__name__}"
                )
        return cls(**values)

    @classmethod
    def from_backend_name(cls, name: str) -> FrameEvalConfig:
        """Build from one name: ``auto``, ``eval_frame``, ``tracing``,
        ``sys.monitoring`` or ``settrace`` (the last two imply ``tracing``)."""
        if not isinstance(name, str) or name.strip().lower() not in BACKEND_NAMES:
            raise FrameEvalConfigError(
                f"backend: {name!r} is not one of {', '.join(BACKEND_NAMES)}"
            )
        name = name.strip().lower()
        if name in ("sys.monitoring", "settrace"):
            return cls(backend="tracing", tracing_backend=name)
        return cls(backend=name)

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> FrameEvalConfig | None:
        """The config ``DAPPER_BACKEND`` asks for, or None when it is unset or empty."""
        value = environ.get(ENV_VAR, "")
        if not value.strip():
            return None
        try:
            return cls.from_backend_name(value)
        except FrameEvalConfigError:
            raise FrameEvalConfigError(
                f"{ENV_VAR}: {value!r} is not one of {', '.join(BACKEND_NAMES)}"
            ) from None

    @classmethod
    def resolve(
        cls, launch_arg: Mapping[str, Any] | None, environ: Mapping[str, str]
    ) -> FrameEvalConfig:
        """The launch argument when given, else ``DAPPER_BACKEND``, else the defaults."""
        if launch_arg is not None:
            return cls.from_dict(launch_arg)
        return cls.from_env(environ) or cls()

    def to_dict(self) -> dict[str, Any]:
        """The camelCase form used in status reports and the launch config."""
        return {
            "backend": self.backend,
            "tracingBackend": self.tracing_backend,
            "fallbackToTracing": self.fallback_to_tracing,
            "instrumentedCode": self.instrumented_code,
        }
