"""Keeps the benchmark runner working: a tiny ``--quick`` run under plain Python
and Dapper's settrace backend must produce a complete, sensible JSON result.
No timing is asserted beyond "positive"."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from benchmarks.scenarios import COND_FALSE, QUICK_PAIRS
from benchmarks.workloads import OVERHEAD_WORKLOADS, marker_line

#: builds packages / runs whole benchmark sessions in processes
pytestmark = pytest.mark.slow

SIZE = 0.02
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _run_overhead(*args: str) -> subprocess.CompletedProcess:
    """``python -m benchmarks.overhead ARGS`` with this checkout importable."""
    env = dict(os.environ)
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    completed = subprocess.run(
        [sys.executable, "-m", "benchmarks.overhead", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,  # four quick rows x 5 rounds of real sessions, on a loaded machine
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    return completed


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, str]:
    out = tmp_path_factory.mktemp("bench") / "results.json"
    completed = _run_overhead(
        *("--quick", "--size", str(SIZE), "--debuggers", "dapper-settrace"),
        *("--compare", "--json", str(out)),
    )
    with open(out, encoding="utf-8") as handle:
        return json.load(handle), completed.stdout


def test_every_quick_row_is_measured_for_plain_and_settrace(quick_run: tuple[dict, str]) -> None:
    results, _ = quick_run
    assert results["debuggers"] == ["plain", "dapper-settrace"]
    rows = {(r["workload"], r["scenario"], r["debugger"]): r for r in results["overhead"]}
    assert set(rows) == {(w, s, "dapper-settrace") for w, s in QUICK_PAIRS}
    for row in rows.values():
        assert "error" not in row, row
        assert row["runs"] == results["meta"]["rounds"] == 5
        assert row["seconds"] > 0 and row["plain_seconds"] > 0 and row["ratio"] > 0
        assert row["evaluations"] > 0
        if row["scenario"] == "hit_count":  # %1000: every 1000th evaluation, each round
            assert row["stops"] == row["runs"] * (row["evaluations"] // 1000) > 0
        else:
            assert row["stops"] == 0, "a breakpoint that must never stop did stop"


def test_false_condition_reports_a_cost_per_evaluation(quick_run: tuple[dict, str]) -> None:
    results, _ = quick_run
    (row,) = [r for r in results["overhead"] if r["scenario"] == "cond_false"]
    # 2M calls, scaled by --size and by the scenario's own scale.
    assert row["evaluations"] == int(2_000_000 * COND_FALSE.size("call_heavy", SIZE))
    assert "per_evaluation_us" in row


def test_session_latencies_are_measured(quick_run: tuple[dict, str]) -> None:
    results, _ = quick_run
    rows = {(r["metric"], r["debugger"]): r for r in results["latency"]}
    for metric in (
        "spawn_to_configuration_done",
        "trivial_end_to_end",
        "next_to_stopped",
        "inspect_50_deep_stack",
    ):
        row = rows[(metric, "dapper-settrace")]
        assert "error" not in row, row
        assert row["seconds"] > 0 and row["samples"] > 0
    assert rows[("trivial_end_to_end", "plain")]["seconds"] > 0


def test_header_and_skips_are_recorded(quick_run: tuple[dict, str]) -> None:
    results, stdout = quick_run
    meta = results["meta"]
    assert meta["python"] == ".".join(map(str, sys.version_info[:3]))
    assert meta["cpus"] >= 1 and meta["quick"] is True and meta["size"] == SIZE
    skipped = {s["debugger"] for s in results["skipped"]}
    assert "debugpy" in skipped  # left out by --debuggers, or not installed
    assert "| call_heavy | bp_never |" in stdout
    assert "--compare: no debugpy rows" in stdout


@pytest.mark.parametrize("workload", OVERHEAD_WORKLOADS)
def test_workloads_mark_their_breakpoint_lines(workload: str) -> None:
    lines = {marker: marker_line(workload, marker) for marker in ("hot", "never", "after")}
    assert len(set(lines.values())) == 3


def test_a_program_that_dies_without_a_result_fails_its_row_with_the_reason(tmp_path) -> None:
    # A workload that crashes must not leave the runner waiting out its
    # whole time limit: the row fails with the program's own error.
    from benchmarks.debuggers import available_debuggers
    from benchmarks.session import DapError, Plan, run_debugged

    crashing = tmp_path / "crashing.py"
    crashing.write_text("raise RuntimeError('workload broke')\n")
    settrace = next(
        d for d in available_debuggers(with_debugpy=False)[0] if d.name.endswith("settrace")
    )
    with pytest.raises(DapError) as failure:
        run_debugged(settrace, Plan(str(crashing)))
    message = str(failure.value)
    assert "ended without reporting a result" in message
    assert "RuntimeError: workload broke" in message


def test_cpu_time_clock_compares_the_programs_cpu_seconds(tmp_path) -> None:
    """``--cpu-time``: ratios of the program's CPU time, for a loaded machine."""
    out = tmp_path / "cpu.json"
    completed = _run_overhead(
        *("--size", str(SIZE), "--rounds", "1", "--cpu-time", "--no-latency"),
        *("--debuggers", "dapper-settrace", "--scenarios", "bp_never"),
        *("--workloads", "call_heavy", "--json", str(out)),
    )
    results = json.loads(out.read_text(encoding="utf-8"))
    assert results["meta"]["clock"] == "cpu"
    assert "CPU time" in completed.stdout
    (row,) = results["overhead"]
    assert row["runs"] == 1 and row["seconds"] > 0 and row["plain_seconds"] > 0
