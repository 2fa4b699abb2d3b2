"""The overhead scenarios: which breakpoints and filters each one sets."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from benchmarks.session import Breakpoint, Plan
from benchmarks.workloads import OVERHEAD_WORKLOADS, marker_line, script, template_script

#: A condition that is always false on each workload's hottest line, reading a
#: local so the debugger has to evaluate it for real.
FALSE_CONDITIONS = {"call_heavy": "x < 0", "hot_loop": "i < 0", "mixed": "value < 0"}


def _marked(
    workload: str, marker: str, condition: str | None = None, **options
) -> list[Breakpoint]:
    return [Breakpoint(script(workload), marker_line(workload, marker), condition, **options)]


def _hot_local(workload: str) -> str:
    """The local variable each workload's hottest line reads."""
    return FALSE_CONDITIONS[workload].split()[0]


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    breakpoints: Callable[[str], list[Breakpoint]]
    raised: bool = False
    #: Per-workload size scale, for scenarios that trace every line of the hot
    #: loop: keeps a run to seconds while leaving ~100k evaluations to measure.
    scale: dict[str, float] = field(default_factory=dict)
    #: more launch arguments for Dapper
    launch: dict[str, Any] = field(default_factory=dict)

    def size(self, workload: str, size: float) -> float:
        """The size this scenario runs ``workload`` at (plain pairs use it too)."""
        return size * self.scale.get(workload, 1.0)

    def plan(self, workload: str, size: float) -> Plan:
        return Plan(
            script(workload),
            [repr(self.size(workload, size))],
            self.breakpoints(workload),
            self.raised,
            launch=dict(self.launch),
        )


ATTACHED = Scenario("attached", "attached, no breakpoints", lambda w: [])
BP_NEVER = Scenario(
    "bp_never", "breakpoint in a function that never runs", lambda w: _marked(w, "never")
)
BP_AFTER = Scenario(
    "bp_after",
    "breakpoint after the hot loop, same function (not reached)",
    lambda w: _marked(w, "after"),
    # Tracing debuggers take 30-100x here: smaller loops keep the full run
    # under 10 minutes (hot_loop still ~0.08 s plain, call_heavy ~0.05 s).
    scale={"hot_loop": 0.1, "call_heavy": 0.25},
)
COND_FALSE = Scenario(
    "cond_false",
    "always-false condition on the hottest line",
    lambda w: _marked(w, "hot", FALSE_CONDITIONS[w]),
    scale={"call_heavy": 0.05, "hot_loop": 0.01},
)
HIT_COUNT = Scenario(
    "hit_count",
    "hit condition %1000 on the hottest line (stops and continues every 1000th)",
    lambda w: _marked(w, "hot", hit_condition="%1000"),
    scale={"call_heavy": 0.05, "hot_loop": 0.01},
)
LOGPOINT = Scenario(
    "logpoint",
    "logpoint on the hottest line, every evaluation logs",
    lambda w: _marked(w, "hot", log_message=f"v={{{_hot_local(w)}}}"),
    # Every evaluation sends an output event: ~10k of them keep a run short.
    scale={"call_heavy": 0.005, "hot_loop": 0.001, "mixed": 0.1},
)
RAISED = Scenario(
    "raised", "'raised' filter on, 100k exceptions raised and caught", lambda w: [], raised=True
)

TEMPLATE_ELSEWHERE = Scenario(
    "template_elsewhere",
    "breakpoint in a template file that is never rendered",
    lambda w: [Breakpoint(template_script("unrendered.html"), 1)],
)
TEMPLATES_OFF = Scenario(
    "templates_off",
    "attached with template support off (django/jinja false): the reference for attached",
    lambda w: [],
    launch={"django": False, "jinja": False},
)

SCENARIOS = {
    s.name: s
    for s in (
        ATTACHED,
        BP_NEVER,
        BP_AFTER,
        COND_FALSE,
        HIT_COUNT,
        LOGPOINT,
        RAISED,
        TEMPLATE_ELSEWHERE,
        TEMPLATES_OFF,
    )
}

#: Template-rendering workloads (Django, Jinja2), measured when the framework
#: is installed: the cost of template debugging with no template breakpoint
#: (``attached``, ``bp_never``) and with one in another template.
TEMPLATE_WORKLOADS = {"django_render": "django", "jinja_render": "jinja2"}
TEMPLATE_SCENARIO_NAMES = ("templates_off", "attached", "bp_never", "template_elsewhere")


#: The audit-hook workload (``copy.deepcopy``, ``id()`` per object): only ``bp_never``.
ID_HEAVY = "id_heavy"

#: Programs on an event loop / greenlets: what task and greenlet support costs
#: when unused (``--workloads asyncio_tasks,gevent_greenlets``).
FRAMEWORK_WORKLOADS = ("asyncio_tasks", "gevent_greenlets")

#: What ``--quick`` measures: one row per kind of cost the goals track.
QUICK_PAIRS = (
    ("call_heavy", "bp_never"),
    (ID_HEAVY, "bp_never"),
    ("hot_loop", "bp_after"),
    ("call_heavy", "cond_false"),
    ("call_heavy", "hit_count"),
    ("call_heavy", "logpoint"),
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
        for name in ("attached", "bp_never", "bp_after", "cond_false", "hit_count", "logpoint")
        if name in wanted
    ]
    if "bp_never" in wanted:
        pairs.append((ID_HEAVY, BP_NEVER))
    for workload, module in TEMPLATE_WORKLOADS.items():
        if importlib.util.find_spec(module) is None:
            continue
        pairs += [(workload, SCENARIOS[name]) for name in TEMPLATE_SCENARIO_NAMES if name in wanted]
    for workload in FRAMEWORK_WORKLOADS:
        if workload == "gevent_greenlets" and importlib.util.find_spec("gevent") is None:
            continue  # gevent is a test dependency, not always installed
        pairs += [
            (workload, SCENARIOS[name]) for name in ("attached", "bp_never") if name in wanted
        ]
    if "raised" in wanted:
        pairs.append(("raising", RAISED))
    return pairs
