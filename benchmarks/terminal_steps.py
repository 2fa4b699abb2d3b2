"""What ``until``, ``next`` over a long call and ``return`` cost in
``dapper debug``, next to ``python -m pdb`` and a plain run.

Each tool runs the same program twice per round: with N iterations and with
a handful. The difference is what running through the N iterations cost
under that command (start-up, the stop and the typing cancel out); each
figure is that cost divided by a plain run's (same difference, same round).
A command that costs "an untraced run plus a constant" has a ratio near 1.

    python -m benchmarks.terminal_steps [--size N] [--rounds R] [--json PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks.debuggers import debuggee_env
from benchmarks.workloads import marker_line as workload_marker_line
from benchmarks.workloads import script

PROGRAM = Path(script("long_steps"))
SMALL = 10

#: command -> (program mode, marker of the line to stop at first, the command)
OPERATIONS = {
    "until": ("loop", "until_at", "until"),
    "next": ("call", "next_at", "next"),
    "return": ("inner", "return_from", "return"),
}


def marker_line(marker: str) -> int:
    return workload_marker_line("long_steps", marker)


def backends() -> list[str]:
    names = ["settrace"]
    if sys.version_info >= (3, 12):
        names.append("sys.monitoring")
    try:
        import dapper._frame_eval._frame_evaluator  # noqa: F401
    except ImportError:
        pass
    else:
        names.append("eval_frame")
    return names


def _commands(operation: str) -> list[str]:
    mode, marker, command = OPERATIONS[operation]
    return [f"tbreak {PROGRAM}:{marker_line(marker)}", "continue", command, "quit"]


def argv_for(tool: str, operation: str, n: int) -> tuple[list[str], str | None]:
    """The command line (and what to type on stdin) for one run."""
    mode = OPERATIONS[operation][0]
    program = [str(PROGRAM), mode, str(n)]
    if tool == "plain":
        return [sys.executable, *program], None
    if tool == "pdb":
        return [sys.executable, "-m", "pdb", *program], "\n".join(_commands(operation)) + "\n"
    backend = tool.removeprefix("dapper-")
    options = [arg for line in _commands(operation) for arg in ("-c", line)]
    return [
        sys.executable,
        "-m",
        "dapper.cli",
        "debug",
        "--backend",
        backend,
        *options,
        *program,
    ], None


def timed(tool: str, operation: str, n: int) -> float:
    argv, stdin = argv_for(tool, operation, n)
    start = time.perf_counter()
    done = subprocess.run(
        argv,
        input=stdin,
        text=True,
        capture_output=True,
        env=debuggee_env({}),
        timeout=900,
        check=False,
    )
    elapsed = time.perf_counter() - start
    if tool != "plain" and f"({marker_line(OPERATIONS[operation][1])})" not in done.stdout:
        raise RuntimeError(
            f"{tool} {operation} did not stop where expected:\n{done.stdout[-2000:]}"
        )
    return elapsed


def measure(size: int, rounds: int, tools: list[str]) -> list[dict[str, Any]]:
    rows = []
    for operation in OPERATIONS:
        costs: dict[str, list[float]] = {tool: [] for tool in ["plain", *tools]}
        for _ in range(rounds):
            for tool in costs:  # interleaved: every tool in every round
                costs[tool].append(timed(tool, operation, size) - timed(tool, operation, SMALL))
        plain = costs.pop("plain")
        for tool, samples in costs.items():
            ratios = [c / p for c, p in zip(samples, plain, strict=True)]
            rows.append(
                {
                    "operation": operation,
                    "tool": tool,
                    "size": size,
                    "rounds": rounds,
                    "median_ratio_vs_plain": statistics.median(ratios),
                    "median_seconds": statistics.median(samples),
                    "plain_median_seconds": statistics.median(plain),
                }
            )
    for row in rows:
        pdb = next(r for r in rows if r["operation"] == row["operation"] and r["tool"] == "pdb")
        row["ratio_vs_pdb"] = row["median_seconds"] / pdb["median_seconds"]
    return rows


def table(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| command | tool | cost / plain run | cost / pdb's | seconds (plain) |",
        "|---|---|---:|---:|---:|",
    ]
    for row in rows:
        lines.append(
            f"| {row['operation']} | {row['tool']} | {row['median_ratio_vs_plain']:.1f}x "
            f"| {row['ratio_vs_pdb']:.3f} | {row['median_seconds']:.2f} ({row['plain_median_seconds']:.2f}) |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1_000_000, help="loop iterations")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", help="write the rows here")
    args = parser.parse_args(argv)
    tools = ["pdb", *(f"dapper-{name}" for name in backends())]
    rows = measure(args.size, args.rounds, tools)
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, N = {args.size}")
    print(table(rows))
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
