"""The debugger state every backend reads to decide which frames need attention.

Core writes it (through the backend's setters); backends read it on their hot
paths. Every change bumps ``version`` so per-code decisions cached against an
older version are recomputed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import FrameType
from typing import Any, Protocol

from dapper import os_threads

# Exception-filter flags: which exception events backends must deliver.
EXC_NONE = 0
EXC_RAISED = 1  # every raise in (user) code
EXC_USER_UNHANDLED = 2  # raises in user code that leave user code


@dataclass(frozen=True)
class StepRequest:
    """A thread's pending step, as backends need to see it.

    ``kind`` is ``"in"``, ``"over"``, ``"out"`` or ``"pause"``. ``frame`` is the
    frame the step started in (None for pause). Step-in and pause trace every
    new frame of the thread; over/out trace only ``frame``'s code and its callers.
    """

    kind: str
    frame: FrameType | None = None

    @property
    def traces_new_frames(self) -> bool:
        return self.kind in ("in", "pause")


class LineHitCounter(Protocol):
    """The hit count of a breakpoint, which instrumented code counts in the frame."""

    def hit(self) -> bool:
        """Count one hit; whether it matches the breakpoint's hit condition."""
        ...


@dataclass(frozen=True, eq=False)
class CountedHit:
    """What instrumented code passes to ``on_line`` for a hit it counted itself
    (with ``counter``) and that matched the hit condition: core logs or stops
    without counting it again."""

    counter: LineHitCounter


@dataclass
class DebugState:
    """Breakpoints, filters and stepping, keyed the way backends look them up."""

    #: canonical filename -> lines holding a line breakpoint
    line_breakpoints: dict[str, frozenset[int]] = field(default_factory=dict)
    #: qualified names of function breakpoints (``f``, ``Cls.m``, ``mod.f``)
    function_breakpoints: frozenset[str] = frozenset()
    #: EXC_* flags
    exception_mode: int = EXC_NONE
    just_my_code: bool = True
    #: thread ident -> pending step (absent: the thread runs free)
    stepping: dict[int, StepRequest] = field(default_factory=dict)
    #: thread idents of debugger-internal threads: never traced, never stopped
    ignored_threads: set[int] = field(default_factory=set)
    #: canonical filename -> breakpoint line -> the condition an instrumented
    #: twin may test in the frame itself (None: call core every time)
    line_conditions: dict[str, dict[int, str | None]] = field(default_factory=dict)
    #: canonical filename -> breakpoint line -> the hit counter a twin may count
    #: in the frame (lines absent: core counts)
    line_hit_counters: dict[str, dict[int, LineHitCounter]] = field(default_factory=dict)
    #: id(original code) / id(twin code) -> its ``instrumentation.Twin`` record
    #: (written by the backend's instrumenter; read by ``decide_code``)
    instrumented_originals: dict[int, Any] = field(default_factory=dict)
    instrumented_twins: dict[int, Any] = field(default_factory=dict)
    #: bumped on every change above; cached decisions carry the version they saw
    version: int = 0
    lock: Any = field(default_factory=os_threads.RLock, repr=False)

    def bump(self) -> int:
        self.version += 1
        return self.version
