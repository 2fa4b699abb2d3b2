"""Session latencies through real DAP: startup, a whole trivial session,
``next`` → ``stopped``, and inspecting a deep stack."""

from __future__ import annotations

import statistics
import subprocess
import time
from collections.abc import Callable
from typing import Any

from benchmarks import session
from benchmarks.debuggers import PLAIN, Debugger
from benchmarks.session import Breakpoint, DebugSession, Plan
from benchmarks.workloads import marker_line, script

Progress = Callable[[str], None]


def _row(metric: str, debugger: str, samples: list[float]) -> dict[str, Any]:
    return {
        "metric": metric,
        "debugger": debugger,
        "seconds": statistics.median(samples),
        "samples": len(samples),
    }


def startup(debuggers: list[Debugger], *, runs: int, progress: Progress) -> list[dict[str, Any]]:
    """spawn → configurationDone answered, and a trivial script end to end,
    interleaved across debuggers (plain gives the end-to-end floor)."""
    plan = Plan(script("trivial"))
    configured: dict[str, list[float]] = {d.name: [] for d in debuggers}
    finished: dict[str, list[float]] = {d.name: [] for d in debuggers}
    for number in range(1, runs + 1):
        for debugger in debuggers:
            if debugger.is_plain:
                outcome = session.run_plain_untimed(plan)
            else:
                with DebugSession(debugger, plan) as run:
                    configured[debugger.name].append(run.configure())
                    outcome = session.Outcome({}, finished=run.wait_terminated())
            finished[debugger.name].append(outcome.finished)
        progress(f"startup round {number}/{runs}")
    rows = [
        _row("spawn_to_configuration_done", d.name, configured[d.name])
        for d in debuggers
        if not d.is_plain
    ]
    rows += [_row("trivial_end_to_end", d.name, finished[d.name]) for d in debuggers]
    return rows


def _stop_at(run: DebugSession) -> int:
    run.configure()
    return run.client.event("stopped")["body"]["threadId"]


def _finish(run: DebugSession, thread: int) -> None:
    """Let the program run to its end. The ``continue`` answer itself is not
    awaited: a program that ends at once may take the answer with it."""
    run.client.send_request("continue", {"threadId": thread})
    run.wait_terminated()


def stepping(debugger: Debugger, *, steps: int) -> dict[str, Any]:
    """Median time from sending ``next`` to its ``stopped`` event."""
    path = script("stepping")
    plan = Plan(path, breakpoints=[Breakpoint(path, marker_line("stepping", "step_start"))])
    samples = []
    with DebugSession(debugger, plan) as run:
        thread = _stop_at(run)
        for _ in range(steps):
            started = time.perf_counter()
            run.client.send_request("next", {"threadId": thread})
            run.client.event("stopped")
            samples.append(time.perf_counter() - started)
        _finish(run, thread)
    return _row("next_to_stopped", debugger.name, samples)


def inspect_deep_stack(debugger: Debugger, *, repeats: int) -> dict[str, Any]:
    """Median time of ``stackTrace`` + ``scopes`` + ``variables`` 50 frames deep."""
    path = script("deep_stack")
    plan = Plan(path, breakpoints=[Breakpoint(path, marker_line("deep_stack", "bottom"))])
    samples = []
    with DebugSession(debugger, plan) as run:
        thread = _stop_at(run)
        for _ in range(repeats):
            started = time.perf_counter()
            frames = run.client.request(
                "stackTrace", {"threadId": thread, "startFrame": 0, "levels": 0}
            )
            depth = len(frames["stackFrames"])
            if depth < 50:
                raise session.DapError(
                    f"{debugger.name}: expected a 50-deep stack, got {depth} frames"
                )
            scopes = run.client.request("scopes", {"frameId": frames["stackFrames"][0]["id"]})
            run.client.request(
                "variables", {"variablesReference": scopes["scopes"][0]["variablesReference"]}
            )
            samples.append(time.perf_counter() - started)
        _finish(run, thread)
    return _row("inspect_50_deep_stack", debugger.name, samples)


def measure_latency(
    debuggers: list[Debugger],
    *,
    runs: int,
    steps: int,
    repeats: int,
    progress: Progress = lambda text: None,
) -> list[dict[str, Any]]:
    """All latency rows for ``debuggers`` (plain only appears end to end)."""
    rows = []
    for name, measure in (
        (
            "startup",
            lambda: startup(
                [PLAIN, *[d for d in debuggers if not d.is_plain]], runs=runs, progress=progress
            ),
        ),
    ):
        rows += _guarded(name, "all", measure)
    for debugger in debuggers:
        if debugger.is_plain:
            continue
        rows += _guarded(
            "next_to_stopped", debugger.name, lambda d=debugger: [stepping(d, steps=steps)]
        )
        rows += _guarded(
            "inspect_50_deep_stack",
            debugger.name,
            lambda d=debugger: [inspect_deep_stack(d, repeats=repeats)],
        )
        progress(f"stepping and inspection: {debugger.name}")
    return rows


def _guarded(
    metric: str, debugger: str, measure: Callable[[], list[dict[str, Any]]]
) -> list[dict[str, Any]]:
    """Run one measurement; a debugger that fails it gets an error row instead."""
    try:
        return measure()
    except (session.DapError, OSError, KeyError, subprocess.SubprocessError) as exc:
        return [
            {"metric": metric, "debugger": debugger, "error": f"{exc.__class__.__name__}: {exc}"}
        ]
