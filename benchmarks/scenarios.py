"""The overhead scenarios: which breakpoints and filters each one sets."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from benchmarks.session import Breakpoint, Plan
from benchmarks.workloads import OVERHEAD_WORKLOADS, marker_line, script

#: A condition that is always false on each workload's hottest line, reading a
#: local so the debugger has to evaluate it for real.
FALSE_CONDITIONS = {"call_heavy": "x < 0", "hot_loop": "i < 0", "mixed": "value < 0"}


def _marked(workload: str, marker: str, condition: str | None = None) -> list[Breakpoint]:
    return [Breakpoint(script(workload), marker_line(workload, marker), condition)]


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    breakpoints: Callable[[str], list[Breakpoint]]
    raised: bool = False
    #: Per-workload size scale, for scenarios that trace every line of the hot
    #: loop: keeps a run to seconds while leaving ~100k evaluations to measure.
    scale: dict[str, float] = field(default_factory=dict)

    def size(self, workload: str, size: float) -> float:
        """The size this scenario runs ``workload`` at (plain pairs use it too)."""
        return size * self.scale.get(workload, 1.0)

    def plan(self, workload: str, size: float) -> Plan:
        return Plan(
            script(workload),
            [repr(self.size(workload, size))],
            self.breakpoints(workload),
            self.raised,
        )


ATTACHED = Scenario("attached", "attached, no breakpoints", lambda w: [])
BP_NEVER = Scenario(
    "bp_never", "breakpoint in a function that never runs", lambda w: _marked(w, "never")
)
BP_AFTER = Scenario(
    "bp_after",
    "breakpoint after the hot loop, same function (not reached)",
    lambda w: _marked(w, "after"),
)
COND_FALSE = Scenario(
    "cond_false",
    "always-false condition on the hottest line",
    lambda w: _marked(w, "hot", FALSE_CONDITIONS[w]),
    scale={"call_heavy": 0.05, "hot_loop": 0.01},
)
RAISED = Scenario(
    "raised", "'raised' filter on, 100k exceptions raised and caught", lambda w: [], raised=True
)

SCENARIOS = {s.name: s for s in (ATTACHED, BP_NEVER, BP_AFTER, COND_FALSE, RAISED)}


#: What ``--quick`` measures: one row per kind of cost the goals track.
QUICK_PAIRS = (
    ("call_heavy", "bp_never"),
    ("hot_loop", "bp_after"),
    ("call_heavy", "cond_false"),
)


def quick_matrix() -> list[tuple[str, Scenario]]:
    return [(workload, SCENARIOS[name]) for workload, name in QUICK_PAIRS]


def matrix(scenario_names: list[str] | None = None) -> list[tuple[str, Scenario]]:
    """(workload, scenario) pairs in report order, optionally only the named scenarios."""
    wanted = set(scenario_names or SCENARIOS)
    unknown = wanted - set(SCENARIOS)
    if unknown:
        raise ValueError(
            f"unknown scenario(s): {', '.join(sorted(unknown))}; known: {', '.join(SCENARIOS)}"
        )
    pairs = [
        (workload, SCENARIOS[name])
        for workload in OVERHEAD_WORKLOADS
        for name in ("attached", "bp_never", "bp_after", "cond_false")
        if name in wanted
    ]
    if "raised" in wanted:
        pairs.append(("raising", RAISED))
    return pairs
