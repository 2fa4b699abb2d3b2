"""Interleaved overhead measurement: every figure is a ratio to a plain run of
the same workload in the same round."""

from __future__ import annotations

import statistics
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from benchmarks import session
from benchmarks.debuggers import PLAIN, Debugger
from benchmarks.scenarios import Scenario

#: Scenarios that also report a cost per evaluation / per exception, in µs.
PER_EVENT = {
    "cond_false": "per_evaluation_us",
    "hit_count": "per_evaluation_us",
    "logpoint": "per_evaluation_us",
    "raised": "per_exception_us",
}

Progress = Callable[[str], None]


@dataclass
class Cell:
    """Samples for one (workload, scenario, debugger), paired with plain by round."""

    workload: str
    scenario: Scenario
    debugger: Debugger
    seconds: list[float] = field(default_factory=list)
    plain: list[float] = field(default_factory=list)
    evaluations: int = 0
    stops: int = 0
    errors: list[str] = field(default_factory=list)

    def row(self) -> dict[str, Any]:
        if not self.seconds:
            return {
                "workload": self.workload,
                "scenario": self.scenario.name,
                "debugger": self.debugger.name,
                "runs": 0,
                "error": self.errors[0] if self.errors else "no runs",
            }
        ratios = [t / p for t, p in zip(self.seconds, self.plain, strict=True)]
        row: dict[str, Any] = {
            "workload": self.workload,
            "scenario": self.scenario.name,
            "debugger": self.debugger.name,
            "runs": len(self.seconds),
            "seconds": statistics.median(self.seconds),
            "plain_seconds": statistics.median(self.plain),
            "ratio": statistics.median(ratios),
            "evaluations": self.evaluations,
            "stops": self.stops,
        }
        if self.scenario.name in PER_EVENT and self.evaluations:
            extra = [
                (t - p) / self.evaluations * 1e6
                for t, p in zip(self.seconds, self.plain, strict=True)
            ]
            row[PER_EVENT[self.scenario.name]] = statistics.median(extra)
        return row


def measure_overhead(
    debuggers: list[Debugger],
    pairs: list[tuple[str, Scenario]],
    *,
    rounds: int,
    size: float,
    progress: Progress = lambda text: None,
    clock: str = "seconds",
) -> list[dict[str, Any]]:
    """Run every (workload, scenario) under every debugger ``rounds`` times.

    ``clock``: the result field compared, ``seconds`` (wall clock) or
    ``cpu_seconds`` (the program's CPU time, which a loaded machine disturbs
    far less than the wall clock).

    Each round runs, per workload, plain first and then each debugger and
    scenario in turn, so slow drift of the machine hits all columns alike.
    """
    others = [d for d in debuggers if not d.is_plain]
    cells = {(w, s.name, d.name): Cell(w, s, d) for w, s in pairs for d in others}
    # Scenarios that run a workload at the same size share one plain run per round.
    groups: dict[tuple[str, float], list[Scenario]] = {}
    for workload, scenario in pairs:
        groups.setdefault((workload, scenario.size(workload, size)), []).append(scenario)
    for number in range(1, rounds + 1):
        for (workload, _), scenarios in groups.items():
            plain = session.run(PLAIN, scenarios[0].plan(workload, size))
            progress(f"round {number}/{rounds} {workload}: plain {plain.result[clock]:.3f} s")
            for debugger in others:
                for scenario in scenarios:
                    cell = cells[(workload, scenario.name, debugger.name)]
                    try:
                        outcome = session.run(debugger, scenario.plan(workload, size))
                    except (session.DapError, OSError, subprocess.SubprocessError) as exc:
                        cell.errors.append(f"{exc.__class__.__name__}: {exc}")
                        progress(
                            f"round {number}/{rounds} {workload} {scenario.name} {debugger.name}: {exc}"
                        )
                        continue
                    cell.seconds.append(outcome.result[clock])
                    cell.plain.append(plain.result[clock])
                    cell.evaluations = int(outcome.result.get("evaluations", 0))
                    cell.stops += outcome.stops
                    progress(
                        f"round {number}/{rounds} {workload} {scenario.name} {debugger.name}: "
                        f"{outcome.result[clock]:.3f} s ({outcome.result[clock] / plain.result[clock]:.2f}x)"
                    )
    return [cell.row() for cell in cells.values()]
